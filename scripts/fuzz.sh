#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ (clang++, ASan+UBSan) into build-fuzz/ and runs each
# for a short while on a scratch copy of its seed corpus, so the committed fuzz/corpus/
# never grows. Fails if any target finds a crash, a sanitizer report or a broken invariant;
# the input that did it is kept in build-fuzz/crashes/<target>/ with the command to replay it.
#
#   scripts/fuzz.sh [seconds-per-target]     (default 20; targets run $FUZZ_JOBS at a time,
#                                             default: the number of CPUs)
# Needs: clang, libclang-rt-14-dev, nlohmann-json3-dev (scripts/install-deps.sh --test).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
jobs=${FUZZ_JOBS:-$(nproc)}
build=build-fuzz
targets=(signup_form signup_json safe_url sse_resume static_resolve request_head
         forwarded_for signature_headers source_mappers display_name)
declare -A dict=([signup_form]=signup [signup_json]=signup [safe_url]=signup
                 [sse_resume]=sse [static_resolve]=static [request_head]=http
                 [forwarded_for]=http [signature_headers]=sources [source_mappers]=sources
                 [display_name]=names)
# The server refuses bodies over 16 KiB; paths and ids are short; a request head is read
# up to 16 KiB, so 20000 bytes reach past that limit with a body behind it. A name is 120
# characters of up to 4 bytes, with room for the hidden ones stripped before it is counted.
declare -A max_len=([signup_form]=16384 [signup_json]=16384 [safe_url]=4096
                    [sse_resume]=1024 [static_resolve]=1024 [request_head]=20000
                    [forwarded_for]=1024 [signature_headers]=4096 [source_mappers]=16384
                    [display_name]=2048)

if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 [seconds-per-target]" >&2
  exit 2
fi

started=$SECONDS
rm -rf "$build/crashes"  # only this run's findings
# A unity build, as for the sanitizers: the shared library of instrumented sources
# compiles as 3 files, not 17 (40 s against 53 s on this 2-core machine).
cmake -S fuzz -B "$build" -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++}" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
# Keep the build out of `git status` without touching the project's .gitignore.
echo '*' > "$build/.gitignore"
echo "fuzz: built in $((SECONDS - started)) s; running ${#targets[@]} targets for ${seconds} s each, $jobs at a time"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/proof-fuzz.XXXXXX")
running=()
cleanup() {
  for pid in "${running[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT

run() {
  local name=$1
  mkdir -p "$scratch/corpus/$name" "$scratch/artifacts/$name"
  cp -R "fuzz/corpus/$name/." "$scratch/corpus/$name/"
  # detect_leaks is on by default under libFuzzer; UBSan already aborts (-fno-sanitize-recover).
  ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$build/fuzz_$name" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len="${max_len[$name]}" -dict="fuzz/dict/${dict[$name]}.dict" \
    -artifact_prefix="$scratch/artifacts/$name/" -print_final_stats=1 \
    "$scratch/corpus/$name" >"$scratch/$name.log" 2>&1
}

declare -A pid_of=() status=()
for name in "${targets[@]}"; do
  while [ "${#running[@]}" -ge "$jobs" ]; do
    wait -n -p done_pid "${running[@]}" && rc=0 || rc=$?
    status[$done_pid]=$rc
    still=()
    for pid in "${running[@]}"; do [ "$pid" = "$done_pid" ] || still+=("$pid"); done
    running=("${still[@]}")
  done
  run "$name" &
  pid_of[$name]=$!
  running+=("$!")
done
for pid in "${running[@]}"; do
  wait "$pid" && rc=0 || rc=$?
  status[$pid]=$rc
done
running=()

failed=()
for name in "${targets[@]}"; do
  rc=${status[${pid_of[$name]}]}
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$scratch/$name.log" | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "$scratch/$name.log" | tail -1 || true)
  if [ "$rc" -eq 0 ]; then
    printf 'fuzz: %-15s ok      %8s runs, %s\n' "$name" "${runs:-?}" "${cov:-?}"
    continue
  fi
  failed+=("$name")
  printf 'fuzz: %-15s FAILED  (exit %s)\n' "$name" "$rc"
  keep="$build/crashes/$name"
  mkdir -p "$keep"
  cp "$scratch/$name.log" "$keep/"
  for artifact in "$scratch/artifacts/$name"/*; do
    [ -e "$artifact" ] || continue
    cp "$artifact" "$keep/"
    echo "      input: $keep/$(basename "$artifact")  (replay: $build/fuzz_$name $keep/$(basename "$artifact"))"
  done
  echo "----- $name log (last 60 lines; whole log in $keep/$name.log) -----"
  tail -n 60 "$scratch/$name.log"
  echo "-----"
done

echo "fuzz: finished in $((SECONDS - started)) s"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
