"""帮办代办 in 一证通办 without a window: the agent's card, 为他人代办, the principal's card (or
e-ID), the relation, the 授权委托书 photographed page by page with the simulated document
camera (or the principal present), the principal's items (代办 forbidden ones refused up
front), and the request: applicant = principal, ``agent`` = the session's own card, the
letter's pages as evidence. Central and the outbox stand in at their boundary."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from drivers.doccam import synth
from drivers.doccam.sim import SimulatedDocumentCamera
from drivers.status import DeviceState
from kiosk.central_api.models import ApplicationRequest, Catalogue, PersonContext
from kiosk.flows.base import inline_runner
from kiosk.flows.yizheng import Step, YizhengFlow
from kiosk.session import Session
from kiosk.session_types import IdentitySource
from tests.kiosk.test_yizheng_flow import HUKOU, FakeCentral, FakeOutbox, FakeReceipts, item
from tests.support.cards import make_card

AGENT = ("李四", "14050219900101002")
PRINCIPAL = ("张三", "14050219500101001")

CATALOGUE = Catalogue.model_validate({"version": "2026.12.1", "items": [
    item("A"),
    {**item("N"), "name": "结婚登记预约", "agent_allowed": False},
]})


class AgentCentral(FakeCentral):
    """The principal may file A and N; the agent only A (their contexts differ)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def catalogue(self) -> Catalogue:
        return CATALOGUE

    def person_context(self, id_number: str, name: str) -> PersonContext:
        self.asked.append(name)
        eligible = ["A", "N"] if name == PRINCIPAL[0] else ["A"]
        return PersonContext.model_validate({"known": True, "licences": [HUKOU], "eligible_items": eligible})


class EvidenceOutbox(FakeOutbox):
    def __init__(self, central: FakeCentral) -> None:
        super().__init__(central)
        self.evidence: list[list[Any]] = []

    def submit_application(self, request: ApplicationRequest, evidence: Sequence[Any] = ()) -> Any:
        self.evidence.append([(p.kind, p.sha256, bytes(p.jpeg)) for p in evidence])
        return super().submit_application(request)


class AgentReceipts(FakeReceipts):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.agents: list[str] = []

    def print_receipt(self, result: Any, card: dict[str, str], item: Any, agent_masked: str = "") -> Any:
        self.names.append(card["name"])
        self.agents.append(agent_masked)
        return super().print_receipt(result, card, item)


def wait_online(camera: SimulatedDocumentCamera) -> None:
    online = threading.Event()
    camera.events.subscribe(lambda e: getattr(getattr(e, "status", None), "state", None)
                            == DeviceState.ONLINE and online.set())
    if camera.status().state == DeviceState.ONLINE:
        online.set()
    assert online.wait(10), "the simulated document camera did not come online"


@pytest.fixture
def camera() -> Iterator[SimulatedDocumentCamera]:
    cam = SimulatedDocumentCamera("document_camera", warmup_frames=0, flush_frames=0, candidates=1)
    cam.open()
    wait_online(cam)
    try:
        yield cam
    finally:
        cam.close()


@pytest.fixture
def session(tmp_path: Path) -> Session:
    s = Session(idle_timeout=600, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    s.identity_read(make_card(*AGENT), "yizheng_tongban")
    assert s.confirm()
    return s


@pytest.fixture
def central() -> AgentCentral:
    return AgentCentral()


@pytest.fixture
def outbox(central: AgentCentral) -> EvidenceOutbox:
    return EvidenceOutbox(central)


@pytest.fixture
def flow(session: Session, central: AgentCentral, outbox: EvidenceOutbox,
         camera: SimulatedDocumentCamera) -> YizhengFlow:
    f = YizhengFlow(session, central, outbox, ApplicationRequest.model_validate, runner=inline_runner,
                    receipts=AgentReceipts(), camera=camera, region_code="140500", hall_name="晋城市政务服务中心")
    f.load()
    assert f.step is Step.ITEMS
    return f


def photograph_page(flow: YizhengFlow, camera: SimulatedDocumentCamera, seed: int) -> None:
    camera.place(synth.synthetic_frame(-3.0, seed=seed).frame)
    assert flow.letter is not None
    flow.letter.take()
    assert flow.letter.state == "review", flow.letter.error
    assert flow.letter.keep(), flow.letter.error


def to_principal(flow: YizhengFlow, session: Session, source: IdentitySource = IdentitySource.ID_CARD) -> None:
    flow.start_agent()
    assert flow.step is Step.AGENT_PRINCIPAL and session.expecting_principal
    session.identity_read(make_card(*PRINCIPAL), "yizheng_tongban", source=source)
    assert flow.step is Step.AGENT_RELATION
    flow.choose_relation("子女")
    assert flow.step is Step.AGENT_AUTHORITY


def file_item_a(flow: YizhengFlow) -> None:
    flow.select_item("A")
    flow.begin_form()
    assert flow.step is Step.FORM
    flow.set_value("phone", "13800138000")
    assert flow.confirm_form()
    assert flow.step is Step.CONFIRM
    flow.submit()
    assert flow.step is Step.RESULT


def test_an_agent_files_for_a_relative_with_the_letter_photographed(
        flow: YizhengFlow, session: Session, central: AgentCentral, outbox: EvidenceOutbox,
        camera: SimulatedDocumentCamera) -> None:
    assert [v.code for v in flow.items() if v.eligible] == ["A"]       # the agent's own
    flow.start_agent()
    session.identity_read(make_card(*AGENT), "yizheng_tongban")           # their own card again
    assert flow.step is Step.AGENT_PRINCIPAL and flow.error == "principal_is_agent"
    session.identity_read(make_card(*PRINCIPAL), "yizheng_tongban")
    assert flow.step is Step.AGENT_RELATION and session.state.value == "active"
    flow.choose_relation("不认识")                                         # not an option
    assert flow.step is Step.AGENT_RELATION
    flow.choose_relation("子女")
    flow.choose_authority("letter")
    assert flow.step is Step.AGENT_LETTER
    flow.letter_done()
    assert flow.step is Step.AGENT_LETTER and flow.error == "authorization_missing"

    photograph_page(flow, camera, seed=1)
    photograph_page(flow, camera, seed=2)
    assert flow.agent_view().letter_pages == 2
    flow.letter_done()
    assert flow.step is Step.ITEMS and flow.agent_view().acting
    assert central.asked[-1] == PRINCIPAL[0]                              # the principal's context
    assert {v.code for v in flow.items() if v.eligible} == {"A", "N"}
    assert flow.agent_refuses("N") and not flow.agent_refuses("A")

    flow.select_item("N")                                                 # refused up front
    assert flow.step is Step.ITEMS and flow.error == "agent_not_allowed"

    flow.select_item("A")
    flow.begin_form()
    address = next(f for f in flow.fields if f.key == "address")
    assert address.value == "山西省晋城市城区"                             # the principal's card
    assert flow.agent_view().line == "代办人 李*（子女）为 张* 办理"
    flow.set_value("phone", "13800138000")
    assert flow.confirm_form() and flow.step is Step.CONFIRM
    flow.submit()
    assert flow.step is Step.RESULT

    request = outbox.requests[-1]
    assert request.applicant.name == PRINCIPAL[0] and request.applicant.id_number.startswith(PRINCIPAL[1])
    assert request.agent is not None
    assert (request.agent.name, request.agent.relation, request.agent.authority) == (AGENT[0], "子女", "letter")
    assert request.agent.id_number.startswith(AGENT[1])
    pages = outbox.evidence[-1]
    assert [p[0] for p in pages] == ["authorization", "authorization"]
    assert [(e.page, e.kind, e.sha256) for e in request.evidence] == [
        (1, "authorization", pages[0][1]), (2, "authorization", pages[1][1])]
    assert pages[0][1] != pages[1][1] and all(p[2][:2] == b"\xff\xd8" for p in pages)   # JPEGs


def test_the_receipt_names_both_masked(flow: YizhengFlow, session: Session) -> None:
    to_principal(flow, session)
    flow.choose_authority("present")
    file_item_a(flow)
    receipts = flow._receipts
    assert isinstance(receipts, AgentReceipts)
    assert receipts.names[-1] == PRINCIPAL[0]                            # the applicant's card
    assert receipts.agents[-1] == "李*（子女）"


def test_the_principal_present_needs_their_id_card(flow: YizhengFlow, session: Session,
                                                   outbox: EvidenceOutbox) -> None:
    to_principal(flow, session, IdentitySource.ELECTRONIC_ID)
    assert not flow.agent_view().can_present
    flow.choose_authority("present")
    assert flow.step is Step.AGENT_AUTHORITY and flow.error == "present_needs_id_card"
    session.identity_read(make_card(*PRINCIPAL), "yizheng_tongban")       # now the card itself
    assert flow.agent_view().can_present
    flow.choose_authority("present")
    assert flow.step is Step.ITEMS
    file_item_a(flow)
    request = outbox.requests[-1]
    assert request.agent is not None and request.agent.authority == "present"
    assert request.evidence == [] and outbox.evidence[-1] == []


def test_back_and_cancel_drop_the_principal_and_the_letter(
        flow: YizhengFlow, session: Session, camera: SimulatedDocumentCamera) -> None:
    to_principal(flow, session)
    flow.choose_authority("letter")
    photograph_page(flow, camera, seed=4)
    page = flow.pages.pages()[0]
    flow.back()                                  # letter -> authority: the page stays
    assert flow.step is Step.AGENT_AUTHORITY and len(flow.pages) == 1
    flow.back()
    flow.back()                                  # relation -> principal: the principal goes
    assert flow.step is Step.AGENT_PRINCIPAL and session.principal is None and session.expecting_principal
    flow.back()                                  # cancel: the agent's own items again
    assert flow.step is Step.ITEMS and not session.expecting_principal
    assert page.wiped and len(flow.pages) == 0
    assert [v.code for v in flow.items() if v.eligible] == ["A"]
    flow.select_item("A")
    flow.begin_form()
    flow.set_value("phone", "13800138000")
    flow.confirm_form()
    assert flow._request(flow._applicant())["agent"] is None


def test_the_session_end_wipes_the_letter_and_the_principal(
        flow: YizhengFlow, session: Session, camera: SimulatedDocumentCamera) -> None:
    to_principal(flow, session)
    principal = session.principal
    flow.choose_authority("letter")
    photograph_page(flow, camera, seed=5)
    page = flow.pages.pages()[0]
    session.finish()
    flow.wipe()                                  # what the terminal does on SessionEnded
    assert page.wiped and principal is not None and principal.id_number == ""
    assert flow.letter is None and not flow.agent_view().acting
    assert session.principal is None


def test_the_receipt_document_names_the_principal_and_the_agent_masked() -> None:
    import datetime as dt

    from drivers.receipt.model import Pair
    from kiosk.printing.documents.receipts import ApplicationReceiptData, application_receipt

    data = ApplicationReceiptData(
        item_name="事项A", applicant_name=PRINCIPAL[0], applicant_id_number="140502195001010011",
        submitted_at=dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC), local_receipt="DEMO-0001-20261206-0001",
        terminal_code="DEMO-0001", hall_name="晋城市政务服务中心", application_number="14050020261206000001",
        agent_masked="李*（子女）")
    pairs = {b.label: b.value for b in application_receipt(data).blocks if isinstance(b, Pair)}
    assert pairs["申请人"] == "张*" and pairs["代办人"] == "李*（子女）"
    assert pairs["证件号码"] == "1405**********0011"
    text = repr(application_receipt(data))
    assert PRINCIPAL[0] not in text and AGENT[0] not in text and "140502195001010011" not in text
