#pragma once
// A headless Chromium that the framework starts, owns and stops: Debian's `chromium` with flags
// that need no network, a user-data-dir of its own in a temporary folder (removed when it ends),
// and its DevTools endpoint on a loopback port that Chromium chooses.
//
// Port, not --remote-debugging-pipe: the pipe needs file descriptors 3 and 4 wired into the child
// (spawn_child gives it only standard streams) and a NUL-framed transport of our own, while the
// port gives a plain WebSocket that Boost.Beast already speaks and that a developer can attach
// DevTools to while a test runs. The port is bound to 127.0.0.1 and chosen by Chromium
// (--remote-debugging-port=0), so parallel browsers never collide; it is read from
// DevToolsActivePort, which Chromium writes into the user-data-dir once it listens.
#include "core/child_process.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace orbweaver::browser {

struct process_options {
  std::filesystem::path program{};  // empty: `chromium` from PATH (find_chromium)
  std::chrono::milliseconds start_timeout{30000};  // until DevToolsActivePort appears
  std::chrono::milliseconds stop_grace{5000};      // after SIGTERM, before SIGKILL
  std::vector<std::string> extra_args{};           // appended after the framework's flags
};

// Debian's chromium (or chromium-browser, google-chrome) found in PATH; empty when none is.
std::filesystem::path find_chromium();

// The flags the browser is started with (without the program).
std::vector<std::string> chromium_arguments(const std::filesystem::path& user_data_dir,
                                            const std::vector<std::string>& extra_args);

// "ws://127.0.0.1:PORT/devtools/browser/ID" from DevToolsActivePort's text (a port line, then a
// path line); nothing while the file is incomplete.
std::optional<std::string> websocket_url_from_active_port(const std::string& text);

class process {
 public:
  // Starts the browser and waits on the reactor, without blocking it, for its DevTools endpoint.
  // Throws std::system_error (errc::browser_lost) naming the cause and the end of Chromium's
  // output when it is not found, exits early, or does not listen within start_timeout.
  static boost::asio::awaitable<std::shared_ptr<process>> start(process_options options);
  // No defaults on coroutines: GCC 12 destroys a braced default argument twice (docs/status.md).
  static boost::asio::awaitable<std::shared_ptr<process>> start() { return start(process_options()); }

  process(const process&) = delete;
  process& operator=(const process&) = delete;
  // Kills the browser (kill()) if it still runs and removes the temporary folder.
  ~process();

  const std::string& websocket_url() const { return websocket_url_; }
  int pid() const { return pid_; }
  std::filesystem::path log_file() const { return folder_ / "chromium.log"; }

  // Resumes when the browser has ended, however it ended (stop(), a crash, a kill), with how.
  // One waiter at a time.
  boost::asio::awaitable<child_exit> wait_exit();
  // The browser's end once seen, nothing while it runs.
  std::optional<child_exit> exited();
  // SIGTERM, then SIGKILL to its whole process group after stop_grace; resumes when it has ended.
  boost::asio::awaitable<child_exit> stop();
  // SIGKILL to the browser's process group and reaping, at once.
  child_exit kill();

 private:
  struct watch;
  process(boost::asio::any_io_executor executor, process_options options);

  process_options options_;
  std::filesystem::path folder_;  // the user-data-dir (profile/) and chromium.log inside it
  int pid_ = -1;
  std::string websocket_url_;
  std::optional<child_exit> exit_;
  std::unique_ptr<watch> watch_;
};

}  // namespace orbweaver::browser
