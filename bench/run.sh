#!/usr/bin/env bash
# Every benchmark in one go: browse (on a seeded catalogue, the platform as its own process),
# auth, booking (on SQLite, and on PostgreSQL when one answers) — each result beside this
# machine's limits measured in the same run, then the correctness checks (no night sold twice,
# the ledger balances). Writes a markdown report to bench/results/latest.md (and prints it);
# exits non-zero when a check failed. SECONDS_PER=N sets each scenario's length (default 5); the
# whole run stays well under 10 minutes on 2 cores. The gateway hop has its own script
# (bench/gateway.sh: it needs wrk and nginx).
#
# PostgreSQL: SOJOURN_BENCH_POSTGRES_URL when set (empty: SQLite only); otherwise a server at
# postgres://postgres@127.0.0.1:5432/postgres is used when it accepts that login. Each run works
# in schemas of its own and drops them at the end.
#
# `bench/run.sh realtime` runs the realtime benchmark instead (10,000 idle sockets, then 1,000
# messages/s for 20 s, each beside a minimal WebSocket relay; SOCKETS, RATE and DURATION change
# those) and writes bench/results/realtime.md. It raises the open-files limit to the hard limit
# (10,000 sockets need 20,000 descriptors: both ends live on this machine).
#
# `bench/run.sh travel` runs the travel benchmark (issue 27) and writes bench/results/travel.md:
# flight search on the offline supplier and airport keyword search beside the axum limit, then
# the Amadeus adapter's added latency and cache hit rate against a fake Amadeus (DURATION
# seconds per scenario, default 10).
#
# `bench/run.sh notifications` runs the notifications benchmark (issue 28) and writes
# bench/results/notifications.md: the delivery worker against a local SMTP sink — NOTICES
# notices (default 10,000) over READERS registered readers (default 200) queued at once, the
# time until the sink has them all (mails/s) at worker_concurrency 16 and 64, queue→received
# latency — and the browse mix alone (DURATION seconds, default 10) and while such a burst is
# delivered. About 2 to 3 minutes on 2 cores.
#
# `bench/run.sh search` runs the search benchmark (issue 24) and writes bench/results/search.md:
# on LISTINGS seeded listings (default 100,000), the search mix, the SQL list search, the axum
# limit, suggest, indexing throughput, publish-to-searchable lag and the mix under UPDATES
# listing updates/s (default 50), each run DURATION seconds (default 20) with CONNECTIONS
# closed-loop connections (default 8), then the mix at a steady SEARCH_RATE searches/s under the
# same updates (open loop; default 0 = half what the closed loop reached). Seeding is the slow part: SEARCH_DATA_DIR=DIR keeps the
# seeded data directory (seeded only when empty) so later runs reuse it.
#
# `bench/run.sh insights` runs the insights benchmark (issue 30) and writes bench/results/insights.md:
# on LISTINGS listings (default 100,000) of USERS/5 hosts (USERS default 5,000) made by `sojourn seed`
# and PER_DAY reservations a day (default 1,500) over DAYS days (default 365) inserted into
# insights' facts and rolled up by `sojourn insights rebuild`, the p50/p99 of the host dashboard,
# the admin KPIs, series and top lists (goal: p99 < 50 ms), and `POST /api/v1/analytics/events`
# throughput (batches of 1 and 100) beside the tracking INSERT's own limit through platform::db
# (1 and 100 rows per transaction), each DURATION seconds (default 10) with CONNECTIONS clients
# (default 4). SQLite, then PostgreSQL as for `bench/run.sh` (SOJOURN_BENCH_POSTGRES_URL, or a
# local server; fresh schemas, dropped at the end; INSIGHTS_PG=0 skips it). INSIGHTS_DATA_DIR=DIR
# keeps the SQLite data directory (seeded only once).
#
# `bench/run.sh ai` runs the recommender's quality benchmark (issue 31) and writes bench/results/ai.md:
# precision@10 and recall@10 against a popularity baseline on USERS synthetic travellers
# (default 3,000; SEED, default 42) with a time-based held-out split, and the p50/p99 of READS
# reads of stored lists (default 5,000). Exits non-zero when the recommender does not beat
# popularity.
#
# `bench/run.sh peer` runs Sojourn beside another booking system (issue 32) and writes
# bench/results/peer.md: the same sign-ins, authenticated reads and booking creations (CONNECTIONS
# closed-loop clients, default 16; DURATION seconds each, default 10) against `sojourn serve` and
# against the system at PEER_URL, described by PEER_SPEC (a JSON file; bench/peer/sojourn.json
# describes Sojourn and is the default), with PEER_PID for its CPU and memory; req/s, p50/p99 and
# the ratio per scenario, RSS idle and loaded. Without PEER_URL only Sojourn's rows are printed.
#
# `bench/run.sh upload` times the upload of a 12-megapixel listing photo and panorama: until
# answered, and until `ready` (bench/upload.py; ROUNDS, default 10; needs ffmpeg and python3).
#
# `bench/run.sh media` serves a 100 MB video with ranges beside nginx serving the same file from
# disk (bench/media.sh: correctness checks, then whole-object GETs and random 1 MiB ranges,
# throughput and CPU per GB; DURATION, ROUNDS, CONNS, SEEK_CONNS change the load) and writes
# bench/results/media.md. Installs wrk, nginx-light and ffmpeg from Debian when missing.
#
# `bench/run.sh trace` measures tracing's overhead (issue 32) and writes bench/results/trace.md:
# the same load (listing detail and the signed-in profile) with tracing off and on (every
# request sampled, exported to a local OTLP sink), ROUNDS interleaved rounds per mode (default
# 3) of DURATION seconds (default 10): req/s, p50/p99, server CPU per request, ratio on÷off.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "trace" ]; then
  mkdir -p bench/results
  cargo build --release --locked -p bench -p sojourn >&2
  target/release/bench trace --seconds "${DURATION:-10}" --rounds "${ROUNDS:-3}" | tee bench/results/trace.md
  exit 0
fi

if [ "${1:-}" = "media" ]; then
  # Issue 29: a 100 MB object served with ranges, beside nginx in the same run.
  exec bench/media.sh
fi

if [ "${1:-}" = "upload" ]; then
  # Issue 29: a 12-megapixel listing photo and panorama, time to the answer and to `ready`.
  mkdir -p bench/results
  cargo build --release --locked -p sojourn >&2
  python3 bench/upload.py target/release/sojourn "${ROUNDS:-10}" | tee bench/results/upload.md
  exit 0
fi

if [ "${1:-}" = "realtime" ]; then
  SOCKETS="${SOCKETS:-10000}" RATE="${RATE:-1000}" DURATION="${DURATION:-20}"
  OUT="bench/results/realtime.md"
  mkdir -p bench/results
  cargo build --release --locked -p bench -p sojourn >&2
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $(( SOCKETS * 2 + 1000 )) ]; then
    echo "warning: ulimit -n is $(ulimit -n); $SOCKETS sockets need about $(( SOCKETS * 2 + 1000 ))" >&2
  fi
  started=$(date +%s)
  status=0
  {
    echo "# Realtime benchmark run"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB; open files $(ulimit -n)"
    echo "- command: \`bench/run.sh realtime\` (SOCKETS=$SOCKETS RATE=$RATE DURATION=$DURATION)"
    echo
    target/release/bench realtime --sockets "$SOCKETS" --rate "$RATE" --seconds "$DURATION" || status=$?
    echo "Whole run: $(( $(date +%s) - started )) s."
    if [ "$status" -ne 0 ]; then echo; echo "**The run FAILED (exit status $status): see above.**"; fi
    exit "$status"
  } | tee "$OUT"
  exit "${PIPESTATUS[0]}"
fi

if [ "${1:-}" = "search" ]; then
  LISTINGS="${LISTINGS:-100000}" DURATION="${DURATION:-20}" CONNECTIONS="${CONNECTIONS:-8}" UPDATES="${UPDATES:-50}"
  SEARCH_RATE="${SEARCH_RATE:-0}"
  OUT="bench/results/search.md"
  mkdir -p bench/results
  cargo build --release --locked -p bench -p sojourn >&2
  data_args=()
  if [ -n "${SEARCH_DATA_DIR:-}" ]; then
    mkdir -p "$SEARCH_DATA_DIR"
    data_args=(--data-dir "$SEARCH_DATA_DIR")
  fi
  started=$(date +%s)
  status=0
  {
    echo "# Search benchmark run"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "- command: \`bench/run.sh search\` (LISTINGS=$LISTINGS DURATION=$DURATION CONNECTIONS=$CONNECTIONS UPDATES=$UPDATES SEARCH_RATE=$SEARCH_RATE${SEARCH_DATA_DIR:+ SEARCH_DATA_DIR=$SEARCH_DATA_DIR})"
    echo
    target/release/bench search --listings "$LISTINGS" --seconds "$DURATION" --connections "$CONNECTIONS" \
      --updates "$UPDATES" --rate "$SEARCH_RATE" "${data_args[@]}" || status=$?
    echo "Whole run: $(( $(date +%s) - started )) s (seeding included when it seeded)."
    if [ "$status" -ne 0 ]; then echo; echo "**The run FAILED (exit status $status): see above.**"; fi
    exit "$status"
  } | tee "$OUT"
  exit "${PIPESTATUS[0]}"
fi

if [ "${1:-}" = "insights" ]; then
  LISTINGS="${LISTINGS:-100000}" USERS="${USERS:-5000}" DAYS="${DAYS:-365}" PER_DAY="${PER_DAY:-1500}"
  DURATION="${DURATION:-10}" CONNECTIONS="${CONNECTIONS:-4}"
  OUT="bench/results/insights.md"
  mkdir -p bench/results
  cargo build --release --locked -p bench -p sojourn >&2
  if [ "${INSIGHTS_PG:-1}" = "0" ]; then
    export SOJOURN_BENCH_POSTGRES_URL=""
  elif [ -z "${SOJOURN_BENCH_POSTGRES_URL+set}" ] && command -v pg_isready >/dev/null 2>&1 \
    && pg_isready -q -h 127.0.0.1 -p 5432 -t 3; then
    export SOJOURN_BENCH_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/postgres"
  fi
  data_args=()
  if [ -n "${INSIGHTS_DATA_DIR:-}" ]; then
    mkdir -p "$INSIGHTS_DATA_DIR"
    data_args=(--data-dir "$INSIGHTS_DATA_DIR")
  fi
  started=$(date +%s)
  status=0
  {
    echo "# Insights benchmark run"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "- command: \`bench/run.sh insights\` (LISTINGS=$LISTINGS USERS=$USERS DAYS=$DAYS PER_DAY=$PER_DAY DURATION=$DURATION CONNECTIONS=$CONNECTIONS${INSIGHTS_DATA_DIR:+ INSIGHTS_DATA_DIR=$INSIGHTS_DATA_DIR})"
    echo
    target/release/bench insights --listings "$LISTINGS" --users "$USERS" --days "$DAYS" --per-day "$PER_DAY" \
      --seconds "$DURATION" --connections "$CONNECTIONS" "${data_args[@]}" || status=$?
    echo "Whole run: $(( $(date +%s) - started )) s (seeding included when it seeded)."
    if [ "$status" -ne 0 ]; then echo; echo "**The run FAILED (exit status $status): see above.**"; fi
    exit "$status"
  } | tee "$OUT"
  exit "${PIPESTATUS[0]}"
fi

if [ "${1:-}" = "notifications" ]; then
  NOTICES="${NOTICES:-10000}" READERS="${READERS:-200}" DURATION="${DURATION:-10}"
  OUT="bench/results/notifications.md"
  mkdir -p bench/results
  cargo build --release --locked -p bench -p sojourn >&2
  started=$(date +%s)
  status=0
  {
    echo "# Notifications benchmark run"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "- command: \`bench/run.sh notifications\` (NOTICES=$NOTICES READERS=$READERS DURATION=$DURATION)"
    echo
    target/release/bench notifications --notices "$NOTICES" --readers "$READERS" --seconds "$DURATION" || status=$?
    echo "Whole run: $(( $(date +%s) - started )) s."
    if [ "$status" -ne 0 ]; then echo; echo "**The run FAILED (exit status $status): see above.**"; fi
    exit "$status"
  } | tee "$OUT"
  exit "${PIPESTATUS[0]}"
fi

if [ "${1:-}" = "peer" ]; then
  DURATION="${DURATION:-10}" CONNECTIONS="${CONNECTIONS:-16}"
  OUT="bench/results/peer.md"
  mkdir -p bench/results
  cargo build --release --locked -p bench -p sojourn >&2
  peer_args=()
  [ -n "${PEER_URL:-}" ] && peer_args+=(--peer-url "$PEER_URL")
  [ -n "${PEER_SPEC:-}" ] && peer_args+=(--peer-spec "$PEER_SPEC")
  [ -n "${PEER_PID:-}" ] && peer_args+=(--peer-pid "$PEER_PID")
  status=0
  {
    echo "# Peer comparison run"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "- command: \`bench/run.sh peer\` (DURATION=$DURATION CONNECTIONS=$CONNECTIONS PEER_URL=${PEER_URL:-} PEER_SPEC=${PEER_SPEC:-} PEER_PID=${PEER_PID:-})"
    echo
    target/release/bench peer --seconds "$DURATION" --connections "$CONNECTIONS" "${peer_args[@]}" || status=$?
    if [ "$status" -ne 0 ]; then echo; echo "**The run FAILED (exit status $status): see above.**"; fi
    exit "$status"
  } | tee "$OUT"
  exit "${PIPESTATUS[0]}"
fi

if [ "${1:-}" = "ai" ]; then
  OUT="bench/results/ai.md"
  mkdir -p bench/results
  cargo build --release --locked -p bench --bin ai_quality >&2
  {
    echo "# AI recommender benchmark run"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- command: \`cargo run -p bench --release --bin ai_quality -- --users ${USERS:-3000} --seed ${SEED:-42}\`"
    echo
  } | tee "$OUT"
  # pipefail: the recommender not beating popularity fails the run
  ./target/release/ai_quality --users "${USERS:-3000}" --seed "${SEED:-42}" --reads "${READS:-5000}" | tee -a "$OUT"
  exit 0
fi

if [ "${1:-}" = "travel" ]; then
  DURATION="${DURATION:-10}"
  OUT="bench/results/travel.md"
  mkdir -p bench/results
  cargo build --release --locked -p bench -p sojourn >&2
  started=$(date +%s)
  status=0
  {
    echo "# Travel benchmark run"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "- command: \`bench/run.sh travel\` (DURATION=$DURATION)"
    echo
    target/release/bench travel --seconds "$DURATION" || status=$?
    echo "Whole run: $(( $(date +%s) - started )) s."
    if [ "$status" -ne 0 ]; then echo; echo "**The run FAILED (exit status $status): see above.**"; fi
    exit "$status"
  } | tee "$OUT"
  exit "${PIPESTATUS[0]}"
fi

SECONDS_PER="${SECONDS_PER:-5}"
OUT="bench/results/latest.md"
mkdir -p bench/results
# The browse benchmark starts the release `sojourn` binary next to `bench` as its server.
cargo build --release --locked -p bench -p sojourn >&2

LOCAL_PG="postgres://postgres@127.0.0.1:5432/postgres"
if [ -z "${SOJOURN_BENCH_POSTGRES_URL+set}" ]; then
  if command -v psql >/dev/null 2>&1; then
    if PGCONNECT_TIMEOUT=3 psql "$LOCAL_PG" -tAqc 'SELECT 1' >/dev/null 2>&1; then
      export SOJOURN_BENCH_POSTGRES_URL="$LOCAL_PG"
    fi
  elif command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432 -t 3; then
    export SOJOURN_BENCH_POSTGRES_URL="$LOCAL_PG"
  fi
fi
if [ -n "${SOJOURN_BENCH_POSTGRES_URL:-}" ]; then
  databases="SQLite and PostgreSQL (booking); SQLite (browse, auth)"
else
  databases="SQLite only (no PostgreSQL answered at 127.0.0.1:5432; set SOJOURN_BENCH_POSTGRES_URL)"
fi

started=$(date +%s)
status=0
{
  echo "# Benchmark run"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "- databases: $databases"
  echo "- command: \`bench/run.sh\` (SECONDS_PER=$SECONDS_PER)"
  echo
  target/release/bench all --seconds "$SECONDS_PER" || status=$?
  echo "Whole run: $(( $(date +%s) - started )) s."
  if [ "$status" -ne 0 ]; then echo; echo "**The run FAILED (exit status $status): see the checks above.**"; fi
  exit "$status"
} | tee "$OUT"
