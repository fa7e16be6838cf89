#!/usr/bin/env bash
# Repeats, from a `dotnet test` console log, each project's result line and every failed test with the first lines
# of its message, and any test host crash: a short block meant to be the last thing printed.
# Usage: bash ops/test-summary.sh LOG
set -euo pipefail
log="$1"
echo
echo "==== test summary ===="
# One line per project: "Passed!  - Failed: 0, Passed: 70, ... - AcqSeg.Cli.Tests.dll" (minimal) or the normal
# verbosity's "Test Run Successful/Failed" blocks; both carry the counts.
grep -E "^(Passed|Failed)! +- |Total tests:|^ +(Passed|Failed|Skipped): +[0-9]|Test Run (Successful|Failed|Aborted)" "$log" \
  | sed -E 's/^ +//' || true
# A crashed test host: the reason and (with --blame) the test that was running.
grep -E -A4 "The active test run was aborted|Test host process crashed" "$log" | head -n 20 || true
failed=$(grep -cE "^ +Failed [A-Za-z_][A-Za-z0-9_.]*" "$log" || true)
echo "failed tests: ${failed:-0}"
# Each failed test: its name, then its error message up to the stack trace (at most 12 lines each).
awk '
  /^ +Failed [A-Za-z_][A-Za-z0-9_.]*/ { sub(/^ +/, ""); print "---- " $0; inmsg = 1; n = 0; next }
  inmsg && /^ +Stack Trace:/ { inmsg = 0; next }
  inmsg && /^ +(Passed|Skipped) / { inmsg = 0; next }
  inmsg { if (n < 12) print; n++ }
' "$log" | head -n 80
