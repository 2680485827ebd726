#!/usr/bin/env bash
# Installs the Debian 12 packages warden needs, only those missing.
# Usage: scripts/deps.sh [build|train|test|bench|format|tidy|fuzz]...
set -euo pipefail
build=(cmake ninja-build g++ pkg-config libssl-dev libboost1.81-dev libboost-json1.81-dev
       libboost-url1.81-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
       libgoogle-perftools-dev  # tcmalloc, the warden binary's allocator
       libsimdjson-dev)
# The profile-guided build's training run (scripts/build-pgo.sh: bench/cpu.sh --train), and node.
train=(nginx-light wrk python3 curl)
test=(libgtest-dev libgmock-dev nginx-light)  # nginx: the identity proxy of tests/integration/trusted_proxy
bench=(nginx-light haproxy wrk valgrind libhttp-parser-dev openssl)  # valgrind: bench/icount.sh; http-parser: bench/parsers.sh; openssl: cpu.sh UPSTREAM_TLS
# Pinned to 14: another clang-format version formats differently (scripts/check-format.sh).
format=(clang-format-14)
tidy=(clang-tidy-14)
fuzz=(clang-14 libclang-rt-14-dev)  # libFuzzer + sanitizer runtimes (tests/fuzz)
want=("${build[@]}")
for kind in "$@"; do
  case "$kind" in
    build) ;;
    train) want+=("${train[@]}") ;;
    test) want+=("${test[@]}") ;;
    bench) want+=("${bench[@]}") ;;
    format) want+=("${format[@]}") ;;
    tidy) want+=("${tidy[@]}") ;;
    fuzz) want+=("${fuzz[@]}") ;;
    *) echo "deps.sh: unknown group $kind" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js runs the integration and SDK tests and the training's mock upstream; use the machine's
# node when present.
if [[ " $* " == *" test "* || " $* " == *" train "* ]] && ! command -v node >/dev/null; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
