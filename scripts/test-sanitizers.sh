#!/usr/bin/env bash
# Runs the tests again under sanitizers:
#   address: build-asan/ (-DPROOF_SANITIZE=address: ASan + UBSan + LeakSanitizer), then the
#            whole ctest suite except the widget, browser and bench tests (Node and Chromium
#            test the JavaScript, not our C++; the bench smoke measures speed) and the
#            deployment sandbox and container image tests (see below). Tests see PROOF_SANITIZER=address|thread.
#   thread:  build-tsan/ (-DPROOF_SANITIZE=thread), then the hub, worker pool, fan-out,
#            connection, caps, presence-exchange, intake and key-store unit tests (the
#            intake's test of one delivery on eight threads at once), and the stream,
#            publish, strict HTTP, Redis-counts, several-loops and many-addresses
#            integration tests (the loops, workers, Redis reader and tallies threads
#            together) against a TSan server.
# Sanitizer reports go to files (log_path), including those of every proof server the
# integration tests start, so a report fails this script even where a test would not notice
# it; they are printed at the end.
#
#   scripts/test-sanitizers.sh [address|thread|all]     (default: all)
# Needs what scripts/test.sh needs (scripts/install-deps.sh --test, npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

which=${1:-all}
case "$which" in
  address | thread | all) ;;
  *) echo "usage: $0 [address|thread|all]" >&2; exit 2 ;;
esac

jobs=$(nproc)
ulimit -n "$(ulimit -Hn)"
reports=$(mktemp -d "${TMPDIR:-/tmp}/proof-sanitizers.XXXXXX")
trap 'rm -rf "$reports"' EXIT
failed=()
started=$SECONDS

configure_and_build() {  # build-dir sanitizer [targets...]
  local dir=$1 sanitizer=$2
  shift 2
  local t0=$SECONDS
  # No -Werror here: GCC's sanitizer instrumentation is known for false -Wstringop-* and
  # -Wmaybe-uninitialized warnings; the normal build (scripts/test.sh) judges warnings.
  # -O1 -g1: the sanitizers need line numbers in their stacks, not full debug info or -O2;
  # measured on this 2-core machine, the ASan build takes 615 s this way and 1,109 s with
  # RelWithDebInfo's -O2 -g, which is most of what CI spends on sanitizers.
  # A unity build (each target's sources compiled as a few files, the standard headers
  # parsed once per file, not once per source) brings the ASan build to 335 s and the TSan
  # one (proof and the unit tests) from 269 s to 138 s. The names this needs to keep apart
  # are the ones scripts/lint.sh already lints as unity files.
  cmake -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROOF_SANITIZE="$sanitizer" \
        -DCMAKE_UNITY_BUILD=ON \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
        -DCMAKE_INSTALL_PREFIX=/usr \
        -DPROOF_BUILD_BENCH=OFF -DPROOF_WARNINGS_AS_ERRORS=OFF >/dev/null
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$dir" -j"$jobs" "${targets[@]}"
  echo '*' > "$dir/.gitignore"  # keep it out of `git status`
  echo "sanitizers: $dir built in $((SECONDS - t0)) s"
}

# Prints the reports under $reports/<prefix>.* and counts them as a failure of <step>.
check_reports() {  # step prefix...
  local step=$1 found=0
  shift
  for prefix in "$@"; do
    for f in "$reports/$prefix".*; do
      [ -s "$f" ] || continue
      found=1
      echo "===== sanitizer report ($step): $(basename "$f") ====="
      cat "$f"
    done
  done
  if [ "$found" -ne 0 ]; then
    failed+=("$step: sanitizer reports")
  fi
}

run_step() {  # name command...
  local name=$1
  shift
  local t0=$SECONDS
  if "$@"; then
    echo "sanitizers: $name passed in $((SECONDS - t0)) s"
  else
    echo "sanitizers: $name FAILED (exit $?) after $((SECONDS - t0)) s"
    failed+=("$name")
  fi
}

if [ "$which" = address ] || [ "$which" = all ]; then
  configure_and_build build-asan address
  asan_options="detect_leaks=1:abort_on_error=1:check_initialization_order=1:strict_init_order=1:log_path=$reports/asan"
  asan_env=(LSAN_OPTIONS="suppressions=$root/cmake/lsan.supp"
            UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
            PROOF_SANITIZER=address)
  # Left out of the main run, each for a reason that is not about our C++:
  # - integration: hostile asserts RSS budgets (64 MB, +16 MB over a corpus) that ASan's
  #   shadow memory and 256 MB free quarantine break by design; it runs next on its own,
  #   with a small quarantine, so its hostile requests are still checked.
  # - deploy.sandbox runs the server as another user under the unit's syscall filter
  #   (checked with strace): the ASan runtime's own syscalls and its log files in our
  #   private temp dir are not the server's.
  # - deploy.container builds the image from the binary at hand: an ASan binary pulls
  #   libasan and libubsan into it and measures the sanitizer, not the image we ship.
  # One test per core, not two as in scripts/test.sh: under ASan the servers' own work
  # doubles, and timing-bound tests (leases, intervals) keep their margins.
  run_step "ASan+UBSan ctest" env "${asan_env[@]}" ASAN_OPTIONS="$asan_options" \
    ctest --test-dir build-asan --output-on-failure --timeout 600 -j"$jobs" -LE 'browser|widget|bench' \
      -E '^(integration: hostile|deploy\.sandbox|deploy\.container)$'
  run_step "ASan+UBSan ctest: integration: hostile (small quarantine)" env "${asan_env[@]}" \
    ASAN_OPTIONS="$asan_options:quarantine_size_mb=4:thread_local_quarantine_size_kb=64:allocator_release_to_os_interval_ms=50" \
    ctest --test-dir build-asan --output-on-failure --timeout 600 -R '^integration: hostile$'
  check_reports "ASan+UBSan" asan ubsan
fi

if [ "$which" = thread ] || [ "$which" = all ]; then
  configure_and_build build-tsan thread proof proof_unit_tests
  tsan_options="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/cmake/tsan.supp:log_path=$reports/tsan"
  run_step "TSan unit tests [hub],[worker_pool],[fanout],[connection],[presence],[intake],[key_store],[caps]" env TSAN_OPTIONS="$tsan_options" PROOF_SANITIZER=thread \
    build-tsan/tests/unit/proof_unit_tests --warn NoTests "[hub],[worker_pool],[fanout],[connection],[presence],[intake],[key_store],[caps]"
  run_step "TSan integration: stream, publish, strict_http, redis_counts, threads, many_addresses" env -C tests/integration TSAN_OPTIONS="$tsan_options" PROOF_SANITIZER=thread \
    PROOF_BIN="$root/build-tsan/proof" PROOF_PUBLIC_DIR="$root/public" PYTHONDONTWRITEBYTECODE=1 \
    python3 -m unittest test_stream test_publish test_strict_http test_redis_counts test_threads test_many_addresses
  check_reports "TSan" tsan
fi

echo "sanitizers: finished in $((SECONDS - started)) s"
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'sanitizers: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "sanitizers: no reports"
