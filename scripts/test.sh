#!/usr/bin/env bash
# Builds proof with warnings as errors and runs every test: unit, integration, widget,
# browser, deployment and the benchmark smoke (all registered with ctest); then the C++
# tests again under AddressSanitizer+UBSan and ThreadSanitizer, the format check and
# clang-tidy on every compiled file (warnings as errors), and each fuzz target for a short
# while. PROOF_QUICK=1 stops after ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund --loglevel=error
# The /usr prefix: deploy.deb lints the package exactly as the README's deploy steps build it.
cmake -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROOF_WARNINGS_AS_ERRORS=ON \
      -DPROOF_BUILD_TESTS=ON -DPROOF_BUILD_BENCH=ON \
      -DCMAKE_INSTALL_PREFIX=/usr  # explicit: a demo build caches them otherwise
cmake --build build -j"$(nproc)"
ulimit -n "$(ulimit -Hn)"
# Two tests per core: they spend most of their time waiting on servers, timers and
# Chromium (one at a time: 416 s of wall time for 85 s of CPU), and each uses its own
# ports and temporary directories.
ctest --test-dir build --output-on-failure -j"$(($(nproc) * 2))"

if [ "${PROOF_QUICK:-0}" = 1 ]; then exit 0; fi
scripts/test-sanitizers.sh all
scripts/lint.sh
scripts/fuzz.sh 20
