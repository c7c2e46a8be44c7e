#!/usr/bin/env bash
# Build a release bundle for `kiosk-central release publish` (docs/fleet.md §4):
#
#   deploy/build-bundle.sh VERSION OUT [--with-deps] [--find-links DIR]
#
# OUT is a .tar.gz with manifest.json, requirements.lock (the runtime dependencies pinned
# from this venv) and wheels/ (the project's wheel; every dependency's with --with-deps).
# Without --with-deps nothing is downloaded: the wheel is built offline from this checkout.
# Prints the manifest as one JSON line.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python="${PYTHON:-$root/.venv/bin/python}"
if [[ $# -lt 2 ]]; then
    echo "usage: $0 VERSION OUT [--with-deps] [--find-links DIR]" >&2
    exit 2
fi
exec "$python" -m kiosk.update.bundle "$@" --source "$root"
