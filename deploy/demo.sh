#!/usr/bin/env bash
# make demo: the kiosk in a window, fed by a simulated ID card reader that you drive from
# this terminal (place a card, take it away, inject faults), with simulated printers.
#
#   var/demo/            run directory (logs, the reader's pty link, the control sockets)
#   kiosk-sim idcard     the reader simulator on a pseudo-terminal, link var/demo/idreader
#   kiosk-sim printer    the receipt printer on 127.0.0.1:9191; receipts -> var/demo/receipts/*.png
#   kiosk-sim a4         a private CUPS with a cups-pdf queue; proofs -> /tmp/tongban-demo-cups/out
#   kiosk-sim card       a virtual smart card in pcscd's vpcd reader (pcscd started if none runs)
#   var/demo/camera/     front.png is what the simulated camera sees (`show ...` writes it)
#   var/demo/doccam/     platen.png is what lies under the simulated document camera (高拍仪;
#                        `doc ...` writes it, read at each 拍摄)
#   kiosk ... run        the kiosk window (config/demo.toml reads var/demo/idreader), under a
#                        supervisor that does what systemd does on a terminal (below)
#   kiosk-central serve  the local central; the hall's pages: http://127.0.0.1:8480/hall/JC-ZWZX/
#                        display (叫号屏) and window (窗口: clerk1 / demo1234, made at start);
#                        the ops console http://127.0.0.1:8480/ops/ (admin / demo123456, made at
#                        start) and the update repository (var/demo/updates, made at start)
#
# Running the fleet (issue 13): the terminal runs in the versions layout of a real one
# (docs/fleet.md §4) under var/demo/opt: versions/<V>/venv, `current`, `committed`. The first
# version is this checkout: versions/0.1.0+dev/venv is a link to .venv (the version is the
# package's with +dev, what the .venv's kiosk reports), so `make demo` runs the code you are
# editing, and deps/<lock_hash> links to .venv's site-packages, so a release built from this
# checkout installs its own venv without downloading Kivy again. `release V` builds a real
# bundle (deploy/build-bundle.sh), publishes it and starts a rollout; the terminal installs it
# beside, switches `current` between sessions and exits with status 75, and the supervisor
# starts it again: boot-check from `committed`, then `current`, as the systemd unit does.
# The versions and releases stay between runs (like a terminal's); `make clean` starts over.
#
# Without $DISPLAY an Xvfb is started: the window then runs on a virtual screen.
# On quit, EOF, Ctrl-C, or when the kiosk window exits, everything started here is stopped.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
venv=${VENV:-$root/.venv}
KIOSK=${KIOSK_BIN:-$venv/bin/kiosk}
KIOSK_SIM=${KIOSK_SIM_BIN:-$venv/bin/kiosk-sim}
KIOSK_CENTRAL=${KIOSK_CENTRAL_BIN:-$venv/bin/kiosk-central}
CENTRAL_PORT=${DEMO_CENTRAL_PORT:-8480}     # config/demo.toml: [central] url
CENTRAL_URL=http://127.0.0.1:$CENTRAL_PORT
CONFIG=${DEMO_CONFIG:-config/demo.toml}
run=var/demo
link=$run/idreader
sock=$run/idsim.sock
printer_sock=$run/printer.sock
a4_sock=$run/a4.sock
card_sock=$run/card.sock
slot=$run/camera/front.png
platen=$run/doccam/platen.png              # config/demo.toml: [devices.document_camera] platen
PENSION_ITEM=11140500MB1947036N4000111001   # central/seed/catalogue.toml
HALL_CODE=JC-ZWZX                          # central/seed/halls.toml: the demo terminal's hall
HALL_NAME=晋城市政务服务中心
CLERK_LOGIN=clerk1                         # the demo window clerk (王丽), made at start
CLERK_PASSWORD=${DEMO_CLERK_PASSWORD:-demo1234}
OPS_LOGIN=admin                            # the ops console's demo admin, made at start
OPS_PASSWORD=${DEMO_OPS_PASSWORD:-demo123456}   # the console asks for 10 characters at least
opt=$run/opt                               # config/demo.toml: [update] root
# Releases built from the checkout find their profiles here (an installed wheel has no
# config/; a terminal has them in /usr/share/tongban/config).
export TONGBAN_PROFILE_DIR=$root/config
PRINTER_PORT=${DEMO_PRINTER_PORT:-9191}    # config/demo.toml: [devices.receipt_printer] url
# config/demo.toml: [devices.a4_printer] server. Under /tmp: CUPS filters run as user lp,
# which must be able to reach it (a checkout under /root is not searchable by lp).
cups_root=/tmp/tongban-demo-cups

say() { echo "demo: $*" >&2; }
die() { say "$*"; exit 1; }

for exe in "$KIOSK" "$KIOSK_SIM" "$KIOSK_CENTRAL"; do
    [[ -x $exe ]] || die "$exe not found: run 'make venv' first"
done
[[ -f $CONFIG ]] || die "$CONFIG not found"

mkdir -p "$run"
exec 9>"$run/lock"
flock -n 9 || die "another demo is running (lock $run/lock)"

# --- cleanup: stop only what this script started, newest first ------------------------
pids=()
names=()

alive() {  # running and not a zombie
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

cleanup() {
    local i pid
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        pid=${pids[i]}
        if alive "$pid"; then
            say "stopping ${names[i]} (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            for _ in {1..50}; do alive "$pid" || break; sleep 0.1; done
            if alive "$pid"; then
                say "${names[i]} did not stop in 5 s, killing it"
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
        wait "$pid" 2>/dev/null || true
    done
    [[ -L $link ]] && rm -f "$link"
    local s
    for s in "$sock" "$printer_sock" "$a4_sock" "$card_sock"; do [[ -S $s ]] && rm -f "$s"; done
    rm -f "$run/tick" "$slot" "$platen"
    return 0
}
trap cleanup EXIT
trap 'echo; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'echo; child_exited; exit 1' USR1

child_exited() {  # the watcher saw the kiosk or the simulator go
    local rc=0
    if [[ -n ${kiosk_pid:-} ]] && ! alive "$kiosk_pid"; then
        wait "$kiosk_pid" || rc=$?
        say "the kiosk stopped (supervisor status $rc); last lines of $run/kiosk.log:"
        tail -n 15 "$run/kiosk.log" >&2 || true
    elif [[ -n ${sim_pid:-} ]] && ! alive "$sim_pid"; then
        wait "$sim_pid" || rc=$?
        say "the reader simulator exited (status $rc); last lines of $run/idsim.log:"
        tail -n 15 "$run/idsim.log" >&2 || true
    fi
}

started() {  # started NAME: remember $! for cleanup
    pids+=("$!")
    names+=("$1")
}

# Leftovers of a run that was killed hard.
[[ -L $link ]] && rm -f "$link"
for s in "$sock" "$printer_sock" "$a4_sock" "$card_sock"; do [[ -S $s ]] && rm -f "$s"; done
rm -f "$slot" "$platen"

wait_for_socket() {  # wait_for_socket SOCKET PID LOG WHAT
    for _ in {1..150}; do
        [[ -S $1 ]] && return 0
        alive "$2" || break
        sleep 0.1
    done
    tail -n 15 "$3" >&2 || true
    die "$4 did not come up (no $1 after 15 s)"
}

# --- the ID card reader simulator ------------------------------------------------------
"$KIOSK_SIM" idcard --link "$link" --control "$sock" >"$run/idsim.log" 2>&1 &
started "kiosk-sim"
sim_pid=$!
for _ in {1..100}; do
    [[ -e $link && -S $sock ]] && break
    alive "$sim_pid" || break
    sleep 0.1
done
if ! [[ -e $link && -S $sock ]]; then
    cat "$run/idsim.log" >&2 || true
    die "the reader simulator did not come up (no $link / $sock after 10 s)"
fi
device=$(sed -n 's/^device: *//p' "$run/idsim.log" | head -n 1)
say "simulated ID card reader on ${device:-?} (link $link)"

# --- the printers: ESC/POS receipt printer on TCP, A4 printer behind a private CUPS -----
mkdir -p "$run/receipts" "$run/usb"
"$KIOSK_SIM" printer --listen "127.0.0.1:$PRINTER_PORT" --out "$run/receipts" \
    --control "$printer_sock" </dev/null >"$run/printer.log" 2>&1 &
started "receipt printer simulator"
wait_for_socket "$printer_sock" "$!" "$run/printer.log" "the receipt printer simulator (port $PRINTER_PORT taken? DEMO_PRINTER_PORT=...)"
say "simulated receipt printer on 127.0.0.1:$PRINTER_PORT (receipts: $run/receipts/*.png)"
if [[ -e $cups_root && ! -O $cups_root ]]; then
    die "$cups_root belongs to someone else; remove it first"
fi
rm -rf "$cups_root"
"$KIOSK_SIM" a4 --root "$cups_root" --control "$a4_sock" </dev/null >"$run/a4.log" 2>&1 &
started "A4 printer simulator (cupsd)"
wait_for_socket "$a4_sock" "$!" "$run/a4.log" "the A4 printer simulator (cupsd)"
say "simulated A4 printer: CUPS queue tongban-a4 (PDFs: $cups_root/out)"

# --- smart cards: pcscd with vpcd's virtual readers, and a virtual card --------------------
mkdir -p "$run/camera" "$run/doccam"
if [[ -S /run/pcscd/pcscd.comm ]] && "$venv/bin/python" -c 'import sys; from smartcard.System import readers; readers()' >/dev/null 2>&1; then
    say "using the running pcscd"
elif [[ $(id -u) == 0 ]] && command -v pcscd >/dev/null; then
    pcscd --foreground >"$run/pcscd.log" 2>&1 &
    started "pcscd"
    for _ in {1..50}; do [[ -S /run/pcscd/pcscd.comm ]] && break; sleep 0.1; done
    say "started pcscd (log $run/pcscd.log)"
else
    say "no pcscd running and not root: the card reader shows as not connected"
fi
"$KIOSK_SIM" card --empty --reader 0 --control "$card_sock" </dev/null \
    >"$run/card.log" 2>&1 &
started "virtual card"
wait_for_socket "$card_sock" "$!" "$run/card.log" "the virtual card (kiosk-sim card)"
say "virtual card reader: Virtual PCD 00 00 (card insert KEY / card remove)"

release() {  # release "release V" | "release-broken V [crash|selftest]": build, publish, roll out
    local words kind version how bundle source reply build
    read -r -a words <<<"$1"
    kind=${words[0]} version=${words[1]:-} how=${words[2]:-crash}
    if [[ ! $version =~ ^[0-9]+(\.[0-9]+)*$ ]]; then say "$kind V: V is a version such as 0.2.0"; return; fi
    mkdir -p "$run/bundles"
    bundle=$run/bundles/tongban-kiosk-$version.tar.gz
    source=$root
    if [[ $kind == release-broken ]]; then
        # A copy of this checkout with one fault put in: the bundle is as real as any other.
        source=$(mktemp -d "${TMPDIR:-/tmp}/tongban-broken.XXXXXX")
        cp -r "$root/kiosk" "$root/drivers" "$root/screens" "$root/central" "$root/README.md" "$root/pyproject.toml" "$source/"
        case $how in
            crash)
                printf '\n\ndef run_app(*_args, **_kwargs):  # release-broken (make demo)\n    raise RuntimeError("release-broken: this version crashes at every start")\n' \
                    >>"$source/screens/app.py" ;;
            selftest)
                sed -i '/self.app.terminal.ui_drawn()/d' "$source/screens/liveness.py"
                grep -q 'ui_drawn()' "$source/screens/liveness.py" && { say "could not break the self-test"; rm -rf "$source"; return; } ;;
            *) say "release-broken V crash|selftest"; rm -rf "$source"; return ;;
        esac
    fi
    say "building $bundle (log $run/release.log)"
    if [[ $source == "$root" ]]; then
        build=("$root/deploy/build-bundle.sh" "$version" "$bundle")
    else  # build-bundle.sh always builds this checkout; the module takes another source
        build=("$venv/bin/python" -m kiosk.update.bundle "$version" "$bundle" --source "$source")
    fi
    if ! PYTHON="$venv/bin/python" "${build[@]}" >>"$run/release.log" 2>&1; then
        say "building the bundle failed: $(tail -n 1 "$run/release.log")"
        [[ $source != "$root" ]] && rm -rf "$source"
        return
    fi
    [[ $source != "$root" ]] && rm -rf "$source"
    if ! reply=$("$KIOSK_CENTRAL" release publish "$bundle" --version "$version" --notes "$kind (make demo)" \
            --db "$central_db" --json 2>&1); then
        say "publishing $version refused: $reply"
        return
    fi
    say "release $version published (signed into the TUF repository $run/updates)"
    if ! reply=$("$KIOSK_CENTRAL" rollout start "$version" --waves 100 --db "$central_db" 2>&1); then
        say "the rollout of $version did not start: $reply"
        return
    fi
    say "$reply"
    say "the terminal takes it while the hall is closed (clock 22:00) and nobody is served; watch it at $CENTRAL_URL/ops/"
}

show_code() {  # show_code TEXT: the simulated camera sees a QR code of TEXT
    "$venv/bin/python" - "$1" "$slot" <<'PY'
import os, sys
import qrcode
text, slot = sys.argv[1], sys.argv[2]
tmp = slot + ".part.png"
qrcode.make(text, box_size=8).save(tmp)
os.replace(tmp, slot)
PY
}

doc_page=letter      # the document `doc blurred|glare|cut` spoil (the last one laid down)
lay_doc() {  # lay_doc NAME [FAULT]: a sample page photographed on the document camera's desk
    "$venv/bin/python" - "$1" "${2:-}" "$platen" <<'PY'
import os, sys
import cv2
from drivers.doccam import samples
name, fault, platen = sys.argv[1], sys.argv[2], sys.argv[3]
tmp = platen + ".part.png"
if not cv2.imwrite(tmp, samples.shot(name, fault)):
    sys.exit(f"could not write {tmp}")
os.replace(tmp, platen)
PY
}

# --- the local central (seeded SQLite) and this terminal's enrollment ------------------
central_db=$root/$run/central.db
central_pid=""
start_central() {
    # The demo's rules (central.settings.default_demo): verification links may point
    # where the terminal reached central, without TONGBAN_CENTRAL_PUBLIC_URL.
    TONGBAN_CENTRAL_DEMO=1 "$KIOSK_CENTRAL" serve --db "$central_db" --host 127.0.0.1 --port "$CENTRAL_PORT" \
        >>"$run/central.log" 2>&1 &
    started "kiosk-central"
    central_pid=$!
    for _ in {1..100}; do
        "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
            "$CENTRAL_URL/api/v1/health" >/dev/null 2>&1 && return 0
        alive "$central_pid" || break
        sleep 0.1
    done
    tail -n 15 "$run/central.log" >&2 || true
    die "the central did not answer on $CENTRAL_URL (is port $CENTRAL_PORT taken? DEMO_CENTRAL_PORT=...)"
}
stop_central() {
    if [[ -n $central_pid ]] && alive "$central_pid"; then
        kill -TERM "$central_pid" 2>/dev/null || true
        for _ in {1..50}; do alive "$central_pid" || break; sleep 0.1; done
        wait "$central_pid" 2>/dev/null || true
    fi
    central_pid=""
}
fresh_db=0
[[ -f $central_db ]] || fresh_db=1
"$KIOSK_CENTRAL" migrate --db "$central_db" >>"$run/central.log" 2>&1 || { tail "$run/central.log" >&2; die "central migrate failed"; }
"$KIOSK_CENTRAL" seed --db "$central_db" >>"$run/central.log" 2>&1 || { tail "$run/central.log" >&2; die "central seed failed"; }
start_central
say "local central on $CENTRAL_URL (database $run/central.db, log $run/central.log)"
keys=$run/data/keys/terminal.json
if [[ ! -f $keys || $fresh_db == 1 ]]; then
    code=$("$KIOSK_CENTRAL" terminal add --db "$central_db" --hall "$HALL_NAME" \
        --region 140500 --profile hall | tail -n 1)
    "$KIOSK" --config "$CONFIG" enroll --central "$CENTRAL_URL" --code "$code" --force \
        >>"$run/central.log" 2>&1 || { tail "$run/central.log" >&2; die "enrollment failed"; }
    say "demo terminal enrolled with the local central"
fi
# The demo window clerk (idempotent: a clerk made by an earlier run is kept as it is).
if reply=$(printf '%s\n' "$CLERK_PASSWORD" | "$KIOSK_CENTRAL" queue staff-add --db "$central_db" \
        --hall "$HALL_CODE" --login "$CLERK_LOGIN" --name 王丽 --json 2>>"$run/central.log"); then
    say "window clerk $CLERK_LOGIN (王丽) added, password $CLERK_PASSWORD"
elif [[ $reply == *'"duplicate"'* ]]; then
    say "window clerk $CLERK_LOGIN (王丽) is there from an earlier run"
else
    say "could not add the window clerk $CLERK_LOGIN (see $run/central.log)"
fi
terminal_id=$("$venv/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["terminal_id"])' "$keys")

# --- the fleet: the update repository, the ops console's admin --------------------------
"$KIOSK_CENTRAL" updates init --db "$central_db" --json >>"$run/central.log" 2>&1 \
    || { tail "$run/central.log" >&2; die "central updates init failed"; }
if reply=$(printf '%s\n' "$OPS_PASSWORD" | "$KIOSK_CENTRAL" ops-user add "$OPS_LOGIN" --role admin \
        --db "$central_db" --json 2>&1); then
    say "ops console user $OPS_LOGIN (admin) added, password $OPS_PASSWORD"
elif [[ $reply == *'exists'* || $reply == *'duplicate'* ]]; then
    say "ops console user $OPS_LOGIN is there from an earlier run"
else
    say "could not add the ops console user $OPS_LOGIN: $reply"
fi

# --- the versions layout: the first version is this checkout ---------------------------
"$venv/bin/python" - "$opt" "$venv" "$root" >"$run/versions.txt" <<'PY' || die "could not lay out $opt"
import sys
import sysconfig
from pathlib import Path

from kiosk.update.bundle import lock_hash, runtime_lock
from kiosk.update.install import Layout, seed_deps, switch
from kiosk.version import running_version

opt, venv, source = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
layout = Layout(opt.resolve())
version = running_version()                      # 0.1.0+dev: what .venv's kiosk reports
home = layout.version_dir(version)
home.mkdir(parents=True, exist_ok=True)
if not (home / "venv").is_symlink():
    (home / "venv").symlink_to(venv.resolve(), target_is_directory=True)
(home / "VERSION").write_text(version + "\n", encoding="utf-8")
# Releases built from this checkout have this lock: their dependencies are .venv's.
seed_deps(layout, lock_hash(runtime_lock(source / "pyproject.toml")), Path(sysconfig.get_paths()["purelib"]))
if layout.points_to("committed") is None:
    switch(layout, "committed", version)
    switch(layout, "current", version)
print(version, layout.points_to("current"), layout.points_to("committed"))
PY
read -r dev_version current_version committed_version <"$run/versions.txt"
if [[ $current_version == "$dev_version" ]]; then
    say "terminal software: this checkout ($dev_version, $opt/versions/$dev_version/venv -> $venv)"
else
    say "terminal software: release $current_version (committed $committed_version) from an earlier run;" \
        "'make clean' starts again from this checkout"
fi

# --- a screen ------------------------------------------------------------------------
if [[ -z ${DISPLAY:-} ]]; then
    command -v Xvfb >/dev/null || die "no DISPLAY and no Xvfb: install the package xvfb (make deps)"
    rm -f "$run/xvfb.display"
    setsid Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp -noreset \
        5>"$run/xvfb.display" >"$run/xvfb.log" 2>&1 &
    started "Xvfb"
    xvfb_pid=$!
    for _ in {1..100}; do
        [[ $(cat "$run/xvfb.display" 2>/dev/null) == *[0-9] ]] && break
        alive "$xvfb_pid" || break
        sleep 0.1
    done
    number=$(tr -dc '0-9' <"$run/xvfb.display" 2>/dev/null || true)
    [[ -n $number ]] || { cat "$run/xvfb.log" >&2; die "Xvfb did not start"; }
    export DISPLAY=":$number"
    say "no DISPLAY: started Xvfb on $DISPLAY; the kiosk window runs on this virtual screen"
fi

# --- the kiosk, under the demo's systemd --------------------------------------------------
# deploy/supervise.sh does what deploy/systemd/tongban-kiosk.service does on a terminal:
# the committed version's boot-check, then `current`'s kiosk; again at once after exit
# status 75 (an update, a new configuration), 3 s after a crash.
: >"$run/kiosk.log"
SUPERVISE_LOG=$run/supervisor.log SUPERVISE_KIOSK_LOG=$run/kiosk.log \
    "$root/deploy/supervise.sh" "$opt" --config "$CONFIG" -- --windowed &
started "kiosk supervisor"
kiosk_pid=$!
say "kiosk window on $DISPLAY (log $run/kiosk.log; supervisor log $run/supervisor.log)"

# Watch the kiosk's supervisor and the simulator; tell this shell (USR1) when one is gone.
# (read -t on a FIFO nobody writes to is a sleep that leaves no child process behind)
main_pid=$$
rm -f "$run/tick" && mkfifo "$run/tick"
(
    exec 7<>"$run/tick"
    while alive "$kiosk_pid" && alive "$sim_pid"; do read -r -t 0.5 -u 7 _ || true; done
    kill -USR1 "$main_pid" 2>/dev/null || true
) &
started "watcher"

usage() {
    cat <<'HELP'

  模拟身份证阅读器 / simulated ID card reader: type a command
    place zhang_san    放置身份证  place a card (`cards` lists them)
    remove             移走身份证  take the card away
    cards              列出卡片    list the simulated cards
    fault ...          模拟故障    reader fault: fault checksum|silent|garbage|truncated|sam ...
    clear              清除故障    end the fault
    unplug / replug    拔出/插回读卡器
    help               帮助        this text and every simulator command
    printer ...        凭条打印机  receipt printer: printer normal, printer paper out|near-end|normal, printer cover open|close
    a4 ...             A4打印机    a4 normal, a4 paper out|low|normal|jammed, a4 offline on|off
    receipts / pdfs    打印结果    list what the printers printed (PNG / PDF files)
    logs               打印记录    the terminal's printed-output log; `verify` checks its chain
    card insert KEY    插入卡片    zhang_san_ssse / liu_fang_ssse (PIN 123456) 社保卡, staff_hall 工作人员卡,
                                   zhang_san_qpboc 银行卡; card remove / card pull / card cards
    show eid [ID]      出示电子证照码 (default 张三); show appointment / show forged /
                       show receipt NUMBER [查询码] / show FILE.png;  hide 收起
    show appointment   出示预约码  an appointment starting in 10 minutes: 报到 at the home
                                   screen prints a priority ticket (预约优先)
    doc letter         放授权委托书 the document camera (高拍仪) sees a 授权委托书 (page 1); doc letter2: page 2
    doc contract       放购房合同  a 购房合同 (异地代收's paper material)
    doc blurred|glare|cut          the last document blurred / under a lamp's glare / half off the platen
    doc clear          拿走文件    nothing on the platen (拍摄 then says 没有拍到文件)
    call N             叫号        call the next ticket to window N (1-8; window 1 serves A, B and C)
    queue              排队状态    the hall now: current calls, waiting per category
    central stop       停止平台    stop the local central (applications wait in the outbox)
    central start      启动平台    start it again (the outbox delivers what waited)
    outbox             待送达      the terminal's outbox status (evidence pages wait there sealed)
    advance NUMBER [--tracking-number N] [--part N]
                       办件流转    move an application one step (受理, 寄递, 办结, 送达 ...), as
                                   kiosk-central application advance does; 办件查询 shows the step
    cases              整改工单    差评 rectification cases (kiosk-central evaluation list)
    quit               退出        stop the demo (also Ctrl-D, Ctrl-C)

HELP
    cat <<HELP
  大厅页面 / the hall's pages: open in a browser
    display            叫号屏      $CENTRAL_URL/hall/$HALL_CODE/display (calls aloud)
    window             窗口        $CENTRAL_URL/hall/$HALL_CODE/window (login $CLERK_LOGIN, password $CLERK_PASSWORD)

  运维 / running the fleet: the ops console $CENTRAL_URL/ops/ (login $OPS_LOGIN, password $OPS_PASSWORD)
    paper out|ok       缺纸/有纸   the receipt printer runs out of paper / is refilled (the console shows it)
    maintenance on|off 维护模式    central's remote operation: the kiosk shows 设备维护中 (after a session)
    release V          发布版本    build a bundle of this checkout as version V (e.g. 0.2.0), publish it,
                                   start a rollout; the terminal takes it only while the hall is closed
    release-broken V [crash|selftest]
                                   a release that crashes at every start (or never draws its UI, so its
                                   self-test fails): the terminal goes back to the version it had
    clock HH:MM        平台时钟    central's clock for update windows (Beijing time), e.g. clock 22:00
                                   (the hall is closed); clock reset: the real time again
    versions           版本        the terminal's versions (kiosk update status) and the rollouts

HELP
}
usage

interactive=0
if [[ -t 0 ]]; then
    interactive=1
    set -o history
fi
while true; do
    if ((interactive)); then
        IFS= read -r -e -p "idsim> " line || { echo; break; }
    else
        IFS= read -r line || break
    fi
    line=${line#"${line%%[![:space:]]*}"}    # trim
    line=${line%"${line##*[![:space:]]}"}
    [[ -z $line ]] && continue
    ((interactive)) && history -s -- "$line"
    case $line in
        quit | exit | q) break ;;
        help | "?")
            usage
            # Every simulator's own list, made from its command table (never out of date).
            for family in "printer:$printer_sock" "a4:$a4_sock" "card:$card_sock"; do
                reply=$("$KIOSK_SIM" ctl "${family#*:}" help 2>/dev/null) \
                    && say "${family%%:*} ...: ${reply#ok commands: }" || true
            done
            line=help
            ;;
        "central stop")
            stop_central
            say "central stopped"
            continue
            ;;
        "central start")
            if [[ -n $central_pid ]] && alive "$central_pid"; then say "central is running"; else start_central; say "central started"; fi
            continue
            ;;
        outbox)
            "$KIOSK" --config "$CONFIG" outbox status || true
            continue
            ;;
        "doc "*)
            what=${line#doc }
            case $what in
                letter | letter2 | contract)
                    doc_page=$what
                    lay_doc "$what" && say "the $what page lies under the document camera (tap 拍摄)" ;;
                blurred | glare | cut)
                    lay_doc "$doc_page" "$what" && say "the $doc_page page, $what, lies under the document camera" ;;
                clear)
                    rm -f "$platen" && say "nothing under the document camera" ;;
                *) say "doc letter|letter2|contract|blurred|glare|cut|clear" ;;
            esac
            continue
            ;;
        advance | "advance "*)
            read -r -a words <<<"${line#advance}"
            if [[ ${#words[@]} == 0 || ${words[0]} == -* ]]; then
                say "advance NUMBER [--tracking-number N] [--part N]"
                continue
            fi
            "$KIOSK_CENTRAL" application advance "${words[@]}" --db "$central_db" 2>&1 \
                || say "advance refused (exit status $?)"
            continue
            ;;
        cases)
            "$KIOSK_CENTRAL" evaluation list --db "$central_db" 2>&1 || say "evaluation list failed (exit status $?)"
            continue
            ;;
        "call "*)
            window=${line#call }
            if [[ ! $window =~ ^[0-9]+$ ]]; then say "call N: N is a window number"; continue; fi
            rc=0
            reply=$("$KIOSK_CENTRAL" queue call --db "$central_db" --hall "$HALL_CODE" \
                --window "$window" --json 2>>"$run/central.log") || rc=$?
            if ((rc == 0)); then
                say "$(printf '%s' "$reply" | "$venv/bin/python" -c 'import json, sys; c = json.load(sys.stdin); print("叫号 %s -> %s号窗口 %s (第%s次呼叫)" % (c["label"], c["window"], c["window_name"], c["calls"]))')"
            elif [[ $reply == *'"empty"'* ]]; then
                say "当前无人等候 (nobody waits for window $window)"
            else
                say "call refused: ${reply:-see $run/central.log}"
            fi
            continue
            ;;
        queue)
            "$KIOSK_CENTRAL" queue status --db "$central_db" --hall "$HALL_CODE" 2>>"$run/central.log" \
                || say "queue status failed (see $run/central.log)"
            continue
            ;;
        "card "*)
            "$KIOSK_SIM" ctl "$card_sock" "${line#card }" || say "ctl failed (exit status $?)"
            continue
            ;;
        "paper out" | "paper ok")
            [[ $line == "paper ok" ]] && state=normal || state=out
            "$KIOSK_SIM" ctl "$printer_sock" "paper $state" || say "ctl failed (exit status $?)"
            continue
            ;;
        "maintenance on" | "maintenance off")
            op=maintenance-${line#maintenance }
            if reply=$("$KIOSK_CENTRAL" fleet op "$terminal_id" "$op" --db "$central_db" 2>&1); then
                say "$op queued for $terminal_id (command $reply): delivered with its next heartbeat (within a minute)"
            else
                say "$op refused: $reply"
            fi
            continue
            ;;
        "release "* | "release-broken "*)
            release "$line"
            continue
            ;;
        "clock "*)
            when=${line#clock }
            if [[ $when == reset ]]; then
                "$KIOSK_CENTRAL" updates clock reset --db "$central_db" || say "clock reset failed"
            elif [[ $when =~ ^([01][0-9]|2[0-3]):[0-5][0-9]$ ]]; then
                "$KIOSK_CENTRAL" updates clock set "$(TZ=Asia/Shanghai date +%F)T$when" --db "$central_db" \
                    || say "clock set failed"
            else
                say "clock HH:MM (Beijing time, e.g. clock 22:00) or clock reset"
            fi
            continue
            ;;
        versions)
            "$opt/current/venv/bin/kiosk" --config "$CONFIG" update status || true
            "$KIOSK_CENTRAL" rollout list --db "$central_db" 2>>"$run/central.log" || true
            continue
            ;;
        "show eid"*)
            id_number=${line#show eid}
            id_number=${id_number// /}
            if code=$("$KIOSK_CENTRAL" eid issue --db "$central_db" --id-number "${id_number:-110101199003071233}" 2>>"$run/central.log"); then
                show_code "$code" && say "an electronic ID code is in front of the camera (valid 5 minutes, once)"
            else
                say "central refused to issue an e-ID code (see $run/central.log)"
            fi
            continue
            ;;
        "show appointment" | "show forged")
            # Within the check-in window (from 30 minutes before the start): 报到 works now.
            start=$(date -u -d '+8 hours +10 minutes' '+%Y-%m-%dT%H:%M+08:00')  # Beijing time
            if code=$("$KIOSK_CENTRAL" appointment issue --db "$central_db" --item "$PENSION_ITEM" \
                    --hall "$HALL_NAME" --start "$start" 2>>"$run/central.log"); then
                if [[ $line == "show forged" ]]; then
                    # A copy made to look genuine: its slot moved a day on, the signature kept.
                    code=$("$venv/bin/python" - "$code" <<'PY'
import base64, datetime as dt, json, sys
prefix, _, rest = sys.argv[1].partition(":")
body, _, signature = rest.partition(".")
data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
for key in ("start", "end", "expires"):
    data[key] = (dt.datetime.fromisoformat(data[key]) + dt.timedelta(days=1)).isoformat()
body = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
print(f"{prefix}:{body}.{signature}")
PY
)
                fi
                show_code "$code" && say "${line#show } code in front of the camera (starts ${start:11:5} Beijing time)"
            else
                say "central refused to issue an appointment code (see $run/central.log)"
            fi
            continue
            ;;
        "show receipt "*)
            read -r -a words <<<"${line#show receipt }"
            if [[ ${#words[@]} -ge 2 ]]; then   # NUMBER CODE: today's receipt, central's page
                show_code "$CENTRAL_URL/t/${words[0]}?c=${words[1]}" && say "receipt QR (tracking page) in front of the camera"
            else                                  # NUMBER: an old receipt's TONGBAN-APP: code
                show_code "TONGBAN-APP:${words[0]}" && say "old receipt QR in front of the camera"
            fi
            continue
            ;;
        "show "*)
            file=${line#show }
            if [[ -f $file ]]; then cp "$file" "$slot.part.png" && mv "$slot.part.png" "$slot" && say "$file in front of the camera"
            else say "no such file: $file"; fi
            continue
            ;;
        hide)
            rm -f "$slot"
            continue
            ;;
        "printer "*)
            "$KIOSK_SIM" ctl "$printer_sock" "${line#printer }" || say "ctl failed (exit status $?)"
            continue
            ;;
        "a4 "*)
            "$KIOSK_SIM" ctl "$a4_sock" "${line#a4 }" || say "ctl failed (exit status $?)"
            continue
            ;;
        receipts)
            ls -1t "$run/receipts"/*.png 2>/dev/null | head -n 10 || true
            continue
            ;;
        pdfs)
            ls -1t "$cups_root/out"/*.pdf 2>/dev/null | head -n 10 || true
            continue
            ;;
        logs)
            "$KIOSK" --config "$CONFIG" logs prints || true
            continue
            ;;
        verify)
            "$KIOSK" --config "$CONFIG" logs verify || true
            continue
            ;;
    esac
    "$KIOSK_SIM" ctl "$sock" "$line" || say "ctl failed (exit status $?)"
done
