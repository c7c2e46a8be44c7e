"""异地代收 and paper materials in 一证通办 (docs/casework.md §2, §4, §5, §7).

The part of the flow between the form and the confirm page that exists because paper can be
photographed here and applications can be handled elsewhere:

- the item's mode (kiosk/casework.py) and what it means, said on the item page: 异地代收
  (this hall collects, the materials go to the handling city, the result comes back by post
  or is picked up here) or 多地联办 with its departments;
- MATERIALS: with a document camera configured, one CaptureStep per paper material (a
  required one needs at least one kept page, and a page with a quality problem is not kept:
  kiosk/capture/step.py); so an item with required paper materials can be filed here;
- DELIVERY (异地代收 only): post to an address typed with the Chinese input, or pick up at
  this hall;
- the pending duplicate: the person's application for the same item not yet done is named
  on the item page, and the confirm page wants an explicit 仍要提交;
- the 收件交接单's draft: built at submission from masked data and the pages' hashes only.

YizhengFlow holds one ``Collect`` and delegates to it; this module decides, the flow moves
between steps. Everything personal here (the typed address, the pages) is dropped by
``wipe()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk import hall_time
from kiosk.capture.pages import PageSet
from kiosk.capture.settings import CaptureSettings
from kiosk.capture.step import CaptureStep
from kiosk.casework import Mode, application_mode
from kiosk.central_api.models import Item, Material, Pending, Region
from kiosk.printing.documents.handover import HandoverData, HandoverMaterial
from kiosk.privacy import mask_address, mask_name, mask_number

if TYPE_CHECKING:
    from drivers.contracts import DocumentCamera

ADDRESS_MIN, ADDRESS_MAX = 5, 100          # docs/casework.md §7
DONE_STATUSES = frozenset({"办结", "送达", "归档"})

# The step names of yizheng.Step this module answers with (the flow maps them).
MATERIALS, DELIVERY, CONFIRM, FORM = "materials", "delivery", "confirm", "form"


@dataclass(frozen=True)
class PendingNotice:
    application_number: str
    status: str
    submitted_at: dt.datetime

    def text(self, zone: dt.tzinfo) -> str:
        day = self.submitted_at.astimezone(zone)
        return (f"您已于{day.month}月{day.day}日提交过本事项（办件编号{self.application_number}，"
                f"当前状态{self.status}）")


@dataclass(frozen=True)
class PartLine:
    seq: int
    region: str
    department: str
    task: str


def region_names(regions: Iterable[Region]) -> dict[str, str]:
    """Code -> the name a citizen reads: a city with its province (河南省焦作市), a district
    with its city."""
    by_code = {r.code: r for r in regions}
    names = {}
    for region in by_code.values():
        parent = by_code.get(region.parent or "")
        names[region.code] = f"{parent.name}{region.name}" if parent is not None else region.name
    return names


def joined(region: str, department: str) -> str:
    """河南省焦作市 + 焦作市住房公积金管理中心 -> 河南省焦作市住房公积金管理中心: the place
    said once when the department's name starts with it."""
    for cut in range(len(region), 1, -1):
        if department.startswith(region[-cut:]):
            return region[:-cut] + department
    return region + department


class Collect:
    """The 异地代收 / paper materials state of one 一证通办 visit."""

    def __init__(self, camera: DocumentCamera | None, pages: PageSet, region_code: str,
                 hall_name: str, zone: dt.tzinfo | None = None,
                 settings: CaptureSettings | None = None,
                 run: Callable[[Callable[[], None]], None] | None = None,
                 changed: Callable[[], None] | None = None) -> None:
        self.camera = camera
        self.pages = pages
        self.region_code = region_code
        self.hall_name = hall_name
        self.zone = zone if zone is not None else hall_time.default_zone()
        self.settings = settings if settings is not None else CaptureSettings()
        self._run = run
        self._changed = changed or (lambda: None)
        self.regions: dict[str, str] = {}
        self.steps: list[tuple[Material, CaptureStep]] = []
        self.index = 0
        self.delivery_method = ""          # "" | post | pickup
        self.address = ""                  # typed (personal: wiped)
        self.duplicate_ack = False
        self.handover: HandoverData | None = None   # masked draft, built at submission
        self.handover_state = ""           # "" | printing | printed | failed
        self.handover_error = ""

    # -- the item page ---------------------------------------------------------------------
    def mode(self, item: Item) -> Mode:
        return application_mode(item, self.region_code)

    def region_name(self, code: str, item: Item | None = None) -> str:
        if code in self.regions:
            return self.regions[code]
        if item is not None and code == item.region_code and item.region_name:
            return item.region_name
        return f"行政区划{code}"

    def mode_text(self, item: Item) -> str:
        """What the mode means for the citizen ("" for 全程网办: nothing to explain)."""
        mode = self.mode(item)
        if mode == "异地代收":
            where = joined(self.region_name(item.handling_region_code, item), item.department)
            return f"异地代收：本终端收件，材料寄递至{where}办理，结果邮寄或到本厅领取"
        if mode == "多地联办":
            return f"多地联办：一次提交，分送{len(item.joint)}个部门分别办理，全部办结后统一送达"
        return ""

    def parts(self, item: Item) -> list[PartLine]:
        if self.mode(item) != "多地联办":
            return []
        return [PartLine(n, self.region_name(p.region_code, item), p.department, p.task)
                for n, p in enumerate(item.joint, 1)]

    def pending(self, item: Item | None, pending: Iterable[Pending]) -> PendingNotice | None:
        """The person's latest application for ``item`` not yet done (None offline: the
        context is empty then, and nothing is claimed)."""
        if item is None:
            return None
        mine = [p for p in pending if p.item_code == item.code and p.status not in DONE_STATUSES]
        if not mine:
            return None
        latest = max(mine, key=lambda p: p.submitted_at)
        return PendingNotice(latest.application_number, latest.status, latest.submitted_at)

    # -- materials -------------------------------------------------------------------------
    def capturable(self, material: Material) -> bool:
        return material.source == "paper" and self.camera is not None

    def unsatisfied(self, missing: Iterable[Any]) -> list[Any]:
        """Of the required materials not 免提交, those that cannot be photographed here."""
        return [m for m in missing if not (m.source == "paper" and self.camera is not None)]

    def start(self, item: Item) -> None:
        """Steps for ``item``'s paper materials (none without a camera); pages kept for
        another item are dropped."""
        self.drop_materials()
        if self.camera is None:
            return
        for material in item.materials:
            if material.source == "paper":
                step = CaptureStep(self.camera, self.pages, "material", material.code,
                                   settings=self.settings, run=self._run, changed=self._changed)
                self.steps.append((material, step))

    def drop_materials(self) -> None:
        for _, step in self.steps:
            step.wipe()
        for page in self.pages.pages(kind="material"):
            self.pages.discard(page)
        self.steps, self.index = [], 0

    def current(self) -> tuple[Material, CaptureStep] | None:
        return self.steps[self.index] if 0 <= self.index < len(self.steps) else None

    def after_form(self, item: Item) -> str:
        if self.steps:
            self.index = 0
            return MATERIALS
        return self.after_materials(item)

    def after_materials(self, item: Item) -> str:
        return DELIVERY if self.mode(item) == "异地代收" else CONFIRM

    def next_material(self, item: Item) -> tuple[str, str]:
        """下一项: (the step to go to, or "" to stay; the error to show)."""
        now = self.current()
        if now is None:
            return self.after_materials(item), ""
        material, step = now
        if material.required and not step.pages():
            return "", "material_required"
        if self.index + 1 < len(self.steps):
            self.index += 1
            return MATERIALS, ""
        return self.after_materials(item), ""

    def back_from(self, step: str, item: Item) -> str:
        """The step before ``step`` (MATERIALS goes back a material first)."""
        if step == MATERIALS:
            if self.index > 0:
                self.index -= 1
                return MATERIALS
            return FORM
        if step == DELIVERY:
            return self._last_material() or FORM
        if self.mode(item) == "异地代收":
            return DELIVERY
        return self._last_material() or FORM

    def _last_material(self) -> str:
        if not self.steps:
            return ""
        self.index = len(self.steps) - 1
        return MATERIALS

    def pages_by_material(self) -> list[tuple[Material, int]]:
        return [(m, len(self.pages.pages(kind="material", material_code=m.code)))
                for m, _ in self.steps]

    # -- delivery --------------------------------------------------------------------------
    def choose(self, method: str) -> None:
        if method not in ("post", "pickup"):
            raise ValueError(f"unknown delivery method {method!r}")
        self.delivery_method = method

    def check_delivery(self) -> str:
        """"" when the delivery can be filed, else the error code to show."""
        if self.delivery_method == "pickup":
            return ""
        if self.delivery_method != "post":
            return "delivery_missing"
        if not ADDRESS_MIN <= len(self.address.strip()) <= ADDRESS_MAX:
            return "address_invalid"
        return ""

    def delivery_text(self) -> str:
        """The delivery as the confirm page shows it: the address masked."""
        if self.delivery_method == "post":
            return f"邮寄到家：{mask_address(self.address.strip())}"
        if self.delivery_method == "pickup":
            return f"到本厅领取：{self.hall_name}"
        return ""

    # -- the request -----------------------------------------------------------------------
    def request_parts(self, item: Item) -> dict[str, Any]:
        """The application's ``evidence`` (every kept page, K4's authorization pages too)
        and ``delivery`` (异地代收 only)."""
        delivery: dict[str, Any] | None = None
        if self.mode(item) == "异地代收":
            delivery = ({"method": "post", "address": self.address.strip()}
                        if self.delivery_method == "post" else {"method": "pickup"})
        return {"evidence": [ref.model_dump() for ref in self.pages.refs()], "delivery": delivery}

    def draft_handover(self, item: Item, card: dict[str, str]) -> None:
        """The 收件交接单 of a 异地代收 submission, masked and without images; the print job
        fills in the number, time and terminal."""
        if self.mode(item) != "异地代收":
            self.handover = None
            return
        materials = tuple(
            HandoverMaterial(m.code, m.name, tuple(
                p.sha256 for p in self.pages.pages(kind="material", material_code=m.code)))
            for m, _ in self.steps if self.pages.pages(kind="material", material_code=m.code)
        )
        post = self.delivery_method == "post"
        self.handover = HandoverData(
            item_name=item.name, item_code=item.code, local_receipt="", application_number="",
            applicant_masked=mask_name(card.get("name") or card.get("name_en", "")),
            id_number_masked=mask_number(card.get("id_number", "")),
            materials=materials,
            handling_region=(f"{self.region_name(item.handling_region_code, item)}"
                             f"（{item.handling_region_code}）"),
            department=item.department,
            delivery_method="post" if post else "pickup",
            address_masked=mask_address(self.address.strip()) if post else "",
            pickup_hall="" if post else self.hall_name,
            received_at=dt.datetime.now(dt.UTC), terminal_code="", hall_name=self.hall_name,
        )

    def wipe(self) -> None:
        for _, step in self.steps:
            step.wipe()
        self.steps, self.index = [], 0
        self.delivery_method = self.address = ""
        self.duplicate_ack = False
        self.handover = None
        self.handover_state = self.handover_error = ""
