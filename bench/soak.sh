#!/usr/bin/env bash
# warden soak: SOAK_SECONDS of mixed traffic (streams, cancellations, key rotations, reloads every
# few seconds, slow clients, bad requests) against the mock upstream, then a verdict on unexpected
# failures and on RSS / descriptor growth. The work is in bench/soak.mjs; this wrapper picks the
# binary, checks the tools and puts a backstop timeout around it.
#
#   bench/soak.sh                    10 minutes (SOAK_SECONDS=600): run this one before a release
#   SOAK_SECONDS=20 bench/soak.sh    the short run scripts/test.sh does, to prove the script works
#
# Exit 0: no unexpected outcome and no growth. 1: unexpected outcomes, a "LEAK?" verdict, or the
# deadline. 2: setup failed. Prints a report and one SOAK_JSON line (see bench/README.md, "Soak").
#
# Environment (defaults in brackets):
#   WARDEN_BIN [build/release/warden]  SOAK_SECONDS [600]  SOAK_CLIENTS [16]  SOAK_RELOAD_S [3]
#   SOAK_SAMPLE_S [10]  SOAK_WARMUP_S [3]  SOAK_REQUEST_TIMEOUT_MS [15000]  SOAK_SEED [random]
#   KEEP_TMP [0] keep the temp dir (config, warden.log); it is kept anyway when the run fails
#
# Everything listens on 127.0.0.1 ephemeral ports. soak.mjs stops itself at SOAK_SECONDS + 60 s;
# `timeout` kills its whole process group (warden and the mock included) 30 s after that.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

case "${1:-}" in
  -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  '') ;;
  *) echo "soak.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

WARDEN_BIN=${WARDEN_BIN:-$ROOT/build/release/warden}
SOAK_SECONDS=${SOAK_SECONDS:-600}
[[ "$SOAK_SECONDS" =~ ^[1-9][0-9]{0,5}$ ]] || { echo "soak.sh: SOAK_SECONDS must be a positive number of seconds" >&2; exit 2; }
[[ -x "$WARDEN_BIN" ]] || { echo "soak.sh: $WARDEN_BIN is not an executable (cmake --preset release && cmake --build --preset release, or set WARDEN_BIN)" >&2; exit 2; }
for tool in node timeout; do
  command -v "$tool" >/dev/null || { echo "soak.sh: $tool not found" >&2; exit 2; }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 18)) || { echo "soak.sh: node >= 18 needed (found $(node --version))" >&2; exit 2; }

WARDEN_BIN=$(cd "$(dirname "$WARDEN_BIN")" && pwd)/$(basename "$WARDEN_BIN")
export WARDEN_BIN SOAK_SECONDS
cd "$ROOT"
# In the background so a signal to this script reaches the trap at once; timeout puts node (and
# what it starts) in its own process group and forwards the TERM to all of it.
timeout --kill-after=10 $((SOAK_SECONDS + 90)) node "$HERE/soak.mjs" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' INT TERM
rc=0
wait "$pid" || rc=$?
while kill -0 "$pid" 2>/dev/null; do rc=0; wait "$pid" || rc=$?; done   # woken by a signal: wait again
if ((rc == 124 || rc == 137)); then
  echo "soak.sh: soak.mjs overran its own deadline and was killed" >&2
  rc=1
fi
exit "$rc"
