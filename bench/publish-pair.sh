#!/usr/bin/env bash
# Two proof binaries' publish figures side by side, alternating, in one run: what run.py
# cannot do (it pairs proof with nchan). Each run starts the binary fresh, holds 10 streams
# open with proof-loadgen, POSTs with wrk -t2 -c16 for 10 s as run.py does, and reads the
# server's CPU from /proc/PID/stat around wrk.
#
#   bench/publish-pair.sh OLD_BINARY NEW_BINARY [ROUNDS] [THREADS...]
#   bench/publish-pair.sh /tmp/proof-0678ced build/proof 3 1 auto
#
# Prints one line a run: binary, loops, requests/s, server CPU, µs of CPU per POST, non-2xx;
# exits 1 if a run got no answer or any non-2xx. PAIR_SECONDS (default 10) sets wrk's
# duration and PROOF_LOADGEN the generator (default build/bench/proof-loadgen): the ctest
# smoke (bench_publish_pair) runs one binary against itself for 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n 7,8p "$0" >&2; exit 2; }
old=$1 new=$2 rounds=${3:-3}
shift $(($# < 3 ? $# : 3))
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(1 auto)
loadgen=${PROOF_LOADGEN:-build/bench/proof-loadgen}
seconds=${PAIR_SECONDS:-10}
failed=0
key=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
port=$((20000 + RANDOM % 20000))
ulimit -n 20000

one_run() {
  local binary=$1 loops=$2 flags=()
  [ "$loops" = auto ] || flags=(--threads "$loops")
  # The key goes in through the environment, never argv.
  PROOF_API_KEY=$key "$binary" --bind 127.0.0.1 --port "$port" --max-subscribers-per-ip 0 \
    --max-publish-rate 0 --history 100 --log-level warn "${flags[@]}" 2>/dev/null &
  local server=$!
  for _ in $(seq 50); do
    curl -fso /dev/null "http://127.0.0.1:$port/healthz" && break
    sleep 0.1
  done
  "$loadgen" --host 127.0.0.1 --port "$port" --subscribers 10 --events 0 --settle-ms 0 \
    --hold-seconds -1 --drain-ms 0 >/dev/null 2>&1 &
  local holder=$!
  sleep 1
  local before after out
  before=$(awk '{print $14 + $15}' "/proc/$server/stat")
  out=$(PROOF_BENCH_KEY=$key wrk -t2 -c16 "-d${seconds}s" -s bench/wrk-proof.lua "http://127.0.0.1:$port/signup")
  after=$(awk '{print $14 + $15}' "/proc/$server/stat")
  kill "$holder" "$server"
  wait "$holder" "$server" 2>/dev/null || true
  local requests rate non2xx
  requests=$(awk '/requests in/{print $1}' <<<"$out")
  rate=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/{print $NF}' <<<"$out")
  if [ -z "$requests" ] || [ "$requests" = 0 ] || [ -n "$non2xx" ]; then
    echo "publish-pair: $binary ($loops loops) answered ${requests:-no} requests, ${non2xx:-0} non-2xx" >&2
    failed=1
    return
  fi
  python3 -c "import sys; b, l, r, n, cpu, non2xx = sys.argv[1:]; cpu = float(cpu) / $(getconf CLK_TCK)
print(f'{b}  loops={l}  {float(r):,.0f} req/s  cpu={cpu:.2f} s  {cpu / int(n) * 1e6:.1f} us/POST  non-2xx={non2xx}')" \
    "$binary" "$loops" "$rate" "$requests" "$((after - before))" "${non2xx:-0}"
}

for _ in $(seq "$rounds"); do
  for loops in "${threads[@]}"; do
    one_run "$new" "$loops"
    one_run "$old" "$loops"
  done
done
exit "$failed"
