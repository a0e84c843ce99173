#!/usr/bin/env bash
# Every benchmark in one go: browse (on a seeded catalogue), auth, booking — each result beside
# this machine's limits measured in the same run. Writes a markdown report to
# bench/results/latest.md (and prints it). SECONDS_PER=N sets each scenario's length (default 5);
# the whole run stays well under 10 minutes on 2 cores. The gateway hop has its own script
# (bench/gateway.sh: it needs wrk and nginx).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER="${SECONDS_PER:-5}"
OUT="bench/results/latest.md"
mkdir -p bench/results
cargo build --release --locked -p bench >&2
started=$(date +%s)
{
  echo "# Benchmark run"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "- command: \`bench/run.sh\` (SECONDS_PER=$SECONDS_PER)"
  echo
  target/release/bench all --seconds "$SECONDS_PER"
  echo "Whole run: $(( $(date +%s) - started )) s."
} | tee "$OUT"
