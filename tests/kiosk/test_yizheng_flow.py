"""The 一证通办 flow without a window: central and outbox stand in at their boundary.

The real client and central are exercised end to end in tests/ui and tests/kiosk/central;
here the flow's own decisions are pinned down: eligibility, 免提交 materials, prefill, field
rules, the company step, offline filing and the wipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import uscc

from kiosk.central_api.errors import CentralUnavailable
from kiosk.central_api.models import (
    Application,
    ApplicationRequest,
    Catalogue,
    CompanyContext,
    PersonContext,
)
from kiosk.flows.base import inline_runner
from kiosk.flows.yizheng import Step, YizhengFlow
from kiosk.session import Session
from tests.support.cards import make_card

COMPANY = "91140500MA0K12345"
COMPANY += uscc.calc_check_digit(COMPANY)


def item(code: str, kind: str = "person", materials: list[dict[str, Any]] | None = None,
         fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "code": code, "name": f"事项{code}", "department": "晋城市社会保险中心",
        "region_code": "140500", "region_name": "晋城市", "level": "市级", "scope": "全省",
        "modes": ["全程网办"], "one_id": True, "visits": 0, "legal_days": 20, "promised_days": 1,
        "fee": "不收费", "applicant_kind": kind, "conditions": ["本市户籍"],
        "materials": materials if materials is not None else [
            {"code": "M01", "name": "居民户口簿", "required": True, "source": "licence",
             "licence_type": "hukou", "note": ""},
        ],
        "fields": fields if fields is not None else [
            {"key": "phone", "label": "联系电话", "type": "phone", "required": True},
            {"key": "address", "label": "联系地址", "type": "text", "required": False,
             "prefill": "card.address", "rules": {"max_length": 60}},
            {"key": "head", "label": "户主", "type": "text", "required": False,
             "prefill": "licence.hukou.household_head"},
        ],
        "where_to_go": "晋城市政务服务中心", "phone": "0356-1234567", "handling_region_code": "140500",
    }


CATALOGUE = Catalogue.model_validate({"version": "1", "items": [
    item("A"),
    item("B", materials=[{"code": "M09", "name": "结婚证", "required": True, "source": "licence",
                          "licence_type": "marriage", "note": ""}]),
    item("C", kind="company", materials=[{"code": "M05", "name": "营业执照", "required": True,
                                          "source": "licence", "licence_type": "business_licence", "note": ""}]),
]})
HUKOU = {"type": "hukou", "name": "居民户口簿", "number": "14****01", "issuer": "晋城市公安局",
         "fields": {"household_head": "张大山"}}


class FakeCentral:
    def __init__(self) -> None:
        self.catalogue_is_cached = False
        self.down = False
        self.company_rep = True

    def catalogue(self) -> Catalogue:
        self.catalogue_is_cached = self.down
        return CATALOGUE

    def person_context(self, id_number: str, name: str) -> PersonContext:
        if self.down:
            raise CentralUnavailable("connect_failed")
        return PersonContext.model_validate({"known": True, "licences": [HUKOU], "eligible_items": ["A"]})

    def company_context(self, code: str, representative_id_number: str) -> CompanyContext:
        return CompanyContext.model_validate({
            "known": True, "is_representative": self.company_rep, "company_name": "晋城示例有限公司",
            "licences": [{"type": "business_licence", "name": "营业执照", "number": "9114****", "issuer": "晋城市市场监督管理局"}],
            "eligible_items": ["C"]})


@dataclass
class Outcome:
    local_receipt: str
    application: Application | None
    error_code: str | None = None
    state: str = "pending"


class FakeOutbox:
    def __init__(self, central: FakeCentral) -> None:
        self.central = central
        self.requests: list[ApplicationRequest] = []

    def submit_application(self, request: ApplicationRequest) -> Outcome:
        self.requests.append(request)
        return Outcome(f"DEMO-0001-20261123-{len(self.requests):04d}", None)

    def deliver_now(self, local_receipt: str, timeout: float) -> Outcome:
        if self.central.down:
            return Outcome(local_receipt, None, "connect_failed")
        app = Application.model_validate({
            "application_number": "14050020261123000042", "local_receipt": local_receipt,
            "status": "受理", "item_code": "A", "item_name": "事项A", "region_received": "140500",
            "region_handling": "140500",
            "timeline": [{"step": "申请", "at": "2026-11-23T09:30:00+08:00", "note": "自助终端提交"}],
            "next_steps": "承诺1个工作日内办结"}, strict=False)
        return Outcome(local_receipt, app)


@pytest.fixture
def central() -> FakeCentral:
    return FakeCentral()


@pytest.fixture
def flow(tmp_path: Path, central: FakeCentral) -> YizhengFlow:
    session = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    session.identity_read(make_card(), "yizheng_tongban")
    assert session.confirm()
    return YizhengFlow(session, central, FakeOutbox(central), ApplicationRequest.model_validate,
                       runner=inline_runner)


def test_items_the_card_alone_can_do_come_first(flow: YizhengFlow) -> None:
    flow.load()
    assert flow.step is Step.ITEMS and not flow.offline
    views = flow.items()
    assert [v.code for v in views][0] == "A" and views[0].eligible
    assert {v.code: v.eligible for v in views} == {"A": True, "B": False, "C": True}


def test_materials_from_licences_need_not_be_submitted(flow: YizhengFlow) -> None:
    flow.load()
    flow.select_item("A")
    assert [(m.code, m.exempt) for m in flow.materials()] == [("M01", True)]
    assert flow.can_apply()
    flow.select_item("B")
    assert flow.missing_required()[0].name == "结婚证" and not flow.can_apply()
    flow.begin_form()
    assert flow.step is Step.DETAIL  # cannot start what cannot be completed here


def test_form_prefills_validates_and_submits(flow: YizhengFlow) -> None:
    flow.load()
    flow.select_item("A")
    flow.begin_form()
    values = {f.key: f.value for f in flow.fields}
    assert values["address"] == "山西省晋城市城区" and values["head"] == "张大山"
    flow.set_value("phone", "123")
    assert not flow.confirm_form()
    assert {f.key: f.error for f in flow.fields}["phone"] == "invalid_phone"
    flow.set_value("phone", "13912345678")
    assert flow.confirm_form() and flow.step is Step.CONFIRM
    flow.submit()
    assert flow.step is Step.RESULT and flow.result is not None
    assert flow.result.delivered and flow.result.application_number == "14050020261123000042"
    request = flow._outbox.requests[0]  # type: ignore[attr-defined]
    assert request.applicant.name == "张三" and request.form["phone"] == "13912345678"
    assert [m.code for m in request.materials] == ["M01"]


def test_central_down_lists_cached_items_and_files_into_the_outbox(flow: YizhengFlow, central: FakeCentral) -> None:
    central.down = True
    flow.load()
    assert flow.offline and flow.catalogue_cached
    company = next(v for v in flow.items() if v.code == "C")
    assert not company.eligible  # a company item needs central to check the representative
    flow.select_item("A")
    flow.begin_form()
    flow.set_value("phone", "13912345678")
    assert flow.confirm_form()
    flow.submit()
    assert flow.result is not None and not flow.result.delivered
    assert flow.result.local_receipt == "DEMO-0001-20261123-0001"


def test_company_items_need_a_valid_code_and_the_legal_representative(flow: YizhengFlow, central: FakeCentral) -> None:
    flow.load()
    flow.select_item("C")
    flow.begin_form()
    assert flow.step is Step.COMPANY
    flow.submit_company(COMPANY[:-1] + ("0" if COMPANY[-1] != "0" else "1"))
    assert flow.error == "invalid_uscc" and flow.step is Step.COMPANY
    central.company_rep = False
    flow.submit_company(COMPANY)
    assert flow.error == "not_representative" and flow.step is Step.COMPANY
    central.company_rep = True
    flow.submit_company(COMPANY.lower())
    assert flow.step is Step.FORM and flow.company_name == "晋城示例有限公司"
    assert [(m.code, m.exempt) for m in flow.materials()] == [("M05", True)]


def test_wipe_drops_everything_personal(flow: YizhengFlow) -> None:
    flow.load()
    flow.select_item("A")
    flow.begin_form()
    flow.wipe()
    assert flow.fields == [] and flow.item is None and flow.result is None
    assert flow._ctx.licences == {}  # type: ignore[attr-defined]


class FakeReceipts:
    def __init__(self) -> None:
        self.ready_reason = ""
        self.fail_with = ""
        self.printed: list[tuple[str, str]] = []

    def ready(self) -> tuple[bool, str]:
        return (not self.ready_reason, self.ready_reason)

    def print_receipt(self, result: Any, card: dict[str, str], item: Any) -> Any:
        from kiosk.printing.printers import PrintResult

        if self.fail_with:
            return PrintResult(False, "E1", "R-1", 0, self.fail_with)
        self.printed.append((result.application_number, card["id_number"]))
        return PrintResult(True, "E1", "R-1", 1)


def _file(flow: YizhengFlow) -> None:
    flow.load()
    flow.select_item("A")
    flow.begin_form()
    flow.set_value("phone", "13912345678")
    assert flow.confirm_form()
    flow.submit()


def test_the_result_prints_its_receipt_and_a_failed_one_can_be_reprinted(
    tmp_path: Path, central: FakeCentral
) -> None:
    session = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    session.identity_read(make_card(), "yizheng_tongban")
    assert session.confirm()
    receipts = FakeReceipts()
    receipts.fail_with = "paper_out"
    flow = YizhengFlow(session, central, FakeOutbox(central), ApplicationRequest.model_validate,
                       runner=inline_runner, receipts=receipts)
    _file(flow)
    assert (flow.receipt_state, flow.receipt_error) == ("failed", "paper_out")
    assert flow.can_print_receipt
    receipts.fail_with = ""
    flow.print_receipt()
    assert flow.receipt_state == "printed"
    assert receipts.printed == [("14050020261123000042", make_card().id_number)]


def test_a_printer_not_ready_is_said_up_front_and_the_receipt_prints_once_fixed(
    tmp_path: Path, central: FakeCentral
) -> None:
    session = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    session.identity_read(make_card(), "yizheng_tongban")
    assert session.confirm()
    receipts = FakeReceipts()
    receipts.ready_reason = "cover_open"
    flow = YizhengFlow(session, central, FakeOutbox(central), ApplicationRequest.model_validate,
                       runner=inline_runner, receipts=receipts)
    _file(flow)
    assert (flow.receipt_state, flow.receipt_error) == ("failed", "cover_open")
    assert receipts.printed == []
    receipts.ready_reason = ""
    flow.print_receipt()
    assert flow.receipt_state == "printed" and len(receipts.printed) == 1


def test_a_long_print_keeps_the_session_alive() -> None:
    import threading

    from kiosk.flows.base import keeping_alive

    touches: list[int] = []
    with keeping_alive(lambda: touches.append(1), every=0.05):
        threading.Event().wait(0.3)
    count = len(touches)
    threading.Event().wait(0.15)
    assert count >= 3 and len(touches) == count      # touched while waiting, not after
