#!/usr/bin/env bash
# The README's first command: install what is missing, build (Release, profile-guided:
# scripts/build-pgo.sh), start `warden serve`. Extra arguments go to `warden serve` (e.g.
# --config warden.toml). The first build takes about twice as long as a plain one (an
# instrumented build and a ~15 s training run on 127.0.0.1 before the optimised build); later
# starts from the same sources train nothing. WARDEN_PGO=0 builds a plain Release binary instead,
# without the training's packages; so does a failed training run (build-pgo.sh's exit 3), with a
# warning. Any other failure (a package that would not install, a compile error) stops here.
set -euo pipefail
cd "$(dirname "$0")/.."
plain_build() {
  scripts/deps.sh build
  cmake --preset release -DWARDEN_TESTS=OFF -DWARDEN_PGO= >/dev/null
  cmake --build --preset release --target warden
}
if [[ "${WARDEN_PGO:-1}" == 0 ]]; then
  plain_build
else
  status=0
  scripts/build-pgo.sh -DWARDEN_TESTS=OFF || status=$?
  if ((status == 3)); then
    echo "run.sh: WARNING: the profile-guided build's training failed (above); building without a profile" >&2
    plain_build
  elif ((status != 0)); then
    exit "$status"
  fi
fi
exec build/release/warden serve "$@"
