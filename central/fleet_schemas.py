"""Request and response bodies of the fleet's signed endpoints (docs/fleet.md §1–§3).

A heartbeat carries device states, counts and versions: no field can hold a citizen's data
(free text is limited to stable codes and version strings, and unknown keys are refused)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from central.schemas import Model, Moment

Code = Annotated[str, Field(max_length=40, pattern=r"^[a-z0-9_:.\-]*$")]
Version = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.+\-]+$")]
ConfigVersion = Annotated[str, Field(max_length=40, pattern=r"^(local|cfg-[0-9a-f]{12})$")]
DeviceName = Annotated[str, Field(max_length=32, pattern=r"^[a-z0-9_]+$")]

HeartbeatReason = Literal["timer", "start", "device_change", "command", "cli"]
DeviceStateName = Literal["online", "offline", "no_device", "hardware_error", "user_error", "busy"]
SupplyName = Literal["full", "low", "out", "jammed", "unknown"]
ActionName = Literal["none", "retry", "clear_by_staff", "maintenance", "wait"]
UpdateState = Literal[
    "idle", "downloading", "installing", "trial", "committed", "rolled_back", "refused", "failed"
]
ConfigState = Literal["ok", "trial", "rolled_back", "rejected"]
CommandKind = Literal["maintenance_on", "maintenance_off", "reload_config", "pull_log", "doctor"]
COMMAND_KINDS: tuple[str, ...] = CommandKind.__args__  # type: ignore[attr-defined]


class DeviceHealth(Model):
    state: DeviceStateName
    action: ActionName = "none"
    supplies: dict[Annotated[str, Field(max_length=20, pattern=r"^[a-z_]+$")], SupplyName] = {}
    fault: Code = ""
    ready: bool


class OutboxHealth(Model):
    depth: Annotated[int, Field(ge=0)]
    oldest_age_s: Annotated[int, Field(ge=0)] | None = None
    failed: Annotated[int, Field(ge=0)] = 0


class PrintLogHead(Model):
    count: Annotated[int, Field(ge=0)]
    mac: Annotated[str, Field(pattern=r"^[0-9a-f]{0,16}$")]


class UpdateReport(Model):
    state: UpdateState = "idle"
    version: Version
    target_version: Version | None = None
    reason: Code = ""


class ConfigReport(Model):
    state: ConfigState = "ok"
    version: ConfigVersion = "local"
    reason: Code = ""


class HeartbeatIn(Model):
    sent_at: Moment
    reason: HeartbeatReason = "timer"
    software_version: Version
    config_version: ConfigVersion = "local"
    uptime_s: Annotated[int, Field(ge=0)]
    free_disk_mb: Annotated[int, Field(ge=0)]
    maintenance: bool = False
    session_active: bool = False
    last_session_end: Moment | None = None
    outbox: OutboxHealth
    print_log_head: PrintLogHead | None = None
    devices: Annotated[dict[DeviceName, DeviceHealth], Field(max_length=16)] = {}
    update: UpdateReport
    config: ConfigReport = ConfigReport()
    acks: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=200)] = []


class CommandOut(Model):
    id: int
    kind: CommandKind
    args: dict[str, Any]


class UpdateOffer(Model):
    version: Version
    target: Annotated[str, Field(max_length=120)]
    rollout_id: int


class HeartbeatOut(Model):
    server_time: Moment
    next_in_s: int = 60
    commands: list[CommandOut] = []
    config_version: ConfigVersion | None = None
    update: UpdateOffer | None = None


class CommandResultIn(Model):
    ok: bool
    result: dict[str, Any] = {}
    log: Annotated[str, Field(max_length=2 * 1024 * 1024)] | None = None


class CommandResultOut(Model):
    state: Literal["done", "failed"]


class ConfigLayer(Model):
    scope: Literal["all", "profile", "region", "hall", "terminal"]
    key: str
    version: int


class ConfigOut(Model):
    version: ConfigVersion
    document: dict[str, Any]
    layers: list[ConfigLayer]
