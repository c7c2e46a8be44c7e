"""异地代收 leaves nothing behind: after 张三 filed the 焦作 item with its 购房合同
photographed by the simulated document camera (a blurred shot refused first, then two pages),
the result to be posted to an address he typed, and the 受理回执 and 收件交接单 printed, none
of his ID number, name, card address, the typed address, the pages' SHA-256 (whole or the
16-digit prefix on the slip) or any run of the pages' JPEG bytes is in a file under the data
dir (SQLite store with its -wal, logs, session folders, the print log) or $TMPDIR, and no
file written during the session vanished. The real Terminal and central
(tests/kiosk/collect_fixtures.py); the printed paper (the printer simulator's PNGs) is what
he took away and is not searched."""

from __future__ import annotations

from pathlib import Path

from collect_fixtures import ADDRESS, ZHANG_SAN, collect_kiosk, file_fund_application

from drivers.idcard.simulator import IdCardSimulator
from tests.kiosk.test_no_trace import (
    TIMEOUT,
    needs_central,
    private_tmp,  # noqa: F401 - a fixture
    wait_until,
)
from tests.kiosk.test_no_trace_agent import byte_runs, files_holding
from tests.support.central_fixtures import real_central  # noqa: F401 - a fixture
from tests.support.real_central import RealCentral

CARD_ADDRESS = "北京市东城区示例胡同12号"     # 张三's card (drivers/idcard/sim_cards.toml)


@needs_central
def test_no_trace_after_a_collected_application_with_photographed_pages(
        real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path,  # noqa: F811
        private_tmp: Path) -> None:  # noqa: F811
    with collect_kiosk(real_central, sim, tmp_path, private_tmp) as (kiosk, _printer), \
            kiosk.session() as watch:
        terminal = kiosk.terminal
        flow = file_fund_application(kiosk, sim)
        assert flow.result is not None and flow.result.delivered, flow.result
        assert flow.collect.handover_state == "printed"
        pages = flow.pages.pages()
        jpegs = [bytes(p.jpeg) for p in pages]
        hashes = [p.sha256 for p in pages]
        assert len(jpegs) == 2 and all(jpegs)
        sim.remove()
        terminal.session.finish()
        assert flow.wait_idle(TIMEOUT)
        wait_until(lambda: terminal.outbox.status().pending == 0, timeout=60, what="outbox drained")
    assert all(p.wiped for p in pages) and flow.pages.pages() == []
    assert flow.collect.address == "" and flow.collect.handover is None and flow.collect.steps == []
    needles = [ZHANG_SAN.name, ZHANG_SAN.id_number, CARD_ADDRESS, ADDRESS, *hashes,
               *(h[:16] for h in hashes)]
    kiosk.assert_no_trace(needles, watch)
    runs = [run for jpeg in jpegs for run in byte_runs(jpeg)]
    exclude = [kiosk.data_dir / "ime" / "jieba" / "jieba.cache"]
    assert files_holding([kiosk.data_dir, kiosk.tmpdir], runs, exclude) == []
