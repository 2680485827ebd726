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
# non-zero if a step fails (3: the training run, or a profile the build would not find).
#
# Environment: WARDEN_BUILD_DIR [build/release], TRAIN_SECONDS [3] seconds of load per body.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build train
USE_DIR=$(realpath -m "${WARDEN_BUILD_DIR:-build/release}")
GEN_DIR=build/pgo-gen
PROFILE=$USE_DIR/pgo-profile
TRAIN_SECONDS=${TRAIN_SECONDS:-3}
say() { echo "build-pgo.sh: $*" >&2; }

configure_use() {
  cmake -S . -B "$USE_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWARDEN_PGO=use \
    -DWARDEN_PGO_DIR="$PROFILE" "$@" >/dev/null
}
# What the profile was made from: the product's sources (not their unit tests), the build files,
# the training load and the compiler.
hash=$({
  g++ --version | head -n 1
  find src cmake CMakeLists.txt CMakePresets.json scripts/build-pgo.sh bench/cpu.sh bench/common.sh \
    bench/conf bench/post.lua bench/agent_body.py tools/mock-upstream.mjs -type f ! -name '*_test.cc' |
    LC_ALL=C sort | xargs sha256sum
} | sha256sum | cut -d' ' -f1)
if [[ -x "$USE_DIR/warden" && -f "$PROFILE/sources" && "$(cat "$PROFILE/sources")" == "$hash" ]] &&
  grep -q '^WARDEN_PGO:STRING=use$' "$USE_DIR/CMakeCache.txt" 2>/dev/null; then
  say "$USE_DIR was built with a profile of these sources; building what is missing"
  configure_use "$@"
  cmake --build "$USE_DIR"
  exit 0
fi

say "1/3 instrumented build ($GEN_DIR)"
# The caller's options too (its compile flags shape the code the profile describes), tests off.
cmake -S . -B "$GEN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" -DWARDEN_TESTS=OFF \
  -DWARDEN_PGO=generate -DWARDEN_PGO_DIR="$PROFILE" >/dev/null
cmake --build "$GEN_DIR" --target warden

say "2/3 training (bench/cpu.sh --train)"
rm -rf "$PROFILE"
mkdir -p "$PROFILE"
if ! WARDEN_BIN=$GEN_DIR/warden DURATION=$TRAIN_SECONDS bench/cpu.sh --train >"$GEN_DIR/training.log" 2>&1; then
  tail -n 30 "$GEN_DIR/training.log" >&2
  say "the training run failed; see $GEN_DIR/training.log"
  exit 3
fi
profiles=$(find "$PROFILE" -name '*.gcda' | wc -l)
# Named after each object's path below the build directory (-fprofile-prefix-path): a name with
# the absolute path (GCC's fallback when the prefix does not match) would not be found by the
# optimised build, which would then quietly compile without a profile.
if [[ ! -f "$PROFILE/CMakeFiles#warden.dir#src#app#main.cc.gcda" ]]; then
  say "the training left no profile the optimised build would find in $PROFILE ($profiles files)"
  exit 3
fi
say "profile of $profiles files ($(tail -n 1 "$GEN_DIR/training.log"))"

say "3/3 optimised build ($USE_DIR)"
configure_use "$@"
# Objects compiled before this profile existed would not be compiled again by themselves.
cmake --build "$USE_DIR" --target clean
cmake --build "$USE_DIR"
echo "$hash" >"$PROFILE/sources"
say "built $USE_DIR/warden"
