#!/usr/bin/env python3
"""Runs docs/tutorial.md as a reader would, so the tutorial cannot rot.

The tutorial's ```console blocks hold commands after "$ " (other lines are the output a reader
sees); a fenced block right after <!-- file: PATH --> is written to PATH; <!-- check: COMMAND -->
comments are shell tests the reader does not see. Everything runs in order in one bash script with
`set -e`, in a temporary folder, with the installed orbweaver first on PATH and the sample site
served on a free port that replaces the tutorial's 8301. orbweaver is installed from BUILD_DIR
into a temporary prefix first, as a reader's `scripts/install` would.

    run_tutorial.py TUTORIAL.md BUILD_DIR SOURCE_DIR
"""
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\w*)\s*$")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# `cat >> file <<'EOF'`: the lines after the command, up to EOF, are its input, not output.
HEREDOC = re.compile(r"<<-?\s*'?(\w+)'?\s*$")


def script_from(markdown):
    lines = markdown.splitlines()
    out = []
    pending_file = None
    i = 0
    while i < len(lines):
        line = lines[i]
        file_marker = re.match(r"^<!-- file: (\S+) -->$", line)
        check_marker = re.match(r"^<!-- check: (.*) -->$", line)
        fence = FENCE.match(line)
        if file_marker:
            pending_file = file_marker.group(1)
        elif check_marker:
            out.append(f"echo {shlex.quote('check: ' + check_marker.group(1))}")
            out.append(check_marker.group(1))
        elif fence:
            lang = fence.group(1)
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if pending_file:
                out.append(f"mkdir -p \"$(dirname {shlex.quote(pending_file)})\"")
                out.append(f"cat > {shlex.quote(pending_file)} <<'TUTORIAL_EOF'")
                out.extend(body)
                out.append("TUTORIAL_EOF")
                pending_file = None
            elif lang == "console":
                heredoc_end = None  # a command's here-document runs to this line
                for command in body:
                    if heredoc_end is not None:
                        out.append(command)
                        if command == heredoc_end:
                            heredoc_end = None
                    elif command.startswith("$ "):
                        out.append(f"echo {shlex.quote('+ ' + command[2:])}")
                        out.append(command[2:])
                        heredoc = HEREDOC.search(command)
                        if heredoc:
                            heredoc_end = heredoc.group(1)
                if heredoc_end is not None:
                    sys.exit(f"run_tutorial: a here-document in a console block never ends with {heredoc_end}")
        i += 1
    return "\n".join(out) + "\n"


def main():
    tutorial, build, source = sys.argv[1:4]
    port = str(free_port())
    markdown = open(tutorial, encoding="utf-8").read().replace("8301", port)
    with tempfile.TemporaryDirectory(prefix="orbweaver-tutorial-") as work:
        prefix = os.path.join(work, "prefix")
        subprocess.run(["cmake", "--install", build, "--prefix", prefix], check=True, stdout=subprocess.DEVNULL)
        body = script_from(markdown)
        script = os.path.join(work, "tutorial.sh")
        with open(script, "w", encoding="utf-8") as f:
            # The reader's server is stopped with the script, whatever happens.
            f.write("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + body)
        env = dict(os.environ)
        env["PATH"] = os.path.join(prefix, "bin") + os.pathsep + env["PATH"]
        env["ORBWEAVER_SRC"] = source
        env["HOME"] = work  # runspider's cache and anything else a reader's home would get
        env.pop("NO_COLOR", None)
        result = subprocess.run(["bash", script], cwd=work, env=env, stdin=subprocess.DEVNULL, timeout=1500)
        if result.returncode != 0:
            print(f"tutorial failed (exit {result.returncode}); the script was:\n{body}", file=sys.stderr)
            return 1
    print("tutorial: every command ran and every check held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
