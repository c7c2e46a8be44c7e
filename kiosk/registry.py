"""The service registry: every service the terminal knows, declared once.

An entry names the service's id and words (title and subtitle on its home tile), the
configured devices it cannot work without, whether it needs an enrolled central, the
factory of its flow (kiosk/flows/) and the screens package that shows it (screens/<name>).
Home tiles, availability, routing and the screens all read this table.

Adding a service: one flow module in kiosk/flows/ (a Flow subclass with its transition
table and a ``build(deps)`` factory), one screens package in screens/ (``build_screens()``
and ``screen_for(state)``), one entry below. Nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kiosk.flows import (
    appointment,
    evaluation,
    guide,
    identity_check,
    progress_query,
    proofs,
    queue_ticket,
    yizheng,
)
from kiosk.flows.base import Flow
from kiosk.flows.deps import FlowDeps

FlowFactory = Callable[[FlowDeps], Flow]


@dataclass(frozen=True)
class ServiceSpec:
    id: str
    title: str
    subtitle: str
    needs: tuple[str, ...]          # configured devices the service cannot work without
    needs_central: bool = False     # the terminal must be enrolled with a central
    flow: FlowFactory | None = None  # None: not in this software version
    screens: str = ""               # the screens package (screens/<name>)
    # "required": the flow starts once the citizen confirmed their identity; "optional": the
    # tile starts the flow at once (nobody identified) and a card placed during it is lent
    # to the flow (Flow.identity_arrived), e.g. 排队取号's green channel.
    identify: Literal["required", "optional"] = "required"

    @property
    def implemented(self) -> bool:
        return self.flow is not None


SERVICES: dict[str, ServiceSpec] = {
    s.id: s
    for s in (
        ServiceSpec("identity_check", "身份核验", "读取身份证，核对本人信息", ("id_reader",),
                    flow=identity_check.build, screens="identity_check"),
        ServiceSpec("yizheng_tongban", "一证通办", "凭身份证办理政务服务事项", ("id_reader",),
                    needs_central=True, flow=yizheng.build, screens="yizheng"),
        ServiceSpec("proof_print", "证明打印", "打印社保、纳税、户籍等证明",
                    ("id_reader", "a4_printer"), needs_central=True, flow=proofs.build,
                    screens="proofs"),
        # needs_central=False: offline, numbers come from the block reserved in advance.
        ServiceSpec("queue_ticket", "排队取号", "领取排队号，预约报到", ("receipt_printer",),
                    flow=queue_ticket.build, screens="queue_ticket", identify="optional"),
        # The slip prints on the receipt printer when there is one; without it (or with it
        # faulty) the booking still stands and 我的预约 shows it.
        ServiceSpec("appointment", "预约办事", "预约错时、无休服务", ("id_reader",),
                    needs_central=True, flow=appointment.build, screens="appointment"),
        # Nothing strictly needed but central: the 办件编号 and 查询码 can be typed; a card,
        # an e-ID code or the receipt's QR are quicker ways in; 补打回执 asks the printer.
        ServiceSpec("progress_query", "办件查询", "查询办件进度，补打回执", (), needs_central=True,
                    flow=progress_query.build, screens="progress_query", identify="optional"),
        # Browsing needs nothing but the catalogue (kept for offline); the 一次性告知单 asks
        # the receipt printer, and its button says why when it cannot print.
        ServiceSpec("guide", "办事指南", "查看办事指南，打印一次性告知单", (), needs_central=True,
                    flow=guide.build, screens="guide", identify="optional"),
        # Identified (card, social-security card or e-ID code): what this citizen did here
        # in 7 days and their applications, each rated once; offline the local ones.
        ServiceSpec("evaluation", "好差评", "评价政务服务", ("id_reader",),
                    flow=evaluation.build, screens="evaluation"),
    )
}


def spec(service_id: str) -> ServiceSpec | None:
    return SERVICES.get(service_id)
