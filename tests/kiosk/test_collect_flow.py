"""异地代收 and paper materials in 一证通办 (kiosk/flows/yizheng_collect.py), without a window.

Central and the outbox stand in at their boundary (the real ones: test_collect_e2e.py); the
document camera is the real simulated one (drivers/doccam/sim.py) showing sample pages of
drivers/doccam/samples.py, so the quality checks that refuse a blurred page are the ones a
terminal runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from capture_fixtures import wait_online

from drivers.doccam import samples
from drivers.doccam.sim import SimulatedDocumentCamera
from kiosk.central_api.errors import CentralUnavailable
from kiosk.central_api.models import Application, ApplicationRequest, Catalogue, PersonContext
from kiosk.flows.base import inline_runner
from kiosk.flows.yizheng import Step, YizhengFlow
from kiosk.printing.printers import PrintResult
from kiosk.session import Session
from tests.support.cards import make_card

JIAOZUO = "410800"
HERE = "140500"            # the terminal's region: 晋城市
FUND = "11410800MB1C21746K8000221001"


def item(code: str, name: str, *, region: str = JIAOZUO, modes: tuple[str, ...] = ("异地代收代办",),
         materials: list[dict[str, Any]] | None = None, joint: list[dict[str, str]] | None = None,
         ) -> dict[str, Any]:
    return {
        "code": code, "name": name, "department": "焦作市住房公积金管理中心",
        "region_code": region, "region_name": "焦作市", "level": "市级", "scope": "跨省",
        "modes": list(modes), "one_id": True, "visits": 0, "legal_days": 5, "promised_days": 3,
        "fee": "不收费", "applicant_kind": "person", "conditions": [],
        "materials": materials if materials is not None else [
            {"code": "M01", "name": "住房公积金缴存信息", "required": True, "source": "shared",
             "licence_type": "housing_fund", "note": ""},
            {"code": "M03", "name": "购房合同", "required": True, "source": "paper",
             "note": "可在终端拍摄提交"},
            {"code": "M04", "name": "购房发票", "required": False, "source": "paper", "note": ""},
        ],
        "fields": [{"key": "phone", "label": "联系电话", "type": "phone", "required": True}],
        "where_to_go": "", "phone": "0391-3568110", "handling_region_code": region,
        "joint": joint or [],
    }


CATALOGUE = Catalogue.model_validate({"version": "2026.12.1", "items": [
    item(FUND, "住房公积金提取（异地购房）"),
    item("LOCAL", "本市事项", region=HERE, modes=("全程网办", "异地代收代办"), materials=[]),
    item("JOINT", "新生儿出生一件事", region=HERE, modes=("多地联办",), materials=[], joint=[
        {"region_code": "140500", "department": "晋城市卫生健康委员会", "task": "出生医学证明"},
        {"region_code": "410800", "department": "焦作市公安局", "task": "户口登记"},
    ]),
], "regions": [
    {"code": "410000", "name": "河南省"}, {"code": "410800", "name": "焦作市", "parent": "410000"},
    {"code": "140000", "name": "山西省"}, {"code": "140500", "name": "晋城市", "parent": "140000"},
]})
HOUSING_FUND = {"type": "housing_fund", "name": "住房公积金缴存信息", "number": "41****01",
                "issuer": "焦作市住房公积金管理中心"}


class FakeCentral:
    def __init__(self) -> None:
        self.catalogue_is_cached = False
        self.down = False
        self.pending: list[dict[str, Any]] = []

    def catalogue(self) -> Catalogue:
        return CATALOGUE

    def person_context(self, id_number: str, name: str) -> PersonContext:
        if self.down:
            raise CentralUnavailable("connect_failed")
        return PersonContext.model_validate({
            "known": True, "licences": [HOUSING_FUND], "eligible_items": [FUND, "LOCAL", "JOINT"],
            "pending": self.pending}, strict=False)


@dataclass
class Outcome:
    local_receipt: str
    application: Application | None
    error_code: str | None = None
    state: str = "pending"


class FakeOutbox:
    """Keeps what the flow commits: the request and copies of the pages' bytes."""

    def __init__(self) -> None:
        self.requests: list[ApplicationRequest] = []
        self.evidence: list[list[bytes]] = []

    def submit_application(self, request: ApplicationRequest, evidence: Any = ()) -> Outcome:
        self.requests.append(request)
        self.evidence.append([bytes(p.jpeg) for p in evidence])
        return Outcome(f"T-0001-20261206-{len(self.requests):04d}", None)

    def deliver_now(self, local_receipt: str, timeout: float) -> Outcome:
        return Outcome(local_receipt, None, "connect_failed")


class FakeReceipts:
    def __init__(self) -> None:
        self.printed: list[str] = []
        self.handovers: list[Any] = []

    def ready(self) -> tuple[bool, str]:
        return True, ""

    def print_receipt(self, result: Any, card: dict[str, str], item: Any) -> PrintResult:
        self.printed.append("receipt")
        return PrintResult(True, "E1", "R-1", 1)

    def print_handover(self, result: Any, draft: Any) -> PrintResult:
        self.printed.append("handover")
        self.handovers.append((result, draft))
        return PrintResult(True, "E2", "R-2", 1)


@pytest.fixture(scope="module")
def camera() -> Iterator[SimulatedDocumentCamera]:
    cam = SimulatedDocumentCamera("document_camera", warmup_frames=0, flush_frames=0, candidates=1)
    cam.open()
    wait_online(cam)
    try:
        yield cam
    finally:
        cam.close()


@pytest.fixture
def central() -> FakeCentral:
    return FakeCentral()


def make_flow(tmp_path: Path, central: FakeCentral, camera: Any, region: str = HERE,
              receipts: FakeReceipts | None = None) -> tuple[YizhengFlow, FakeOutbox]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    session = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    session.identity_read(make_card(), "yizheng_tongban")
    assert session.confirm()
    outbox = FakeOutbox()
    flow = YizhengFlow(session, central, outbox, ApplicationRequest.model_validate,
                       runner=inline_runner, receipts=receipts, camera=camera,
                       region_code=region, hall_name="晋城市政务服务中心")
    flow.load()
    assert flow.step is Step.ITEMS
    return flow, outbox


def photograph(flow: YizhengFlow, camera: SimulatedDocumentCamera, fault: str = "",
               name: str = "contract", seed: int = 0) -> bool:
    """Lay a sample page on the platen, 拍摄, and 使用此页: whether it was kept."""
    now = flow.material_step()
    assert now is not None
    camera.place(samples.shot(name, fault, seed=seed))
    _, step = now
    step.take()
    assert step.state == "review", (step.state, step.error)
    return step.keep()


def to_materials(flow: YizhengFlow, code: str = FUND) -> None:
    flow.select_item(code)
    assert flow.can_apply()
    flow.begin_form()
    flow.set_value("phone", "13912345678")
    assert flow.confirm_form()


# -- the mode -------------------------------------------------------------------------------

def test_another_citys_item_is_collected_here_and_says_where_it_goes(
        tmp_path: Path, central: FakeCentral) -> None:
    flow, _ = make_flow(tmp_path, central, None)
    flow.select_item(FUND)
    assert flow.mode() == "异地代收"
    assert flow.mode_text() == ("异地代收：本终端收件，材料寄递至河南省焦作市住房公积金管理中心办理，"
                                "结果邮寄或到本厅领取")
    assert flow.parts() == []
    flow.select_item("LOCAL")
    assert (flow.mode(), flow.mode_text()) == ("全程网办", "")


def test_the_same_item_at_a_terminal_of_its_own_city_is_not_collected_for_elsewhere(
        tmp_path: Path, central: FakeCentral) -> None:
    flow, _ = make_flow(tmp_path, central, None, region="410802")   # 焦作市解放区
    flow.select_item(FUND)
    assert flow.mode() == "全程网办" and flow.mode_text() == ""


def test_a_joint_item_names_its_parts(tmp_path: Path, central: FakeCentral) -> None:
    flow, _ = make_flow(tmp_path, central, None)
    flow.select_item("JOINT")
    assert flow.mode() == "多地联办"
    assert "分送2个部门" in flow.mode_text()
    assert [(p.seq, p.region, p.department, p.task) for p in flow.parts()] == [
        (1, "山西省晋城市", "晋城市卫生健康委员会", "出生医学证明"),
        (2, "河南省焦作市", "焦作市公安局", "户口登记"),
    ]


def test_a_required_paper_material_is_fileable_only_with_a_document_camera(
        tmp_path: Path, central: FakeCentral, camera: SimulatedDocumentCamera) -> None:
    without, _ = make_flow(tmp_path / "a", central, None)
    without.select_item(FUND)
    assert not without.can_apply()
    with_camera, _ = make_flow(tmp_path / "b", central, camera)
    with_camera.select_item(FUND)
    assert with_camera.can_apply()


# -- materials ------------------------------------------------------------------------------

def test_a_blurred_page_is_refused_and_a_required_material_needs_a_kept_page(
        tmp_path: Path, central: FakeCentral, camera: SimulatedDocumentCamera) -> None:
    flow, _ = make_flow(tmp_path, central, camera)
    to_materials(flow)
    assert flow.step is Step.MATERIALS
    material, step = flow.material_step() or (None, None)
    assert material is not None and material.code == "M03" and step is not None
    flow.next_material()                              # nothing kept yet
    assert flow.step is Step.MATERIALS and flow.error == "material_required"
    for fault in ("blurred", "glare", "cut"):
        assert not photograph(flow, camera, fault), fault
        assert step.error in ("blurred", "glare", "cut_off") and not step.can_keep
        assert step.pages() == []
    step.retake()
    assert step.state == "review"
    assert photograph(flow, camera) and len(step.pages()) == 1
    assert photograph(flow, camera, seed=3) and len(step.pages()) == 2
    step.remove(1)
    assert len(step.pages()) == 1
    flow.next_material()
    assert flow.step is Step.MATERIALS and flow.material_step()[0].code == "M04"  # type: ignore[index]
    flow.next_material()                              # optional: may be skipped
    assert flow.step is Step.DELIVERY
    flow.back()
    assert flow.step is Step.MATERIALS and flow.material_step()[0].code == "M04"  # type: ignore[index]
    flow.back()
    flow.back()
    assert flow.step is Step.FORM
    assert len(flow.pages.pages(kind="material")) == 1   # going back keeps what was kept


def test_choosing_another_item_drops_the_pages_taken_for_the_first(
        tmp_path: Path, central: FakeCentral, camera: SimulatedDocumentCamera) -> None:
    flow, _ = make_flow(tmp_path, central, camera)
    to_materials(flow)
    assert photograph(flow, camera)
    kept = flow.pages.pages()[0]
    flow.back()
    flow.back()
    flow.back()
    flow.select_item("LOCAL")
    assert flow.pages.pages() == [] and kept.wiped


# -- delivery -------------------------------------------------------------------------------

def test_delivery_by_post_needs_an_address_and_pickup_needs_nothing(
        tmp_path: Path, central: FakeCentral, camera: SimulatedDocumentCamera) -> None:
    flow, _ = make_flow(tmp_path, central, camera)
    to_materials(flow)
    assert photograph(flow, camera)
    flow.next_material()
    flow.next_material()
    assert flow.step is Step.DELIVERY
    flow.confirm_delivery()
    assert flow.step is Step.DELIVERY and flow.error == "delivery_missing"
    flow.choose_delivery("post")
    flow.set_address("焦作")
    flow.confirm_delivery()
    assert flow.error == "address_invalid"
    flow.set_address("字" * 101)
    flow.confirm_delivery()
    assert flow.error == "address_invalid"
    flow.use_card_address()                           # the card's address, as a suggestion
    assert flow.collect.address == make_card().address
    flow.set_address(flow.collect.address + "凤台东街1号")
    flow.confirm_delivery()
    assert flow.step is Step.CONFIRM and flow.error == ""
    assert flow.collect.delivery_text() == "邮寄到家：山西省晋城市********"
    flow.back()
    assert flow.step is Step.DELIVERY
    flow.choose_delivery("pickup")
    flow.confirm_delivery()
    assert flow.step is Step.CONFIRM
    assert flow.collect.delivery_text() == "到本厅领取：晋城市政务服务中心"


def test_an_item_handled_here_asks_no_delivery(
        tmp_path: Path, central: FakeCentral, camera: SimulatedDocumentCamera) -> None:
    flow, outbox = make_flow(tmp_path, central, camera)
    to_materials(flow, "LOCAL")
    assert flow.step is Step.CONFIRM
    flow.submit()
    assert outbox.requests[0].delivery is None and outbox.requests[0].evidence == []


# -- the request ----------------------------------------------------------------------------

def test_the_application_names_its_pages_and_delivery_and_the_outbox_gets_the_pages(
        tmp_path: Path, central: FakeCentral, camera: SimulatedDocumentCamera) -> None:
    receipts = FakeReceipts()
    flow, outbox = make_flow(tmp_path, central, camera, receipts=receipts)
    to_materials(flow)
    assert photograph(flow, camera) and photograph(flow, camera, seed=5)
    flow.next_material()
    assert photograph(flow, camera, name="letter")
    flow.next_material()
    flow.choose_delivery("post")
    flow.set_address("山西省晋城市城区凤台东街1号")
    flow.confirm_delivery()
    pages = flow.pages.pages()
    hashes = [p.sha256 for p in pages]
    flow.submit()
    assert flow.step is Step.RESULT
    request = outbox.requests[0]
    assert [(e.page, e.kind, e.material_code, e.sha256, e.size) for e in request.evidence] == [
        (1, "material", "M03", hashes[0], pages[0].size),
        (2, "material", "M03", hashes[1], pages[1].size),
        (3, "material", "M04", hashes[2], pages[2].size),
    ]
    assert [hashlib.sha256(b).hexdigest() for b in outbox.evidence[0]] == hashes
    assert request.delivery is not None and request.delivery.method == "post"
    assert request.delivery.address == "山西省晋城市城区凤台东街1号"
    # The 受理回执 first, then the 收件交接单 (masked, no image, the pages' hashes).
    assert receipts.printed == ["receipt", "handover"]
    assert flow.collect.handover_state == "printed"
    _, draft = receipts.handovers[0]
    assert [(m.code, m.hashes) for m in draft.materials] == [("M03", tuple(hashes[:2])),
                                                              ("M04", (hashes[2],))]
    card = make_card()
    assert draft.applicant_masked == "张*" and card.id_number not in repr(draft)
    assert draft.address_masked == "山西省晋城市********" and "凤台" not in repr(draft)
    assert draft.handling_region == "河南省焦作市（410800）"
    flow.wipe()
    assert all(p.wiped for p in pages) and flow.collect.address == "" and flow.collect.handover is None


# -- pending duplicate ----------------------------------------------------------------------

def test_a_pending_application_of_the_same_item_is_said_and_wants_a_second_yes(
        tmp_path: Path, central: FakeCentral) -> None:
    central.pending = [
        {"item_code": FUND, "application_number": "41080020261201000007", "status": "形式审查",
         "submitted_at": "2026-12-01T02:30:00+00:00"},
        {"item_code": "OTHER", "application_number": "X", "status": "受理",
         "submitted_at": "2026-12-03T02:30:00+00:00"},
    ]
    flow, outbox = make_flow(tmp_path, central, None)
    flow.select_item("LOCAL")
    assert flow.pending_text() == ""
    flow.select_item(FUND)
    assert flow.pending_text() == "您已于12月1日提交过本事项（办件编号41080020261201000007，当前状态形式审查）"
    central.pending[1]["item_code"] = "LOCAL"
    flow, outbox = make_flow(tmp_path / "again", central, None)
    flow.select_item("LOCAL")
    assert flow.pending_text() == "您已于12月3日提交过本事项（办件编号X，当前状态受理）"
    flow.begin_form()
    flow.set_value("phone", "13912345678")
    assert flow.confirm_form()
    flow.submit()
    assert flow.step is Step.CONFIRM and flow.error == "pending_unconfirmed" and outbox.requests == []
    flow.submit_anyway()
    assert flow.step is Step.RESULT and len(outbox.requests) == 1


def test_offline_nothing_is_claimed_about_earlier_applications(
        tmp_path: Path, central: FakeCentral) -> None:
    central.pending = [{"item_code": "LOCAL", "application_number": "1", "status": "受理",
                        "submitted_at": "2026-12-01T02:30:00+00:00"}]
    central.down = True
    flow, outbox = make_flow(tmp_path, central, None)
    assert flow.offline
    flow.select_item("LOCAL")
    assert flow.pending_text() == ""
    flow.begin_form()
    flow.set_value("phone", "13912345678")
    assert flow.confirm_form()
    flow.submit()
    assert flow.step is Step.RESULT and len(outbox.requests) == 1


def test_a_handover_slip_that_could_not_print_is_printed_with_the_receipt_again(
        tmp_path: Path, central: FakeCentral, camera: SimulatedDocumentCamera) -> None:
    receipts = FakeReceipts()
    receipts.ready = lambda: (False, "paper_out")  # type: ignore[method-assign]
    flow, _ = make_flow(tmp_path, central, camera, receipts=receipts)
    to_materials(flow)
    assert photograph(flow, camera)
    flow.next_material()
    flow.next_material()
    flow.choose_delivery("pickup")
    flow.confirm_delivery()
    flow.submit()
    assert (flow.receipt_state, flow.collect.handover_state) == ("failed", "failed")
    assert flow.collect.handover_error == "paper_out" and receipts.printed == []
    receipts.ready = lambda: (True, "")  # type: ignore[method-assign]
    flow.print_receipt()
    assert receipts.printed == ["receipt", "handover"]
    assert flow.collect.handover_state == "printed"
    _, draft = receipts.handovers[0]
    assert (draft.delivery_method, draft.pickup_hall, draft.address_masked) == (
        "pickup", "晋城市政务服务中心", "")
