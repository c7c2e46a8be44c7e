#!/usr/bin/env bash
# Install the Debian 12 packages Tongban Kiosk needs, those that are missing.
#
#   deploy/install-deps.sh [--check] [--list] [GROUP...]
#
# GROUPs are the [sections] of deploy/debian-packages.txt (default: runtime test; a real
# terminal: runtime terminal). Packages are checked with dpkg-query first: a machine that
# has them all does nothing and needs no network. Missing packages are installed with
# apt-get (apt-get update first) when run as root; otherwise the exact sudo command is
# printed and the script exits 1.
#   --check  report what is missing and exit 1 if anything is; never install
#   --list   print the packages of the chosen groups and exit
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
list_file="$here/debian-packages.txt"
say() { echo "install-deps: $*" >&2; }

check_only=0
list_only=0
groups=()
for arg in "$@"; do
    case "$arg" in
        --check) check_only=1 ;;
        --list) list_only=1 ;;
        -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) say "unknown option $arg"; exit 2 ;;
        *) groups+=("$arg") ;;
    esac
done
[[ ${#groups[@]} -gt 0 ]] || groups=(runtime test)

# Packages of the chosen groups, in file order.
mapfile -t wanted < <(awk -v want=" ${groups[*]} " '
    { sub(/#.*/, "") }
    /^[[:space:]]*\[[^]]+\][[:space:]]*$/ {
        g = $0; gsub(/[][[:space:]]/, "", g); known[g] = 1; cur = g; next
    }
    NF && index(want, " " cur " ") { print $1 }
    END {
        n = split(want, w, " ")
        for (i = 1; i <= n; i++) if (!(w[i] in known)) { print "?" w[i]; }
    }
' "$list_file")
for p in "${wanted[@]}"; do
    if [[ $p == \?* ]]; then
        say "no group [${p#\?}] in $list_file"
        exit 2
    fi
done

# Python 3.11 with venv: only ask apt for it when the chosen interpreter cannot make a venv.
if py=$("$here/find-python.sh" 2>/dev/null); then
    if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        case "$py" in
            /usr/bin/*) wanted+=(python3-venv) ;;   # Debian ships ensurepip in python3.11-venv
            *) say "$py has no venv/ensurepip and is not Debian's; use PYTHON=/usr/bin/python3"
               exit 1 ;;
        esac
    fi
else
    wanted+=(python3 python3-venv)
fi

if [[ $list_only -eq 1 ]]; then
    printf '%s\n' "${wanted[@]}"
    exit 0
fi

installed() {
    dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed
}

missing=()
for p in "${wanted[@]}"; do
    installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    say "all ${#wanted[@]} packages present (groups: ${groups[*]})"
    exit 0
fi

say "missing: ${missing[*]}"
apt_install=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ $check_only -eq 1 ]]; then
    say "to install: sudo ${apt_install[*]}"
    exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
    say "not root; run:"
    echo "sudo apt-get update && sudo ${apt_install[*]}"
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
say "apt-get update"
apt-get update -qq
say "${apt_install[*]}"
apt-get -q "${apt_install[@]:1}"

still=()
for p in "${missing[@]}"; do
    installed "$p" || still+=("$p")
done
if [[ ${#still[@]} -gt 0 ]]; then
    say "still missing after apt-get: ${still[*]}"
    exit 1
fi
say "installed ${#missing[@]} packages"
