#!/usr/bin/env bash
# The performance benchmark (issue 9): installs what it needs and builds the release site
# (scripts/build.sh, which runs scripts/setup.sh), then runs scripts/bench.mjs, which serves
# dist/ on loopback, drives headless Chromium at 1280x720 with Playwright and prints one table
# on stdout (progress on stderr). It never fails on timing; it exits non-zero only when the
# build fails or the page is broken.
#
#   bash scripts/bench.sh                          # about 5 minutes
#   BENCH_SECONDS=10 bash scripts/bench.sh         # longer rows
#   BENCH_SOAK_SECONDS=3600 bash scripts/bench.sh  # the one-hour soak at 10x
#   BENCH_SKIP_BUILD=1 bash scripts/bench.sh       # reuse dist/ as it is
#
# See the top of scripts/bench.mjs for the other settings and where each figure comes from.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
  source scripts/setup.sh --browser
else
  bash scripts/build.sh >&2
  source scripts/setup.sh --browser
fi
node scripts/bench.mjs
