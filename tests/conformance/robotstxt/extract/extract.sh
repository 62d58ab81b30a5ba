#!/bin/sh
# Regenerates ../cases.json from google/robotstxt's robots_test.cc: the test file is compiled
# against the stand-ins here (robots.h, gtest/gtest.h, absl/...), which record each call the
# reference tests make and the expectation it is checked against instead of running the parser.
#   extract.sh PATH/TO/robots_test.cc
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -std=c++20 -I"$here" -o "$work/extract" "$1" "$here/main.cpp"
"$work/extract" > "$work/cases.jsonl"
{ echo "["; sed '$!s/$/,/' "$work/cases.jsonl"; echo "]"; } > "$here/../cases.json"
