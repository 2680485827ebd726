#!/usr/bin/env bash
# CPU per proxied request: warden, nginx proxy_pass and haproxy, one worker each, against the
# same single-worker nginx upstream, for three bodies: a small chat request, a 60 KB prompt of one
# repeated letter ("60k"), and a 60 KB coding-agent turn ("agent", bench/agent_body.py: code in
# the messages, so escapes every few dozen bytes, and "model" last). Also warden's heap
# allocations per request (an LD_PRELOAD counter built here), for the small request and for a
# streamed one (from tools/mock-upstream.mjs, started for that part: node is needed).
#
#   bench/cpu.sh            DURATION=5 s per measured run, ROUNDS=3 (median), c=32
#   bench/cpu.sh --smoke    DURATION=1, ROUNDS=1: proves the script works (CI)
#   bench/cpu.sh --train    warden alone, one run of DURATION (3) s per body, then the streamed
#                           requests of the allocation part, no figures: the training load of
#                           the profile-guided build (scripts/build-pgo.sh); needs neither
#                           haproxy nor a second nginx
#
# CPU per request = the proxy's utime+stime (all its processes and threads, /proc/PID/stat)
# over a wrk run, divided by the requests answered; it is the figure that decides throughput on
# a shared machine and moves far less between runs than req/s. Targets alternate within each
# round. Prints one line per target (both bodies, and the kernel's share of that CPU: stime over
# utime+stime), then the ratios; exits 0 whatever the CPU figures
# (2: setup failed, 1: a target answered non-2xx or failed during a run, or warden made more heap
# allocations per sequential request than MAX_ALLOCS). The allocation count is exact, not a
# timing: a change that makes Asio's coroutine-frame cache miss shows up there at once.
#
# Environment: WARDEN_BIN [build/release/warden] DURATION [5] ROUNDS [3] CONNS [32]
#   WRK_THREADS [1] KEEP_TMP [0] MAX_ALLOCS [4]: the issue's "a handful"
#   UPSTREAM_TLS [0]: 1 sends every proxy to the upstream over HTTPS (a CA and a certificate made
#   for the run; each proxy verifies it and keeps its connections), as a real provider is reached.
#   WARDEN_BASELINE_BIN: a second warden build (e.g. the last commit's) measured as target
#   "warden-base" in the same rounds, for before/after figures on a noisy machine.
#   WARDEN_ACCESS_LOG [off]: warden's access log, off as nginx's and haproxy's are here (on:
#   warden's default, a line per request); WARDEN_BASELINE_ACCESS_LOG [the same] for the
#   baseline (a build from before gateway.access_log existed always logs: give it "on").
# Everything listens on 127.0.0.1 ephemeral ports under one mktemp dir; all processes are
# killed on exit; every load run is bounded in time.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SMOKE=0
TRAIN=0
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    --train) TRAIN=1 ;;
    -h|--help) sed -n '2,35p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cpu.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
WARDEN_BIN=${WARDEN_BIN:-$ROOT/build/release/warden}
WARDEN_BASELINE_BIN=${WARDEN_BASELINE_BIN:-}
WARDEN_ACCESS_LOG=${WARDEN_ACCESS_LOG:-off}
WARDEN_BASELINE_ACCESS_LOG=${WARDEN_BASELINE_ACCESS_LOG:-$WARDEN_ACCESS_LOG}
# shellcheck source=bench/common.sh
source "$HERE/common.sh"
DURATION=${DURATION:-$((TRAIN ? 3 : 5))}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-32}
MAX_ALLOCS=${MAX_ALLOCS:-4}
UPSTREAM_TLS=${UPSTREAM_TLS:-0}
[[ "$UPSTREAM_TLS" == [01] ]] || { echo "cpu.sh: UPSTREAM_TLS must be 0 or 1, not '$UPSTREAM_TLS'" >&2; exit 2; }
WRK_THREADS=${WRK_THREADS:-1}
KEEP_TMP=${KEEP_TMP:-0}
((SMOKE)) && DURATION=1 ROUNDS=1
((TRAIN)) && ROUNDS=1
GATEWAY_TOKEN=bench-token
CLK_TCK=$(getconf CLK_TCK)

die() { echo "cpu.sh: setup failed: $*" >&2; exit 2; }
note() { echo "# $*" >&2; }
for tool in nginx $( ((TRAIN)) || echo haproxy) wrk python3 node curl setsid cc $( ((UPSTREAM_TLS)) && echo openssl); do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found in PATH"
done
[[ -x "$WARDEN_BIN" ]] || die "warden binary not found at $WARDEN_BIN"
[[ -z "$WARDEN_BASELINE_BIN" || -x "$WARDEN_BASELINE_BIN" ]] || die "no baseline binary at $WARDEN_BASELINE_BIN"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/warden-cpu.XXXXXX")
mkdir -p "$TMP"/{logs,wrk,home,home-base,upstream,proxy}
chmod 700 "$TMP/home" "$TMP/home-base"
declare -A PID=()
cleanup() {
  local p
  for p in "${PID[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  for p in "${PID[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  done
  if ((KEEP_TMP)); then note "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
start_bg() { local name=$1; shift; setsid "$@" >"$TMP/logs/$name.log" 2>&1 & PID[$name]=$!; }
wait_http() { # wait_http NAME URL [AUTH]
  for _ in $(seq 100); do
    kill -0 "${PID[$1]}" 2>/dev/null || { tail -n 20 "$TMP/logs/$1.log" >&2; die "$1 exited during startup"; }
    curl -fsS -o /dev/null ${3:+-H "Authorization: $3"} "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  die "$1 did not answer $2"
}

# The allocation counter: counts malloc-family calls; the count is written at exit.
cc -O2 -shared -fPIC -o "$TMP/alloc_count.so" "$HERE/alloc_count.c" || die "cannot build alloc_count.so"

read -r UPSTREAM_PORT WARDEN_PORT PROXY_PORT HAPROXY_PORT BASE_PORT TLS_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
render() {
  sed -e "s|@TMP@|$TMP|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" -e "s|@WARDEN_PORT@|$WARDEN_PORT|g" \
      -e "s|@PROXY_PORT@|$PROXY_PORT|g" -e "s|@HAPROXY_PORT@|$HAPROXY_PORT|g" -e "s|@WORKERS@|1|g" \
      -e "s|@MOCK_PORT@|$UPSTREAM_PORT|g" "$1" >"$2"  # the proxies' /mock/ routes are unused here
}
render "$HERE/conf/upstream.nginx.conf.in" "$TMP/upstream/nginx.conf"
render "$HERE/conf/proxy.nginx.conf.in" "$TMP/proxy/nginx.conf"
render "$HERE/conf/haproxy.cfg.in" "$TMP/haproxy.cfg"
render "$HERE/conf/warden.toml.in" "$TMP/warden.toml"
sed -i 's/^\[gateway\]$/[gateway]\nthreads = 1/' "$TMP/warden.toml"
sed "s|127.0.0.1:$WARDEN_PORT|127.0.0.1:$BASE_PORT|" "$TMP/warden.toml" >"$TMP/warden-base.toml"
set_access_log "$TMP/warden.toml" "$WARDEN_ACCESS_LOG"
set_access_log "$TMP/warden-base.toml" "$WARDEN_BASELINE_ACCESS_LOG"
if ((UPSTREAM_TLS)); then
  use_tls_upstream "$TMP" "$TLS_PORT" "$UPSTREAM_PORT" || die "cannot set up the HTTPS upstream"
  export SSL_CERT_FILE=$TMP/tls/ca.pem  # warden's trust for the test CA (OpenSSL's default paths)
fi

start_bg upstream nginx -p "$TMP/upstream" -c "$TMP/upstream/nginx.conf" -e "$TMP/upstream/error.log"
wait_http upstream "http://127.0.0.1:$UPSTREAM_PORT/healthz"
start_warden() {
  start_bg warden env WARDEN_HOME="$TMP/home" WARDEN_GATEWAY_TOKEN="$GATEWAY_TOKEN" BENCH_API_KEY=sk-bench \
    ROT_API_KEYS=sk-bench MOCK_API_KEY=sk-mock LD_PRELOAD="$TMP/alloc_count.so" ALLOC_COUNT_FILE="$TMP/allocs.$1" \
    "$WARDEN_BIN" serve --config "$TMP/warden.toml"
  wait_http warden "http://127.0.0.1:$WARDEN_PORT/healthz" "Bearer $GATEWAY_TOKEN"
}
stop_warden() {
  kill -TERM "${PID[warden]}" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "${PID[warden]}" 2>/dev/null || break; sleep 0.1; done
  unset 'PID[warden]'
}
start_warden 0
if ((!TRAIN)); then
  start_bg nginxproxy nginx -p "$TMP/proxy" -c "$TMP/proxy/nginx.conf" -e "$TMP/proxy/error.log"
  wait_http nginxproxy "http://127.0.0.1:$PROXY_PORT/healthz"
  start_bg haproxy haproxy -db -f "$TMP/haproxy.cfg"
  wait_http haproxy "http://127.0.0.1:$HAPROXY_PORT/healthz"
fi

CHAT=/v1/chat/completions
TARGETS=(warden nginx-proxy haproxy)
((TRAIN)) && TARGETS=(warden)
declare -A URL=([warden]="http://127.0.0.1:$WARDEN_PORT$CHAT" [nginx-proxy]="http://127.0.0.1:$PROXY_PORT$CHAT"
                [haproxy]="http://127.0.0.1:$HAPROXY_PORT$CHAT" [warden-base]="http://127.0.0.1:$BASE_PORT$CHAT")
declare -A AUTH=([warden]="Bearer $GATEWAY_TOKEN" [nginx-proxy]="" [haproxy]="" [warden-base]="Bearer $GATEWAY_TOKEN")
if [[ -n "$WARDEN_BASELINE_BIN" ]]; then
  start_bg warden-base env WARDEN_HOME="$TMP/home-base" WARDEN_GATEWAY_TOKEN="$GATEWAY_TOKEN" \
    BENCH_API_KEY=sk-bench ROT_API_KEYS=sk-bench LD_PRELOAD="$TMP/alloc_count.so" \
    ALLOC_COUNT_FILE="$TMP/allocs.base" "$WARDEN_BASELINE_BIN" serve --config "$TMP/warden-base.toml"
  wait_http warden-base "http://127.0.0.1:$BASE_PORT/healthz" "Bearer $GATEWAY_TOKEN"
  TARGETS+=(warden-base)
fi
SMALL='{"model":"bench/gpt-4o","messages":[{"role":"user","content":"hi"}]}'
BIG=$(python3 -c 'import json; print(json.dumps({"model": "bench/gpt-4o", "messages": [{"role": "user", "content": "x" * 60000}]}, separators=(",", ":")))')
AGENT=$(python3 "$HERE/agent_body.py")
declare -A BODY=([small]=$SMALL [60k]=$BIG [agent]=$AGENT)
BODIES=(small 60k agent)

# ticks PID: "utime stime" of the process and its children processes (nginx's worker), in ticks.
ticks() {
  local p u=0 k=0 f
  for p in $1 $(pgrep -P "$1" || true); do
    f=$(cut -d')' -f2 "/proc/$p/stat" 2>/dev/null) || continue
    read -r du dk < <(awk '{print $12, $13}' <<<"$f")
    u=$((u + du)) k=$((k + dk))
  done
  echo "$u $k"
}
FAILURES=()
declare -A US=()   # "target|body" -> per-round µs per request
declare -A SYS=()  # "target|body" -> per-round kernel share of that CPU, %
measure() { # measure TARGET BODYNAME LABEL
  local t=$1 b=$2 label=$3 out before after reqs non2xx u0 k0 u1 k1
  out="$TMP/wrk/$t-$b-$label.txt"
  read -r u0 k0 < <(ticks "${PID[${t/-proxy/proxy}]}")
  BENCH_BODY="${BODY[$b]}" BENCH_AUTH="${AUTH[$t]}" timeout $((DURATION + 20)) \
    wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 2s -s "$HERE/post.lua" "${URL[$t]}" >"$out" 2>&1 || true
  read -r u1 k1 < <(ticks "${PID[${t/-proxy/proxy}]}")
  reqs=$(awk '/requests in/ {print $1}' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:|Socket errors:/ {print "x"}' "$out")
  [[ -n "$reqs" && "$reqs" -gt 0 ]] || { cat "$out" >&2; FAILURES+=("$t $b: no requests answered"); return 0; }
  [[ -z "$non2xx" ]] || FAILURES+=("$t $b $label: errors: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ' | paste -sd';')")
  [[ "$label" == warmup ]] && return 0
  before=$((u0 + k0)) after=$((u1 + k1))
  US["$t|$b"]+="$(awk -v d=$((after - before)) -v n="$reqs" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", d / hz * 1e6 / n}') "
  SYS["$t|$b"]+="$(awk -v k=$((k1 - k0)) -v d=$((after - before)) 'BEGIN{printf "%.0f", d ? 100 * k / d : 0}') "
}
median() { tr -s ' ' '\n' <<<"$1" | sort -g | awk 'NF{v[++n]=$1} END{if(!n){print "nan"; exit} print (n%2) ? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2}'; }

if ((!TRAIN)); then
  for b in "${BODIES[@]}"; do for t in "${TARGETS[@]}"; do measure "$t" "$b" warmup; done; done
fi
for r in $(seq "$ROUNDS"); do
  for b in "${BODIES[@]}"; do
    for t in "${TARGETS[@]}"; do note "round $r/$ROUNDS: $t, $b body"; measure "$t" "$b" "r$r"; done
  done
done

# Allocations per request: warden restarted under the counter twice, serving one request and
# then 1 + N requests on one connection; the difference over N. Start-up, shutdown and the first
# request's one-time work (the upstream connection, its TLS handshake) cancel out, so what
# remains is what every further request allocates. Twice: the small request (N = ALLOC_N,
# against the nginx upstream), and a streamed one (N = STREAM_N, from the mock upstream:
# STREAM_EVENTS events 1 ms apart, so each is read and written on its own). The client writes
# each body after its header, as Python's http.client does.
ALLOC_N=$((SMOKE || TRAIN ? 2000 : 20000))
STREAM_N=$((SMOKE || TRAIN ? 100 : 1000))
STREAM_EVENTS=16
start_bg mock node "$ROOT/tools/mock-upstream.mjs" --port 0 --no-record
MOCK_PORT=""
for _ in $(seq 100); do
  kill -0 "${PID[mock]}" 2>/dev/null || { tail -n 20 "$TMP/logs/mock.log" >&2; die "the mock upstream exited"; }
  MOCK_PORT=$(sed -n 's/.*mock-upstream listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
    "$TMP/logs/mock.log" 2>/dev/null || true)
  [[ -n "$MOCK_PORT" ]] && break
  sleep 0.1
done
[[ -n "$MOCK_PORT" ]] || die "the mock upstream did not print its port"
printf '\n[providers.mock]\napi = "openai"\nbase_url = "http://127.0.0.1:%s/v1"\n' "$MOCK_PORT" >>"$TMP/warden.toml"
alloc_run() { # alloc_run NAME REQUESTS small|stream
  start_warden "$1"
  python3 - "$WARDEN_PORT" "$GATEWAY_TOKEN" "$2" "$3" "$STREAM_EVENTS" "$SMALL" <<'EOF' || FAILURES+=("allocation run $1 failed")
import http.client, json, sys
port, token, n, kind, events, small = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
headers = {"authorization": "Bearer " + token, "content-type": "application/json"}
if kind == "stream":
    body = json.dumps({"model": "mock/gpt-4o", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    headers.update({"x-mock-chunks": events, "x-mock-delay-ms": "1"})
else:
    body = small
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    c.request("POST", "/v1/chat/completions", body, headers)
    r = c.getresponse(); data = r.read()
    if r.status != 200: sys.exit(f"status {r.status}")
if kind == "stream" and data.count(b"data:") < int(events): sys.exit("the stream was cut short")
EOF
  stop_warden
}
per_request() { # per_request FIRST LOAD N: the allocations per request, or nan
  [[ -s "$TMP/allocs.$1" && -s "$TMP/allocs.$2" ]] || { echo nan; return; }
  awk -v n="$3" 'FNR == 1 { v[++i] = $1 }
    END { if (i != 2) { print "nan"; exit } s = sprintf("%.1f", (v[2] - v[1]) / n); print (s == "-0.0") ? "0.0" : s }' \
    "$TMP/allocs.$1" "$TMP/allocs.$2"
}
stop_warden
alloc_run first 1 small
alloc_run load $((ALLOC_N + 1)) small
alloc_run first-stream 1 stream
alloc_run load-stream $((STREAM_N + 1)) stream
if ((TRAIN)); then
  ((${#FAILURES[@]} == 0)) || { printf 'FAILED: %s\n' "${FAILURES[@]}"; exit 1; }
  echo "trained: ${#BODIES[@]} bodies × ${DURATION}s, $((ALLOC_N + 2)) sequential and $((STREAM_N + 2)) streamed requests"
  exit 0
fi
ALLOCS=$(per_request first load "$ALLOC_N")
ALLOCS_STREAM=$(per_request first-stream load-stream "$STREAM_N")

echo
echo "CPU per proxied request (µs, one worker each, c=$CONNS, median of $ROUNDS × ${DURATION}s$( ((UPSTREAM_TLS)) && echo ", upstream over HTTPS"))"
printf '%-12s %10s %10s %10s   %s\n' target small 60k agent "kernel share (small, 60k, agent)"
declare -A MED=()
for t in "${TARGETS[@]}"; do
  for b in "${BODIES[@]}"; do MED["$t|$b"]=$(median "${US[$t|$b]:-}"); done
  printf '%-12s %10s %10s %10s   %s%%, %s%%, %s%%\n' "$t" "${MED[$t|small]}" "${MED[$t|60k]}" \
    "${MED[$t|agent]}" "$(median "${SYS[$t|small]:-}")" "$(median "${SYS[$t|60k]:-}")" \
    "$(median "${SYS[$t|agent]:-}")"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == "nan" || a == "nan" || b == 0) print "nan"; else printf "%.2f", a / b }'; }
for b in "${BODIES[@]}"; do
  lower=$(awk -v a="${MED[nginx-proxy|$b]}" -v b="${MED[haproxy|$b]}" 'BEGIN{print (a < b) ? a : b}')
  echo "warden CPU/request, $b body: $(ratio "${MED[warden|$b]}" "${MED[nginx-proxy|$b]}")x nginx, $(ratio "${MED[warden|$b]}" "${MED[haproxy|$b]}")x haproxy, $(ratio "${MED[warden|$b]}" "$lower")x the lower (target <= 1.0)"
  if [[ -n "$WARDEN_BASELINE_BIN" ]]; then
    echo "warden CPU/request, $b body: $(ratio "${MED[warden|$b]}" "${MED[warden-base|$b]}")x the baseline build (warden-base: $(ratio "${MED[warden-base|$b]}" "$lower")x the lower)"
  fi
done
echo "warden heap allocations per proxied request (small body): $ALLOCS; streamed ($STREAM_EVENTS events, plain-HTTP mock): $ALLOCS_STREAM (budget $MAX_ALLOCS)"
if ! awk -v a="$ALLOCS" -v m="$MAX_ALLOCS" 'BEGIN { exit !(a != "nan" && a + 0 <= m + 0) }'; then
  FAILURES+=("warden heap allocations per sequential request: $ALLOCS, over the budget of $MAX_ALLOCS")
fi
if ! awk -v a="$ALLOCS_STREAM" -v m="$MAX_ALLOCS" 'BEGIN { exit !(a != "nan" && a + 0 <= m + 0) }'; then
  FAILURES+=("warden heap allocations per streamed request: $ALLOCS_STREAM, over the budget of $MAX_ALLOCS")
fi
if ((${#FAILURES[@]})); then
  printf 'FAILED: %s\n' "${FAILURES[@]}"
  exit 1
fi
