#!/usr/bin/env bash
# The README's first command: install what is missing, build (Release), start `warden serve`.
# Extra arguments go to `warden serve` (e.g. --config warden.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake --preset release -DWARDEN_TESTS=OFF >/dev/null
cmake --build --preset release --target warden
exec build/release/warden serve "$@"
