#!/usr/bin/env bash
# Make sure .venv at the repository root exists, runs Python 3.11, and has the project
# installed editable with the test extra. Re-installs when pyproject.toml is newer than
# the stamp file. Cheap when nothing changed (no network).
#
#   deploy/venv.sh            (make venv)
#   PYTHON=/usr/bin/python3 deploy/venv.sh   pick the interpreter for a new venv
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="${VENV:-$root/.venv}"
stamp="$venv/.tongban-installed"
say() { echo "venv: $*" >&2; }

venv_ok() {
    [[ -x "$venv/bin/python" ]] &&
        "$venv/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 11)' >/dev/null 2>&1
}

if [[ -e "$venv" ]] && ! venv_ok; then
    if [[ -e "$venv/pyvenv.cfg" ]]; then
        say "$venv is broken or not Python 3.11; recreating it"
        rm -rf "$venv"
    else
        say "$venv exists but is not a virtual environment; move it away"
        exit 1
    fi
fi

if [[ ! -e "$venv" ]]; then
    py=$("$root/deploy/find-python.sh")
    say "creating $venv with $py ($("$py" -V 2>&1))"
    "$py" -m venv "$venv"
    rm -f "$stamp"
fi

if [[ ! -e "$stamp" || "$root/pyproject.toml" -nt "$stamp" ]]; then
    say "installing the project: pip install -e '.[test]'"
    pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input)
    # -qq: no progress and no build-backend deprecation chatter; errors (with the
    # failing build output) still show.
    (cd "$root" && "${pip[@]}" install -qq -e '.[test]')
    touch "$stamp"
fi
