#!/usr/bin/env bash
# The per-request cost of each caller-authentication mode, next to token mode: warden (one event
# loop) in front of the bench nginx upstream, one mode at a time, the same chat request.
#
#   bench/auth_modes.sh           DURATION=5 s per mode after a 1 s warm-up
#   bench/auth_modes.sh --smoke   DURATION=1, no warm-up: proves the script works (CI)
#
# Modes: token (the gateway token), callers (two [callers] with sha256: digests; the request
# matches the second), trusted-proxy (the identity header from a trusted peer), jwt-es256 and
# jwt-rs256 (a JWT verified against a jwks_file; after the first request it is served from the
# verified-token cache, which is the steady state of a workload that reuses its token).
# Prints CPU µs per request (utime+stime of warden from /proc over the measured wrk run, divided
# by the requests it served), req/s and p50/p99 at CONNS connections, and the CPU ratio to token
# mode. Exit 2: setup failed; exit 1: a mode answered anything but 2xx during its run.
#
# Environment: WARDEN_BIN [build/release/warden] DURATION [5] CONNS [32] WRK_THREADS [2]
#   MODES ["token callers trusted-proxy jwt-es256 jwt-rs256"] KEEP_TMP [0]
# Everything listens on 127.0.0.1 ephemeral ports under one mktemp dir; every process started
# here is killed (by process group) on exit; every load run is time-bounded.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SMOKE=0
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "auth_modes.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done
WARDEN_BIN=${WARDEN_BIN:-$ROOT/build/release/warden}
DURATION=${DURATION:-5}
CONNS=${CONNS:-32}
WRK_THREADS=${WRK_THREADS:-2}
WARMUP=1
MODES=${MODES:-token callers trusted-proxy jwt-es256 jwt-rs256}
KEEP_TMP=${KEEP_TMP:-0}
((SMOKE)) && { DURATION=1; WARMUP=0; }

BODY='{"model":"bench/gpt-4o","messages":[{"role":"user","content":"hi"}]}'
TOKEN=bench-token-0123456789abcdefghij
ISSUER=https://issuer.bench.invalid
AUDIENCE=warden-bench

die() { echo "auth_modes.sh: setup failed: $*" >&2; exit 2; }
for tool in nginx wrk node python3 curl setsid timeout sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found in PATH"
done
[[ -x "$WARDEN_BIN" ]] || die "warden binary not found at $WARDEN_BIN (build it, or set WARDEN_BIN)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/warden-auth-bench.XXXXXX")
mkdir -p "$TMP"/{logs,home,upstream}
chmod 700 "$TMP/home"
PGIDS=()
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PGIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${PGIDS[@]}"; do
    timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [[ "$KEEP_TMP" == 1 ]]; then echo "# kept $TMP" >&2; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# start_bg NAME CMD...: own session (whole group killable); prints the pid (= pgid).
LAST_PID=
start_bg() {
  local name=$1; shift
  setsid "$@" >"$TMP/logs/$name.log" 2>&1 </dev/null &
  LAST_PID=$!
  PGIDS+=("$!")
}
stop_pid() { kill -TERM -- "-$1" 2>/dev/null || true; timeout 10 tail --pid="$1" -f /dev/null || true; }
wait_http() { # wait_http PID URL: bounded (~10 s) until URL answers 2xx
  local pid=$1 url=$2 _
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 1
    curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

read -r UPSTREAM_PORT WARDEN_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
sed -e "s|@TMP@|$TMP|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" \
  "$HERE/conf/upstream.nginx.conf.in" >"$TMP/upstream/nginx.conf"
start_bg upstream nginx -p "$TMP/upstream" -c "$TMP/upstream/nginx.conf" -e "$TMP/upstream/error.log"
wait_http "$LAST_PID" "http://127.0.0.1:$UPSTREAM_PORT/healthz" || die "the nginx upstream did not start"

node "$HERE/jwt_fixture.mjs" "$TMP" "$ISSUER" "$AUDIENCE" >"$TMP/tokens" || die "jwt_fixture.mjs failed"
JWT_ES256=$(awk '$1 == "es256" {print $2}' "$TMP/tokens")
JWT_RS256=$(awk '$1 == "rs256" {print $2}' "$TMP/tokens")
DIGEST="sha256:$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)"
OTHER_DIGEST="sha256:$(printf '%s' "another-caller-token-0123456789" | sha256sum | cut -d' ' -f1)"

# config_for MODE: the warden.toml of one mode (one event loop, the bench provider).
config_for() {
  cat <<TOML
[gateway]
bind = "127.0.0.1:$WARDEN_PORT"
threads = 1
max_connections_per_client = 4096

[providers.bench]
api = "openai"
base_url = "http://127.0.0.1:$UPSTREAM_PORT/v1"
TOML
  case "$1" in
    token) ;;
    callers)
      printf '\n[callers.other]\ntokens = ["%s"]\nmodels = ["bench/*"]\n' "$OTHER_DIGEST"
      printf '\n[callers.bench]\ntokens = ["%s"]\nproviders = ["bench"]\nmodels = ["bench/gpt-*"]\n' "$DIGEST" ;;
    trusted-proxy)
      printf '\n[gateway.auth]\nmode = "trusted-proxy"\n[gateway.auth.trusted_proxy]\n'
      printf 'proxies = ["127.0.0.1/32"]\nuser_header = "x-forwarded-user"\nallow_users = ["*@example.com"]\n' ;;
    jwt-*)
      printf '\n[gateway.auth]\nmode = "jwt"\n[gateway.auth.jwt]\n'
      printf 'issuer = "%s"\naudience = "%s"\njwks_file = "%s/jwks.json"\n' "$ISSUER" "$AUDIENCE" "$TMP" ;;
    *) die "unknown mode '$1'" ;;
  esac
}
headers_for() {
  case "$1" in
    token|callers) echo "Authorization: Bearer $TOKEN" ;;
    trusted-proxy) echo "x-forwarded-user: bench@example.com" ;;
    jwt-es256) echo "Authorization: Bearer $JWT_ES256" ;;
    jwt-rs256) echo "Authorization: Bearer $JWT_RS256" ;;
  esac
}
# cpu_ticks PID: utime + stime (fields 14 and 15 of /proc/PID/stat; the comm field has no spaces).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

declare -A CPU RPS P50 P99
FAILED=()
run_mode() {
  local mode=$1 pid headers out t0 t1 reqs non2xx curl_args=()
  config_for "$mode" >"$TMP/$mode.toml"
  start_bg "warden-$mode" env WARDEN_HOME="$TMP/home" WARDEN_GATEWAY_TOKEN="$TOKEN" BENCH_API_KEY=sk-bench \
    "$WARDEN_BIN" serve --config "$TMP/$mode.toml" --log-level warn
  pid=$LAST_PID
  wait_http "$pid" "http://127.0.0.1:$WARDEN_PORT/healthz" \
    || { tail -n 20 "$TMP/logs/warden-$mode.log" >&2; die "warden ($mode) did not start"; }
  headers=$(headers_for "$mode")
  curl_args=(-H "$headers")
  local code
  code=$(curl -sS -o "$TMP/logs/$mode.check" -w '%{http_code}' --max-time 5 -X POST \
    -H 'Content-Type: application/json' "${curl_args[@]}" --data "$BODY" \
    "http://127.0.0.1:$WARDEN_PORT/v1/chat/completions" || true)
  if [[ "$code" != 200 ]]; then
    head -c 400 "$TMP/logs/$mode.check" >&2; echo >&2; tail -n 20 "$TMP/logs/warden-$mode.log" >&2
    die "warden ($mode) answered HTTP $code to the first request"
  fi
  if ((WARMUP)); then
    BENCH_BODY=$BODY BENCH_HEADERS=$headers timeout 30 wrk -t"$WRK_THREADS" -c"$CONNS" -d"${WARMUP}s" \
      -s "$HERE/auth_post.lua" "http://127.0.0.1:$WARDEN_PORT/v1/chat/completions" >/dev/null 2>&1 || true
  fi
  out="$TMP/logs/$mode.wrk"
  t0=$(cpu_ticks "$pid")
  BENCH_BODY=$BODY BENCH_HEADERS=$headers timeout $((DURATION + 20)) wrk -t"$WRK_THREADS" -c"$CONNS" \
    -d"${DURATION}s" --latency -s "$HERE/auth_post.lua" "http://127.0.0.1:$WARDEN_PORT/v1/chat/completions" \
    >"$out" 2>&1 || true
  t1=$(cpu_ticks "$pid")
  reqs=$(awk '/requests in/ {print $1}' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  [[ -n "$reqs" && "$reqs" -gt 0 ]] || { cat "$out" >&2; die "could not parse wrk output for $mode"; }
  [[ -z "$non2xx" || "$non2xx" == 0 ]] || FAILED+=("$mode: $non2xx non-2xx answers")
  CPU[$mode]=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$reqs" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
  RPS[$mode]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  P50[$mode]=$(awk '$1 == "50%" {print $2}' "$out")
  P99[$mode]=$(awk '$1 == "99%" {print $2}' "$out")
  stop_pid "$pid"
}

for mode in $MODES; do run_mode "$mode"; done

echo "auth modes: warden, one event loop, $CONNS connections, ${DURATION} s per mode"
printf '%-14s %12s %10s %10s %10s %12s\n' mode "CPU µs/req" "req/s" p50 p99 "CPU vs token"
for mode in $MODES; do
  ratio=$(awk -v a="${CPU[$mode]}" -v b="${CPU[token]:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
  printf '%-14s %12s %10s %10s %10s %12s\n' "$mode" "${CPU[$mode]}" "${RPS[$mode]}" "${P50[$mode]}" "${P99[$mode]}" "$ratio"
done
if ((${#FAILED[@]})); then
  printf 'FAILED: %s\n' "${FAILED[@]}" >&2
  exit 1
fi
