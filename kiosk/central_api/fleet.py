"""The fleet's signed endpoints (docs/fleet.md §1, §2), called through ``CentralClient.call``:
the heartbeat and a command's result.

The terminal keeps its own models of these bodies (central shares no code with it). The
heartbeat it sends is checked against ``Heartbeat`` before it leaves: a value that does not
fit the contract (a device name, a version) is a bug here, caught before central refuses
it. Central's answer is parsed strictly (``InvalidResponse`` for a wrong shape, never a half
read answer); unknown keys are tolerated so central can add fields, but an unknown command
kind still parses (its id is acknowledged and the command answered as failed) so a newer
central never stops an older terminal's heartbeats.

A heartbeat is sent once, never retried: the next one carries the then-current state. A
command's result is retried like a read: central answers the same result for the same id.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kiosk.central_api.client import CentralClient

Code = Annotated[str, Field(max_length=40, pattern=r"^[a-z0-9_:.\-]*$")]
Version = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.+\-]+$")]
ConfigVersion = Annotated[str, Field(max_length=40, pattern=r"^(local|cfg-[0-9a-f]{12})$")]
DeviceName = Annotated[str, Field(max_length=32, pattern=r"^[a-z0-9_]+$")]
HeartbeatReason = Literal["timer", "start", "device_change", "command", "cli"]
UpdateState = Literal["idle", "downloading", "installing", "trial", "committed", "rolled_back",
                      "refused", "failed"]
ConfigState = Literal["ok", "trial", "rolled_back", "rejected"]
MAX_LOG_BYTES = 2 * 1024 * 1024


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


# -- what the terminal sends ----------------------------------------------------------------
class DeviceHealth(_Request):
    state: Literal["online", "offline", "no_device", "hardware_error", "user_error", "busy"]
    action: Literal["none", "retry", "clear_by_staff", "maintenance", "wait"] = "none"
    supplies: dict[Annotated[str, Field(max_length=20, pattern=r"^[a-z_]+$")],
                   Literal["full", "low", "out", "jammed", "unknown"]] = {}
    fault: Code = ""
    ready: bool


class OutboxHealth(_Request):
    depth: Annotated[int, Field(ge=0)]
    oldest_age_s: Annotated[int, Field(ge=0)] | None = None
    failed: Annotated[int, Field(ge=0)] = 0


class PrintLogHead(_Request):
    count: Annotated[int, Field(ge=0)]
    mac: Annotated[str, Field(pattern=r"^[0-9a-f]{0,16}$")]


class UpdateReport(_Request):
    state: UpdateState = "idle"
    version: Version
    target_version: Version | None = None
    reason: Code = ""


class ConfigReport(_Request):
    state: ConfigState = "ok"
    version: ConfigVersion = "local"
    reason: Code = ""


class Heartbeat(_Request):
    """``HeartbeatIn`` of docs/fleet.md §1: counts, codes and versions only."""

    sent_at: AwareDatetime
    reason: HeartbeatReason = "timer"
    software_version: Version
    config_version: ConfigVersion = "local"
    uptime_s: Annotated[int, Field(ge=0)]
    free_disk_mb: Annotated[int, Field(ge=0)]
    maintenance: bool = False
    session_active: bool = False
    last_session_end: AwareDatetime | None = None
    outbox: OutboxHealth
    print_log_head: PrintLogHead | None = None
    devices: Annotated[dict[DeviceName, DeviceHealth], Field(max_length=16)] = {}
    update: UpdateReport
    config: ConfigReport = ConfigReport()
    acks: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=200)] = []


# -- what central answers -------------------------------------------------------------------
class Command(_Response):
    id: Annotated[int, Field(ge=1)]
    kind: Annotated[str, Field(max_length=40, pattern=r"^[a-z0-9_]+$")]
    args: dict[str, Any] = {}


class UpdateOffer(_Response):
    version: Version
    target: Annotated[str, Field(min_length=1, max_length=120)]
    rollout_id: int


class HeartbeatAnswer(_Response):
    """``HeartbeatOut`` of docs/fleet.md §1."""

    server_time: AwareDatetime
    next_in_s: Annotated[int, Field(ge=1, le=86400)] = 60
    commands: Annotated[list[Command], Field(max_length=200)] = []
    config_version: ConfigVersion | None = None
    update: UpdateOffer | None = None


class CommandResultAck(_Response):
    state: Literal["done", "failed"]


class FleetApi:
    def __init__(self, client: CentralClient) -> None:
        self._client = client

    def heartbeat(self, body: Heartbeat) -> HeartbeatAnswer:
        """One heartbeat, not retried (a later one says more than a resend of this)."""
        return self._client.call(HeartbeatAnswer, "POST", "/terminals/heartbeat",
                                 body.model_dump(mode="json"), retried=False)

    def command_result(self, command_id: int, ok: bool, result: dict[str, Any],
                       log: str | None = None) -> CommandResultAck:
        """A finished command's result (``log``: the pulled masked log, at most 2 MiB)."""
        if log is not None and len(log.encode("utf-8")) > MAX_LOG_BYTES:
            raise ValueError("log larger than 2 MiB")
        body = {"ok": ok, "result": result, "log": log}
        return self._client.call(CommandResultAck, "POST", f"/terminals/commands/{int(command_id)}/result",
                                 body)
