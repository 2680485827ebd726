#!/usr/bin/env bash
# The README's first command: install what is missing, build (Release), start `warden serve`.
# Extra arguments go to `warden serve` (e.g. --config warden.toml). WARDEN_PGO=1 builds and serves
# the profile-guided build instead (scripts/build-pgo.sh: twice the build time, bench packages).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${WARDEN_PGO:-0}" == 1 ]]; then  # the profile-guided build (scripts/build-pgo.sh)
  scripts/build-pgo.sh
  exec build/pgo/warden serve "$@"
fi
scripts/deps.sh build
cmake --preset release -DWARDEN_TESTS=OFF >/dev/null
cmake --build --preset release --target warden
exec build/release/warden serve "$@"
