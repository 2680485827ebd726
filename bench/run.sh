#!/usr/bin/env bash
# warden benchmark: throughput, latency, streaming TTFE and memory, side by side with nginx
# proxy_pass and haproxy run against the same upstream in the same script; then bench/cpu.sh
# (CPU and heap allocations per request, one worker each, small and 60 KB bodies).
#
#   bench/run.sh            full run (DURATION=5 s per wrk run, ROUNDS=2, K=200, 1,000 idle conns)
#   bench/run.sh --smoke    DURATION=1, ROUNDS=1, K=20, 100 idle conns, ROT_N=5: proves the script works (CI)
#
# Prints figures and PASS/MISS per target, and exits 0 whatever the figures are. Exit 2: setup
# failed (a tool is missing, a process does not start or answers a first request wrongly).
# Exit 1: warden died, or answered wrongly during the run (non-2xx, broken stream, dropped
# idle connections); the report is still printed. See bench/README.md for each number.
#
# Environment (defaults in brackets):
#   WARDEN_BIN [build/release/warden]  DURATION [5]  ROUNDS [2]  CONNS [32]  WRK_THREADS [2]
#   K [200] streaming requests per target   MEM_CONNS [1000] idle connections for memory
#   ROT_N [20] providers rot1..rotN whose first key is rate-limited: one rotation each (key rotation)
#   AGG [median] how rounds are combined: median | best
#   WORKERS [nproc] nginx worker_processes / haproxy nbthread (warden runs one loop per core)
#   WARMUP [1] seconds of wrk warm-up per target before the measured rounds
#   WARDEN_ARGS [] extra arguments for `warden serve`, e.g. "--log-level warn"
#   WARDEN_ACCESS_LOG [off] warden's access log: off as nginx's and haproxy's are here; on is
#     warden's default (a line per request); passed on to bench/cpu.sh
#   KEEP_TMP [0] keep the temp dir (configs, logs, raw wrk output) and print its path
#   SKIP_WARDEN [0] / SKIP_STREAM [0] run without warden / without the streaming part
#     (only for working on this script; the targets then print SKIP)
#
# Everything listens on 127.0.0.1 ephemeral ports, lives under one mktemp dir, and every
# process started here is killed (by process group) on exit. Every load run is time-bounded.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

usage() { sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

SMOKE=0
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

WARDEN_BIN=${WARDEN_BIN:-$ROOT/build/release/warden}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-2}
CONNS=${CONNS:-32}
WRK_THREADS=${WRK_THREADS:-2}
K=${K:-200}
MEM_CONNS=${MEM_CONNS:-1000}
ROT_N=${ROT_N:-20}
AGG=${AGG:-median}
WORKERS=${WORKERS:-$(nproc)}
WARMUP=${WARMUP:-1}
KEEP_TMP=${KEEP_TMP:-0}
SKIP_WARDEN=${SKIP_WARDEN:-0}
SKIP_STREAM=${SKIP_STREAM:-0}
WARDEN_ARGS=${WARDEN_ARGS:-}
WARDEN_ACCESS_LOG=${WARDEN_ACCESS_LOG:-off}
export WARDEN_ACCESS_LOG
# shellcheck source=bench/common.sh
source "$HERE/common.sh"
read -r -a WARDEN_EXTRA <<<"$WARDEN_ARGS"
FAILURES=()   # warden misbehaving during the run: reported at the end, exit 1
if ((SMOKE)); then
  DURATION=1 ROUNDS=1 K=20 MEM_CONNS=100 WARMUP=1 ROT_N=5
fi
[[ "$ROT_N" =~ ^[1-9][0-9]{0,2}$ ]] || { echo "run.sh: ROT_N must be 1..999" >&2; exit 2; }
case "$AGG" in median|best) ;; *) echo "run.sh: AGG must be median or best" >&2; exit 2 ;; esac

GATEWAY_TOKEN=bench-token
BODY='{"model":"bench/gpt-4o","messages":[{"role":"user","content":"hi"}]}'
ROT_BODY='{"model":"rot/gpt-4o","messages":[{"role":"user","content":"hi"}]}'
MIB_IDLE_TARGET=30
MIB_CONNS_TARGET=60

die() { echo "run.sh: setup failed: $*" >&2; exit 2; }
note() { echo "# $*" >&2; }

for tool in nginx haproxy wrk node python3 curl setsid timeout pgrep; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found in PATH"
done
if ((!SKIP_WARDEN)); then
  [[ -x "$WARDEN_BIN" ]] || die "warden binary not found at $WARDEN_BIN (build it, or set WARDEN_BIN)"
fi
MOCK_JS=$ROOT/tools/mock-upstream.mjs
if ((!SKIP_STREAM)); then
  [[ -f "$MOCK_JS" ]] || die "$MOCK_JS not found (or set SKIP_STREAM=1)"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/warden-bench.XXXXXX")
mkdir -p "$TMP"/{logs,wrk,home,upstream,proxy}
chmod 700 "$TMP/home"

# ---------------------------------------------------------------- process management
PGIDS=()
declare -A PID   # name -> pid (= process group id) of everything started here
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid _ alive
  for pid in "${PGIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for pid in "${PGIDS[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${PGIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  if [[ "$KEEP_TMP" == 1 ]]; then echo "# kept $TMP" >&2; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_bg NAME CMD...: runs CMD in its own session (so its whole process group can be
# killed), output to $TMP/logs/NAME.log; setsid execs in place here (a
# background job is never a group leader), so the pid is also the process group id.
# Sets PID[NAME].
start_bg() {
  local name=$1; shift
  setsid "$@" >"$TMP/logs/$name.log" 2>&1 </dev/null &
  PID[$name]=$!
  PGIDS+=("$!")
}

log_tail() { echo "---- $TMP/logs/$1.log (tail) ----" >&2; tail -n 30 "$TMP/logs/$1.log" >&2 || true; }

# wait_http NAME URL [AUTH]: polls URL (bounded: ~10 s) until it answers 2xx.
wait_http() {
  local name=$1 url=$2 auth=${3:-} _
  for _ in $(seq 100); do
    kill -0 "${PID[$name]}" 2>/dev/null || { log_tail "$name"; die "$name exited during startup"; }
    if curl -fsS -o /dev/null --max-time 1 ${auth:+-H "Authorization: $auth"} "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  log_tail "$name"
  die "$name did not answer $url within 10 s"
}

# check_post NAME URL AUTH [BODY]: one real chat request must return 200 and a chat.completion.
check_post() {
  local name=$1 url=$2 auth=$3 body=${4:-$BODY} code
  code=$(curl -sS -o "$TMP/logs/$name.check" -w '%{http_code}' --max-time 5 -X POST \
    -H 'Content-Type: application/json' ${auth:+-H "Authorization: $auth"} --data "$body" "$url" || true)
  if [[ "$code" != 200 ]] || ! grep -q '"chat.completion"' "$TMP/logs/$name.check"; then
    echo "---- response from $name (HTTP $code) ----" >&2
    head -c 600 "$TMP/logs/$name.check" >&2 || true; echo >&2
    log_tail "$name"
    die "$name did not answer a chat request correctly"
  fi
}

# Sum of VmRSS (KiB) over a process and its direct children (nginx master + workers).
rss_tree_kib() {
  local root=$1 total=0 pid kb
  for pid in "$root" $(pgrep -P "$root" || true); do
    kb=$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}
tree_pids() { local root=$1; { echo "$root"; pgrep -P "$root" || true; } | paste -sd, -; }
kib_to_mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }

# ---------------------------------------------------------------- ports and configs
read -r UPSTREAM_PORT WARDEN_PORT PROXY_PORT HAPROXY_PORT < <(python3 -c '
import socket
socks = []
for _ in range(4):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
')

# The streaming mock starts first: the reference proxies' configs route /mock/ to it.
MOCK_PORT=
if ((!SKIP_STREAM)); then
  start_bg mock node "$MOCK_JS" --port 0 --no-record
  for _ in $(seq 100); do
    kill -0 "${PID[mock]}" 2>/dev/null || { log_tail mock; die "mock upstream exited during startup"; }
    # The log may not exist yet when the machine is busy (the background shell creates it).
    MOCK_PORT=$(sed -n 's/.*mock-upstream listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$TMP/logs/mock.log" 2>/dev/null | head -n1 || true)
    [[ -n "$MOCK_PORT" ]] && break
    sleep 0.1
  done
  [[ -n "$MOCK_PORT" ]] || { log_tail mock; die "mock upstream did not print its port"; }
fi

render() { # render TEMPLATE OUT: substitute @VAR@ placeholders
  sed -e "s|@TMP@|$TMP|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" -e "s|@WARDEN_PORT@|$WARDEN_PORT|g" \
      -e "s|@PROXY_PORT@|$PROXY_PORT|g" -e "s|@HAPROXY_PORT@|$HAPROXY_PORT|g" \
      -e "s|@MOCK_PORT@|${MOCK_PORT:-$UPSTREAM_PORT}|g" -e "s|@WORKERS@|$WORKERS|g" "$1" >"$2"
}
render "$HERE/conf/upstream.nginx.conf.in" "$TMP/upstream/nginx.conf"
render "$HERE/conf/proxy.nginx.conf.in" "$TMP/proxy/nginx.conf"
render "$HERE/conf/haproxy.cfg.in" "$TMP/haproxy.cfg"
render "$HERE/conf/warden.toml.in" "$TMP/warden.toml"
set_access_log "$TMP/warden.toml" "$WARDEN_ACCESS_LOG"
# Key rotation: [providers.rot] (in the template) and rot1..rotN all have the keys
# "sk-limited,sk-bench"; the upstream answers 429 (Retry-After: 3600) to sk-limited.
ROT_ENV=("ROT_API_KEYS=sk-limited,sk-bench")
ROT_MODELS=
for i in $(seq "$ROT_N"); do
  printf '\n[providers.rot%d]\napi = "openai"\nbase_url = "http://127.0.0.1:%s/v1"\n' "$i" "$UPSTREAM_PORT" >>"$TMP/warden.toml"
  ROT_ENV+=("ROT${i}_API_KEYS=sk-limited,sk-bench")
  ROT_MODELS+="${ROT_MODELS:+,}rot$i/gpt-4o"
done
if [[ -n "$MOCK_PORT" ]]; then
  printf '\n[providers.mock]\napi = "openai"\nbase_url = "http://127.0.0.1:%s/v1"\n' "$MOCK_PORT" >>"$TMP/warden.toml"
fi

# ---------------------------------------------------------------- start everything
note "temp dir $TMP; ports: upstream $UPSTREAM_PORT warden $WARDEN_PORT nginx-proxy $PROXY_PORT haproxy $HAPROXY_PORT"
start_bg upstream nginx -p "$TMP/upstream" -c "$TMP/upstream/nginx.conf" -e "$TMP/upstream/error.log"
wait_http upstream "http://127.0.0.1:$UPSTREAM_PORT/healthz"

if ((!SKIP_WARDEN)); then
  start_bg warden env WARDEN_HOME="$TMP/home" WARDEN_GATEWAY_TOKEN="$GATEWAY_TOKEN" \
    BENCH_API_KEY=sk-bench MOCK_API_KEY=sk-mock "${ROT_ENV[@]}" "$WARDEN_BIN" serve --config "$TMP/warden.toml" "${WARDEN_EXTRA[@]}"
  wait_http warden "http://127.0.0.1:$WARDEN_PORT/healthz" "Bearer $GATEWAY_TOKEN"
fi
start_bg nginxproxy nginx -p "$TMP/proxy" -c "$TMP/proxy/nginx.conf" -e "$TMP/proxy/error.log"
wait_http nginxproxy "http://127.0.0.1:$PROXY_PORT/healthz"
start_bg haproxy haproxy -db -f "$TMP/haproxy.cfg"
wait_http haproxy "http://127.0.0.1:$HAPROXY_PORT/healthz"

# Targets: name, URL, Authorization header the client sends.
CHAT=/v1/chat/completions
TARGETS=(direct)
declare -A URL=( [direct]="http://127.0.0.1:$UPSTREAM_PORT$CHAT" [warden]="http://127.0.0.1:$WARDEN_PORT$CHAT"
                 [nginx-proxy]="http://127.0.0.1:$PROXY_PORT$CHAT" [haproxy]="http://127.0.0.1:$HAPROXY_PORT$CHAT" )
declare -A AUTH=( [direct]="Bearer sk-bench" [warden]="Bearer $GATEWAY_TOKEN" [nginx-proxy]="" [haproxy]="" )
declare -A LOGNAME_OF=( [direct]=upstream [warden]=warden [nginx-proxy]=nginxproxy [haproxy]=haproxy )
((SKIP_WARDEN)) || TARGETS+=(warden)
TARGETS+=(nginx-proxy haproxy)

for t in "${TARGETS[@]}"; do check_post "${LOGNAME_OF[$t]}" "${URL[$t]}" "${AUTH[$t]}"; done

# Key rotation, steady state: "warden-rot" is warden with model rot/gpt-4o, measured in the same
# rounds right after "warden". Its provider's first key (sk-limited) is cooling for an hour after
# the one warm-up request below, so every measured request skips it and uses sk-bench.
# It is not in TARGETS: the main table and the targets stay as they were.
declare -A BODY_OF=( [warden-rot]="$ROT_BODY" )
URL[warden-rot]=${URL[warden]}
AUTH[warden-rot]=${AUTH[warden]}
LOGNAME_OF[warden-rot]=warden
ROUND_TARGETS=()
for t in "${TARGETS[@]}"; do
  ROUND_TARGETS+=("$t")
  [[ "$t" == warden ]] && ROUND_TARGETS+=(warden-rot)
done

# rotations_of FILE PROVIDER: warden_key_rotations_total{provider="PROVIDER"} in a /metrics dump.
fetch_metrics() {
  curl -fsS --max-time 5 -H "Authorization: Bearer $GATEWAY_TOKEN" "http://127.0.0.1:$WARDEN_PORT/metrics" >"$1" \
    || { echo "run.sh: GET /metrics from warden failed" >&2; : >"$1"; }
}
rotations_of() {
  awk -v key="warden_key_rotations_total{provider=\"$2\"}" '$1 == key { n = $2 } END { print n + 0 }' "$1"
}
ROT_WARM_ROTATIONS=nan
if ((!SKIP_WARDEN)); then
  # The warm-up request rotates (sk-limited -> 429 -> sk-bench) and must still answer 200.
  check_post warden "${URL[warden]}" "${AUTH[warden]}" "$ROT_BODY"
  fetch_metrics "$TMP/logs/metrics.rot-warm"
  ROT_WARM_ROTATIONS=$(rotations_of "$TMP/logs/metrics.rot-warm" rot)
  if [[ "$ROT_WARM_ROTATIONS" != 1 ]]; then
    log_tail warden
    die "the rot/gpt-4o warm-up request did not rotate keys exactly once (warden_key_rotations_total{provider=\"rot\"} = $ROT_WARM_ROTATIONS)"
  fi
fi

warden_alive() {
  ((SKIP_WARDEN)) && return 0
  kill -0 "${PID[warden]}" 2>/dev/null || { log_tail warden; echo "run.sh: warden died during the benchmark" >&2; exit 1; }
}

# ---------------------------------------------------------------- wrk
# to_ms VALUE: wrk prints 812.00us / 1.23ms / 2.00s / 1.00m
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.4f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.4f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.4f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.4f", v * 1000 }
    else printf "nan" }'
}

declare -A RPS P50 P99 ERRS MCPU  # key "target|conns" -> space-separated per-round values
# cpu_sample: "IDLE TOTAL" jiffies of all cores so far; busy_jiffies: TOTAL - IDLE, the CPU time
# every process (the kernel's share included) has spent.
cpu_sample() { awk '/^cpu / { idle = $5 + $6; t = 0; for (i = 2; i <= NF; i++) t += $i; print idle, t }' /proc/stat; }
busy_jiffies() { cpu_sample | awk '{ print $2 - $1 }'; }
CLK_TCK=$(getconf CLK_TCK)
# run_wrk TARGET CONNS SECONDS LABEL: one wrk run; records figures unless LABEL is "warmup".
run_wrk() {
  local t=$1 c=$2 secs=$3 label=$4 threads out rps p50 p99 non2xx sockerr busy0 busy1 requests
  threads=$WRK_THREADS; ((threads > c)) && threads=$c
  out="$TMP/wrk/$t-c$c-$label.txt"
  busy0=$(busy_jiffies)
  BENCH_BODY="${BODY_OF[$t]:-$BODY}" BENCH_AUTH="${AUTH[$t]}" timeout $((secs + 20)) \
    wrk -t"$threads" -c"$c" -d"${secs}s" --timeout 2s --latency -s "$HERE/post.lua" "${URL[$t]}" >"$out" 2>&1 || true
  busy1=$(busy_jiffies)
  warden_alive
  [[ "$label" == warmup ]] && return 0
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  sockerr=$(awk '/Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i; print n + 0 }' "$out")
  [[ -n "$rps" ]] || { cat "$out" >&2; die "could not parse wrk output for $t"; }
  local key="$t|$c"
  RPS[$key]+="$rps "
  # The whole machine's CPU per request (wrk and the upstream included): at saturation, req/s is
  # the cores divided by it, and it moves far less between runs than req/s does.
  requests=$(awk '/requests in/ {print $1}' "$out")
  MCPU[$key]+="$(awk -v b=$((busy1 - busy0)) -v n="${requests:-0}" -v hz="$CLK_TCK" \
    'BEGIN{ if (n > 0) printf "%.2f", b * 1e6 / hz / n; else print "nan" }') "
  P50[$key]+="$(to_ms "$p50") "
  P99[$key]+="$(to_ms "$p99") "
  ERRS[$key]+="$(( ${non2xx:-0} + ${sockerr:-0} )) "
}

# agg KIND "V1 V2 ...": median, or best (max for rate, min for latency)
agg() {
  local kind=$1
  tr -s ' ' '\n' <<<"$2" | sort -g | awk -v mode="$AGG" -v kind="$kind" '
    NF { v[++n] = $1 }
    END {
      if (n == 0) { print "nan"; exit }
      if (mode == "best") { print (kind == "rate") ? v[n] : v[1]; exit }
      if (n % 2) print v[(n + 1) / 2]; else print (v[n / 2] + v[n / 2 + 1]) / 2 }'
}
sum_words() { local s=0 w; for w in $1; do s=$((s + w)); done; echo "$s"; }

# Anything else running (a build, a browser) distorts every figure: measure how busy the CPUs
# are for 1 s while everything here is idle, and say so in the report.
read -r IDLE0 TOTAL0 < <(cpu_sample); sleep 1; read -r IDLE1 TOTAL1 < <(cpu_sample)
BUSY_BEFORE=$(awk -v i=$((IDLE1 - IDLE0)) -v t=$((TOTAL1 - TOTAL0)) 'BEGIN{ printf "%.0f", t ? 100 * (1 - i / t) : 0 }')
note "warm-up: ${WARMUP}s at $CONNS conns per target"
for t in "${ROUND_TARGETS[@]}"; do run_wrk "$t" "$CONNS" "$WARMUP" warmup; done
sleep 0.5
RSS_IDLE_WARM=
WARDEN_THREADS=-
if ((!SKIP_WARDEN)); then
  RSS_IDLE_WARM=$(rss_tree_kib "${PID[warden]}")
  WARDEN_THREADS=$(awk '/^Threads:/ {print $2}' "/proc/${PID[warden]}/status")
fi

for r in $(seq "$ROUNDS"); do
  for c in "$CONNS" 1; do
    for t in "${ROUND_TARGETS[@]}"; do
      note "round $r/$ROUNDS: $t, $c conns, ${DURATION}s"
      run_wrk "$t" "$c" "$DURATION" "r$r"
    done
  done
done

# ---------------------------------------------------------------- key rotation: cost of one
# rot1..rotN have never been used: each gets exactly one request, so each request performs
# exactly one rotation (429 on sk-limited, retried at once with sk-bench), interleaved with as
# many happy-path requests, sequentially on one keep-alive connection (rotate.mjs).
ROT_OUT=''
ROT_ERR=''
ROT_STEADY_ROTATIONS=nan
ROT_COST_ROTATIONS=nan
if ((!SKIP_WARDEN)); then
  fetch_metrics "$TMP/logs/metrics.rot-steady"
  ROT_STEADY_ROTATIONS=$(( $(rotations_of "$TMP/logs/metrics.rot-steady" rot) - ROT_WARM_ROTATIONS ))
  ((ROT_STEADY_ROTATIONS == 0)) \
    || FAILURES+=("key rotation: $ROT_STEADY_ROTATIONS rotations for rot/gpt-4o under load, expected 0 (its first key is cooling)")
  note "key rotation: $ROT_N sequential requests each rotating once, interleaved with $ROT_N happy-path ones"
  if ! ROT_OUT=$(timeout 90 node "$HERE/rotate.mjs" --url "${URL[warden]}" --auth "${AUTH[warden]}" \
                   --happy-model bench/gpt-4o --rot-models "$ROT_MODELS" --json --deadline-s 80 2>"$TMP/logs/rotate.err"); then
    ROT_OUT=
    ROT_ERR=$(tr '\n' ' ' <"$TMP/logs/rotate.err")
    FAILURES+=("key rotation: ${ROT_ERR:-rotate.mjs failed}")
  fi
  warden_alive
  fetch_metrics "$TMP/logs/metrics.rot-cost"
  ROT_COST_ROTATIONS=0
  ROT_NOT_ONCE=()
  for i in $(seq "$ROT_N"); do
    n=$(rotations_of "$TMP/logs/metrics.rot-cost" "rot$i")
    ROT_COST_ROTATIONS=$((ROT_COST_ROTATIONS + n))
    ((n == 1)) || ROT_NOT_ONCE+=("rot$i:$n")
  done
  if [[ -n "$ROT_OUT" ]]; then
    rot_json=$(echo "$ROT_OUT" | sed -n 's/^ROT_JSON //p')
    # shellcheck disable=SC2016  # JavaScript, not shell
    rot_bad=$(node -e 'const r = JSON.parse(process.argv[1]);
      for (const k of ["rotated", "happy"]) if (r[k].failures) console.log(`${r[k].failures}/${r[k].n} ${k} requests not 200 chat.completion; first: ${r[k].first_failure}`)' "$rot_json")
    while IFS= read -r line; do [[ -z "$line" ]] || FAILURES+=("key rotation: $line"); done <<<"$rot_bad"
    ((${#ROT_NOT_ONCE[@]} == 0)) \
      || FAILURES+=("key rotation: expected exactly one rotation per provider, got ${ROT_NOT_ONCE[*]}")
  fi
fi

# ---------------------------------------------------------------- streaming TTFE
TTFE_OUT=''
TTFE_ERR=''
if ((!SKIP_STREAM)); then
  note "streaming: $K sequential requests per target (TTFE)"
  ttfe_args=(--direct "http://127.0.0.1:$MOCK_PORT$CHAT" --direct-auth "Bearer sk-mock" --direct-model gpt-4o
             --k "$K" --delay-ms 2 --json --deadline-s 300)
  ((SKIP_WARDEN)) || ttfe_args+=(--warden "http://127.0.0.1:$WARDEN_PORT$CHAT" --warden-auth "Bearer $GATEWAY_TOKEN"
                                 --warden-model mock/gpt-4o)
  ttfe_args+=(--ref "nginx-proxy=http://127.0.0.1:$PROXY_PORT/mock$CHAT" --ref "haproxy=http://127.0.0.1:$HAPROXY_PORT/mock$CHAT")
  if ! TTFE_OUT=$(timeout 320 node "$HERE/ttfe.mjs" "${ttfe_args[@]}" 2>"$TMP/logs/ttfe.err"); then
    TTFE_OUT=
    TTFE_ERR=$(tr '\n' ' ' <"$TMP/logs/ttfe.err")
    FAILURES+=("streaming: ${TTFE_ERR:-ttfe.mjs failed}")
  fi
  warden_alive
fi

# ---------------------------------------------------------------- memory
note "memory: idle RSS, then $MEM_CONNS idle keep-alive connections per proxy"
sleep 0.5
declare -A RSS_IDLE RSS_CONNS CONN_NOTE
idle_conns() { # idle_conns NAME PORT PIDS AUTH -> sets RSS_CONNS[NAME]
  local name=$1 port=$2 pids=$3 auth=$4 line
  line=$(timeout 90 node "$HERE/idle_conns.mjs" --port "$port" --n "$MEM_CONNS" --pids "$pids" \
           ${auth:+--auth "$auth"} 2>>"$TMP/logs/idle_conns.err" | sed -n 's/^IDLE_JSON //p') || true
  [[ -n "$line" ]] || { cat "$TMP/logs/idle_conns.err" >&2; die "idle_conns.mjs failed against $name"; }
  RSS_CONNS[$name]=$(node -e 'console.log(JSON.parse(process.argv[1]).rss_kib)' "$line")
  # shellcheck disable=SC2016  # JavaScript, not shell
  CONN_NOTE[$name]=$(node -e 'const r = JSON.parse(process.argv[1]);
    const bad = r.requested - r.ok_2xx;
    console.log(bad ? `${r.ok_2xx}/${r.requested} answered 2xx and stayed open${r.first_error ? "; " + r.first_error : ""}` : "")' "$line")
}
if ((!SKIP_WARDEN)); then
  RSS_IDLE[warden]=$(rss_tree_kib "${PID[warden]}")
  idle_conns warden "$WARDEN_PORT" "${PID[warden]}" "Bearer $GATEWAY_TOKEN"
  warden_alive
  [[ -z "${CONN_NOTE[warden]}" ]] || FAILURES+=("idle connections: ${CONN_NOTE[warden]}")
fi
RSS_IDLE[nginx-proxy]=$(rss_tree_kib "${PID[nginxproxy]}")
idle_conns nginx-proxy "$PROXY_PORT" "$(tree_pids "${PID[nginxproxy]}")" ""
RSS_IDLE[haproxy]=$(rss_tree_kib "${PID[haproxy]}")
idle_conns haproxy "$HAPROXY_PORT" "${PID[haproxy]}" ""

# ---------------------------------------------------------------- report
f3() { awk -v v="$1" 'BEGIN{ if (v == "nan" || v == "") print "-"; else printf "%.3f", v }'; }
f0() { awk -v v="$1" 'BEGIN{ if (v == "nan" || v == "") print "-"; else printf "%.0f", v }'; }
f2() { awk -v v="$1" 'BEGIN{ if (v == "nan" || v == "") print "-"; else printf "%.2f", v }'; }
judge() { # judge VALUE OP LIMIT -> PASS/MISS
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN{
    if (v == "" || v == "nan" || v == "-") { print "SKIP"; exit }
    ok = (op == "ge") ? (v >= l) : (v <= l); print ok ? "PASS" : "MISS" }'
}

declare -A A_RPS A_P50 A_P99 A_MCPU
echo
echo "== warden bench: $(nproc) cores, wrk ${DURATION}s per run, $WRK_THREADS wrk threads, $ROUNDS round(s) alternating targets"
echo "== figures are the $AGG of the rounds ($([[ $AGG == best ]] && echo 'highest req/s, lowest latency' || echo 'per column; the mean of the middle two for an even count'))"
echo "== nginx worker_processes = haproxy nbthread = $WORKERS (warden: one event loop per core; $WARDEN_THREADS OS threads in all)"
if ((BUSY_BEFORE > 10)); then
  echo "!! other processes kept the CPUs ${BUSY_BEFORE}% busy just before the run: figures are unreliable"
fi
printf '%-12s %6s %11s %9s %9s %7s %11s   %s\n' target conns "req/s" "p50 ms" "p99 ms" errors "machine µs" "per-round req/s"
for c in "$CONNS" 1; do
  for t in "${TARGETS[@]}"; do
    key="$t|$c"
    A_RPS[$key]=$(agg rate "${RPS[$key]}")
    A_P50[$key]=$(agg lat "${P50[$key]}")
    A_P99[$key]=$(agg lat "${P99[$key]}")
    A_MCPU[$key]=$(agg lat "${MCPU[$key]}")
    printf '%-12s %6s %11s %9s %9s %7s %11s   %s\n' "$t" "$c" "$(f0 "${A_RPS[$key]}")" "$(f3 "${A_P50[$key]}")" \
      "$(f3 "${A_P99[$key]}")" "$(sum_words "${ERRS[$key]}")" "$(f2 "${A_MCPU[$key]}")" "${RPS[$key]}"
  done
done
errs_total=0
for k in "${!ERRS[@]}"; do errs_total=$((errs_total + $(sum_words "${ERRS[$k]}"))); done
((errs_total == 0)) || echo "!! $errs_total non-2xx responses or socket errors in total: figures with errors are suspect (raw wrk output: KEEP_TMP=1)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || a == "nan" || b == "nan" || b == 0) print "nan"; else printf "%.3f", a / b }'; }
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || a == "nan" || b == "nan") print "nan"; else printf "%.3f", a - b }'; }
# paired A B: the ratio A/B of each round's values (the two ran a few seconds apart, so a slow
# phase of a shared machine hits both), then their median; prints "median|r1 r2 ...".
paired() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    n = split(a, x, " "); m = split(b, y, " "); if (m < n) n = m
    k = 0
    for (i = 1; i <= n; i++) if (y[i] > 0 && x[i] != "nan" && y[i] != "nan") r[++k] = x[i] / y[i]
    if (k == 0) { print "nan|"; exit }
    list = ""
    for (i = 1; i <= k; i++) list = list sprintf("%s%.3f", i > 1 ? " " : "", r[i])
    for (i = 2; i <= k; i++) { v = r[i]; for (j = i - 1; j >= 1 && r[j] > v; j--) r[j + 1] = r[j]; r[j + 1] = v }
    med = (k % 2) ? r[(k + 1) / 2] : (r[k / 2] + r[k / 2 + 1]) / 2
    printf "%.3f|%s\n", med, list }'
}
R_NGINX=nan R_HAPROXY=nan ADDED_P99=nan ADDED_P50=nan R_MEDIANS=nan R_ROUNDS='' R_MCPU=nan
if ((!SKIP_WARDEN)); then
  IFS='|' read -r R_NGINX R_ROUNDS < <(paired "${RPS[warden|$CONNS]}" "${RPS[nginx-proxy|$CONNS]}")
  R_HAPROXY=$(paired "${RPS[warden|$CONNS]}" "${RPS[haproxy|$CONNS]}" | cut -d'|' -f1)
  R_MEDIANS=$(ratio "${A_RPS[warden|$CONNS]}" "${A_RPS[nginx-proxy|$CONNS]}")
  R_MCPU=$(paired "${MCPU[warden|$CONNS]}" "${MCPU[nginx-proxy|$CONNS]}" | cut -d'|' -f1)
  ADDED_P99=$(diff_ms "${A_P99[warden|1]}" "${A_P99[direct|1]}")
  ADDED_P50=$(diff_ms "${A_P50[warden|1]}" "${A_P50[direct|1]}")
fi
echo
echo "== ratios"
echo "warden / nginx-proxy req/s at $CONNS conns: $(f3 "$R_NGINX") (median of the rounds' ratios: $R_ROUNDS; ratio of the medians $(f3 "$R_MEDIANS"))"
echo "warden / haproxy     req/s at $CONNS conns: $(f3 "$R_HAPROXY")"
echo "warden / nginx-proxy machine CPU per request at $CONNS conns: $(f3 "$R_MCPU") (all processes: wrk, proxy, upstream)"
echo "added latency at 1 conn (warden - direct):  p50 $(f3 "$ADDED_P50") ms, p99 $(f3 "$ADDED_P99") ms"
echo "for reference, nginx-proxy adds p99 $(f3 "$(diff_ms "${A_P99[nginx-proxy|1]}" "${A_P99[direct|1]}")") ms, haproxy $(f3 "$(diff_ms "${A_P99[haproxy|1]}" "${A_P99[direct|1]}")") ms"

echo
echo "== key rotation (providers whose first key, sk-limited, gets 429 + Retry-After: 3600; then sk-bench)"
if ((SKIP_WARDEN)); then
  echo "skipped (SKIP_WARDEN=1)"
else
  echo "steady state: rot/gpt-4o after one warm-up request cooled sk-limited; every request skips it (wrk, same rounds as above)"
  printf '%-12s %6s %11s %9s %9s %7s   %s\n' target conns "req/s" "p50 ms" "p99 ms" errors "per-round req/s"
  for c in "$CONNS" 1; do
    for t in warden warden-rot; do
      key="$t|$c"
      A_RPS[$key]=$(agg rate "${RPS[$key]}")
      A_P50[$key]=$(agg lat "${P50[$key]}")
      A_P99[$key]=$(agg lat "${P99[$key]}")
      printf '%-12s %6s %11s %9s %9s %7s   %s\n' "$t" "$c" "$(f0 "${A_RPS[$key]}")" "$(f3 "${A_P50[$key]}")" \
        "$(f3 "${A_P99[$key]}")" "$(sum_words "${ERRS[$key]}")" "${RPS[$key]}"
    done
  done
  for c in "$CONNS" 1; do
    printf 'rot / happy at %2s conn(s): req/s %s, p50 %s, p99 %s   (expect ~1.0: a cooling key costs nothing on the hot path)\n' "$c" \
      "$(f3 "$(ratio "${A_RPS[warden-rot|$c]}" "${A_RPS[warden|$c]}")")" \
      "$(f3 "$(ratio "${A_P50[warden-rot|$c]}" "${A_P50[warden|$c]}")")" \
      "$(f3 "$(ratio "${A_P99[warden-rot|$c]}" "${A_P99[warden|$c]}")")"
  done
  echo "rotations counted by warden for rot: $ROT_WARM_ROTATIONS at warm-up, $ROT_STEADY_ROTATIONS under load (expected 1, 0)"
  echo
  echo "cost of one rotation: rot1..rot$ROT_N, one request each (429 on sk-limited, retried with sk-bench)"
  if [[ -n "$ROT_OUT" ]]; then
    echo "$ROT_OUT" | grep -v '^ROT_JSON '
    echo "rotations counted by warden for rot1..rot$ROT_N: $ROT_COST_ROTATIONS (expected $ROT_N, one each)"
  else
    echo "!! failed: ${ROT_ERR:-rotate.mjs failed}"
  fi
fi

TTFE_EXTRA_P50=nan
GAP_EXTRA_P50=nan
REF_TTFE=''
echo
echo "== streaming (mock upstream, keep-alive, sequential)"
if [[ -n "$TTFE_OUT" ]]; then
  echo "$TTFE_OUT" | grep -v '^TTFE_JSON '
  json=$(echo "$TTFE_OUT" | sed -n 's/^TTFE_JSON //p')
  TTFE_EXTRA_P50=$(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.extra_p50_ms ?? "nan")' "$json")
  GAP_EXTRA_P50=$(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.extra_gap_p50_ms ?? "nan")' "$json")
  REF_TTFE=$(node -e 'const r = JSON.parse(process.argv[1]);
    console.log(["nginx-proxy", "haproxy"].map((n) => `${n} ${r.extra?.[n]?.p50_ms?.toFixed(3) ?? "-"} ms`).join(", "))' "$json")
elif [[ -n "$TTFE_ERR" ]]; then
  echo "!! failed: $TTFE_ERR"
else
  echo "skipped (SKIP_STREAM=1)"
fi

echo
echo "== memory (VmRSS, MiB; nginx = master + workers)"
printf '%-12s %14s %18s\n' target "idle" "$MEM_CONNS idle conns"
if ((!SKIP_WARDEN)); then
  printf '%-12s %14s %18s   %s\n' warden "$(kib_to_mib "${RSS_IDLE[warden]}")" "$(kib_to_mib "${RSS_CONNS[warden]}")" "${CONN_NOTE[warden]}"
fi
for t in nginx-proxy haproxy; do
  printf '%-12s %14s %18s   %s\n' "$t" "$(kib_to_mib "${RSS_IDLE[$t]}")" "$(kib_to_mib "${RSS_CONNS[$t]}")" "${CONN_NOTE[$t]}"
done
MIB_IDLE=nan MIB_CONNS=nan
if ((!SKIP_WARDEN)); then
  echo "warden idle right after warm-up: $(kib_to_mib "$RSS_IDLE_WARM") MiB; after all load: $(kib_to_mib "${RSS_IDLE[warden]}") MiB (judged: the larger)"
  MIB_IDLE=$(kib_to_mib "$(( RSS_IDLE_WARM > RSS_IDLE[warden] ? RSS_IDLE_WARM : RSS_IDLE[warden] ))")
  MIB_CONNS=$(kib_to_mib "${RSS_CONNS[warden]}")
  [[ -z "${CONN_NOTE[warden]}" ]] || MIB_CONNS=nan   # not every connection held: no verdict
fi
CONN_TARGET_NOTE=""
if ((MEM_CONNS < 1000)); then CONN_TARGET_NOTE=" (only $MEM_CONNS conns in this run)"; fi

echo
echo "== targets"
row() { printf '%-58s %12s  %s\n' "$1" "$2" "$3"; }
f1() { awk -v v="$1" 'BEGIN{ if (v == "nan" || v == "") print "-"; else printf "%.1f", v }'; }
row "throughput >= 1.0x nginx proxy_pass at $CONNS conns" "$(f3 "$R_NGINX")$([[ $R_NGINX == nan ]] || echo x)" "$(judge "$R_NGINX" ge 1.0)"
row "added p99 <= 1 ms at 1 conn" "$(f3 "$ADDED_P99") ms" "$(judge "$ADDED_P99" le 1.0)"
TTFE_VERDICT=$(judge "$TTFE_EXTRA_P50" le 0.05)
[[ -z "$TTFE_ERR" ]] || TTFE_VERDICT="MISS (failed)"
row "TTFE overhead (p50) <= 0.05 ms" "$(f3 "$TTFE_EXTRA_P50") ms" "$TTFE_VERDICT${REF_TTFE:+ (same run: $REF_TTFE)}"
GAP_VERDICT=$(judge "$GAP_EXTRA_P50" le 0.05)
[[ -z "$TTFE_ERR" ]] || GAP_VERDICT="MISS (failed)"
row "inter-event gap overhead (p50) <= 0.05 ms" "$(f3 "$GAP_EXTRA_P50") ms" "$GAP_VERDICT"
row "RSS idle <= $MIB_IDLE_TARGET MiB" "$(f1 "$MIB_IDLE") MiB" "$(judge "$MIB_IDLE" le "$MIB_IDLE_TARGET")"
if ((MEM_CONNS < 1000)); then
  row "RSS with 1,000 idle conns <= $MIB_CONNS_TARGET MiB$CONN_TARGET_NOTE" "$(f1 "$MIB_CONNS") MiB" "SKIP"
else
  row "RSS with 1,000 idle conns <= $MIB_CONNS_TARGET MiB" "$(f1 "$MIB_CONNS") MiB" "$(judge "$MIB_CONNS" le "$MIB_CONNS_TARGET")"
fi
((SMOKE)) && echo "(smoke run: 1 s runs, figures are not meaningful)"
if ((!SKIP_WARDEN)); then
  for c in "$CONNS" 1; do
    n=$(sum_words "${ERRS[warden|$c]}")
    ((n == 0)) || FAILURES+=("$n non-2xx responses or socket errors from warden at $c conns")
    n=$(sum_words "${ERRS[warden-rot|$c]}")
    ((n == 0)) || FAILURES+=("$n non-2xx responses or socket errors from warden (rot/gpt-4o, one key cooling) at $c conns")
  done
fi

# CPU per request and allocations per request, one worker each (its own processes and ports).
echo
echo "== CPU per request, one worker each (bench/cpu.sh)"
CPU_ARGS=()
((SMOKE)) && CPU_ARGS=(--smoke)
WARDEN_BIN="$WARDEN_BIN" "$HERE/cpu.sh" "${CPU_ARGS[@]}" || FAILURES+=("bench/cpu.sh failed (exit $?)")
if ((${#FAILURES[@]})); then
  echo
  echo "!! warden misbehaved during the benchmark (exit 1):"
  printf '!!   %s\n' "${FAILURES[@]}"
  exit 1
fi
exit 0
