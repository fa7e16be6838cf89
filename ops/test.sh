#!/usr/bin/env bash
# The whole test suite, from a clean clone: installs and starts what the tests need, then runs every test project.
# Usage: bash ops/test.sh [extra dotnet test arguments]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [ ! -d "$repo/../shared" ]; then
  echo "ops/test.sh: ../shared (reference outputs and evaluation data) is missing beside the repository;" \
       "tests that need it are skipped outside CI and fail in CI." >&2
fi

# RabbitMQ, PostgreSQL and Prometheus on loopback for tests/Integration.Tests and tests/Persistence.Tests (installed from
# Debian when missing).
source "$repo/ops/services.sh"
acqseg_start_services

dotnet build AcqSeg.sln -c Release -warnaserror -nologo -v q

# The projects run side by side and their output interleaves; a copy of it goes to a log so that the failures can be
# repeated at the very end, where a reader of only the tail of the output (a CI page) sees them.
log="$(mktemp -t acqseg-test.XXXXXX.log)"
status=0
# --blame: a test host that crashes names the test it was running (no dump is written).
dotnet test AcqSeg.sln -c Release --no-build -nologo --blame --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
bash "$repo/ops/test-summary.sh" "$log"
rm -f "$log"
exit "$status"
