#!/usr/bin/env bash
# The demo's systemd: runs the kiosk of a versions layout (docs/fleet.md §4) the way
# deploy/systemd/tongban-kiosk.service does on a terminal.
#
#   deploy/supervise.sh OPT [KIOSK-OPTION...] -- [RUN-OPTION...]
#   e.g. deploy/supervise.sh var/demo/opt --config config/demo.toml -- --windowed
#
# Before each start the committed version's `kiosk update boot-check` (ExecStartPre: it ends
# a new version's crash loop by pointing `current` back at `committed`), then `current`'s
# `kiosk run` (ExecStart). Started again at once after exit status 75 (an update or a new
# configuration asked for it), SUPERVISE_RESTART_S (3) after a crash (RestartSec=). Ends with
# the kiosk when it stops cleanly (status 0: SIGTERM, SIGINT), and when SIGTERM reaches it
# (the kiosk is stopped first). Unlike systemd it gives up after 3 quick failures in a row of
# the committed version (a broken checkout or configuration; exit 1): a demo is for reading
# the log, not for retrying for ever.
#
# Boot-check's JSON lines go to SUPERVISE_LOG (default /dev/null), the kiosk's output to
# SUPERVISE_KIOSK_LOG (default stderr); what it does is said on stderr ("demo: ...").
set -uo pipefail

say() { echo "demo: $*" >&2; }
(($# >= 1)) || { echo "usage: $0 OPT [KIOSK-OPTION...] -- [RUN-OPTION...]" >&2; exit 2; }
opt=$1
shift
kiosk_args=()
while (($#)) && [[ $1 != -- ]]; do kiosk_args+=("$1"); shift; done
(($#)) && shift
run_args=("$@")
log=${SUPERVISE_LOG:-/dev/null}
kiosk_log=${SUPERVISE_KIOSK_LOG:-/dev/stderr}
restart_s=${SUPERVISE_RESTART_S:-3}
quick_s=${SUPERVISE_QUICK_S:-30}

link_version() {  # link_version current|committed: the version the link names
    local target
    target=$(readlink "$opt/$1" 2>/dev/null) || true
    echo "${target##*/}"
}

child=""
stop() {
    if [[ -n $child ]]; then
        kill -TERM "$child" 2>/dev/null
        wait "$child" 2>/dev/null
    fi
    exit 0
}
trap stop TERM INT HUP

quick=0
while true; do
    check=$("$opt/committed/venv/bin/kiosk" "${kiosk_args[@]}" update boot-check --json 2>>"$log")
    status=$?
    printf '%s\n' "$check" >>"$log"
    if ((status != 0)); then
        say "boot-check failed (status $status): starting the current version anyway"
    elif [[ $check =~ \"action\":\ *\"rolled_back\" ]]; then
        say "boot-check: the new version did not survive its starts: back to $(link_version committed) (crash_loop)"
    fi
    version=$(link_version current)
    say "kiosk $version starting"
    started_at=$SECONDS
    "$opt/current/venv/bin/kiosk" "${kiosk_args[@]}" run "${run_args[@]}" >>"$kiosk_log" 2>&1 &
    child=$!
    rc=0
    wait "$child" || rc=$?
    child=""
    case $rc in
        0) say "the kiosk stopped"; exit 0 ;;
        75) quick=0; say "the kiosk asked to be restarted (an update or a new configuration): starting it again" ;;
        *)
            if ((SECONDS - started_at < quick_s)) && [[ $version == "$(link_version committed)" ]]; then
                quick=$((quick + 1))
                if ((quick >= 3)); then
                    say "the kiosk $version failed $quick times in a row (status $rc): giving up"
                    exit 1
                fi
            else
                quick=0
            fi
            say "the kiosk exited with status $rc: starting it again in $restart_s s (as systemd would)"
            sleep "$restart_s" &
            child=$!
            wait "$child"
            child=""
            ;;
    esac
done
