#!/bin/sh
# Entry point for the benchmark and its CI smoke; the work is done by run.py (Python 3
# standard library only). Examples:
#   bench/run.sh --smoke                 # 300 subscribers, both servers, fails on any loss
#   bench/run.sh --json-out results.json # the full comparison (about 3 minutes)
exec python3 "$(dirname "$0")/run.py" "$@"
