#!/usr/bin/env bash
# Builds proof with warnings as errors and runs every test: unit, integration, widget,
# browser, deployment and the benchmark smoke (all registered with ctest).
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund --loglevel=error
cmake -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROOF_WARNINGS_AS_ERRORS=ON
cmake --build build -j"$(nproc)"
ulimit -n "$(ulimit -Hn)"
ctest --test-dir build --output-on-failure
