#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run the whole test suite —
# the formatting check (scripts/check-format.sh), then unit tests, integration tests against the
# real binary and mock upstream, the SDK tests, the agent-CLI tests — in the Release build that
# scripts/run.sh serves (profile-guided, scripts/build-pgo.sh) and again under
# AddressSanitizer + UndefinedBehaviorSanitizer; a ThreadSanitizer build of the unit tests and the
# concurrency-labelled integration files; a smoke run of the benchmark and a 20-second soak so
# neither can rot; then the fuzzers (clang/libFuzzer, tests/fuzz/run.sh) for a bounded time each.
# WARDEN_SKIP_FORMAT=1 / WARDEN_SKIP_ASAN=1 / WARDEN_SKIP_TSAN=1 / WARDEN_SKIP_BENCH=1 /
# WARDEN_SKIP_SOAK=1 / WARDEN_SKIP_FUZZ=1 skip a stage. (The full 10-minute soak, bench/soak.sh,
# is the one to run before a release.)
set -euo pipefail
cd "$(dirname "$0")/.."
# Each stage's wall time, so a slow CI run says where the time went.
stage_started=$SECONDS
stage() {
  echo "== $* (previous stage: $((SECONDS - stage_started)) s, total $((SECONDS / 60)) min)"
  stage_started=$SECONDS
}
# The tree is formatted (clang-format 14); a drifted file fails the run before anything builds.
if [ "${WARDEN_SKIP_FORMAT:-0}" != 1 ]; then
  stage "format check"
  scripts/deps.sh format
  scripts/check-format.sh
fi
scripts/deps.sh build train test bench
if [ ! -d tests/sdk/node_modules ] || [ tests/sdk/package-lock.json -nt tests/sdk/node_modules ]; then
  npm ci --prefix tests/sdk --no-audit --no-fund --loglevel=error
fi
# The agent CLIs (Claude Code, Codex) are optional: without the network their tests are skipped.
if [ ! -d tests/clients/node_modules ] || [ tests/clients/package-lock.json -nt tests/clients/node_modules ]; then
  npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error ||
    echo "tests/clients: npm ci failed; the agent-CLI tests will be skipped"
fi
jobs=$(nproc)
run_suite() {
  local preset=$1
  shift
  cmake --preset "$preset" -DWARDEN_WERROR=ON "$@" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs" --timeout 300
}
# The binary tested is the one scripts/run.sh serves: built with the profile of a training run
# (WARDEN_PGO=0: a plain Release build, as `WARDEN_PGO=0 scripts/run.sh` serves).
if [ "${WARDEN_PGO:-1}" = 0 ]; then
  stage "release build (plain) and tests"
  run_suite release -DWARDEN_PGO=
else
  stage "release build (profile-guided) and tests"
  scripts/build-pgo.sh -DWARDEN_TESTS=ON -DWARDEN_WERROR=ON
  ctest --preset release -j "$jobs" --timeout 300
fi
if [ "${WARDEN_SKIP_ASAN:-0}" != 1 ]; then
  stage "asan+ubsan build and tests"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_suite asan
fi
if [ "${WARDEN_SKIP_TSAN:-0}" != 1 ]; then
  # Unit tests (gtest names are Suite.Name; the node tests are integration.* and sdk.*) and the
  # integration files labelled `concurrency` in CMakeLists.txt. The harness hands TSAN_OPTIONS
  # (halt_on_error) to every warden it starts and fails a file whose warden printed a report.
  stage "tsan build, unit tests and concurrency tests"
  cmake --preset tsan -DWARDEN_WERROR=ON >/dev/null
  cmake --build --preset tsan -j "$jobs"
  ctest --preset tsan -j "$jobs" --timeout 300 -R '^[A-Z]'
  ctest --preset tsan -j "$jobs" --timeout 300 -L concurrency
fi
if [ "${WARDEN_SKIP_BENCH:-0}" != 1 ]; then
  stage "benchmark smoke run"
  WARDEN_BIN=build/release/warden bench/run.sh --smoke
  # The HTTPS upstream too: its allocation budget holds the TLS path to what it allocates now.
  WARDEN_BIN=build/release/warden UPSTREAM_TLS=1 bench/cpu.sh --smoke
  WARDEN_BIN=build/release/warden bench/auth_modes.sh --smoke
  WARDEN_BIN=build/release/warden bench/icount.sh --smoke
  bench/parsers.sh --smoke
fi
if [ "${WARDEN_SKIP_SOAK:-0}" != 1 ]; then
  stage "soak, short (20 s)"
  WARDEN_BIN=build/release/warden SOAK_SECONDS=20 bench/soak.sh
fi
if [ "${WARDEN_SKIP_FUZZ:-0}" != 1 ]; then
  stage "fuzzers (bounded)"
  scripts/deps.sh fuzz
  FUZZ_SECONDS=${FUZZ_SECONDS:-10} FUZZ_JOBS=2 tests/fuzz/run.sh
fi
stage "done"
