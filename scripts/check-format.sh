#!/usr/bin/env bash
# Checks that every git-tracked C++ file under src/ and tests/ matches .clang-format; lists the
# files that do not and exits 1. With --fix, formats them in place instead.
# Usage: scripts/check-format.sh [--fix]
# Env: CLANG_FORMAT (default clang-format-14 when present, else clang-format); the output depends
# on the clang-format version, so use the one the tree was formatted with.
set -euo pipefail
cd "$(dirname "$0")/.."
fix=0
case "${1:-}" in
  --fix) fix=1 ;;
  "") ;;
  -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "check-format.sh: unknown argument $1 (expected --fix)" >&2; exit 2 ;;
esac
if [ -z "${CLANG_FORMAT:-}" ]; then
  if command -v clang-format-14 >/dev/null; then CLANG_FORMAT=clang-format-14; else CLANG_FORMAT=clang-format; fi
fi
command -v "$CLANG_FORMAT" >/dev/null || { echo "check-format.sh: $CLANG_FORMAT not found" >&2; exit 2; }

mapfile -d '' files < <(git ls-files -z -- 'src/*.cc' 'src/*.hpp' 'tests/*.cc' 'tests/*.hpp')
if ((${#files[@]} == 0)); then echo "check-format.sh: no files" >&2; exit 0; fi

if ((fix)); then
  printf '%s\0' "${files[@]}" | xargs -0 -n 32 -P "$(nproc)" "$CLANG_FORMAT" -i --style=file
  echo "formatted ${#files[@]} files"
  exit 0
fi

bad=()
for f in "${files[@]}"; do
  # --dry-run --Werror: exit non-zero (and print the diff sites) when the file would change.
  "$CLANG_FORMAT" --dry-run --Werror --style=file "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "${#bad[@]} of ${#files[@]} files need formatting (run scripts/check-format.sh --fix):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "format ok (${#files[@]} files)"
