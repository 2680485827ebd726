#!/usr/bin/env bash
# A profile-guided (PGO) build of the warden binary, in build/pgo: the same sources and flags as
# the release build, laid out and inlined by GCC after watching warden proxy real requests.
#
#   scripts/build-pgo.sh            → build/pgo/warden
#
# 1. builds warden instrumented (WARDEN_PGO=generate, CMakeLists.txt);
# 2. trains it: bench/cpu.sh's load (an nginx upstream on 127.0.0.1, wrk with the small, 60 KB and
#    coding-agent chat requests, one round of a few seconds each), after which warden exits and
#    writes its profile;
# 3. builds warden again with that profile (WARDEN_PGO=use). Code the training did not run
#    (streaming, TLS upstreams, errors) is optimised as in the release build.
# Both builds take about as long as the release build; the profile is made afresh every time,
# since a profile only fits the sources it came from. Needs the bench packages (nginx-light,
# haproxy, wrk: scripts/deps.sh installs them). Exits non-zero if a step fails or the training
# left no profile.
#
# Environment: TRAIN_SECONDS [3] seconds of load per body and target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build bench
DIR=build/pgo
PROFILE=$PWD/$DIR/profile
TRAIN_SECONDS=${TRAIN_SECONDS:-3}
configure() {
  cmake -S . -B "$DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWARDEN_TESTS=OFF \
    -DWARDEN_PGO="$1" -DWARDEN_PGO_DIR="$PROFILE" >/dev/null
}

rm -rf "$PROFILE"
mkdir -p "$PROFILE"
echo "build-pgo.sh: 1/3 instrumented build" >&2
configure generate
cmake --build "$DIR" --target warden

echo "build-pgo.sh: 2/3 training (bench/cpu.sh load)" >&2
# cpu.sh exits 1 when a figure is over its budget (the instrumented binary is slower and
# allocates differently) and 2 when its setup failed: only the latter spoils the training.
status=0
WARDEN_BIN=$DIR/warden ROUNDS=1 DURATION=$TRAIN_SECONDS bench/cpu.sh >"$DIR/training.log" 2>&1 || status=$?
if ((status > 1)); then
  tail -n 30 "$DIR/training.log" >&2
  echo "build-pgo.sh: the training run failed (exit $status); see $DIR/training.log" >&2
  exit 1
fi
profiles=$(find "$PROFILE" -name '*.gcda' | wc -l)
if ((profiles == 0)); then
  echo "build-pgo.sh: the training left no profile in $PROFILE" >&2
  exit 1
fi
echo "build-pgo.sh: profile of $profiles files" >&2

echo "build-pgo.sh: 3/3 optimised build" >&2
configure use
cmake --build "$DIR" --target warden
echo "build-pgo.sh: built $DIR/warden" >&2
