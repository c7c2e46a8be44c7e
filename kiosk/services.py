"""Whether each offered service (kiosk/registry.py) is ready, and if not, why.

A service whose devices are not ready is shown as unavailable with the reason; it is
never hidden without a word. Reasons are stable codes; screens pick the words.

A service that needs the ID card reader needs it to identify the citizen, and a citizen
can identify in other ways too: a social security card in the card reader, or an
electronic ID code shown to the code scanner (resolved by central, so only once
enrolled). Such a service is available while at least one of those ways is ready; its
``ways`` say which, so the first screen can name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from drivers.status import DeviceState, DeviceStatus
from kiosk.registry import SERVICES, ServiceSpec

# Devices that identify a citizen, in the order the screens name them, and whether that
# way also needs an enrolled central (an electronic ID code is resolved there).
IDENTITY_WAYS: dict[str, bool] = {"id_reader": False, "card_reader": False, "code_scanner": True}
IDENTITY_DEVICE = "id_reader"  # what the registry names as a service's way to identify


@dataclass(frozen=True)
class ServiceView:
    id: str
    title: str
    subtitle: str
    available: bool
    # "" when available; else one of: not_in_version, central_not_enrolled,
    # device_missing:<dev>, device_not_ready:<dev>:<state, or the fault of a user_error>
    reason: str
    # The identity devices ready now when the service needs to identify the citizen
    # (IDENTITY_WAYS order); empty when it does not or none is.
    ways: tuple[str, ...] = ()

    def paused_by(self, device: str) -> bool:
        """Whether this service is unavailable because ``device`` is missing or not ready."""
        kind, _, rest = self.reason.partition(":")
        return kind in ("device_missing", "device_not_ready") and rest.partition(":")[0] == device


def identity_ways(statuses: Mapping[str, DeviceStatus | None], enrolled: bool) -> tuple[str, ...]:
    """The devices that can identify a citizen right now."""
    return tuple(
        name for name, needs_central in IDENTITY_WAYS.items()
        if (status := statuses.get(name)) is not None and status.ready
        and (enrolled or not needs_central)
    )


def service_views(
    offered: list[str], statuses: Mapping[str, DeviceStatus | None], enrolled: bool = False
) -> list[ServiceView]:
    """statuses: device name -> status, or None when the device is not configured.

    Central being unreachable does not make a service unavailable: flows work from the
    cached catalogue and the outbox. Not being enrolled does: there is no one to send to.
    """
    ways = identity_ways(statuses, enrolled)
    views = []
    for service_id in offered:
        spec = SERVICES[service_id]
        available, reason = _availability(spec, statuses, enrolled, ways)
        needs_identity = IDENTITY_DEVICE in spec.needs
        views.append(ServiceView(spec.id, spec.title, spec.subtitle, available, reason,
                                 ways if needs_identity and available else ()))
    return views


def _availability(
    spec: ServiceSpec, statuses: Mapping[str, DeviceStatus | None], enrolled: bool,
    ways: tuple[str, ...],
) -> tuple[bool, str]:
    if not spec.implemented:
        return False, "not_in_version"
    if spec.needs_central and not enrolled:
        return False, "central_not_enrolled"
    for device in spec.needs:
        if device == IDENTITY_DEVICE and ways:
            continue  # another way identifies the citizen: the ID reader is not needed now
        status = statuses.get(device)
        if status is None:
            return False, f"device_missing:{device}"
        if not status.ready:
            state = status.state.value if status.state is not DeviceState.ONLINE else "supplies"
            if status.state is DeviceState.USER_ERROR and status.fault:
                state = status.fault    # paper_out, cover_open ...: says what staff must do
            return False, f"device_not_ready:{device}:{state}"
    return True, ""
