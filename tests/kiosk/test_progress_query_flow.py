"""办件查询 without a window, against the real central (`kiosk-central serve --public-url`,
seeded SQLite): an application filed through the real client, then found by the citizen's
card (their list, newest first, its timeline, the 查询码, 补打回执 through the real receipt
layout), by its number and 查询码 (the masked public view), by a wrong 查询码 (the same
words as an unknown number), by an old receipt's ``TONGBAN-APP:`` code (no 查询码) and by
the receipt's tracking URL; central down; the wipe.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from drivers.idcard.model import IdentityCard
from kiosk import hall_time
from kiosk.central_api import tracking
from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralRejected
from kiosk.central_api.models import (
    Applicant,
    Application,
    ApplicationRequest,
    MaterialRef,
    MineApplication,
    MineApplications,
    PublicApplication,
)
from kiosk.flows.base import check_table, inline_runner
from kiosk.flows.progress_query import ProgressQueryFlow, Step
from kiosk.identify.codes import CodeKind, classify
from kiosk.printing.documents.receipts import (
    ApplicationReceiptData,
    ReceiptDocument,
    application_receipt,
)
from kiosk.printing.printers import PrintResult
from kiosk.session import Session
from tests.kiosk.appointment_fixtures import citizen, enrolled
from tests.support.real_central import (
    PENSION_FORM,
    PENSION_ITEM,
    RealCentral,
    central_available,
    seed_person,
)

pytestmark = pytest.mark.skipif(not central_available(), reason="central/ (kiosk-central) is not installed")
ZONE = hall_time.load_zone("Asia/Shanghai")
PUBLIC = "https://zwfw.example.cn"


@dataclass
class Reprints:
    """The flow's receipt port: the real 办件受理回执 layout, kept instead of printed."""

    ready_as: tuple[bool, str] = (True, "")
    printed: list[tuple[ReceiptDocument, str]] = field(default_factory=list)

    def ready(self) -> tuple[bool, str]:
        return self.ready_as

    def reprint(self, app: MineApplication, card: dict[str, str], item: object = None) -> PrintResult:
        data = ApplicationReceiptData(
            item_name=app.item_name, applicant_name=card["name"], applicant_id_number=card["id_number"],
            submitted_at=app.submitted_at or dt.datetime.now(dt.UTC), local_receipt=app.local_receipt,
            terminal_code="JC-TEST", hall_name="晋城市政务服务中心",
            application_number=app.application_number, status=app.status, check_code=app.check_code,
            tracking_url=app.tracking_url)
        self.printed.append((application_receipt(data, ZONE), card["id_number"]))
        return PrintResult(True, entry_id="e1")


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealCentral]:
    real = RealCentral(tmp_path_factory.mktemp("tracking-central"))
    real.extra_args = ["--public-url", PUBLIC]
    real.seed()
    real.start()
    try:
        yield real
    finally:
        real.stop()


@pytest.fixture(scope="module")
def client(central: RealCentral) -> Iterator[CentralClient]:
    with enrolled(central) as c:
        yield c


def file_application(client: CentralClient) -> Application:
    person = seed_person()
    request = ApplicationRequest(
        item_code=PENSION_ITEM, local_receipt=f"T-{uuid.uuid4().hex[:10]}",
        applicant=Applicant(kind="person", id_number=person.id_number, name=person.name),
        form=dict(PENSION_FORM),
        materials=[MaterialRef(code="M01", source="licence", ref=person.licences["hukou"])],
        submitted_at=dt.datetime.now(dt.UTC),
    )
    return client.submit_application(request, str(uuid.uuid4()))


@pytest.fixture(scope="module")
def filed(client: CentralClient) -> tuple[Application, Application]:
    """Two applications of the seed's first citizen, the second filed last."""
    return file_application(client), file_application(client)


class Api:
    def __init__(self, client: CentralClient) -> None:
        self.client = client
        self.calls: list[str] = []

    def mine(self, id_number: str, name: str) -> MineApplications:
        self.calls.append("mine")
        return tracking.mine(self.client, id_number, name)

    def public(self, number: str, check: str | None) -> PublicApplication:
        self.calls.append(f"public:{check}")
        return tracking.public(self.client, number, check)


def flow_for(client: CentralClient, tmp_path: Path, reprints: Reprints | None = None
             ) -> tuple[ProgressQueryFlow, Session, Api]:
    session = Session(idle_timeout=300, idle_warning=30, removal_grace=10, temp_root=tmp_path)
    session.begin_open("progress_query")
    api = Api(client)
    flow = ProgressQueryFlow(session, api, reprints if reprints is not None else Reprints(), ZONE,
                             runner=inline_runner)
    return flow, session, api


def seed_card() -> IdentityCard:
    """The seed's first citizen's ID card (the one who filed ``filed``)."""
    person = seed_person()
    return dataclasses.replace(citizen(1, name=person.name), id_number=person.id_number)


def lend(flow: ProgressQueryFlow, session: Session) -> None:
    session.identity_read(seed_card(), "progress_query")
    flow.identity_arrived()


def test_the_transition_table_is_sound() -> None:
    assert check_table(ProgressQueryFlow) == []


def test_the_filed_application_carries_its_check_code_and_tracking_url(filed: tuple[Application, Application]) -> None:
    app = filed[1]
    assert len(app.check_code) == 6
    assert app.tracking_url == f"{PUBLIC}/t/{app.application_number}?c={app.check_code}"
    meaning = classify(app.tracking_url)
    assert meaning.kind is CodeKind.APPLICATION_RECEIPT and meaning.accepted
    assert (meaning.application_number, meaning.check_code) == (app.application_number, app.check_code)


def test_a_card_lists_the_citizens_applications_newest_first_with_the_detail_and_reprint(
        client: CentralClient, filed: tuple[Application, Application], tmp_path: Path) -> None:
    reprints = Reprints()
    flow, session, _ = flow_for(client, tmp_path, reprints)
    lend(flow, session)

    assert flow.step is Step.LIST and flow.identified
    numbers = [a.number for a in flow.applications]
    first, second = filed
    assert numbers.index(second.application_number) < numbers.index(first.application_number)
    row = next(a for a in flow.applications if a.number == second.application_number)
    assert row.role == "applicant" and row.check_code == second.check_code
    assert row.applicant.endswith("*") and seed_person().name not in row.applicant
    assert row.timeline and row.timeline[0].step == "申请" and row.timeline[0].at

    flow.open(second.application_number)
    assert flow.step is Step.DETAIL and flow.selected is not None
    assert flow.selected.number == second.application_number

    flow.reprint()
    assert flow.step is Step.DETAIL and flow.printed and flow.error == ""
    (doc, logged_for), = reprints.printed
    assert logged_for == seed_person().id_number
    texts = [getattr(b, "value", "") for b in doc.blocks] + [getattr(b, "data", "") for b in doc.blocks]
    assert second.check_code in texts and second.tracking_url in texts

    flow.back()
    assert flow.step is Step.LIST
    flow.back()   # leaving the list lets the card go
    assert flow.step is Step.START and session.card is None and flow.applications == ()


def test_a_reprint_without_a_ready_printer_says_why_and_prints_nothing(
        client: CentralClient, filed: tuple[Application, Application], tmp_path: Path) -> None:
    reprints = Reprints(ready_as=(False, "paper_out"))
    flow, session, _ = flow_for(client, tmp_path, reprints)
    lend(flow, session)
    flow.open(filed[0].application_number)
    flow.reprint()
    assert flow.step is Step.DETAIL and flow.error == "paper_out" and reprints.printed == []


def test_number_and_check_code_give_the_masked_public_view(
        client: CentralClient, filed: tuple[Application, Application], tmp_path: Path) -> None:
    app = filed[0]
    flow, _, api = flow_for(client, tmp_path)
    flow.enter_number()
    flow.lookup(app.application_number, app.check_code.lower())   # typed in lower case: accepted

    assert flow.step is Step.PUBLIC, flow.error
    view = flow.public_app
    assert view is not None and not view.identified
    assert view.number == app.application_number and view.status == app.status
    assert view.applicant.endswith("*") and view.check_code == "" and view.todo == ""
    assert all(s.tracking_number == "" for s in view.timeline)
    assert api.calls == [f"public:{app.check_code}"]
    flow.reprint()   # no reprint without identifying
    assert flow.step is Step.PUBLIC


def test_a_wrong_check_code_and_an_unknown_number_get_the_same_answer(
        client: CentralClient, filed: tuple[Application, Application], tmp_path: Path) -> None:
    app = filed[0]
    wrong = "22222" + ("3" if app.check_code[-1] != "3" else "4")
    flow, _, _ = flow_for(client, tmp_path)
    flow.enter_number()
    flow.lookup(app.application_number, wrong)
    assert (flow.step, flow.error) == (Step.ENTER, "not_found")
    flow.lookup("14050020991231999999", app.check_code)
    assert (flow.step, flow.error) == (Step.ENTER, "not_found")
    with pytest.raises(CentralRejected) as refused:
        tracking.public(client, app.application_number, wrong)
    assert tracking.refusal(refused.value) == "not_found"


def test_typed_input_is_checked_before_asking_central(client: CentralClient, tmp_path: Path) -> None:
    flow, _, api = flow_for(client, tmp_path)
    flow.enter_number()
    flow.lookup("", "ABCDEF")
    assert flow.error == "number_missing"
    flow.lookup("14050020261206000001", "ABC1EF")   # 1 is not in the alphabet
    assert flow.error == "check_invalid"
    assert api.calls == [] and flow.step is Step.ENTER


def test_an_old_receipt_without_a_check_code_still_opens_its_application(
        client: CentralClient, filed: tuple[Application, Application], tmp_path: Path) -> None:
    app = filed[1]
    meaning = classify(f"TONGBAN-APP:{app.application_number}")
    flow, _, api = flow_for(client, tmp_path)
    flow.receipt_scanned(meaning.application_number, meaning.check_code, None)
    assert flow.step is Step.PUBLIC and flow.public_app is not None
    assert flow.public_app.number == app.application_number
    assert api.calls == ["public:None"]


def test_the_tracking_url_scanned_opens_the_application(
        client: CentralClient, filed: tuple[Application, Application], tmp_path: Path) -> None:
    app = filed[0]
    assert app.tracking_url is not None
    meaning = classify(app.tracking_url + "\r\n")
    flow, _, _ = flow_for(client, tmp_path)
    flow.receipt_scanned(meaning.application_number, meaning.check_code, None)
    assert flow.step is Step.PUBLIC and flow.public_app is not None
    assert flow.public_app.number == app.application_number


def test_a_malformed_receipt_code_is_said_without_asking_central(client: CentralClient, tmp_path: Path) -> None:
    meaning = classify("https://zwfw.example.cn/t/14050020261206000001?c=SHORT")
    assert meaning.kind is CodeKind.APPLICATION_RECEIPT and meaning.reason is not None
    flow, _, api = flow_for(client, tmp_path)
    flow.receipt_scanned(meaning.application_number, meaning.check_code, meaning.reason.value)
    assert (flow.step, flow.error) == (Step.START, "malformed") and api.calls == []


def test_central_down_is_said_and_the_card_is_let_go(central: RealCentral, tmp_path: Path) -> None:
    with enrolled(central) as known, CentralClient("http://127.0.0.1:9", known.identity,
                                                   get_retries=0, lookup_retries=0) as c:
        flow, session, _ = flow_for(c, tmp_path)   # nothing listens on the discard port
        lend(flow, session)
        assert (flow.step, flow.error) == (Step.START, "central_unavailable")
        assert session.card is None
        flow.enter_number()
        flow.lookup("14050020261206000001", "ABCDEF")
        assert (flow.step, flow.error) == (Step.ENTER, "central_unavailable")


def test_the_wipe_forgets_the_list(client: CentralClient, filed: tuple[Application, Application],
                                   tmp_path: Path) -> None:
    flow, session, _ = flow_for(client, tmp_path)
    lend(flow, session)
    flow.open(filed[0].application_number)
    session.finish()
    flow.wipe()
    assert flow.step is Step.START and flow.applications == () and flow.selected is None
    assert not flow.identified and flow.public_app is None
