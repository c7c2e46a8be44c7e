"""Whether each offered service (kiosk/registry.py) is ready, and if not, why.

A service whose devices are not ready is shown as unavailable with the reason; it is
never hidden without a word. Reasons are stable codes; screens pick the words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from drivers.status import DeviceState, DeviceStatus
from kiosk.registry import SERVICES, ServiceSpec


@dataclass(frozen=True)
class ServiceView:
    id: str
    title: str
    subtitle: str
    available: bool
    # "" when available; else one of: not_in_version, central_not_enrolled,
    # device_missing:<dev>, device_not_ready:<dev>:<state, or the fault of a user_error>
    reason: str


def service_views(
    offered: list[str], statuses: Mapping[str, DeviceStatus | None], enrolled: bool = False
) -> list[ServiceView]:
    """statuses: device name -> status, or None when the device is not configured.

    Central being unreachable does not make a service unavailable: flows work from the
    cached catalogue and the outbox. Not being enrolled does: there is no one to send to.
    """
    views = []
    for service_id in offered:
        spec = SERVICES[service_id]
        views.append(
            ServiceView(spec.id, spec.title, spec.subtitle, *(_availability(spec, statuses, enrolled)))
        )
    return views


def _availability(
    spec: ServiceSpec, statuses: Mapping[str, DeviceStatus | None], enrolled: bool
) -> tuple[bool, str]:
    if not spec.implemented:
        return False, "not_in_version"
    if spec.needs_central and not enrolled:
        return False, "central_not_enrolled"
    for device in spec.needs:
        status = statuses.get(device)
        if status is None:
            return False, f"device_missing:{device}"
        if not status.ready:
            state = status.state.value if status.state is not DeviceState.ONLINE else "supplies"
            if status.state is DeviceState.USER_ERROR and status.fault:
                state = status.fault    # paper_out, cover_open ...: says what staff must do
            return False, f"device_not_ready:{device}:{state}"
    return True, ""
