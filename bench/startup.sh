#!/usr/bin/env bash
# Start-up, idle memory and shutdown of `sojourn serve` on an empty data directory.
# Usage: bench/startup.sh [path/to/sojourn] [runs]
# Prints one line per run, then the medians. Loopback only; bounded runs.
set -euo pipefail
BIN="${1:-target/release/sojourn}"
RUNS="${2:-5}"
PORT="${BENCH_PORT:-39123}"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
ready=(); rss=(); stop=()
for run in $(seq "$RUNS"); do
  dir=$(mktemp -d)
  t0=$(now_ms)
  "$BIN" serve --port "$PORT" --data-dir "$dir" >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null; do
    if [ $(( $(now_ms) - t0 )) -gt 10000 ]; then echo "not ready after 10 s" >&2; kill "$pid"; exit 1; fi
    sleep 0.005
  done
  t_ready=$(( $(now_ms) - t0 ))
  # Touch every ops endpoint and the docs, then let it go idle.
  for _ in $(seq 100); do curl -s "http://127.0.0.1:$PORT/health" >/dev/null; done
  for p in /metrics /api-docs/openapi.json /docs /docs/ui/swagger-ui-bundle.js /nope; do
    curl -s "http://127.0.0.1:$PORT$p" >/dev/null
  done
  sleep 2
  kb=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  t1=$(now_ms)
  kill -TERM "$pid"
  code=0; wait "$pid" || code=$?
  t_stop=$(( $(now_ms) - t1 ))
  rm -rf "$dir"
  echo "run $run: ready_ms=$t_ready idle_rss_kb=$kb sigterm_to_exit_ms=$t_stop exit_code=$code"
  [ "$code" -eq 0 ] || { echo "non-zero exit" >&2; exit 1; }
  ready+=("$t_ready"); rss+=("$kb"); stop+=("$t_stop")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median: ready_ms=$(median "${ready[@]}") idle_rss_kb=$(median "${rss[@]}") sigterm_to_exit_ms=$(median "${stop[@]}")"
