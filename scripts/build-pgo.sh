#!/usr/bin/env bash
# The profile-guided (PGO) build of warden, which both of the README's commands build
# (scripts/run.sh, scripts/test.sh): the same sources and flags as a plain Release build, laid out
# and inlined by GCC after watching warden proxy real requests.
#
#   scripts/build-pgo.sh [CMAKE_OPTION...]   → build/release/warden (-DWARDEN_TESTS=ON: the tests too)
#
# 1. builds warden instrumented in build/pgo-gen (WARDEN_PGO=generate, CMakeLists.txt; that
#    directory is kept, so the next time only what changed is compiled again);
# 2. trains it: `bench/cpu.sh --train` (an nginx upstream on 127.0.0.1, wrk sending the small,
#    60 KB and coding-agent chat requests for a few seconds each, then sequential and streamed
#    requests from a Python client and the mock upstream; ~15 s), after which warden exits and
#    writes its profile;
# 3. builds build/release from scratch with that profile (WARDEN_PGO=use) and the given options.
#    Code the training did not run (TLS upstreams, errors) is optimised as in a plain build.
# When build/release was already built this way from the same sources (their hash is kept beside
# the profile), it is only configured with the given options and built incrementally: starting
# warden again, or after the test suite, costs no training.
# Needs nginx-light, wrk, python3 and node (scripts/deps.sh build train installs them). Exits
# non-zero if a step fails or the training left no profile.
#
# Environment: WARDEN_BUILD_DIR [build/release], TRAIN_SECONDS [3] seconds of load per body.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build train
USE_DIR=${WARDEN_BUILD_DIR:-build/release}
GEN_DIR=build/pgo-gen
PROFILE=$PWD/$USE_DIR/pgo-profile
TRAIN_SECONDS=${TRAIN_SECONDS:-3}
say() { echo "build-pgo.sh: $*" >&2; }

configure_use() {
  cmake -S . -B "$USE_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWARDEN_PGO=use \
    -DWARDEN_PGO_DIR="$PROFILE" "$@" >/dev/null
}
# What the profile was made from: the sources and the build files.
hash=$(find src cmake CMakeLists.txt CMakePresets.json -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
if [[ -x "$USE_DIR/warden" && -f "$PROFILE/sources" && "$(cat "$PROFILE/sources")" == "$hash" ]] &&
  grep -q '^WARDEN_PGO:STRING=use$' "$USE_DIR/CMakeCache.txt" 2>/dev/null; then
  say "$USE_DIR was built with a profile of these sources; building what is missing"
  configure_use "$@"
  cmake --build "$USE_DIR"
  exit 0
fi

say "1/3 instrumented build ($GEN_DIR)"
cmake -S . -B "$GEN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWARDEN_TESTS=OFF \
  -DWARDEN_PGO=generate -DWARDEN_PGO_DIR="$PROFILE" >/dev/null
cmake --build "$GEN_DIR" --target warden

say "2/3 training (bench/cpu.sh --train)"
rm -rf "$PROFILE"
mkdir -p "$PROFILE"
if ! WARDEN_BIN=$GEN_DIR/warden DURATION=$TRAIN_SECONDS bench/cpu.sh --train >"$GEN_DIR/training.log" 2>&1; then
  tail -n 30 "$GEN_DIR/training.log" >&2
  say "the training run failed; see $GEN_DIR/training.log"
  exit 1
fi
profiles=$(find "$PROFILE" -name '*.gcda' | wc -l)
if ((profiles == 0)); then
  say "the training left no profile in $PROFILE"
  exit 1
fi
say "profile of $profiles files ($(tail -n 1 "$GEN_DIR/training.log"))"

say "3/3 optimised build ($USE_DIR)"
configure_use "$@"
# Objects compiled before this profile existed would not be compiled again by themselves.
cmake --build "$USE_DIR" --target clean
cmake --build "$USE_DIR"
echo "$hash" >"$PROFILE/sources"
say "built $USE_DIR/warden"
