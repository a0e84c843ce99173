#!/usr/bin/env bash
# The gateway's hop, measured: the same GET of a listing sent (1) straight to the service,
# (2) through `sojourn serve --only gateway`, (3) through nginx `proxy_pass` with upstream
# keepalive — one upstream, one run, wrk on loopback, rounds interleaved so that machine noise
# hits every target alike. Prints a markdown table (req/s, p50, p99, errors, ratios).
#
# Usage: bench/gateway.sh            (DURATION=10 CONNS=64 ROUNDS=3 to change the load)
#        BASELINE=path/to/older/sojourn bench/gateway.sh   adds that build's gateway as a fourth
#        target ("baseline"), for before/after ratios measured in one run.
#        PROFILE=1 adds a perf profile of the gateway, SYSCALLS=1 system calls per request.
# Installs wrk and nginx-light from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
CONNS="${CONNS:-64}"
ROUNDS="${ROUNDS:-3}"
BIN="${BIN:-target/release/sojourn}"

install() { command -v "$1" >/dev/null || { echo "installing $2" >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }; }
install wrk wrk
install nginx nginx-light
[ -x "$BIN" ] || cargo build --release --locked -p sojourn >&2

WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 400); do curl -sf "$1" >/dev/null && return 0; sleep 0.05; done
  echo "not ready: $1" >&2; exit 1
}

UP="$(port)"; GW="$(port)"; NG="$(port)"
export SOJOURN__RATE_LIMIT__ENABLED=false SOJOURN__LOG__LEVEL=warn SOJOURN__SERVER__HOST=127.0.0.1
export SOJOURN__AUTH__PASSWORD_HASH__MEMORY_KIB=1024 SOJOURN__AUTH__PASSWORD_HASH__ITERATIONS=1

# The upstream: identity and catalog in one process (an account, a published listing).
"$BIN" serve --only identity,catalog --port "$UP" --data-dir "$WORK/up" >"$WORK/up.log" 2>&1 &
PIDS+=($!)
wait_ready "http://127.0.0.1:$UP/health/ready"
api() { curl -sf -X "$1" "http://127.0.0.1:$UP$2" -H "content-type: application/json" ${TOKEN:+-H "authorization: Bearer $TOKEN"} ${3:+-d "$3"}; }
TOKEN="$(api POST /api/v1/auth/register '{"email":"bench@example.com","password":"Password1!"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["tokens"]["accessToken"])')"
api POST /api/v1/providers '{"displayName":"Host","defaultCurrency":"EUR","timezone":"Europe/Paris"}' >/dev/null
LISTING="$(api POST /api/v1/listings '{"kind":"stay","title":"Canal flat","description":"A bright flat on the canal, close to everything.","address":{"line1":"1 Quai de Valmy","city":"Paris","country":"FR"},"location":{"lat":48.87,"lng":2.36},"instantBook":true,"stay":{"propertyType":"apartment","maxGuests":2,"bedrooms":1,"beds":1,"bathrooms":1,"nightlyPrice":10000,"checkInTime":"15:00","checkOutTime":"11:00"}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["listing"]["id"])')"
api POST "/api/v1/listings/$LISTING/publish" >/dev/null
PATH_UNDER_TEST="/api/v1/listings/$LISTING"

# The gateway: the same binary, routing identity and catalog to that process.
SOJOURN__GATEWAY__UPSTREAMS__IDENTITY__URLS="[http://127.0.0.1:$UP]" \
SOJOURN__GATEWAY__UPSTREAMS__CATALOG__URLS="[http://127.0.0.1:$UP]" \
SOJOURN__AUTH__JWKS_URL="http://127.0.0.1:$UP/.well-known/jwks.json" \
  env ${GATEWAY_THREADS:+TOKIO_WORKER_THREADS=$GATEWAY_THREADS} "$BIN" serve --only gateway --port "$GW" --data-dir "$WORK/gw" >"$WORK/gw.log" 2>&1 &
PIDS+=($!); GW_PID=$!
if [ -n "${BASELINE:-}" ]; then
  BL="$(port)"
  SOJOURN__GATEWAY__UPSTREAMS__IDENTITY__URLS="[http://127.0.0.1:$UP]" \
  SOJOURN__GATEWAY__UPSTREAMS__CATALOG__URLS="[http://127.0.0.1:$UP]" \
  SOJOURN__AUTH__JWKS_URL="http://127.0.0.1:$UP/.well-known/jwks.json" \
    "$BASELINE" serve --only gateway --port "$BL" --data-dir "$WORK/bl" >"$WORK/bl.log" 2>&1 &
  PIDS+=($!); BL_PID=$!
  wait_ready "http://127.0.0.1:$BL/health/live"
fi
wait_ready "http://127.0.0.1:$GW/health/live"

# nginx: one worker per core, keepalive to the upstream, no access log (the gateway keeps
# metrics, not an access log).
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream sojourn { server 127.0.0.1:$UP; keepalive 128; }
  server {
    listen 127.0.0.1:$NG;
    location / {
      proxy_pass http://sojourn;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # The same work the gateway does for each request: forwarded headers and a request id
      # sent up and returned to the client.
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_set_header X-Request-Id \$request_id;
      add_header X-Request-Id \$request_id always;
    }
  }
}
EOF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' &
PIDS+=($!); NG_PID=$!
wait_ready "http://127.0.0.1:$NG$PATH_UNDER_TEST"
wait_ready "http://127.0.0.1:$GW$PATH_UNDER_TEST"

# CPU time (clock ticks) used so far by the processes whose pids are given, threads included.
ticks() {
  local t=0 task f
  for p in "$@"; do
    for task in /proc/"$p"/task/*; do read -r -a f <"$task/stat" || continue; t=$((t + f[13] + f[14])); done
  done
  echo "$t"
}
proxy_pids() { case "$1" in gateway) echo "$GW_PID" ;; baseline) echo "$BL_PID" ;; nginx) echo "$NG_PID" $(pgrep -P "$NG_PID") ;; *) ;; esac; }

# One wrk run: "req/s p50_ms p99_ms errors cpu_us_per_request" (the proxy's CPU; 0 for direct).
measure() {
  local out before after
  before="$(ticks $(proxy_pids "$2"))"
  out="$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$1")"
  after="$(ticks $(proxy_pids "$2"))"
  echo "$out" | python3 -c '
import re, sys
text = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*" + str(label) + r"%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = (sum(map(int, sock.groups())) if sock else 0) + (int(bad.group(1)) if bad else 0)
total = float(re.search(r"(\d+) requests in", text).group(1))
ticks = int(sys.argv[1]) / int(sys.argv[2])
print(f"{rps:.0f} {ms(50):.3f} {ms(99):.3f} {errors} {ticks * 1e6 / total:.1f}")' "$((after - before))" "$(getconf CLK_TCK)"
}

declare -A RPS P50 P99 ERR CPU
TARGETS=(direct gateway nginx)
declare -A URL=([direct]="http://127.0.0.1:$UP$PATH_UNDER_TEST" [gateway]="http://127.0.0.1:$GW$PATH_UNDER_TEST" [nginx]="http://127.0.0.1:$NG$PATH_UNDER_TEST")
if [ -n "${BASELINE:-}" ]; then TARGETS+=(baseline); URL[baseline]="http://127.0.0.1:$BL$PATH_UNDER_TEST"; fi
for t in "${TARGETS[@]}"; do wrk -t1 -c8 -d2s "${URL[$t]}" >/dev/null; done   # warm-up
for round in $(seq "$ROUNDS"); do
  # Rotate the order each round so no target always runs first or last.
  shift_by=$(( (round - 1) % ${#TARGETS[@]} ))
  order=("${TARGETS[@]:$shift_by}" "${TARGETS[@]:0:$shift_by}")
  for t in "${order[@]}"; do
    read -r rps p50 p99 err cpu < <(measure "${URL[$t]}" "$t")
    echo "round $round $t: ${rps} req/s p50 ${p50} ms p99 ${p99} ms errors ${err} proxy CPU ${cpu} us/req" >&2
    RPS[$t]+="$rps "; P50[$t]+="$p50 "; P99[$t]+="$p99 "; CPU[$t]+="$cpu "; ERR[$t]=$(( ${ERR[$t]:-0} + err ))
  done
done

# PROFILE=1: one more gateway run under `perf record` (cpu-clock: works without hardware
# counters), then the gateway's hottest symbols.
if [ -n "${PROFILE:-}" ] && command -v perf >/dev/null; then
  perf record -q -e cpu-clock -F 2000 -g -o "$WORK/perf.data" -p "$GW_PID" -- sleep "$DURATION" >/dev/null 2>&1 &
  wrk -t2 -c"$CONNS" -d"${DURATION}s" "${URL[gateway]}" >/dev/null
  wait $!
  perf report -i "$WORK/perf.data" --no-children --sort ${PERF_SORT:-symbol} --stdio 2>/dev/null | grep -E '^ +[0-9]' | cut -c1-140 | head -40 >&2 || true
fi

# SYSCALLS=1: one more run per proxy under `strace -c -f` (which slows it down a lot: only the
# counts per request mean anything), then each proxy's system calls per request.
if [ -n "${SYSCALLS:-}" ] && command -v strace >/dev/null; then
  for t in gateway nginx ${BASELINE:+baseline}; do
    attach=(); for p in $(proxy_pids "$t"); do attach+=(-p "$p"); done
    strace -c -f -o "$WORK/strace.$t" "${attach[@]}" 2>/dev/null &
    tracer=$!; sleep 1
    served="$(wrk -t2 -c"$CONNS" -d"${DURATION}s" "${URL[$t]}" | awk '/requests in/ {print $1}')"
    kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
    python3 -c '
import sys
name, served, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [l.split() for l in open(path) if l.strip() and l.lstrip()[0].isdigit()]
calls = {r[-1]: int(r[3]) for r in rows if len(r) >= 5 and r[-1] != "total"}
total = sum(calls.values())
top = ", ".join(f"{k} {v / served:.2f}" for k, v in sorted(calls.items(), key=lambda kv: -kv[1])[:5])
print(f"{name}: {total / served:.2f} system calls per request ({top})", file=sys.stderr)' "$t" "$served" "$WORK/strace.$t"
  done
fi

median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "GET $PATH_UNDER_TEST — wrk -t2 -c$CONNS -d${DURATION}s, $ROUNDS interleaved rounds, medians ($(nproc) cores)"
echo
echo "| path | req/s | p50 ms | p99 ms | errors | proxy CPU µs/req | req/s vs direct | req/s vs nginx | p99 vs nginx |"
echo "|------|------:|-------:|-------:|-------:|-----------------:|----------------:|---------------:|-------------:|"
d_rps="$(median "${RPS[direct]}")"; n_rps="$(median "${RPS[nginx]}")"; n_p99="$(median "${P99[nginx]}")"
for t in "${TARGETS[@]}"; do
  r="$(median "${RPS[$t]}")"; p50="$(median "${P50[$t]}")"; p99="$(median "${P99[$t]}")"; cpu="$(median "${CPU[$t]}")"
  [ "$t" = direct ] && cpu="–"
  awk -v t="$t" -v r="$r" -v p50="$p50" -v p99="$p99" -v e="${ERR[$t]}" -v c="$cpu" -v d="$d_rps" -v n="$n_rps" -v np="$n_p99" \
    'BEGIN { printf "| %s | %d | %.2f | %.2f | %d | %s | %.2f | %.2f | %.2f |\n", t, r, p50, p99, e, c, r/d, r/n, p99/np }'
done
# The same comparison round by round (each round's targets ran back to back, so a ratio within
# a round is less exposed to machine noise than a ratio of medians across rounds).
ratios() { python3 -c 'import sys, statistics as s; a, b = (list(map(float, x.split())) for x in sys.argv[1:3]); r = sorted(x / y for x, y in zip(a, b)); print(" ".join(f"{x:.2f}" for x in r), "→ median", f"{s.median(r):.2f}")' "$1" "$2"; }
echo
echo "Round by round, gateway ÷ nginx: req/s $(ratios "${RPS[gateway]}" "${RPS[nginx]}"); p99 $(ratios "${P99[gateway]}" "${P99[nginx]}"); CPU/req $(ratios "${CPU[gateway]}" "${CPU[nginx]}")."
if [ -n "${BASELINE:-}" ]; then
  echo "Round by round, gateway ÷ baseline: req/s $(ratios "${RPS[gateway]}" "${RPS[baseline]}"); p99 $(ratios "${P99[gateway]}" "${P99[baseline]}"); CPU/req $(ratios "${CPU[gateway]}" "${CPU[baseline]}")."
fi
