#!/usr/bin/env bash
# Put a terminal into service on Debian 12 from a release bundle (docs/fleet.md §4).
#
#   sudo deploy/install.sh [OPTIONS] BUNDLE.tar.gz
#
#   --profile hall|bank|community   the kiosk.toml template's profile (default hall)
#   --trusted-root FILE             the update repository's root.json (TUF): the updater
#                                   trusts it instead of fetching the first root from central
#   --a4-printer URI [--a4-model M] put the A4 printer behind the CUPS queue tongban-a4
#                                   (deploy/cups/configure-cups.sh; `lpinfo -v` lists URIs)
#   --deps-from DIR                 development only: the bundle's dependencies are this
#                                   site-packages (a venv holding exactly its lock) instead
#                                   of the wheels in the bundle
#   --root DIR                      install into a staging root (an image, tests): no apt, no
#                                   udevadm, no CUPS, systemctl --root; the user is made with
#                                   useradd --prefix when DIR/etc/passwd exists
#   --no-systemctl                  do not reload, enable or start the unit
#   --no-apt                        do not install the Debian packages (runtime terminal)
#
# What it does, each step idempotent (a second run changes nothing that is right already):
#   user tongban (system; groups dialout for serial readers, lp for USB printers)
#   /opt/tongban/versions/<V>/venv, deps/<lock_hash>, current and committed -> the bundle's
#     version on a first install (later bundles are installed beside; switching is the
#     updater's: kiosk update apply, with its self-test and rollback)
#   /opt/tongban/deploy/ the X session and the CUPS script; /usr/share/tongban/config/ the
#     profiles; /etc/tongban/kiosk.toml from the profile (kept when it exists);
#     /var/lib/tongban (data); /etc/udev/rules.d (the ID reader's stable name);
#     /etc/X11/Xwrapper.config (rootless Xorg from the unit); the systemd unit, enabled.
# /opt/tongban belongs to tongban: the kiosk installs updates and switches `current` itself.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
say() { echo "install: $*" >&2; }
die() { echo "install: error: $*" >&2; exit 1; }
usage() { sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

root=""
profile=hall
trusted_root=""
a4_uri=""
a4_model=everywhere
deps_from=""
use_systemctl=1
use_apt=1
bundle=""
while (($#)); do
    case $1 in
        --root) root=${2:?--root needs a directory}; shift ;;
        --root=*) root=${1#*=} ;;
        --profile) profile=${2:?--profile needs hall, bank or community}; shift ;;
        --profile=*) profile=${1#*=} ;;
        --trusted-root) trusted_root=${2:?--trusted-root needs a root.json}; shift ;;
        --trusted-root=*) trusted_root=${1#*=} ;;
        --a4-printer) a4_uri=${2:?--a4-printer needs a device URI}; shift ;;
        --a4-model) a4_model=${2:?--a4-model needs a model}; shift ;;
        --deps-from) deps_from=${2:?--deps-from needs a directory}; shift ;;
        --no-systemctl) use_systemctl=0 ;;
        --no-apt) use_apt=0 ;;
        -h | --help) usage; exit 0 ;;
        -*) usage >&2; die "unknown option $1" ;;
        *) [[ -z $bundle ]] || die "one bundle only (got $bundle and $1)"; bundle=$1 ;;
    esac
    shift
done

# --- checks before anything is touched ----------------------------------------------------
[[ -n $bundle ]] || { usage >&2; die "no bundle given (build one with deploy/build-bundle.sh VERSION OUT)"; }
[[ -f $bundle && -r $bundle ]] || die "bundle $bundle not found or not readable"
bundle=$(cd "$(dirname "$bundle")" && pwd)/$(basename "$bundle")
case $profile in hall | bank | community) ;; *) die "--profile $profile: use hall, bank or community" ;; esac
[[ -f $repo/config/$profile.toml ]] || die "profile $repo/config/$profile.toml missing from this copy of the installer"
if [[ -n $root ]]; then
    mkdir -p "$root" || die "cannot create the staging root $root"
    root=$(cd "$root" && pwd)
    [[ $root != / ]] || root=""
fi
staged=0
[[ -n $root ]] && staged=1
if ((!staged)) && [[ $(id -u) != 0 ]]; then
    die "run as root (sudo $0 ...), or stage into a directory with --root DIR"
fi
if [[ -n $trusted_root ]]; then
    [[ -r $trusted_root ]] || die "--trusted-root $trusted_root not found or not readable"
fi
if [[ -n $deps_from ]]; then
    [[ -d $deps_from ]] || die "--deps-from $deps_from is not a directory"
fi
python=$("$here/find-python.sh") || die "no Python 3.11 (apt-get install python3 python3-venv)"

if ((!staged && use_apt)); then
    say "Debian packages (deploy/debian-packages.txt: runtime terminal)"
    "$here/install-deps.sh" runtime terminal || die "installing the Debian packages failed (--no-apt to skip)"
fi
"$python" -c 'import ensurepip, venv' 2>/dev/null || die "$python has no venv module (apt-get install python3-venv)"
if [[ -n $trusted_root ]]; then
    "$python" - "$trusted_root" <<'PY' 2>/dev/null || die "--trusted-root $trusted_root is not a TUF root.json (metadata/root.json of kiosk-central updates init)"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
assert doc["signed"]["_type"] == "root" and doc["signatures"]
PY
fi

# Where things go (under the staging root when there is one).
opt=$root/opt/tongban
etc=$root/etc/tongban
data=$root/var/lib/tongban
share=$root/usr/share/tongban/config
units=$root/etc/systemd/system

# The bundle's manifest, checked by the updater's own code (kiosk/update/bundle.py) below;
# here only what this script needs to find it.
work=$(mktemp -d "${TMPDIR:-/tmp}/tongban-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$bundle" -C "$work" manifest.json 2>/dev/null || die "$bundle is not a release bundle (no manifest.json)"
wheel=$("$python" -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["wheel"]); print(m["version"], file=sys.stderr)' \
    "$work/manifest.json" 2>"$work/version") || die "$bundle: manifest.json is not a bundle manifest"
version=$(cat "$work/version")
tar -xzf "$bundle" -C "$work" "wheels/$wheel" 2>/dev/null || die "$bundle: the wheel $wheel is missing"
say "bundle $(basename "$bundle"): tongban-kiosk $version"
if [[ -z $deps_from ]] && ! tar -xzf "$bundle" -C "$work" --wildcards 'wheels/packaging-*.whl' 2>/dev/null; then
    # Without them pip has nothing to build deps/<lock_hash> from (the updater's install
    # code, which also needs packaging, runs from the bundle's own wheels).
    die "$bundle carries no dependency wheels: install from a bundle built with deploy/build-bundle.sh VERSION OUT --with-deps"
fi

# --- the user ------------------------------------------------------------------------------
owner=""     # uid:gid to give /opt/tongban and /var/lib/tongban (empty: leave as is)
passwd_of() { awk -F: -v n=tongban '$1 == n {print $3 ":" $4}' "$1/etc/passwd" 2>/dev/null; }
if ((staged)); then
    if [[ -f $root/etc/passwd && $(id -u) == 0 ]]; then
        if [[ -z $(passwd_of "$root") ]]; then
            useradd --prefix "$root" --system --user-group --home-dir /var/lib/tongban --no-create-home \
                --shell /usr/sbin/nologin --groups dialout,lp --comment "Tongban Kiosk" tongban \
                || die "useradd --prefix $root failed (are the groups dialout and lp in $root/etc/group?)"
            say "user tongban made in $root/etc/passwd"
        fi
        owner=$(passwd_of "$root")
    else
        say "staging root without etc/passwd (or not root): no user tongban made, files keep their owner"
    fi
else
    if ! id tongban >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /var/lib/tongban --no-create-home \
            --shell /usr/sbin/nologin --comment "Tongban Kiosk" tongban || die "useradd tongban failed"
        say "user tongban made"
    fi
    usermod -a -G dialout,lp tongban || die "usermod: could not add tongban to dialout and lp"
    owner=$(id -u tongban):$(id -g tongban)
fi

# --- directories, the version, the links ------------------------------------------------------
install -d -m 0755 "$opt" "$opt/versions" "$opt/deps" "$opt/deploy" "$share" "$units"
install -d -m 0750 "$data" "$etc"
[[ -n $owner ]] && chown "$owner" "$opt" "$opt/versions" "$opt/deps" "$data" && chown "root:${owner#*:}" "$etc"

# The updater's install code from the bundle's own wheel (a zip Python imports from), run by
# a throw-away venv's Python (its pip builds deps/<lock_hash> from the bundle's wheels; Debian's
# python3 may have no pip).
# packaging (the updater compares versions) comes from the bundle's wheels or --deps-from.
helper_path=$work/wheels/$wheel
if [[ -n $deps_from ]]; then
    helper_path=$helper_path:$(cd "$deps_from" && pwd)
else
    helper_path=$helper_path:$(ls "$work"/wheels/packaging-*.whl | head -n 1)
fi
helper=$python
if [[ -z $deps_from ]]; then   # pip builds deps/<lock_hash>: a Python that surely has pip
    "$python" -m venv "$work/boot" || die "$python -m venv failed"
    helper=$work/boot/bin/python
fi
PYTHONPATH=$helper_path "$helper" - "$opt" "$bundle" "$deps_from" >"$work/installed.json" <<'PY' \
    || die "installing $version failed (see above)"
import json
import sys
from pathlib import Path

from kiosk.update.bundle import open_bundle
from kiosk.update.errors import UpdateRefused
from kiosk.update.install import Layout, install_bundle, seed_deps, switch

opt, bundle, deps_from = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
layout = Layout(opt)
try:
    checked = open_bundle(bundle)
    if deps_from:
        seed_deps(layout, checked.lock_hash, Path(deps_from))
    version = install_bundle(layout, bundle)
    first = layout.points_to("committed") is None
    if first:
        switch(layout, "committed", version)
        switch(layout, "current", version)
except UpdateRefused as err:
    print(f"install: error: {err.reason}: {err}", file=sys.stderr)
    sys.exit(1)
print(json.dumps({"version": version, "first": first, "lock_hash": checked.lock_hash,
                  "current": layout.points_to("current"), "committed": layout.points_to("committed")}))
PY
read -r current committed first < <("$python" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["current"], d["committed"], int(d["first"]))' "$work/installed.json")
if ((first)); then
    say "version $version installed in $opt/versions/$version; current and committed point at it"
else
    say "version $version is in $opt/versions/$version; current stays $current, committed $committed" \
        "(switching is the updater's: kiosk update apply)"
fi
if ((staged)); then
    # A venv names its own path in its scripts and its .pth: the staged tree must work once
    # it is the terminal's /, so the staging prefix comes out of them (and out of compiled
    # files, which Python makes again at the first start).
    { grep -rlIF --null "$root/opt/tongban" "$opt/versions/$version/venv" 2>/dev/null || true; } \
        | xargs -0 -r sed -i "s#$root/opt/tongban#/opt/tongban#g"
    find "$opt/versions/$version/venv" -name '*.pyc' -delete
fi
[[ -n $owner ]] && chown -R -h "$owner" "$opt/versions" "$opt/deps" "$opt/current" "$opt/committed"

# --- what the unit runs, the profiles, the site file --------------------------------------------
install -d -m 0755 "$opt/deploy/xsession" "$opt/deploy/cups"
install -m 0755 "$here/xsession/tongban-kiosk.xsession" "$opt/deploy/xsession/"
install -m 0755 "$here/cups/configure-cups.sh" "$opt/deploy/cups/"
for p in hall bank community; do install -m 0644 "$repo/config/$p.toml" "$share/"; done

if [[ -n $trusted_root ]]; then
    install -m 0644 "$trusted_root" "$etc/update-root.json"
    say "update repository root: $etc/update-root.json"
fi

site=$etc/kiosk.toml
if [[ -f $site ]]; then
    say "$site kept as it is (site settings are never overwritten)"
    if [[ -n $trusted_root ]] && ! grep -q '^[[:space:]]*trusted_root' "$site"; then
        say "note: add  trusted_root = \"/etc/tongban/update-root.json\"  under [update] in $site"
    fi
else
    {
        echo "# This terminal's settings over the \"$profile\" profile (/usr/share/tongban/config/$profile.toml)."
        echo "# Any key of the profile can be set here; \`kiosk config check\` shows the result."
        echo "profile = \"$profile\""
        echo
        echo "[terminal]"
        echo "# hall_name = \"晋城市政务服务中心\""
        echo "# terminal_code = \"JC-0001\""
        echo
        echo "[central]"
        echo "# url = \"https://zwfw-terminal.example.gov.cn\"   # then: kiosk enroll --code CODE"
        echo
        echo "[update]"
        echo "root = \"/opt/tongban\""
        if [[ -n $trusted_root ]]; then
            echo "trusted_root = \"/etc/tongban/update-root.json\""
        else
            echo "# trusted_root = \"/etc/tongban/update-root.json\"   # install.sh --trusted-root FILE"
        fi
    } >"$site.new"
    chmod 0640 "$site.new"
    [[ -n $owner ]] && chown "root:${owner#*:}" "$site.new"
    mv "$site.new" "$site"
    say "$site written from the $profile profile"
fi

# --- devices: udev, CUPS; rootless X ------------------------------------------------------------
install -d -m 0755 "$root/etc/udev/rules.d"
install -m 0644 "$here"/udev/*.rules "$root/etc/udev/rules.d/"
if ((!staged)) && command -v udevadm >/dev/null; then
    udevadm control --reload && udevadm trigger --subsystem-match=tty || say "udevadm failed: replug the ID card reader"
fi
xwrapper=$root/etc/X11/Xwrapper.config
install -d -m 0755 "$root/etc/X11"
touch "$xwrapper"
for setting in allowed_users=anybody needs_root_rights=no; do
    key=${setting%%=*}
    if grep -q "^$key=" "$xwrapper"; then
        sed -i "s/^$key=.*/$setting/" "$xwrapper"
    else
        echo "$setting" >>"$xwrapper"
    fi
done
if [[ -n $a4_uri ]]; then
    if ((staged)); then
        say "A4 printer: not in a staging root; on the terminal run /opt/tongban/deploy/cups/configure-cups.sh $a4_uri $a4_model"
    else
        "$here/cups/configure-cups.sh" "$a4_uri" "$a4_model" || die "the CUPS queue for $a4_uri failed"
    fi
else
    say "no --a4-printer: set it up later with /opt/tongban/deploy/cups/configure-cups.sh DEVICE-URI"
fi

# --- the service ---------------------------------------------------------------------------------
install -m 0644 "$here/systemd/tongban-kiosk.service" "$units/"
if ((!use_systemctl)); then
    say "--no-systemctl: enable it with: systemctl daemon-reload && systemctl enable --now tongban-kiosk.service"
elif ((staged)); then
    systemctl --root="$root" enable tongban-kiosk.service >/dev/null 2>&1 \
        || die "systemctl --root=$root enable tongban-kiosk.service failed"
    systemctl --root="$root" set-default graphical.target >/dev/null 2>&1 \
        || say "graphical.target is not in $root: set it as the default target on the terminal"
    say "tongban-kiosk.service enabled in $root"
else
    systemctl daemon-reload
    systemctl set-default graphical.target
    systemctl enable --now tongban-kiosk.service   # a running kiosk is left running
    say "tongban-kiosk.service enabled and running: journalctl -u tongban-kiosk -f"
fi
say "done: tongban-kiosk $version (current $current, committed $committed)"
