"""The heartbeat's body (docs/fleet.md §1): how this terminal is, in counts, codes and
versions, built from what the terminal holds in memory plus two small store queries.

Nothing here can carry a citizen's data: device statuses go without their ``detail`` (a
technician's text), the outbox and the print log give counts and the head of a MAC chain,
and the times are the terminal's own. The body is checked against the terminal's model
of the contract (kiosk.central_api.fleet.Heartbeat) before it is sent; values a driver
reports outside the contract's codes are dropped or cut here rather than refused there.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from drivers.status import DeviceStatus
from kiosk.central_api.fleet import Heartbeat
from kiosk.outbox_rows import OutboxStatus
from kiosk.version import running_version

_CODE = re.compile(r"[^a-z0-9_:.\-]")
_SUPPLY = re.compile(r"^[a-z_]{1,20}$")
_DEVICE = re.compile(r"^[a-z0-9_]{1,32}$")
LOCAL = "local"


class UpdateHooks(Protocol):
    """H4's update service as the fleet sees it (kiosk/update)."""

    def report(self) -> dict[str, Any]: ...
    def offered(self, offer: dict[str, Any]) -> None: ...
    def on_started(self) -> None: ...


class ConfigHooks(Protocol):
    """H7's remote configuration (kiosk/fleet/remote_config.py) as the fleet sees it."""

    def report(self) -> dict[str, Any]: ...
    def version(self) -> str: ...
    def offered(self, version: str | None) -> None: ...
    def reload_now(self) -> Any: ...
    def on_started(self) -> None: ...


@dataclass(frozen=True)
class Snapshot:
    """What the body is made of, gathered by kiosk/fleet/service.py."""

    reason: str
    now: dt.datetime                       # aware, the hall's zone
    uptime_s: float
    data_dir: Path
    statuses: Mapping[str, DeviceStatus]
    outbox: OutboxStatus
    print_log_head: tuple[int, str] | None
    maintenance: bool
    session_active: bool
    last_session_end: dt.datetime | None
    updates: UpdateHooks | None
    remote_config: ConfigHooks | None
    acks: list[int]


def code(value: str) -> str:
    return _CODE.sub("_", value.lower())[:40]


def device_health(status: DeviceStatus) -> dict[str, Any]:
    """``DeviceStatus.as_dict()`` without ``detail``, its codes kept to the contract's."""
    data = status.as_dict()
    data.pop("detail", None)
    data["supplies"] = {k: v.value for k, v in status.supplies.items() if _SUPPLY.match(k)}
    data["fault"] = code(status.fault)
    return data


def host_uptime_s(fallback: float) -> float:
    """How long the machine has been up (``/proc/uptime``): the same for the kiosk and for
    `kiosk heartbeat`, and a power cut shows as a small number. ``fallback`` (the
    process's own uptime) where there is no /proc."""
    try:
        return float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return fallback


def free_disk_mb(path: Path) -> int:
    try:
        return int(shutil.disk_usage(path).free // (1024 * 1024))
    except OSError:
        return 0


def update_block(updates: UpdateHooks | None, running: str) -> dict[str, Any]:
    if updates is None:
        return {"state": "idle", "version": running, "target_version": None, "reason": ""}
    return dict(updates.report())


def config_block(remote: ConfigHooks | None) -> tuple[str, dict[str, Any]]:
    if remote is None:
        return LOCAL, {"state": "ok", "version": LOCAL, "reason": ""}
    return remote.version() or LOCAL, dict(remote.report())


def build(snap: Snapshot) -> Heartbeat:
    """The heartbeat for ``snap``; raises pydantic's ValidationError when a hook reports
    something outside the contract (the caller logs it; no body is sent)."""
    running = running_version()
    config_version, config = config_block(snap.remote_config)
    head = snap.print_log_head
    outbox = snap.outbox
    return Heartbeat.model_validate({
        "sent_at": snap.now.isoformat(timespec="seconds"),
        "reason": snap.reason,
        "software_version": running,
        "config_version": config_version,
        "uptime_s": max(0, int(snap.uptime_s)),
        "free_disk_mb": free_disk_mb(snap.data_dir),
        "maintenance": snap.maintenance,
        "session_active": snap.session_active,
        "last_session_end": (snap.last_session_end.isoformat(timespec="seconds")
                             if snap.last_session_end else None),
        "outbox": {
            "depth": outbox.pending,
            "oldest_age_s": None if outbox.oldest_pending_age_s is None else int(outbox.oldest_pending_age_s),
            "failed": outbox.failed,
        },
        "print_log_head": None if head is None else {"count": head[0], "mac": head[1][:16].lower()},
        "devices": {name: device_health(status) for name, status in snap.statuses.items()
                    if _DEVICE.match(name)},
        "update": update_block(snap.updates, running),
        "config": config,
        "acks": snap.acks[-200:],
    })
