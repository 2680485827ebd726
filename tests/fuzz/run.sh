#!/usr/bin/env bash
# Builds the fuzzers if needed (cmake --preset fuzz: clang, libFuzzer, ASan+UBSan), replays the
# reproducers in tests/fuzz/regressions/, then runs each fuzzer for a bounded time on a temporary
# copy of its seed corpus (tests/fuzz/corpus/<name>/ is never written to).
#
# Usage: tests/fuzz/run.sh [name...]        (default: every fuzzer)
# Env:   FUZZ_SECONDS  seconds per fuzzer (default 20)
#        FUZZ_JOBS     build parallelism (default 2)
#        FUZZ_PARALLEL fuzzers run at once (default: the number of cores)
# Prints per fuzzer: executions, executions/s, and cov:/ft: of its final status line. Exits
# non-zero if a fuzzer crashes (the crash artifact is kept under build/fuzz/artifacts/<name>/ and
# its path printed) or a reproducer fails that is not listed in tests/fuzz/regressions/OPEN.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-20}
all=(http_request model_field jwt config_loader json_pointer duration dotenv exec_response sse_relay profile_document)
if (($#)); then targets=("$@"); else targets=("${all[@]}"); fi
bin=build/fuzz/tests/fuzz
artifacts=build/fuzz/artifacts
regressions=tests/fuzz/regressions
started=$SECONDS

work=$(mktemp -d "${TMPDIR:-/tmp}/warden-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "-- build (cmake --preset fuzz)"
if [ ! -f build/fuzz/build.ninja ]; then
  cmake --preset fuzz >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
fi
fuzzer_targets=()
for t in "${targets[@]}"; do fuzzer_targets+=("${t}_fuzz"); done
if ! cmake --build --preset fuzz -j "${FUZZ_JOBS:-2}" --target "${fuzzer_targets[@]}" >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log"
  echo "fuzz build failed" >&2
  exit 1
fi
echo "   built in $((SECONDS - started))s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
failed=()
# Lines of a failure worth showing (sanitizer report, broken invariant, assertion).
interesting='^==[0-9]+== ?ERROR|runtime error:|^FUZZ INVARIANT|^  detail:|Assertion|^SUMMARY:|uncaught exception|^terminate called'

# Reproducers: each file is run once with every open-finding guard off (WARDEN_FUZZ_STRICT=1).
# A reproducer listed in OPEN belongs to a finding not fixed yet: it is expected to fail.
echo "-- regressions ($regressions, WARDEN_FUZZ_STRICT=1)"
is_open() { [ -f "$regressions/OPEN" ] && grep -q "^$1[[:space:]]" "$regressions/OPEN"; }
for t in "${targets[@]}"; do
  [ -d "$regressions/$t" ] || continue
  for f in "$regressions/$t"/*; do
    [ -f "$f" ] || continue
    rel=${f#"$regressions"/}
    if WARDEN_FUZZ_STRICT=1 "$bin/${t}_fuzz" "$f" >"$work/replay.log" 2>&1; then
      if is_open "$rel"; then
        echo "   ok    $rel  (listed in OPEN but passes: the fix landed? drop its guard and OPEN line)"
      else
        echo "   ok    $rel"
      fi
    elif is_open "$rel"; then
      echo "   open  $rel  (known finding, fails until fixed in src/ or upstream; see OPEN)"
    else
      echo "   FAIL  $rel"
      grep -E "$interesting" "$work/replay.log" | head -n 8 | sed 's/^/         /' || true
      failed+=("regression:$rel")
    fi
  done
done

# Fuzzers run side by side, FUZZ_PARALLEL at a time (default: one per core; each is one
# process), each for its full time; their results are printed in the usual order.
parallel=${FUZZ_PARALLEL:-$(nproc)}
echo "-- fuzzing, ${seconds}s per fuzzer, ${parallel} at a time"
fuzz_one() {
  local t=$1 corpus="$work/corpus/$1" log="$work/$1.log" rc=0
  mkdir -p "$corpus" "$artifacts/$t"
  cp -R "tests/fuzz/corpus/$t/." "$corpus/"
  "$bin/${t}_fuzz" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t/" >"$log" 2>&1 || rc=$?
  echo "$rc" >"$work/$t.rc"
}
running=0
for t in "${targets[@]}"; do
  if ((running >= parallel)); then
    wait -n
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait
printf '   %-14s %12s %9s %7s %7s  %s\n' fuzzer execs exec/s cov ft result
for t in "${targets[@]}"; do
  log="$work/$t.log"
  rc=$(cat "$work/$t.rc" 2>/dev/null || echo 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  status=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  result=ok
  ((rc == 0)) || { result="CRASH (exit $rc)"; failed+=("$t"); }
  printf '   %-14s %12s %9s %7s %7s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result"
  if ((rc != 0)); then
    grep -E "$interesting|Test unit written" "$log" | head -n 12 |
      sed 's/^/         /' || true
    grep -q "Test unit written" "$log" || echo "         (no artifact written; log: see above)"
  fi
done

echo "-- done in $((SECONDS - started))s"
if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]}" >&2
  echo "Minimize a crash with: $bin/<name>_fuzz -minimize_crash=1 -runs=20000 <artifact>" >&2
  exit 1
fi
