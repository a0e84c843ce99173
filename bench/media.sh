#!/usr/bin/env bash
# Serving a 100 MB video with ranges (issue 29), beside nginx serving the very same file from
# disk in the same run. A host uploads an ffmpeg-made MP4 to `sojourn serve` (all contexts,
# embedded defaults), waits for `ready` and reads its public URL; nginx (sendfile on, one
# worker, and a second nginx with `worker_processes auto`) serves the stored file under the
# same path, so every server reads the same bytes from the same page cache. First the answers
# are checked (not timed): a range is 206 with the right Content-Range and the same bytes as
# nginx's and the file's, a range past the end is 416, If-None-Match with the ETag is 304, the
# whole object equals the file. Then, rounds interleaved and rotated:
#   whole  — GETs of the whole object (200, ~100 MB each), CONNS connections: MB/s;
#   seek   — random 1 MiB `Range` requests (206), SEEK_CONNS connections: req/s, MB/s, p50/p99.
# CPU per GB: each server's user+system time (nginx: master and workers) from /proc around
# each run, over the bytes wrk read. MB and GB are 10^6 and 10^9 bytes.
#
# Usage: bench/media.sh     (DURATION=10 ROUNDS=3 CONNS=4 SEEK_CONNS=16 VIDEO_MB=100 to change)
#        NGINX_AUTO=0 leaves out the `worker_processes auto` nginx.
# Writes bench/results/media.md (and prints it). Installs wrk, nginx-light and ffmpeg from
# Debian when missing; builds target/release/sojourn when absent (BIN=... to use another).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-4}"
SEEK_CONNS="${SEEK_CONNS:-16}"
VIDEO_MB="${VIDEO_MB:-100}"
NGINX_AUTO="${NGINX_AUTO:-1}"
BIN="${BIN:-target/release/sojourn}"
SPAN=$((1024 * 1024))
OUT="bench/results/media.md"

install() { command -v "$1" >/dev/null || { echo "installing $2" >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }; }
install wrk wrk
install nginx nginx-light
install ffmpeg ffmpeg
[ -x "$BIN" ] || cargo build --release --locked -p sojourn >&2

WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 400); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "not ready: $1" >&2; exit 1
}
json() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"; }

# The video: a test pattern with grain (so it does not compress to nothing) at the bit rate
# that makes VIDEO_MB over 40 s. mpeg4 encodes fast; what is measured is serving, not codecs.
echo "making a ${VIDEO_MB} MB video" >&2
ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=25 -t 40 -vf noise=alls=8:allf=t \
  -c:v mpeg4 -b:v "$((VIDEO_MB * 8 * 98 / 100 / 40))M" -maxrate "$((VIDEO_MB * 8 / 40))M" -bufsize 20M \
  -movflags +faststart "$WORK/video.mp4"
VIDEO_SIZE="$(stat -c %s "$WORK/video.mp4")"

SJ="$(port)"; NG="$(port)"; NA="$(port)"
export SOJOURN__RATE_LIMIT__ENABLED=false SOJOURN__LOG__LEVEL=warn SOJOURN__SERVER__HOST=127.0.0.1
export SOJOURN__AUTH__PASSWORD_HASH__MEMORY_KIB=1024 SOJOURN__AUTH__PASSWORD_HASH__ITERATIONS=1
"$BIN" serve --port "$SJ" --data-dir "$WORK/data" >"$WORK/sojourn.log" 2>&1 &
PIDS+=($!); SJ_PID=$!
wait_ready "http://127.0.0.1:$SJ/health/ready"

# A host, a listing, the video uploaded the way a host does (one request up to 100 MiB,
# otherwise in pieces), then `ready`.
api() { curl -sf -X "$1" "http://127.0.0.1:$SJ$2" -H "content-type: application/json" ${TOKEN:+-H "authorization: Bearer $TOKEN"} ${3:+-d "$3"}; }
TOKEN="$(api POST /api/v1/auth/register '{"email":"bench@example.com","password":"Password1!"}' | json data.tokens.accessToken)"
api POST /api/v1/providers '{"displayName":"Host","defaultCurrency":"EUR","timezone":"Europe/Paris"}' >/dev/null
LISTING="$(api POST /api/v1/listings '{"kind":"stay","title":"Canal flat","description":"A bright flat on the canal, close to everything.","address":{"line1":"1 Quai de Valmy","city":"Paris","country":"FR"},"location":{"lat":48.87,"lng":2.36},"instantBook":true,"stay":{"propertyType":"apartment","maxGuests":2,"bedrooms":1,"beds":1,"bathrooms":1,"nightlyPrice":10000,"checkInTime":"15:00","checkOutTime":"11:00"}}' | json data.listing.id)"
api POST "/api/v1/listings/$LISTING/publish" >/dev/null
echo "uploading $VIDEO_SIZE bytes" >&2
up_started=$(date +%s.%N)
if [ "$VIDEO_SIZE" -le $((100 * 1024 * 1024)) ]; then
  MEDIA_ID="$(curl -sf -X POST "http://127.0.0.1:$SJ/api/v1/listings/$LISTING/media?kind=video&title=Tour" \
    -H "authorization: Bearer $TOKEN" -H "content-type: video/mp4" --data-binary @"$WORK/video.mp4" | json data.id)"
  how="one request"
else
  started="$(api POST "/api/v1/listings/$LISTING/media/uploads" "{\"kind\":\"video\",\"size\":$VIDEO_SIZE,\"title\":\"Tour\"}")"
  UPLOAD="$(echo "$started" | json data.id)"; PIECE="$(echo "$started" | json data.chunkSize)"
  offset=0
  while [ "$offset" -lt "$VIDEO_SIZE" ]; do
    answer="$(dd if="$WORK/video.mp4" iflag=skip_bytes,count_bytes skip="$offset" count="$PIECE" bs=1M status=none |
      curl -sf -X PATCH "http://127.0.0.1:$SJ/api/v1/media/uploads/$UPLOAD" -H "authorization: Bearer $TOKEN" \
        -H "content-type: application/offset+octet-stream" -H "upload-offset: $offset" --data-binary @-)"
    offset=$((offset + PIECE))
  done
  MEDIA_ID="$(echo "$answer" | json data.object.id)"
  how="in $PIECE-byte pieces"
fi
up_answered=$(date +%s.%N)
for _ in $(seq 1200); do
  status="$(api GET "/api/v1/media/$MEDIA_ID" | json data.status)"
  [ "$status" = processing ] || break
  sleep 0.1
done
up_ready=$(date +%s.%N)
[ "$status" = ready ] || { echo "the video is $status, not ready" >&2; cat "$WORK/sojourn.log" >&2; exit 1; }
MEDIA_PATH="$(api GET "/api/v1/media/$MEDIA_ID" | json data.url | python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.stdin.read().strip()).path)')"
FILE="$WORK/data/media/${MEDIA_PATH#/media/}"
[ -f "$FILE" ] || { echo "no stored file at $FILE" >&2; exit 1; }
SIZE="$(stat -c %s "$FILE")"
UPLOAD_LINE="$(awk -v s="$up_started" -v a="$up_answered" -v r="$up_ready" -v how="$how" \
  'BEGIN { printf "upload (%s) answered in %.1f s, ready %.1f s later", how, a - s, r - a }')"
echo "$UPLOAD_LINE; serving $MEDIA_PATH" >&2

# nginx: the stored file under the same path, straight from disk with sendfile. Its workers run
# as the user running this script (root included), who can read the 0700 temporary directory.
nginx_conf() {
  mkdir -p "$WORK/$1"
  cat >"$WORK/$1/nginx.conf" <<EOF
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes $2;
pid $WORK/$1/nginx.pid;
error_log $WORK/$1/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type video/mp4;
  server {
    listen 127.0.0.1:$3;
    location /media/ { alias $WORK/data/media/; }
  }
}
EOF
}
nginx_conf nginx 1 "$NG"
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' &
PIDS+=($!); NG_PID=$!
TARGETS=(sojourn nginx)
declare -A URL=([sojourn]="http://127.0.0.1:$SJ$MEDIA_PATH" [nginx]="http://127.0.0.1:$NG$MEDIA_PATH")
if [ "$NGINX_AUTO" = 1 ]; then
  nginx_conf nginx-auto auto "$NA"
  nginx -c "$WORK/nginx-auto/nginx.conf" -p "$WORK/nginx-auto" -g 'daemon off;' &
  PIDS+=($!); NA_PID=$!
  TARGETS+=(nginx-auto); URL[nginx-auto]="http://127.0.0.1:$NA$MEDIA_PATH"
fi
for t in "${TARGETS[@]}"; do wait_ready "${URL[$t]}"; done

# Correctness first (not timed): the same checks on every server, sojourn's bytes against
# nginx's and the file's.
CHECKS=()
failed=0
check() { if [ "$2" = "$3" ]; then CHECKS+=("ok: $1"); else CHECKS+=("FAILED: $1 (got '$2', want '$3')"); failed=1; fi; }
head_of() { curl -s -o "$WORK/body" -D "$WORK/head" -w '%{http_code}' "$@"; }
header() { grep -i -m1 "^$1:" "$WORK/head" | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
first=$((SIZE / 3)); last=$((first + SPAN - 1))
dd if="$FILE" of="$WORK/slice" iflag=skip_bytes,count_bytes skip="$first" count="$SPAN" bs=1M status=none
for t in "${TARGETS[@]}"; do
  check "$t: bytes=$first-$last status" "$(head_of -H "Range: bytes=$first-$last" "${URL[$t]}")" 206
  check "$t: Content-Range" "$(header content-range)" "bytes $first-$last/$SIZE"
  check "$t: range bytes equal the file's" "$(cmp -s "$WORK/body" "$WORK/slice" && echo same || echo different)" same
  cp "$WORK/body" "$WORK/range.$t"
  check "$t: bytes=$SIZE- (past the end)" "$(head_of -H "Range: bytes=$SIZE-" "${URL[$t]}")" 416
  etag="$(head_of -r 0-0 "${URL[$t]}" >/dev/null; header etag)"
  check "$t: If-None-Match with its ETag" "$(head_of -H "If-None-Match: $etag" "${URL[$t]}")" 304
  check "$t: whole object status" "$(head_of "${URL[$t]}")" 200
  check "$t: whole object equals the file" "$(cmp -s "$WORK/body" "$FILE" && echo same || echo different)" same
done
check "sojourn's range equals nginx's (cmp)" "$(cmp -s "$WORK/range.sojourn" "$WORK/range.nginx" && echo same || echo different)" same
printf '%s\n' "${CHECKS[@]}" >&2
[ "$failed" = 0 ] || { echo "correctness checks failed: no timing" >&2; exit 1; }

# CPU time (clock ticks) used so far by the given processes, threads included.
ticks() {
  local t=0 task f
  for p in "$@"; do
    for task in /proc/"$p"/task/*; do read -r -a f <"$task/stat" || continue; t=$((t + f[13] + f[14])); done
  done
  echo "$t"
}
server_pids() { case "$1" in sojourn) echo "$SJ_PID" ;; nginx) echo "$NG_PID" $(pgrep -P "$NG_PID") ;; nginx-auto) echo "$NA_PID" $(pgrep -P "$NA_PID") ;; *) ;; esac; }

# One wrk run: "MB/s req/s p50_ms p99_ms errors cpu_s_per_GB".
measure() {
  local target="$1" scenario="$2" before after out
  local args=(-t2 -c"$CONNS" -d"${DURATION}s" --timeout 60s -s bench/media_range.lua "${URL[$target]}")
  [ "$scenario" = seek ] && args=(-t2 -c"$SEEK_CONNS" -d"${DURATION}s" --timeout 10s -s bench/media_range.lua "${URL[$target]}" -- "$SIZE" "$SPAN")
  before="$(ticks $(server_pids "$target"))"
  out="$(wrk "${args[@]}")"
  after="$(ticks $(server_pids "$target"))"
  echo "$out" | awk -v cpu="$((after - before))" -v hz="$(getconf CLK_TCK)" '/^RESULT / {
    secs = $4 / 1e6; gb = $3 / 1e9
    printf "%.0f %.1f %.2f %.2f %d %.3f\n", $3 / 1e6 / secs, $2 / secs, $5 / 1000, $6 / 1000, $7, (cpu / hz) / gb }'
}

SCENARIOS=(whole seek)
declare -A MBS RPS P50 P99 ERR CPU
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
cat "$FILE" >/dev/null   # the page cache holds the file for every server alike
for t in "${TARGETS[@]}"; do for s in "${SCENARIOS[@]}"; do DURATION=2 measure "$t" "$s" >/dev/null; done; done   # warm-up
for round in $(seq "$ROUNDS"); do
  shift_by=$(( (round - 1) % ${#TARGETS[@]} ))
  order=("${TARGETS[@]:$shift_by}" "${TARGETS[@]:0:$shift_by}")
  for s in "${SCENARIOS[@]}"; do
    for t in "${order[@]}"; do
      read -r mbs rps p50 p99 err cpu < <(measure "$t" "$s")
      echo "round $round $s $t: ${mbs} MB/s ${rps} req/s p50 ${p50} ms p99 ${p99} ms errors ${err} CPU ${cpu} s/GB" >&2
      k="$s.$t"
      MBS[$k]+="$mbs "; RPS[$k]+="$rps "; P50[$k]+="$p50 "; P99[$k]+="$p99 "; CPU[$k]+="$cpu "; ERR[$k]=$(( ${ERR[$k]:-0} + err ))
    done
  done
done

median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratios() { python3 -c 'import sys, statistics as s; a, b = (list(map(float, x.split())) for x in sys.argv[1:3]); r = sorted(x / y for x, y in zip(a, b)); print(" ".join(f"{x:.2f}" for x in r), "→ median", f"{s.median(r):.2f}")' "$1" "$2"; }
nginx_version="$(nginx -v 2>&1 | sed 's/.*nginx\///')"
{
  echo "# Media serving benchmark run"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB; load average before the rounds $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- command: \`bench/media.sh\` (DURATION=$DURATION ROUNDS=$ROUNDS CONNS=$CONNS SEEK_CONNS=$SEEK_CONNS VIDEO_MB=$VIDEO_MB NGINX_AUTO=$NGINX_AUTO)"
  echo "- object: $SIZE-byte MP4 (1280×720 mpeg4, 40 s), $UPLOAD_LINE"
  echo "- servers: \`sojourn serve\` (release, all contexts, SQLite, local store); nginx $nginx_version (\`sendfile on\`, \`tcp_nopush on\`, access log off) with \`worker_processes 1\` (\"nginx\")$([ "$NGINX_AUTO" = 1 ] && echo " and \`auto\` = $(nproc) workers (\"nginx-auto\")"), serving the stored file"
  echo "- checks (not timed): $(printf '%s\n' "${CHECKS[@]}" | grep -c '^ok') passed — range 206 with Content-Range and the file's bytes, identical to nginx's (cmp); past the end 416; If-None-Match 304; whole object equals the file"
  echo
  echo "whole = GET of the whole object, wrk -t2 -c$CONNS; seek = random single 1 MiB ranges (206), wrk -t2 -c$SEEK_CONNS; ${DURATION} s runs, $ROUNDS interleaved rounds, medians. CPU = the server's user+system time over the GB wrk read."
  echo
  echo "| scenario | server | MB/s | req/s | p50 ms | p99 ms | errors | CPU s/GB | MB/s vs nginx | CPU/GB vs nginx |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for s in "${SCENARIOS[@]}"; do
    n_mbs="$(median "${MBS[$s.nginx]}")"; n_cpu="$(median "${CPU[$s.nginx]}")"
    for t in "${TARGETS[@]}"; do
      k="$s.$t"
      awk -v s="$s" -v t="$t" -v m="$(median "${MBS[$k]}")" -v r="$(median "${RPS[$k]}")" -v p50="$(median "${P50[$k]}")" \
        -v p99="$(median "${P99[$k]}")" -v e="${ERR[$k]}" -v c="$(median "${CPU[$k]}")" -v nm="$n_mbs" -v nc="$n_cpu" \
        'BEGIN { printf "| %s | %s | %d | %.1f | %.2f | %.2f | %d | %.3f | %.2f | %.2f |\n", s, t, m, r, p50, p99, e, c, m / nm, c / nc }'
    done
  done
  echo
  echo "Round by round (each round's servers ran back to back), sorted:"
  echo
  for s in "${SCENARIOS[@]}"; do
    for n in "${TARGETS[@]:1}"; do
      echo "- $s, sojourn ÷ $n: MB/s $(ratios "${MBS[$s.sojourn]}" "${MBS[$s.$n]}"); CPU/GB $(ratios "${CPU[$s.sojourn]}" "${CPU[$s.$n]}")"
    done
  done
} | tee "$OUT"
