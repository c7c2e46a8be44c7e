"""Typed configuration: a profile from config/ (hall, bank, community ...) overridden by a
site file. Every setting is declared once, here or, for the devices, in kiosk.config_devices;
unknown keys and wrong types are rejected with the file, the key and the reason.

Errors: ``load_config`` raises ``ConfigError`` (kiosk.config_errors: file, key, reason, one
short line each; every value the models refuse at once) for every bad file, whatever its
bytes: missing or unreadable, not a regular file (a directory, a FIFO, a device), larger
than ``MAX_FILE_BYTES``, not UTF-8, not TOML, nested deeper than ``MAX_DEPTH`` (these read
by kiosk.config_files), a NUL in any string, a ``~user`` that does not exist, a bad profile
name, or a value the models refuse. Any other exception from it is a bug.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator

from kiosk.capture.settings import CaptureSettings
from kiosk.config_devices import DevicesSettings, Strict
from kiosk.config_errors import ConfigError, problems_of
from kiosk.config_files import read_toml
from kiosk.config_remote import check_sections, remote_layers, skipped
from kiosk.evaluation.settings import EvaluationSettings
from kiosk.fleet.settings import FleetSettings
from kiosk.ime.settings import InputSettings
from kiosk.voice.settings import VoiceSettings

SITE_CONFIG = Path("/etc/tongban/kiosk.toml")
PROFILE_DIRS = (
    Path(os.environ.get("TONGBAN_PROFILE_DIR", "")) if os.environ.get("TONGBAN_PROFILE_DIR") else None,
    Path(__file__).resolve().parent.parent / "config",
    Path("/usr/share/tongban/config"),
)




def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TerminalSettings(Strict):
    profile: Literal["hall", "bank", "community"]
    title: str = "政务服务自助终端"
    hall_name: str
    region_code: Annotated[str, Field(pattern=r"^\d{6}$")]
    terminal_code: str = ""
    data_dir: Path
    # The hall's time zone (IANA name): every time shown or printed is its wall time,
    # whatever the host's TZ.
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from kiosk.hall_time import load_zone

        load_zone(value)   # raises ValueError naming what is wrong
        return value


class SessionSettings(Strict):
    idle_timeout_s: Annotated[float, Field(gt=5, le=3600)] = 60
    idle_warning_s: Annotated[float, Field(gt=0, le=600)] = 15
    # In 适老化 (elderly) mode a citizen reads and types more slowly: a longer idle timeout.
    idle_timeout_elderly_s: Annotated[float, Field(gt=5, le=3600)] = 120
    card_removal_grace_s: Annotated[float, Field(ge=0, le=120)] = 5
    # The ID card during a visit: "may_leave" (a card that was read may be taken away; the
    # session runs until finished or idle) or "required" (it must stay on the reader: the
    # first screen says so, and taking it away ends the session after card_removal_grace_s
    # unless it comes back).
    card_presence: Literal["may_leave", "required"] = "may_leave"

    @model_validator(mode="after")
    def _warning_inside_timeout(self) -> SessionSettings:
        if self.idle_warning_s >= self.idle_timeout_s:
            raise ValueError("idle_warning_s must be shorter than idle_timeout_s")
        if self.idle_warning_s >= self.idle_timeout_elderly_s:
            raise ValueError("idle_warning_s must be shorter than idle_timeout_elderly_s")
        return self


class UiSettings(Strict):
    fullscreen: bool = True
    elderly_mode: bool = False
    font: Path | None = None
    # The single touch input provider: "mouse" (X pointer events, works with touch
    # screens driven by the X server) or "mtdev:/dev/input/eventN" / "hidinput:/dev/input/eventN".
    touch_input: Annotated[str, Field(pattern=r"^(mouse|(mtdev|hidinput):/dev/\S+)$")] = "mouse"
    width: Annotated[int, Field(ge=640, le=7680)] = 1280
    height: Annotated[int, Field(ge=480, le=4320)] = 800
    # The physical screen's dots per inch: touch targets must be at least 15 mm on the glass
    # (tests/support/a11y.py). 102 is a 21.5" 1920x1080 kiosk screen.
    dpi: Annotated[float, Field(ge=50, le=600)] = 102


class StaffSettings(Strict):
    """The staff screen (printed-output log). The PIN is kept only as a hash:
    ``kiosk staff hash-pin`` prints the value for ``pin_hash``."""

    pin_hash: str | None = None               # scrypt$N$r$p$salt$hash; no hash: staff screen closed
    pin_digits: Annotated[int, Field(ge=4, le=12)] | None = None  # the PIN's length: the places shown
    max_attempts: Annotated[int, Field(ge=1, le=20)] = 5
    lockout_s: Annotated[float, Field(ge=10, le=86400)] = 300
    export_dir: Path | None = None            # where the USB stick is mounted, e.g. /media/usb

    @field_validator("pin_hash")
    @classmethod
    def _pin_hash(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith("scrypt$") or value.count("$") != 5):
            raise ValueError("must be a hash from `kiosk staff hash-pin`, never the PIN itself")
        return value


class TechnicianSettings(Strict):
    """The technician's maintenance screen: its own PIN (``kiosk staff hash-pin`` prints a
    hash for either), separate from the staff PIN, and the staff-card roles that open it."""

    pin_hash: str | None = None               # no hash: only a technician card opens it
    pin_digits: Annotated[int, Field(ge=4, le=12)] | None = None
    max_attempts: Annotated[int, Field(ge=1, le=20)] = 5
    lockout_s: Annotated[float, Field(ge=10, le=86400)] = 300
    idle_s: Annotated[float, Field(ge=10, le=3600)] = 180   # leaves by itself when untouched
    card_roles: list[Annotated[str, Field(min_length=1, max_length=32)]] = ["technician"]

    @field_validator("pin_hash")
    @classmethod
    def _pin_hash(cls, value: str | None) -> str | None:
        return StaffSettings._pin_hash(value)


class ServicesSettings(Strict):
    """Which services of the registry (kiosk/registry.py) this terminal offers, in order."""

    offered: list[str] = Field(min_length=1)
    default: str = "identity_check"

    @model_validator(mode="after")
    def _known_and_offered(self) -> ServicesSettings:
        from kiosk.registry import SERVICES  # the registry imports the flows, which need no config

        unknown = [s for s in [*self.offered, self.default] if s not in SERVICES]
        if unknown:
            raise ValueError(f"unknown service {unknown[0]!r} (known: {', '.join(SERVICES)})")
        if self.default not in self.offered:
            raise ValueError(f"default service {self.default!r} is not in offered")
        return self


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def check_central_url(url: str) -> str:
    """The central's base URL: https, or http to this machine only (demo, tests).

    Citizens' ID numbers travel in request bodies, so plain HTTP over a network is refused.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL such as https://zwfw-terminal.example.gov.cn")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must not carry a query, fragment or credentials")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError("plain http is only allowed to this machine (127.0.0.1); use https")
    return url.rstrip("/")


class CentralSettings(Strict):
    # Where `kiosk enroll` registers this terminal; after enrollment the terminal keeps
    # talking to the central it enrolled with (<data_dir>/keys/terminal.json).
    url: str | None = None
    # CA bundle (PEM) that signs the central's certificate. TLS verification is always on;
    # without a bundle the system's trust store is used. There is no switch to turn it off.
    ca_bundle: Path | None = None
    connect_timeout_s: Annotated[float, Field(gt=0, le=60)] = 3
    read_timeout_s: Annotated[float, Field(gt=0, le=300)] = 10

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_central_url(value)

    @field_validator("ca_bundle")
    @classmethod
    def _bundle_exists(cls, value: Path | None) -> Path | None:
        if value is None:
            return value
        try:
            found = value.is_file()
        except OSError:  # a name too long, and the like
            found = False
        if not found:
            raise ValueError(f"CA bundle {_short(str(value), 80)} is not a file")
        return value


class UpdateSettings(Strict):
    """Software updates (kiosk/update, docs/fleet.md §4): where versions are installed side
    by side, how long a new version has to prove itself, and the TUF root it trusts."""

    root: Path = Path("/opt/tongban")         # versions/, current, committed, deps/
    self_test_s: Annotated[float, Field(gt=0, le=3600)] = 300
    # The update repository's root.json, given by the installer; without it the first
    # root is fetched from central once and trusted from then on (trust on first use).
    trusted_root: Path | None = None


class KioskConfig(Strict):
    terminal: TerminalSettings
    session: SessionSettings = SessionSettings()
    ui: UiSettings = UiSettings()
    devices: DevicesSettings = DevicesSettings()
    services: ServicesSettings
    central: CentralSettings = CentralSettings()
    staff: StaffSettings = StaffSettings()
    technician: TechnicianSettings = TechnicianSettings()
    input: InputSettings = InputSettings()   # pinyin engine, fuzzy initials, page size
    voice: VoiceSettings = VoiceSettings()   # spoken prompts: mode, volume, pack, ALSA device
    update: UpdateSettings = UpdateSettings()   # software updates: install root, self-test time
    fleet: FleetSettings = FleetSettings()   # heartbeat period, config trial time (kiosk/fleet)
    evaluation: EvaluationSettings = EvaluationSettings()   # 好差评: the offer after a service
    capture: CaptureSettings = CaptureSettings()   # document camera pages: quality thresholds

    # Where the values came from, for messages and `config check`.
    sources: tuple[str, ...] = ()
    # The remote layer in use (kiosk/config_remote.py): its version, or "local".
    remote_version: str = "local"


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _has_key(data: dict[str, Any], path: tuple[str | int, ...]) -> bool:
    node: Any = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


_PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def find_profile(name: str, site: Path | str = "") -> Path:
    """The profile file called ``name``; a ConfigError naming ``site`` (the file that asked
    for it) when there is none."""
    if not _PROFILE_NAME.fullmatch(name):
        raise ConfigError(site, "profile", f"invalid profile name {_short(name, 40)!r} (letters, digits, - and _; at most 64)")
    for folder in PROFILE_DIRS:
        try:
            if folder and (folder / f"{name}.toml").is_file():
                return folder / f"{name}.toml"
        except OSError:
            continue
    looked = ", ".join(str(d / f"{name}.toml") for d in PROFILE_DIRS if d)
    raise ConfigError(site or f"profile {name!r}", "profile",
                      f"没有名为 {name!r} 的配置模板：找过 {looked}；请改用 hall、bank 或 community，"
                      f"或把 {name}.toml 放进这些目录之一 (no profile {name!r})")


def _resolve_paths(data: dict[str, Any], origin: Path) -> None:
    """Relative paths in a file are relative to that file (data_dir, device ports, font, CA)."""

    def fix(table: Any, where: str, key: str, only_dotted: bool) -> None:
        if not isinstance(table, dict) or not isinstance(table.get(key), str):
            return
        value = table[key]
        if only_dotted and not value.startswith(("./", "../")):
            return
        try:
            path = Path(value).expanduser()
            if not path.is_absolute():
                table[key] = str((origin.parent / path).resolve())
        except RuntimeError:  # ~name of a user this machine does not have
            user = value.split("/", 1)[0]
            raise ConfigError(origin, f"{where}.{key}", f"no user {_short(user, 40)!r} on this machine") from None
        except (OSError, ValueError) as err:
            raise ConfigError(origin, f"{where}.{key}", f"not a usable path: {err}") from None

    fix(data.get("terminal"), "terminal", "data_dir", only_dotted=False)
    fix(data.get("ui"), "ui", "font", only_dotted=False)
    fix(data.get("central"), "central", "ca_bundle", only_dotted=False)
    fix(data.get("staff"), "staff", "export_dir", only_dotted=False)
    fix(data.get("voice"), "voice", "pack", only_dotted=False)
    fix(data.get("update"), "update", "root", only_dotted=False)
    fix(data.get("update"), "update", "trusted_root", only_dotted=False)
    devices = data.get("devices")
    if isinstance(devices, dict):
        for name, device in devices.items():
            where = f"devices.{name}"
            fix(device, where, "port", only_dotted=True)
            fix(device, where, "server", only_dotted=True)
            fix(device, where, "font", only_dotted=False)
            fix(device, where, "slot", only_dotted=False)
            fix(device, where, "images", only_dotted=False)
            fix(device, where, "platen", only_dotted=False)


def load_config(path: Path | str | None = None, *, starting: bool = False,
                remote: tuple[str, dict[str, Any]] | None = None) -> KioskConfig:
    """Load a site file (or profile file). A site file names its base with ``profile = "hall"``.

    Without a path: $TONGBAN_CONFIG, then /etc/tongban/kiosk.toml.

    On top comes central's remote layer (docs/fleet.md §3, kiosk/config_remote.py): the
    version ``<data_dir>/config/remote/state.json`` names, winning over the site file (it can
    never hold ``[central]`` or ``terminal.data_dir``). A remote layer that fails validation
    is never used: the last known good one is tried, then the site file alone, and the
    problems are logged in the technician's words. ``starting`` (``kiosk run`` only) counts
    a start of a version on trial first. ``remote`` = (version, document) checks that
    document as the remote layer instead, raising ConfigError when it does not fit.
    """
    if path is None:
        env = os.environ.get("TONGBAN_CONFIG")
        path = Path(env) if env else SITE_CONFIG
        if not path.exists():
            raise ConfigError(path, "", "no configuration: pass --config FILE, set TONGBAN_CONFIG, or create this file")
    site_path = Path(path)
    site = read_toml(site_path)
    _resolve_paths(site, site_path)
    layers: list[tuple[Path, dict[str, Any]]] = []
    base_name = site.pop("profile", None)
    if base_name is not None:
        if not isinstance(base_name, str):
            raise ConfigError(site_path, "profile", "must be a profile name such as \"hall\"")
        profile_path = find_profile(base_name, site_path)
        profile = read_toml(profile_path)
        _resolve_paths(profile, profile_path)
        layers.append((profile_path, profile))
    layers.append((site_path, site))

    local = _validated(layers, site_path, "local")   # the site's own problems are the site's
    for version, remote_path, document in remote_layers(str(local.terminal.data_dir), starting, remote):
        try:
            check_sections(remote_path, document)
            _resolve_paths(document, site_path)   # relative paths: as in the site file
            return _validated([*layers, (remote_path, document)], site_path, version)
        except ConfigError as err:
            if remote is not None:
                raise
            skipped(local.terminal.data_dir, version, err, starting)
    return local


def _validated(layers: list[tuple[Path, dict[str, Any]]], site_path: Path, version: str) -> KioskConfig:
    merged: dict[str, Any] = {}
    for _, data in layers:
        merged = _merge(merged, data)
    merged["sources"] = tuple(str(p) for p, _ in layers)
    merged["remote_version"] = version
    try:
        return KioskConfig.model_validate(merged)
    except ValidationError as err:
        def culprit(loc: tuple[str | int, ...], kind: str) -> Path:
            # The last layer that sets this key (the one to fix), else the site file.
            if kind == "missing":
                return site_path
            return next((p for p, d in reversed(layers) if loc and _has_key(d, loc)), site_path)

        # Every problem at once, not only the first: a technician fixes them in one go.
        raise ConfigError.of(problems_of(err, culprit, merged)) from None


def effective_toml(config: KioskConfig) -> str:
    """The effective configuration as TOML-like text (for `kiosk config check`)."""
    data = config.model_dump(mode="json", exclude={"sources", "remote_version"})
    lines: list[str] = [f"# sources: {', '.join(config.sources)}",
                        f"# remote configuration: {config.remote_version}"]

    def emit(prefix: str, table: dict[str, Any]) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
        if prefix:
            lines.append(f"\n[{prefix}]")
        for key, value in scalars.items():
            lines.append(f"# {key}: not set" if value is None else f"{key} = {_toml_value(value)}")
        for key, value in table.items():
            if isinstance(value, dict):
                emit(f"{prefix}.{key}" if prefix else key, value)

    emit("", data)
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
