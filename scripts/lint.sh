#!/usr/bin/env bash
# Formatting and lint as habits, not debts: every C++ file of the tree as .clang-format
# wants it, and clang-tidy (.clang-tidy) on every file the build compiles (src/, tests/,
# bench/), warnings as errors. Run by scripts/test.sh after the build, which writes the
# compile_commands.json clang-tidy reads.
#
#   scripts/lint.sh [BUILD_DIR]                 format check, then clang-tidy (default: build)
#   scripts/lint.sh --format-only               format check alone (~1 s)
#
# clang-tidy on the whole tree takes ~16 min on a 2-core machine (121 files, ~3 s of
# parsing and ~15 s of checks each), which CI's 45-minute budget cannot hold beside the
# sanitizers; scripts/test.sh runs it when PROOF_LINT=full.
set -euo pipefail
cd "$(dirname "$0")/.."
format_only=0
if [ "${1:-}" = --format-only ]; then
  format_only=1
  shift
fi
build=${1:-build}
started=$SECONDS

mapfile -t files < <(git ls-files '*.cpp' '*.h')
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/proof-format.$$; then
  cat /tmp/proof-format.$$
  rm -f /tmp/proof-format.$$
  echo "lint: these files differ from .clang-format; run: clang-format -i \$(git ls-files '*.cpp' '*.h')" >&2
  exit 1
fi
rm -f /tmp/proof-format.$$
echo "lint: ${#files[@]} files formatted as .clang-format says ($((SECONDS - started)) s)"
if [ "$format_only" = 1 ]; then exit 0; fi

[ -f "$build/compile_commands.json" ] || { echo "lint: no $build/compile_commands.json (build first)" >&2; exit 1; }
# The files of this tree the build compiles (fuzz/ builds apart, with clang). Debian 12's
# run-clang-tidy (LLVM 14) has no -warnings-as-errors, and clang-tidy exits 0 on warnings:
# any diagnostic in the log is the failure.
run-clang-tidy -p "$build" -quiet -j "$(nproc)" \
  "^$PWD/(src|tests|bench|main\.cpp)" > "$build/clang-tidy.log" 2>&1 || true
if grep -qE "(warning|error):" "$build/clang-tidy.log"; then
  grep -E "(warning|error):" "$build/clang-tidy.log" | sort -u >&2
  echo "lint: clang-tidy found the above (whole log: $build/clang-tidy.log)" >&2
  exit 1
fi
echo "lint: clang-tidy clean on every compiled file ($((SECONDS - started)) s)"
