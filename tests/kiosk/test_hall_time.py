"""One clock for people: every time shown or printed is the hall's wall time (``[terminal]
timezone``, Asia/Shanghai by default), whatever the host's TZ; wire times carry an offset.

Every test runs twice, with the host in UTC (the demo machine) and in America/New_York, at
a fixed instant where the hall's date differs from the host's: 2026-11-23 17:30 UTC is
2026-11-24 01:30 in the hall, but still 11-23 in UTC (17:30) and in New York (12:30).
Time is injected through clock parameters; nothing sleeps.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from sqlalchemy import select

from drivers.idcard.model import CardType, IdentityCard
from drivers.receipt.model import Pair, QrCode, ReceiptDocument
from kiosk import hall_time
from kiosk.central_api.models import ApplicationRequest, PrintLogEntry, TimelineStep
from kiosk.config import ConfigError, KioskConfig, load_config
from kiosk.flows.staff import LogQuery
from kiosk.flows.yizheng_views import ResultView
from kiosk.identify.arrivals import Arrivals
from kiosk.identify.code_keys import StaticKeys
from kiosk.identify.codes import AppointmentVerifier, classify
from kiosk.outbox import Outbox
from kiosk.printing.documents.notice import notice
from kiosk.printing.documents.receipts import queue_ticket
from kiosk.printing.export import export_name
from kiosk.printing.jobs import ApplicationReceipts, ProofRenderer, a4_test_page, receipt_test_page
from kiosk.printing.printers import PrintResult
from kiosk.printing.printlog import PRINTED, PrintLog
from kiosk.session import Session, masked_identity
from kiosk.store import Store, open_store
from kiosk.store.schema import print_log
from kiosk.terminal import Terminal
from screens import words
from tests.support.central_fixtures import application_request

SHANGHAI = hall_time.load_zone("Asia/Shanghai")
INSTANT = dt.datetime(2026, 11, 23, 17, 30, tzinfo=dt.UTC)     # 2026-11-24 01:30 in the hall
HALL = "晋城市政务服务中心"
ID_NUMBER = "11010519491231002X"


def at(moment: dt.datetime) -> hall_time.Clock:
    return lambda: moment.timestamp()


@pytest.fixture(autouse=True, params=["UTC", "America/New_York"])
def host_tz(request: pytest.FixtureRequest) -> Iterator[str]:
    """The host's local zone for one test; restored afterwards."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    # The premise: the host's own idea of the date differs from the hall's.
    assert dt.datetime.fromtimestamp(INSTANT.timestamp()).date() == dt.date(2026, 11, 23)
    try:
        yield request.param
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def site(tmp_path: Path, terminal: str = "") -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "data"\nterminal_code = "JC-0001"\n{terminal}',
                    encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    return load_config(site(tmp_path))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "store")
    yield s
    s.close()


def pairs(doc: ReceiptDocument) -> dict[str, str]:
    return {b.label: b.value for b in doc.blocks if isinstance(b, Pair)}


# -- the configuration -------------------------------------------------------------------
def test_the_hall_zone_comes_from_the_config_with_asia_shanghai_by_default(tmp_path: Path) -> None:
    assert load_config(site(tmp_path)).terminal.timezone == "Asia/Shanghai"
    assert hall_time.hall_zone(load_config(site(tmp_path))) is SHANGHAI
    urumqi = load_config(site(tmp_path, 'timezone = "Asia/Urumqi"\n'))
    assert hall_time.now(hall_time.hall_zone(urumqi), at(INSTANT)).isoformat() == "2026-11-23T23:30:00+06:00"


@pytest.mark.parametrize("bad", ["Mars/Olympus", "+08:00", "", " Asia/Shanghai"])
def test_a_bad_zone_is_a_config_error_naming_the_key(tmp_path: Path, bad: str) -> None:
    path = site(tmp_path, f'timezone = "{bad}"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.key == "terminal.timezone"
    assert err.value.file == str(path)
    assert "time zone" in err.value.reason


# -- the time module -----------------------------------------------------------------------
def test_hall_time_ignores_the_host_zone_and_refuses_naive_datetimes() -> None:
    clock = at(INSTANT)
    assert hall_time.now(SHANGHAI, clock).isoformat() == "2026-11-24T01:30:00+08:00"
    assert hall_time.today(SHANGHAI, clock) == dt.date(2026, 11, 24)
    assert hall_time.days_back(1, SHANGHAI, clock).isoformat() == "2026-11-24T00:00:00+08:00"
    assert hall_time.days_back(7, SHANGHAI, clock).isoformat() == "2026-11-18T00:00:00+08:00"
    assert hall_time.minutes_text(INSTANT, SHANGHAI) == "2026-11-24 01:30"
    assert hall_time.minutes_text(INSTANT.timestamp(), SHANGHAI) == "2026-11-24 01:30"
    assert hall_time.wire(INSTANT, SHANGHAI) == "2026-11-24T01:30:00+08:00"
    assert hall_time.at_hall(dt.datetime(2026, 11, 24), SHANGHAI) == dt.datetime(
        2026, 11, 23, 16, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="naive"):
        hall_time.to_hall(dt.datetime(2026, 11, 24, 1, 30), SHANGHAI)


def test_screen_clock_and_timeline_show_the_hall_time() -> None:
    clock = at(INSTANT)
    assert words.clock(SHANGHAI, clock) == "01:30\n11月24日 星期二"
    # central wrote UTC: still the hall's 01:20 today, not 17:20
    assert hall_time.step_text(dt.datetime(2026, 11, 23, 17, 20, tzinfo=dt.UTC), SHANGHAI, clock) == "01:20"
    assert hall_time.step_text(dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI), SHANGHAI, clock) == "11-23 09:00"


# -- receipts: the 本机受理号 date and 提交时间 agree ------------------------------------------
class CapturingPrinting:
    def __init__(self) -> None:
        self.documents: list[ReceiptDocument] = []

    def receipt_ready(self) -> tuple[bool, str]:
        return True, ""

    def print_receipt(self, document: ReceiptDocument, id_number: str | None = None) -> PrintResult:
        self.documents.append(document)
        return PrintResult(True)


def test_a_receipt_shows_the_hall_date_in_its_numbers_and_its_time(config: KioskConfig, store: Store) -> None:
    clock = at(INSTANT)
    box = Outbox(store, lambda: None, receipt_prefix="JC-0001", clock=clock,  # type: ignore[arg-type,return-value]
                 zone=hall_time.hall_zone(config))
    local_receipt = box.submit_application(application_request()).local_receipt
    assert local_receipt == "JC-0001-20261124-0001"

    printing = CapturingPrinting()
    receipts = ApplicationReceipts(config, printing, clock=clock)  # type: ignore[arg-type]
    result = ResultView(delivered=True, local_receipt=local_receipt,
                        application_number="14050020261124000042", item_name="城乡居民基本养老保险参保登记",
                        status="受理", timeline=(), next_steps="", error="")
    receipts.print_receipt(result, {"name": "张三丰", "id_number": ID_NUMBER}, None)
    shown = pairs(printing.documents[0])
    assert shown["提交时间"] == "2026-11-24 01:30"
    assert "-20261124-" in shown["本机受理号"]
    assert "20261124" in shown["办件编号"]   # central's number, dated in the same zone


def test_other_paper_shows_the_hall_time(config: KioskConfig) -> None:
    zone = hall_time.hall_zone(config)
    test_page = receipt_test_page("receipt", "file:///dev/null", "就绪", INSTANT, "JC-0001", config)
    assert pairs(test_page)["打印时间"] == "2026-11-24 01:30:00"
    assert test_page.number == "TEST-JC-0001-20261124013000"
    (qr,) = [b for b in test_page.blocks if isinstance(b, QrCode)]
    assert qr.data.endswith(":2026-11-24T01:30:00+08:00")
    ticket = queue_ticket(hall_name=HALL, ticket_number="A017", service="社保", waiting=3,
                          issued_at=INSTANT, zone=zone)
    assert pairs(ticket)["取号时间"] == "2026-11-24 01:30"
    item = _item()
    assert pairs(notice(item, printed_at=INSTANT, zone=zone))["打印时间"] == "2026-11-24 01:30"


def _item() -> Any:
    from kiosk.central_api.models import Item

    return Item.model_validate({
        "code": "X1", "name": "事项", "department": "部门", "region_code": "140500",
        "region_name": "晋城市", "level": "市级", "scope": "全省", "modes": [], "one_id": True,
        "visits": 0, "legal_days": 1, "promised_days": 1, "fee": "", "applicant_kind": "person",
        "conditions": [], "materials": [], "fields": [], "where_to_go": "", "phone": "",
        "handling_region_code": "140500",
    })


def _pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_an_a4_proof_shows_the_hall_time_and_date(config: KioskConfig) -> None:
    issued = {
        "document_number": "ZM140500-20261124-000001", "verification_code": "K7Q2M9XP4T8WB3NZ",
        "verify_url": "https://zwfw.example.gov.cn/verify/K7Q2M9XP4T8WB3NZ", "kind": "proof",
        "proof_code": "x", "title": "参保证明", "issuer": "晋城市社会保险中心",
        "issued_at": "2026-11-23T17:29:00Z",          # central's instant, in UTC here
        "holder": {"name": "张三丰", "id_number": ID_NUMBER}, "fields": [], "paragraphs": ["兹证明。"],
    }
    rendered = ProofRenderer(config, preview_width=60, clock=at(INSTANT))(issued)
    text = _pdf_text(rendered.pdf).replace(" ", "")
    assert "打印时间：2026-11-2401:30:00" in text
    assert "出具日期：2026年11月24日" in text

    pdf, _pages, number = a4_test_page("CUPS queue A4", "idle", INSTANT, "JC-0001", config)
    assert number == "TEST-JC-0001-20261124013000"
    assert "打印时间：2026-11-2401:30:00" in _pdf_text(pdf).replace(" ", "")


# -- appointments ---------------------------------------------------------------------------
def _appointment_code(key: Ed25519PrivateKey, start: str, end: str) -> str:
    def b64url(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    payload = {"v": 1, "kid": "k1", "id": "YY1", "item_code": "I1", "item_name": "参保登记",
               "hall": HALL, "region_code": "140500", "start": start, "end": end, "expires": end}
    signed = "TONGBAN-APPT:" + b64url(json.dumps(payload, ensure_ascii=False).encode())
    return f"{signed}.{b64url(key.sign(signed.encode()))}"


@pytest.mark.parametrize("start,end", [
    ("2026-11-24T02:00:00+08:00", "2026-11-24T02:30:00+08:00"),   # as central writes it
    ("2026-11-23T18:00:00Z", "2026-11-23T18:30:00Z"),             # the same instant in UTC
])
def test_an_appointment_30_minutes_away_shows_the_hall_time(start: str, end: str) -> None:
    key = Ed25519PrivateKey.generate()
    verifier = AppointmentVerifier(StaticKeys({"k1": key.public_key()}), hall=HALL,
                                   clock=lambda: INSTANT)
    code = _appointment_code(key, start, end)
    meaning = classify(code, verifier)
    assert meaning.accepted and meaning.appointment is not None
    assert meaning.appointment.start_text(SHANGHAI) == "11月24日 02:00"

    # What the screen says, through the terminal's arrivals (their zone is the hall's).
    heard: list[Any] = []
    done = threading.Event()
    arrivals = Arrivals(session=None, default_service=lambda: "", central=lambda: None,  # type: ignore[arg-type]
                        key_cache=StaticKeys({"k1": key.public_key()}), hall_name=HALL,  # type: ignore[arg-type]
                        emit=lambda event: (heard.append(event), done.set()), zone=SHANGHAI)
    arrivals._verifier = verifier   # the fixed instant: the code is not expired
    arrivals.code_scanned(code)
    assert done.wait(10)
    assert words.code_message(heard[0]) == "预约已核验：参保登记，11月24日 02:00，请按时到窗口办理"


# -- identity: a card's validity is a date in the hall --------------------------------------
def test_a_card_valid_until_the_hosts_today_is_expired_on_the_halls_date(tmp_path: Path) -> None:
    card = IdentityCard(card_type=CardType.RESIDENT, name="张三丰", id_number=ID_NUMBER,
                        valid_until="2026-11-23")
    assert masked_identity(card, hall_time.today(SHANGHAI, at(INSTANT))).expired
    assert not masked_identity(card, hall_time.today(SHANGHAI, at(INSTANT - dt.timedelta(hours=2)))).expired

    # A session confirms by the hall's date: a card that ran out yesterday in the hall.
    yesterday = hall_time.today(SHANGHAI) - dt.timedelta(days=1)
    session = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path, zone=SHANGHAI)
    session.begin("identity_check")
    session.identity_read(IdentityCard(card_type=CardType.RESIDENT, name="张三丰", id_number=ID_NUMBER,
                                       valid_until=yesterday.isoformat()), "identity_check")
    assert session.snapshot().identity is not None and session.snapshot().identity.expired
    assert not session.confirm()
    session.finish()


# -- the print log: "today", the CSV, the export name, the wire --------------------------------
def _print(plog: PrintLog, number: str) -> None:
    entry = plog.begin(doc_type="application_receipt", doc_number=number, printer="receipt_printer",
                       content=number.encode(), pages=1)
    plog.finish(entry, result=PRINTED, job_id="J1")


def test_print_log_today_is_the_halls_day(config: KioskConfig, store: Store) -> None:
    moments = iter([
        dt.datetime(2026, 11, 23, 23, 50, tzinfo=SHANGHAI),   # yesterday in the hall (host: today)
        dt.datetime(2026, 11, 23, 23, 50, 1, tzinfo=SHANGHAI),
        dt.datetime(2026, 11, 24, 0, 10, tzinfo=SHANGHAI),    # today in the hall
        dt.datetime(2026, 11, 24, 0, 10, 1, tzinfo=SHANGHAI),
    ])
    now = [INSTANT]

    def clock() -> float:
        return next(moments, now[0]).timestamp()

    plog = PrintLog(store, None, clock=clock, zone=hall_time.hall_zone(config))
    _print(plog, "LATE")
    _print(plog, "EARLY")
    today = plog.records(since=plog.since_days(1))
    assert [r.doc_number for r in today] == ["EARLY"]
    assert today[0].as_row()["时间"] == "2026-11-24 00:10:00"
    assert today[0].at.utcoffset() == dt.timedelta(hours=8)
    assert {r.doc_number for r in plog.records(since=plog.since_days(2))} == {"LATE", "EARLY"}
    assert export_name("JC-0001", plog.zone, clock) == "打印记录-JC-0001-20261124-013000.csv"
    with store.read() as conn:
        texts = [row.at_text for row in conn.execute(select(print_log.c.at_text))]
    assert texts[0] == "2026-11-23T23:50:00+08:00"    # on the wire: aware, the hall's offset
    PrintLogEntry.model_validate({"entry_id": "e", "seq": 1, "at": texts[0], "doc_type": "notice",
                                  "printer": "receipt_printer", "content_sha256": "0", "result": "printed",
                                  "chain_hash": "0"})


def test_the_terminal_filters_staff_logs_by_the_halls_today(config: KioskConfig) -> None:
    terminal = Terminal(config, devices={})
    try:
        assert terminal.zone is SHANGHAI and terminal.session.zone is SHANGHAI
        moments = iter([dt.datetime(2026, 11, 23, 23, 50, tzinfo=SHANGHAI),
                        dt.datetime(2026, 11, 23, 23, 50, 1, tzinfo=SHANGHAI),
                        dt.datetime(2026, 11, 24, 0, 10, tzinfo=SHANGHAI),
                        dt.datetime(2026, 11, 24, 0, 10, 1, tzinfo=SHANGHAI)])
        terminal.printlog = PrintLog(terminal.store, None, zone=terminal.zone,
                                     clock=lambda: next(moments, INSTANT).timestamp())
        terminal.staff._printlog = terminal.printlog  # type: ignore[attr-defined]
        _print(terminal.printlog, "LATE")
        _print(terminal.printlog, "EARLY")
        assert [r.doc_number for r in terminal.staff.records(LogQuery(days=1))] == ["EARLY"]
    finally:
        terminal.stop()


# -- the wire -----------------------------------------------------------------------------------
def test_times_from_and_to_central_carry_an_offset() -> None:
    with pytest.raises(ValidationError):
        TimelineStep.model_validate_json('{"step": "申请", "at": "2026-11-24T01:30:00"}')
    step = TimelineStep.model_validate_json('{"step": "申请", "at": "2026-11-23T17:30:00Z"}')
    assert step.at is not None and hall_time.minutes_text(step.at, SHANGHAI) == "2026-11-24 01:30"
    with pytest.raises(ValidationError):
        ApplicationRequest.model_validate({**application_request().model_dump(),
                                           "submitted_at": dt.datetime(2026, 11, 24, 1, 30)})
