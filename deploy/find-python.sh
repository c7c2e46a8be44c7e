#!/usr/bin/env bash
# Print the absolute path of the Python 3.11 interpreter to build the venv with.
# Order: $PYTHON if set, else python3.11 on PATH, else python3. It must be 3.11.
# Exit 1 (message on stderr) when none is found.
set -euo pipefail

candidates=()
if [[ -n "${PYTHON:-}" ]]; then
    candidates=("$PYTHON")
else
    candidates=(python3.11 python3)
fi

for cand in "${candidates[@]}"; do
    command -v "$cand" >/dev/null 2>&1 || continue
    # sys.executable resolves pyenv shims to the real interpreter.
    if exe=$("$cand" -c 'import sys; assert sys.version_info[:2] == (3, 11); print(sys.executable)' 2>/dev/null) \
        && [[ -n "$exe" ]]; then
        echo "$exe"
        exit 0
    fi
    echo "find-python: $cand is not Python 3.11 ($("$cand" -V 2>&1 | head -n 1 || true)), skipping" >&2
done

echo "find-python: no Python 3.11 found (tried: ${candidates[*]})." >&2
echo "find-python: on Debian 12: sudo apt-get install python3 python3-venv" >&2
exit 1
