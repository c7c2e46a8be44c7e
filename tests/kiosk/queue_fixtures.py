"""What the 排队取号 tests share: the real central (seeded, serving) with a terminal of
晋城市政务服务中心 enrolled through `kiosk enroll`, a fresh data directory per test with that
enrollment, the flow built on them, invented ID cards with birth dates relative to today, and
a receipt printer that keeps what it printed (the flow's printing port; the real ESC/POS
printer is the UI tests')."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from drivers.idcard.model import CardType, IdentityCard
from drivers.receipt.model import Pair, QrCode, Text
from kiosk import hall_time
from kiosk.central_api import CentralClient, connect
from kiosk.config import KioskConfig, load_config
from kiosk.flows.base import inline_runner
from kiosk.flows.queue_ticket import QueueTicketFlow, _Api
from kiosk.outbox import Outbox, open_outbox
from kiosk.printing.documents.receipts import ReceiptDocument
from kiosk.printing.printers import PrintResult
from kiosk.queue_blocks import KIND_QUEUE_OFFLINE, QueueBlocks, deliver_offline
from kiosk.session import Session
from kiosk.store import Store, open_store
from tests.support.real_central import KIOSK, RealCentral, central_available

HALL_NAME = "晋城市政务服务中心"
ZONE = hall_time.load_zone("Asia/Shanghai")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(born: dt.date, serial: str = "123") -> str:
    """A GB 11643 number (check character computed) for a birth date: invented people."""
    body = f"140502{born:%Y%m%d}{serial}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def years_ago(years: int, today: dt.date | None = None) -> dt.date:
    today = today or hall_time.today(ZONE)
    try:
        return today.replace(year=today.year - years)
    except ValueError:   # 29 February
        return today.replace(year=today.year - years, day=28)


def card(age: int, name: str = "王秀兰", serial: str = "124") -> IdentityCard:
    born = years_ago(age)
    # A day past the birthday: an age that holds whatever the hour of the test.
    born -= dt.timedelta(days=1)
    return IdentityCard(card_type=CardType.RESIDENT, name=name, gender="女", nation="汉",
                        birth_date=born.isoformat(), address="山西省晋城市城区示例街1号",
                        id_number=id_number(born, serial), issuer="晋城市公安局城区分局",
                        valid_from="2010-01-01", valid_until="长期")


@dataclass
class Paper:
    """The flow's receipt printer: ready or not, and every receipt it printed."""

    ready: tuple[bool, str] = (True, "")
    printed: list[ReceiptDocument] = field(default_factory=list)
    fail_with: str = ""

    def receipt_ready(self) -> tuple[bool, str]:
        return self.ready

    def print_receipt(self, document: ReceiptDocument, id_number: str | None = None) -> PrintResult:
        assert id_number is None     # a ticket names nobody
        if self.fail_with:
            return PrintResult(False, reason=self.fail_with)
        self.printed.append(document)
        return PrintResult(True)


class EnrolledHall:
    """The real central and one enrolled terminal's keys (copied into each test's data dir)."""

    def __init__(self, folder: Path) -> None:
        if not central_available():
            pytest.skip("central/ (kiosk-central) is not available")
        self.folder = folder
        self.central = RealCentral(folder / "central")
        self.central.seed()
        self.central.start()
        self.template = folder / "enrolled"
        site = self.site(self.template)
        env = {k: v for k, v in os.environ.items() if k != "TONGBAN_CONFIG"}
        done = subprocess.run([KIOSK, "--config", str(site), "enroll", "--central", self.central.url,
                               "--code", self.central.add_terminal()],
                              capture_output=True, text=True, timeout=60, env=env)
        if done.returncode != 0:
            self.central.stop()
            pytest.fail(f"kiosk enroll failed: {done.stdout}{done.stderr}")

    def site(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        site = folder / "kiosk.toml"
        site.write_text(
            'profile = "hall"\n[terminal]\ndata_dir = "data"\n'
            f'hall_name = "{HALL_NAME}"\n[central]\nurl = "{self.central.url}"\n'
            "connect_timeout_s = 1\nread_timeout_s = 5\n",
            encoding="utf-8",
        )
        return site

    def terminal_dir(self, folder: Path) -> KioskConfig:
        """A fresh data directory enrolled as the module's terminal."""
        site = self.site(folder)
        shutil.copytree(self.template / "data" / "keys", folder / "data" / "keys")
        return load_config(site)

    def tickets(self, label: str) -> list[tuple[object, ...]]:
        return self.central.query(
            "SELECT label, kind, offline, status FROM queue_tickets WHERE label = ? ORDER BY id", label)


@dataclass
class Parts:
    flow: QueueTicketFlow
    session: Session
    paper: Paper
    blocks: QueueBlocks
    outbox: Outbox
    store: Store
    client: CentralClient
    config: KioskConfig


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EnrolledHall]:
    enrolled = EnrolledHall(tmp_path_factory.mktemp("queue-hall"))
    try:
        yield enrolled
    finally:
        enrolled.central.stop()


@pytest.fixture
def parts(hall: EnrolledHall, tmp_path: Path) -> Iterator[Parts]:
    config = hall.terminal_dir(tmp_path / "terminal")
    data = Path(config.terminal.data_dir)
    store = open_store(data)
    outbox = open_outbox(config, store)
    outbox.register(KIND_QUEUE_OFFLINE, deliver_offline)
    client, reason = connect(config, store)
    assert client is not None, reason
    session = Session(idle_timeout=60, idle_warning=10, removal_grace=5,
                      temp_root=data / "tmp", zone=ZONE)
    (data / "tmp").mkdir(exist_ok=True)
    blocks = QueueBlocks(store, outbox, ZONE)
    paper = Paper()
    flow = QueueTicketFlow(session, _Api(client), blocks, paper, ZONE, runner=inline_runner,
                           reserver=client)
    session.begin_open("queue_ticket")
    try:
        yield Parts(flow, session, paper, blocks, outbox, store, client, config)
    finally:
        flow.wipe()
        session.finish()
        outbox.stop()
        client.close()
        store.close()


def receipt_text(document: ReceiptDocument) -> str:
    """The text of a receipt's blocks, one per line (what a person reads on the paper)."""
    lines = []
    for block in document.blocks:
        if isinstance(block, Pair):
            lines.append(f"{block.label}：{block.value}")
        elif isinstance(block, Text):
            lines.append(block.text)
        elif isinstance(block, QrCode):
            lines += [f"QR {block.data}", block.caption]
    return "\n".join(lines)


# -- appointments booked for today ---------------------------------------------------------
# Central's clock cannot be set from outside its process, and the hall's sessions depend on
# the date; so a booking checked in "now" is written here, around the booking rules, through
# central's own code (the signed code comes from central.appointment_codes.sign_appointment,
# as `kiosk-central appointment issue` does; the booking row is the engine's table). Test data
# at the test's own moment: whatever the date and hour the test runs.
PENSION_ITEM = ("11140500MB1947036N4000111001", "城乡居民基本养老保险参保登记", "B")


def book_around_now(central: RealCentral, id_number: str, name: str, *, start_in_minutes: int,
                    minutes: int = 30, day_offset: int = 0, status: str = "booked",
                    hall_name: str = HALL_NAME, hall_code: str = "JC-ZWZX") -> str:
    """A booking starting ``start_in_minutes`` from now (negative: already begun) on the
    hall's today + ``day_offset``; returns its signed code (the QR's text)."""
    from sqlalchemy import create_engine, insert

    from central.appointment_codes import sign_appointment
    from central.models_hall import Booking

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    starts = now + dt.timedelta(minutes=start_in_minutes)
    day = hall_time.today(ZONE) + dt.timedelta(days=day_offset)
    item_code, item_name, category = PENSION_ITEM
    engine = create_engine(central.db_url)
    try:
        with engine.begin() as conn:
            issued = sign_appointment(conn, item_code=item_code, item_name=item_name, hall=hall_name,
                                      region="140500", starts_at=starts,
                                      ends_at=starts + dt.timedelta(minutes=minutes), now=now,
                                      person=id_number)
            conn.execute(insert(Booking.__table__).values(
                appointment_id=issued.id, hall_code=hall_code, category_code=category,
                item_code=item_code, day=day, session="regular", person_id_number=id_number,
                person_name=name, phone=None, channel="phone", terminal_id=None, status=status,
                status_at=now, idempotency_key=None,
            ))
    finally:
        engine.dispose()
    return issued.code
