#!/usr/bin/env python3
"""Runs parsel (Scrapy's selectors: lxml's HTML parser and libxml2's XPath) over the corpus and
writes what each case gives to expected.json, which tests/unit/parsel_differential_test.cpp
compares orbweaver's results with.

  expected.py            rewrite expected.json
  expected.py --check    compare with the committed expected.json (a ctest test): exit 1 when it
                         differs, 77 (skipped) when parsel is not installed (Debian python3-parsel)

A case is a page of pages/ and a chain of steps from cases.json: ["xpath", q], ["css", q] or a
final ["re", pattern]; its result is getall() of the chain, or "error" when parsel raises.
"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))

try:
    import lxml.etree
    import parsel
except ImportError:
    print("parsel is not installed (Debian: python3-parsel); the committed expected.json stands")
    sys.exit(77)


def describe(steps):
    return ".".join('%s(%s)' % (kind, json.dumps(query, ensure_ascii=False)) for kind, query in steps)


def run(page_text, steps):
    selection = parsel.Selector(text=page_text)
    try:
        for kind, query in steps:
            if kind == "re":
                return selection.re(query)
            selection = getattr(selection, kind)(query)
        return selection.getall()
    except Exception:
        return "error"


def expected():
    with open(os.path.join(here, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    results = []
    for page, chains in cases.items():
        with open(os.path.join(here, "pages", page), encoding="utf-8") as f:
            text = f.read()
        for steps in chains:
            results.append({"page": page, "case": describe(steps), "steps": steps, "result": run(text, steps)})
    return {
        "generator": "parsel %s, lxml %s, libxml2 %s" % (
            parsel.__version__, lxml.etree.__version__, ".".join(map(str, lxml.etree.LIBXML_VERSION))),
        "cases": results,
    }


def main():
    path = os.path.join(here, "expected.json")
    made = expected()
    if sys.argv[1:] == ["--check"]:
        with open(path, encoding="utf-8") as f:
            committed = json.load(f)
        differing = [c["page"] + " " + c["case"] for c, d in zip(made["cases"], committed["cases"]) if c != d]
        if len(made["cases"]) != len(committed["cases"]):
            differing.append("%d cases now, %d committed" % (len(made["cases"]), len(committed["cases"])))
        if differing:
            print("expected.json is not what %s gives; rerun expected.py. Differing:" % made["generator"])
            for case in differing:
                print("  " + case)
            sys.exit(1)
        print("expected.json matches %s (%d cases)" % (made["generator"], len(made["cases"])))
        return
    with open(path, "w", encoding="utf-8") as f:
        json.dump(made, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote %d cases to %s" % (len(made["cases"]), path))


if __name__ == "__main__":
    main()
