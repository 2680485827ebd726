#!/usr/bin/env bash
# User-space instructions per proxied request, counted by callgrind: warden beside nginx
# proxy_pass and haproxy, one process each under valgrind in turn, against the same nginx
# upstream, the small chat request sent serially on one keep-alive connection.
#
#   bench/icount.sh            N=2000 measured requests per target after 300 unmeasured
#   bench/icount.sh --smoke    N=50: proves the script works
#
# Unlike CPU time on a shared machine (bench/cpu.sh, ±20% between runs), the count moves by
# about 1% between runs, so it resolves a change of a few percent in warden's own work: measure
# another build beside it with WARDEN_BASELINE_BIN. It counts only user space (Asio, Beast,
# OpenSSL, malloc and warden itself), not the kernel's share (system calls, TCP), which
# bench/cpu.sh includes. Under valgrind, OpenSSL's SHA-256 takes its generic path (valgrind hides
# the CPU's SHA extensions), so a token hash counts more than it costs natively (warden hashes a
# connection's caller token once, so this matters only to builds before that).
#
# Environment: WARDEN_BIN [build/release/warden] WARDEN_BASELINE_BIN N [2000] KEEP_TMP [0]
#   WARDEN_ACCESS_LOG [off] WARDEN_BASELINE_ACCESS_LOG [the same]: as in bench/cpu.sh
# Prints one line per target, then the ratios; exits 0 whatever the figures (2: setup failed,
# 1: a target answered non-2xx). Everything listens on 127.0.0.1 ephemeral ports under one mktemp
# dir; every process is killed on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
N=${N:-2000}
WARMUP=300
for arg in "$@"; do
  case "$arg" in
    --smoke) N=50 WARMUP=20 ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "icount.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
WARDEN_BIN=${WARDEN_BIN:-$ROOT/build/release/warden}
WARDEN_BASELINE_BIN=${WARDEN_BASELINE_BIN:-}
WARDEN_ACCESS_LOG=${WARDEN_ACCESS_LOG:-off}
WARDEN_BASELINE_ACCESS_LOG=${WARDEN_BASELINE_ACCESS_LOG:-$WARDEN_ACCESS_LOG}
# shellcheck source=bench/common.sh
source "$HERE/common.sh"
KEEP_TMP=${KEEP_TMP:-0}
GATEWAY_TOKEN=bench-token

die() { echo "icount.sh: setup failed: $*" >&2; exit 2; }
for tool in nginx haproxy valgrind callgrind_control callgrind_annotate python3 curl setsid; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found in PATH"
done
[[ -x "$WARDEN_BIN" ]] || die "warden binary not found at $WARDEN_BIN"
[[ -z "$WARDEN_BASELINE_BIN" || -x "$WARDEN_BASELINE_BIN" ]] || die "no baseline binary at $WARDEN_BASELINE_BIN"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/warden-icount.XXXXXX")
mkdir -p "$TMP"/{logs,home,upstream,proxy}
chmod 700 "$TMP/home"
UPSTREAM_PID=""
TARGET_PID=""
stop() { # stop PID: TERM its process group, then KILL
  local p=$1
  [[ -n "$p" ]] || return 0
  kill -TERM -- "-$p" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$p" 2>/dev/null || true
}
cleanup() {
  stop "$TARGET_PID"
  stop "$UPSTREAM_PID"
  if ((KEEP_TMP)); then echo "# kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

read -r UPSTREAM_PORT WARDEN_PORT PROXY_PORT HAPROXY_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
render() {
  sed -e "s|@TMP@|$TMP|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" -e "s|@WARDEN_PORT@|$WARDEN_PORT|g" \
      -e "s|@PROXY_PORT@|$PROXY_PORT|g" -e "s|@HAPROXY_PORT@|$HAPROXY_PORT|g" -e "s|@WORKERS@|1|g" \
      -e "s|@MOCK_PORT@|$UPSTREAM_PORT|g" "$1" >"$2"
}
render "$HERE/conf/upstream.nginx.conf.in" "$TMP/upstream/nginx.conf"
render "$HERE/conf/proxy.nginx.conf.in" "$TMP/proxy/nginx.conf"
# One nginx process (no master), so callgrind sees the process that serves.
sed -i 's/^master_process on;$/master_process off;/' "$TMP/proxy/nginx.conf"
render "$HERE/conf/haproxy.cfg.in" "$TMP/haproxy.cfg"
render "$HERE/conf/warden.toml.in" "$TMP/warden.toml"
sed -i 's/^\[gateway\]$/[gateway]\nthreads = 1/' "$TMP/warden.toml"
cp "$TMP/warden.toml" "$TMP/warden-base.toml"
set_access_log "$TMP/warden.toml" "$WARDEN_ACCESS_LOG"
set_access_log "$TMP/warden-base.toml" "$WARDEN_BASELINE_ACCESS_LOG"

setsid nginx -p "$TMP/upstream" -c "$TMP/upstream/nginx.conf" -e "$TMP/upstream/error.log" \
  >"$TMP/logs/upstream.log" 2>&1 &
UPSTREAM_PID=$!

# The client: serial keep-alive requests, each checked for a 2xx.
cat >"$TMP/client.py" <<'PY'
import http.client, sys
port, n, auth = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = '{"model":"bench/gpt-4o","messages":[{"role":"user","content":"hi"}]}'
headers = {"Content-Type": "application/json"}
if auth:
    headers["Authorization"] = auth
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for _ in range(n):
    c.request("POST", "/v1/chat/completions", body=body, headers=headers)
    r = c.getresponse()
    r.read()
    if r.status // 100 != 2:
        sys.exit(f"answered {r.status}")
PY

# measure NAME PORT AUTH CMD...: the instructions per request of CMD (run under callgrind).
declare -A COUNT=()
FAILED=0
measure() {
  local name=$1 port=$2 auth=$3
  shift 3
  setsid valgrind --tool=callgrind --callgrind-out-file="$TMP/$name.cg" "$@" \
    >"$TMP/logs/$name.log" 2>&1 &
  TARGET_PID=$!
  local ready=0
  for _ in $(seq 300); do
    kill -0 "$TARGET_PID" 2>/dev/null || { tail -n 20 "$TMP/logs/$name.log" >&2; die "$name exited during startup"; }
    if curl -fsS -o /dev/null ${auth:+-H "Authorization: $auth"} "http://127.0.0.1:$port/healthz" 2>/dev/null; then
      ready=1
      break
    fi
    sleep 0.2
  done
  ((ready)) || die "$name did not answer on port $port"
  # The counting process is valgrind's (it runs the target in its own process), which $! need
  # not be (the shell may fork before setsid).
  local counted
  counted=$(pgrep -f -- "--callgrind-out-file=$TMP/$name.cg" | head -n 1) || true
  [[ -n "$counted" ]] || die "no callgrind process for $name"
  if ! python3 "$TMP/client.py" "$port" "$WARMUP" "$auth"; then FAILED=1; fi
  callgrind_control -z "$counted" >/dev/null 2>&1
  if ! python3 "$TMP/client.py" "$port" "$N" "$auth"; then FAILED=1; fi
  callgrind_control -d "$counted" >/dev/null 2>&1
  local dump="" total
  for _ in $(seq 100); do  # the dump is written by the target's next scheduling slice
    dump=$(ls -t "$TMP/$name.cg".* 2>/dev/null | head -n 1) || true
    [[ -n "$dump" ]] && break
    sleep 0.1
  done
  stop "$TARGET_PID"
  kill -TERM "$counted" 2>/dev/null || true
  TARGET_PID=""
  [[ -n "$dump" ]] || die "no callgrind dump for $name"
  total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
  COUNT[$name]=$((total / N))
  printf '%-12s %9d instructions/request\n' "$name" "${COUNT[$name]}"
}

curl_up() { curl -fsS -o /dev/null "http://127.0.0.1:$UPSTREAM_PORT/healthz" 2>/dev/null; }
for _ in $(seq 100); do curl_up && break; sleep 0.1; done
curl_up || die "the upstream nginx did not start"

echo "User-space instructions per proxied request (callgrind, $N serial keep-alive requests)"
# warden's environment (valgrind must run warden itself: it does not follow an exec by `env`).
export WARDEN_HOME="$TMP/home" WARDEN_GATEWAY_TOKEN="$GATEWAY_TOKEN" BENCH_API_KEY=sk-bench \
  ROT_API_KEYS=sk-bench
measure warden "$WARDEN_PORT" "Bearer $GATEWAY_TOKEN" \
  "$WARDEN_BIN" serve --config "$TMP/warden.toml" --log-level warn
if [[ -n "$WARDEN_BASELINE_BIN" ]]; then
  measure warden-base "$WARDEN_PORT" "Bearer $GATEWAY_TOKEN" \
    "$WARDEN_BASELINE_BIN" serve --config "$TMP/warden-base.toml" --log-level warn
fi
measure nginx-proxy "$PROXY_PORT" "" \
  nginx -p "$TMP/proxy" -c "$TMP/proxy/nginx.conf" -e "$TMP/proxy/error.log"
measure haproxy "$HAPROXY_PORT" "" haproxy -db -f "$TMP/haproxy.cfg"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "warden instructions/request: $(ratio "${COUNT[warden]}" "${COUNT[nginx-proxy]}")x nginx, $(ratio "${COUNT[warden]}" "${COUNT[haproxy]}")x haproxy"
if [[ -n "$WARDEN_BASELINE_BIN" ]]; then
  echo "warden instructions/request: $(ratio "${COUNT[warden]}" "${COUNT[warden-base]}")x the baseline build"
fi
exit "$FAILED"
