"""办事指南 without a window: the catalogue from the real central (`kiosk-central serve`, seeded
SQLite), then the kept copy when central is stopped; an item's guide; 打印一次性告知单 through
the simulated ESC/POS receipt printer (the picture saved to tests/artifacts and read: the
title, 帮办代办, 多地联办's departments), the button's reason when the printer cannot print,
nothing of a card kept, and the notice layout's new lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from drivers.receipt.model import Pair, Text
from drivers.receipt.printer import EscposPrinter
from drivers.receipt.simulator import PrinterSimulator
from kiosk import hall_time
from kiosk.central_api.client import CentralClient
from kiosk.central_api.models import Item
from kiosk.config import KioskConfig, load_config
from kiosk.flows.base import check_table, inline_runner
from kiosk.flows.guide import GuideFlow, Step
from kiosk.printing.documents.notice import notice
from kiosk.printing.jobs import NoticeReceipts
from kiosk.printing.printers import Printing
from kiosk.printing.printlog import PrintLog
from kiosk.session import Session
from kiosk.store import open_store
from tests.kiosk.appointment_fixtures import citizen, enrolled
from tests.support.real_central import RealCentral, central_available

pytestmark = pytest.mark.skipif(not central_available(), reason="central/ (kiosk-central) is not installed")
ZONE = hall_time.load_zone("Asia/Shanghai")


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealCentral]:
    real = RealCentral(tmp_path_factory.mktemp("guide-central"))
    real.seed()
    real.start()
    try:
        yield real
    finally:
        real.stop()


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[tuple[Printing, PrinterSimulator]]:
    sim = PrinterSimulator(tmp_path / "receipts", paper="80mm", speed_mm_s=0)
    sim.start()
    host, port = sim.address
    driver = EscposPrinter(name="receipt_printer", url=f"tcp://{host}:{port}", profile="80mm",
                           status_interval=0.2, io_timeout=1.0)
    driver.open()
    store = open_store(tmp_path / "data")
    try:
        yield Printing({"receipt_printer": driver}, PrintLog(store, None)), sim
    finally:
        driver.close()
        sim.stop()
        store.close()


def site_config(tmp_path: Path) -> KioskConfig:
    site = tmp_path / "site.toml"
    site.write_text('profile = "hall"\n[terminal]\ndata_dir = "data"\nregion_code = "140500"\n'
                    'hall_name = "晋城市政务服务中心"\n', encoding="utf-8")
    return load_config(site)


def session(tmp_path: Path) -> Session:
    s = Session(idle_timeout=300, idle_warning=30, removal_grace=10, temp_root=tmp_path)
    s.begin_open("guide")
    return s


def joint_item(flow: GuideFlow) -> Item:
    return next(i for i in flow.items if i.joint)


def test_the_transition_table_is_sound() -> None:
    assert check_table(GuideFlow) == []


def test_the_catalogue_lists_and_opens_an_items_guide_and_works_offline(central: RealCentral, tmp_path: Path) -> None:
    with enrolled(central) as client:
        flow = GuideFlow(session(tmp_path), client, None, "140500", runner=inline_runner)
        flow.load()
        assert flow.step is Step.LIST and len(flow.items) >= 10 and not flow.cached
        assert any(not i.agent_allowed for i in flow.items)
        item = joint_item(flow)
        assert flow.mode(item) == "多地联办"
        flow.open(item.code)
        assert flow.step is Step.DETAIL and flow.item is item
        flow.back()
        assert flow.step is Step.LIST

        # Central stopped: the same client answers from the copy it kept.
        central.stop()
        try:
            again = GuideFlow(session(tmp_path), client, None, "140500", runner=inline_runner)
            again.load()
            assert again.step is Step.LIST and again.cached
            assert [i.code for i in again.items] == [i.code for i in flow.items]
        finally:
            central.start()


def test_without_any_catalogue_the_guide_says_so(central: RealCentral, tmp_path: Path) -> None:
    with enrolled(central) as known, CentralClient("http://127.0.0.1:9", known.identity,
                                                   get_retries=0, lookup_retries=0) as away:
        flow = GuideFlow(session(tmp_path), away, None, "140500", runner=inline_runner)
        flow.load()
        assert (flow.step, flow.error) == (Step.ERROR, "no_catalogue")


def test_the_notice_prints_on_the_receipt_printer_without_anyone_identified(
        central: RealCentral, tmp_path: Path, printer: tuple[Printing, PrinterSimulator],
        artifacts_dir: Path) -> None:
    printing, sim = printer
    config = site_config(tmp_path)
    with enrolled(central) as client:
        flow = GuideFlow(session(tmp_path), client, NoticeReceipts(config, printing, "140500"),
                         "140500", runner=inline_runner)
        flow.load()
        item = joint_item(flow)
        flow.open(item.code)
        assert flow.notice.ready() == (True, "")
        flow.print_notice()
    assert flow.notice.status_for(item.code) == ("printed", "")
    png = sim.wait_receipt(5)
    picture = Image.open(png)
    picture.save(artifacts_dir / "receipt-guide-notice.png")
    assert picture.height > 1500     # every section printed, nothing cut short
    [record] = printing.log.records()
    assert (record.doc_type, record.doc_number, record.id_masked) == ("notice", item.code, "")


def test_the_print_button_says_why_when_the_printer_cannot_print(central: RealCentral, tmp_path: Path) -> None:
    class Jammed:
        printed = 0

        def ready(self) -> tuple[bool, str]:
            return False, "paper_jam"

        def print_notice(self, item: Item, region_names: dict[str, str] | None = None) -> object:
            self.printed += 1
            raise AssertionError("printed although not ready")

    jammed = Jammed()
    with enrolled(central) as client:
        flow = GuideFlow(session(tmp_path), client, jammed, "140500", runner=inline_runner)  # type: ignore[arg-type]
        flow.load()
        flow.open(flow.items[0].code)
        assert flow.notice.ready() == (False, "paper_jam")
        flow.print_notice()
        assert flow.notice.status_for(flow.items[0].code) == ("failed", "paper_jam") and jammed.printed == 0
    none = GuideFlow(None, client, None, "140500", runner=inline_runner)  # type: ignore[arg-type]
    assert none.notice.ready() == (False, "no_printer")


def test_a_card_placed_during_the_guide_is_let_go(central: RealCentral, tmp_path: Path) -> None:
    s = session(tmp_path)
    with enrolled(central) as client:
        flow = GuideFlow(s, client, None, "140500", runner=inline_runner)
        flow.load()
        s.identity_read(citizen(7), "guide")
        flow.identity_arrived()
        assert s.card is None and flow.step is Step.LIST


def test_the_notice_says_whether_someone_else_may_file_it_and_names_the_joint_departments(
        central: RealCentral, tmp_path: Path) -> None:
    with enrolled(central) as client:
        catalogue = client.catalogue()
    names = {r.code: r.name for r in catalogue.regions}
    joint = next(i for i in catalogue.items if i.joint)
    own = next(i for i in catalogue.items if not i.agent_allowed)
    doc = notice(joint, region_names=names)
    lines = [b.text for b in doc.blocks if isinstance(b, Text)]
    pairs = {b.label: b.value for b in doc.blocks if isinstance(b, Pair)}
    assert pairs["帮办代办"].startswith("可由他人代办")
    assert any(f"由以下{len(joint.joint)}个部门分别办理" in t for t in lines)
    for part in joint.joint:
        assert any(part.department in t and part.task in t for t in lines)
    assert {b.label: b.value for b in notice(own).blocks if isinstance(b, Pair)}["帮办代办"] == \
        "不可代办，须申请人本人办理"


def test_the_yizheng_item_page_prints_the_notice_too(
        tmp_path: Path, printer: tuple[Printing, PrinterSimulator]) -> None:
    from kiosk.central_api.models import ApplicationRequest
    from kiosk.flows.yizheng import Step as YzStep
    from kiosk.flows.yizheng import YizhengFlow
    from tests.kiosk.test_yizheng_flow import FakeCentral, FakeOutbox
    from tests.support.cards import make_card

    printing, sim = printer
    s = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    s.identity_read(make_card(), "yizheng_tongban")
    assert s.confirm()
    central = FakeCentral()
    notices = NoticeReceipts(site_config(tmp_path), printing, "140500")
    flow = YizhengFlow(s, central, FakeOutbox(central),  # type: ignore[arg-type]
                       ApplicationRequest.model_validate, runner=inline_runner, notices=notices)
    flow.load()
    flow.select_item("A")
    assert flow.step is YzStep.DETAIL and flow.notice.ready() == (True, "")
    flow.print_notice()
    assert flow.notice.status_for("A") == ("printed", "")
    sim.wait_receipt(5)
    [record] = printing.log.records()
    assert (record.doc_type, record.doc_number, record.id_masked) == ("notice", "A", "")
    flow.wipe()
    assert flow.notice.status_for("A") == ("", "")
    bare = YizhengFlow(s, central, FakeOutbox(central),  # type: ignore[arg-type]
                       ApplicationRequest.model_validate, runner=inline_runner)
    assert bare.notice.ready() == (False, "no_printer")
