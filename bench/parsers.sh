#!/usr/bin/env bash
# Beast's HTTP/1.1 parser beside http-parser (libhttp-parser-dev), the one other HTTP/1 parser
# Debian 12 packages, on the heads warden parses per request (bench/parser_compare.cc says
# which). Settles whether swapping parsers would pay before anyone writes one.
#
#   bench/parsers.sh           1,000,000 parses per head and parser (about 10 s)
#   bench/parsers.sh --smoke   10,000: proves it builds and runs (CI)
#
# Environment: CXX [g++]. Exits 0 whatever the figures; 2 when it cannot build, 1 when a parser
# fails on a head or the two disagree.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ITERATIONS=1000000
for arg in "$@"; do
  case "$arg" in
    --smoke) ITERATIONS=10000 ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "parsers.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
[[ -f /usr/include/http_parser.h ]] || { echo "parsers.sh: libhttp-parser-dev is not installed (scripts/deps.sh bench)" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/warden-parsers.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# -O3 -DNDEBUG: the release build's flags (CMake's Release defaults).
"${CXX:-g++}" -std=c++20 -O3 -DNDEBUG -o "$TMP/parser_compare" "$HERE/parser_compare.cc" \
  -lhttp_parser || { echo "parsers.sh: cannot build parser_compare" >&2; exit 2; }
"$TMP/parser_compare" "$ITERATIONS"
