"""The services a terminal can offer, what devices each needs, and whether it is ready.

A service whose devices are not ready is shown as unavailable with the reason; it is
never hidden without a word. Reasons are stable codes; screens pick the words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from drivers.status import DeviceState, DeviceStatus


@dataclass(frozen=True)
class ServiceSpec:
    id: str
    title: str
    subtitle: str
    needs: tuple[str, ...]      # configured device names the service cannot work without
    implemented: bool           # this software version has the flow
    needs_central: bool = False  # the terminal must be enrolled with a central


SERVICES: dict[str, ServiceSpec] = {
    s.id: s
    for s in (
        ServiceSpec("identity_check", "身份核验", "读取身份证，核对本人信息", ("id_reader",), True),
        ServiceSpec("yizheng_tongban", "一证通办", "凭身份证办理政务服务事项", ("id_reader",), True, True),
        ServiceSpec("proof_print", "证明打印", "打印社保、纳税、户籍等证明", ("id_reader", "a4_printer"), True, True),
        ServiceSpec("queue_ticket", "排队取号", "领取窗口排队号", ("receipt_printer",), False),
        ServiceSpec("appointment", "预约办事", "预约错时、无休服务", ("id_reader",), False),
        ServiceSpec("progress_query", "办件查询", "查询办件进度", ("id_reader",), False),
        ServiceSpec("evaluation", "好差评", "评价政务服务", (), False),
    )
}


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
