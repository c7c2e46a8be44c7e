"""预约办事 through the real screens, with a real central and the simulated ESC/POS receipt
printer beside the app (tests/ui/scenarios_appointment.py): a booking from the calendar to
the printed 预约凭条 (its QR read back from the printed picture is central's signed code),
我的预约 and a cancel, a grey day's and a full slot's refusals in words, and a booking in
适老化 mode under a real fault banner whose slip could not print. Screenshots:
tests/artifacts/ui-appointment-<step>.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageOps
from ui_helpers import AppRun, RunApp

from drivers.receipt.simulator import PrinterSimulator
from drivers.sim_control import ControlServer
from tests.kiosk.appointment_fixtures import ensure_calendar

pytestmark = [pytest.mark.ui, pytest.mark.slow]

MASKED_NAME, MASKED_ID = "张*", "1101**********1233"
CLEAR = ["张三", "110101199003071233"]


class ReceiptForUi:
    """The simulated receipt printer on TCP, and a control socket (``receipt paper STATE``,
    ``receipt count``) through which the scenario changes the paper."""

    def __init__(self, folder: Path) -> None:
        self.sim = PrinterSimulator(folder / "receipts", paper="80mm")
        self.sim.start()
        self.socket = folder / "printers.sock"
        self._control = ControlServer(self.socket, self._execute)
        self._control.start()

    def site(self) -> str:
        host, port = self.sim.address
        return (f'[devices.receipt_printer]\ndriver = "escpos"\nurl = "tcp://{host}:{port}"\n'
                'paper = "80mm"\nstatus_interval_s = 0.5\n')

    def close(self) -> None:
        self._control.close()
        self.sim.stop()

    def _execute(self, line: str) -> str:
        match line.split():
            case ["receipt", "paper", state]:
                self.sim.set_paper(state)
                return f"ok {state}"
            case ["receipt", "count"]:
                self.sim.wait_idle(5)
                return f"ok {len(self.sim.receipts())}"
        return f"error unknown command {line!r}"


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceiptForUi]:
    receipt = ReceiptForUi(tmp_path_factory.mktemp("appointment-printer"))
    try:
        yield receipt
    finally:
        receipt.close()


@pytest.fixture(scope="module")
def run(run_scenario: RunApp, printed: ReceiptForUi, tmp_path_factory: pytest.TempPathFactory) -> AppRun:
    folder = tmp_path_factory.mktemp("appointment-calendar")
    result = run_scenario("appointment", central=True, timeout=300,
                          session={"idle_timeout_s": 120, "idle_warning_s": 15, "idle_timeout_elderly_s": 120},
                          site_extra=printed.site(), extra_args=["--printers", str(printed.socket)],
                          central_ready=lambda hub: ensure_calendar(hub.central, folder))
    assert result.returncode == 0 and result.results.get("ok"), result.describe()
    return result


def _any(texts: list[str], fragment: str) -> bool:
    return any(fragment in t for t in texts)


def _inside_window(step: dict, vertically: bool = True) -> None:
    """No text beyond the window's sides (lists scroll up and down only: a row below the
    view is not out of place, so ``vertically`` is for screens without a long list)."""
    width, height = step["window"]
    for item in step["texts"]:
        x, y = item["pos"]
        w, h = item["size"]
        assert x >= 0 and x + w <= width + 1, item
        if vertically:
            assert y >= 0 and y + h <= height + 1, item


def test_items_of_the_hall_with_their_sessions(run: AppRun) -> None:
    texts = run.shown("01-items")
    assert run.step("01-items")["screen"] == "ap_items"
    assert "城乡居民基本养老保险参保登记" in texts and "可约错时服务" in texts and "可约无休服务" in texts
    assert "我的预约" in texts and MASKED_NAME in " ".join(texts)


def test_the_calendar_greys_what_cannot_be_booked_and_says_why(run: AppRun) -> None:
    days = run.shown("02-days")
    assert "请选择预约日期" in days
    assert "时间太近" in days and "暂未开放" in days and _any(days, "余")
    grey = run.shown("03-days-too-soon")
    assert "预约需至少提前24小时，该时间已来不及预约。请选择更晚的日期或时段；今天要办理可到大厅现场取号" in grey
    assert run.step("03-days-too-soon")["screen"] == "ap_days"


def test_a_slot_taken_meanwhile_is_refused_in_words_and_shown_full(run: AppRun) -> None:
    assert run.results["data"]["taken_by_others"] >= 1
    texts = run.shown("06-slots-full")
    assert run.step("06-slots-full")["screen"] == "ap_slots"
    assert "该时段已约满，请选择其他时段" in texts and "已约满" in texts


def test_the_confirmation_shows_the_booking_and_the_cancel_rule(run: AppRun) -> None:
    texts = run.shown("05-confirm")
    for caption in ("预约事项", "办理大厅", "大厅地址", "预约日期", "预约时段", "预约人", "取消规则"):
        assert caption in texts
    assert MASKED_NAME in texts and "可在预约时段开始前2小时取消" in texts
    for clear in CLEAR:
        assert not _any(texts, clear)


def test_the_slip_printed_carries_centrals_signed_code(run: AppRun, printed: ReceiptForUi) -> None:
    booked = run.results["data"]["booked"]
    texts = run.shown("07-done")
    assert booked["number"] in texts and "预约凭条已打印，请在出纸口取走" in texts
    slips = printed.sim.receipts()
    assert len(slips) == 1, slips          # the second booking had no paper
    image = ImageOps.expand(Image.open(slips[0]).convert("L"), border=24, fill=255)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [booked["qr"]]
    assert booked["qr"].startswith("TONGBAN-APPT:")
    central = run.extra["central"]
    [(qr_number,)] = central.central.query("SELECT number FROM appointments WHERE number = ?", booked["number"])
    assert qr_number == booked["number"]


def test_my_appointments_lists_it_and_it_is_cancelled(run: AppRun) -> None:
    booked = run.results["data"]["booked"]
    assert _any(run.shown("08-mine"), booked["number"]) and "取消预约" in run.shown("08-mine")
    asked = run.shown("09-cancel-asked")
    assert "确定要取消这个预约吗？" in asked and "不取消" in asked and "确定取消" in asked
    done = run.shown("10-mine-cancelled")
    assert f"预约 {booked['number']} 已取消" in done and "已取消" in done
    central = run.extra["central"].central
    rows = central.query("SELECT b.status FROM bookings b JOIN appointments a ON a.id = b.appointment_id "
                         "WHERE a.number = ?", booked["number"])
    assert rows == [("cancelled",)]


def test_a_printer_fault_after_booking_leaves_the_booking_and_says_so(run: AppRun) -> None:
    step = run.step("16-done-no-slip-elderly-banner")
    assert step["elderly"] and step["banner"] and step["screen"] == "ap_done"
    texts = run.shown("16-done-no-slip-elderly-banner")
    number = run.results["data"]["booked_without_slip"]["number"]
    assert number in texts
    assert _any(texts, "预约凭条未能打印") and _any(texts, "预约已成功，可在“我的预约”中查看")
    rows = run.extra["central"].central.query(
        "SELECT b.status FROM bookings b JOIN appointments a ON a.id = b.appointment_id WHERE a.number = ?", number)
    assert rows == [("booked",)]


def test_elderly_mode_enlarges_and_nothing_leaves_the_window(run: AppRun) -> None:
    def size(step: str, text: str) -> float:
        return max(t["font_size"] for t in run.step(step)["texts"] if t["text"] == text)

    assert size("11-mine-elderly", "我的预约") >= 1.25 * size("08-mine", "我的预约")
    for step in ("11-mine-elderly", "12-items-elderly", "13-days-elderly-banner", "14-slots-elderly-banner",
                 "02-days", "04-slots"):
        _inside_window(run.step(step), vertically=False)
    for step in ("09-cancel-asked", "16-done-no-slip-elderly-banner"):
        _inside_window(run.step(step))


def test_nothing_personal_remains_after_the_session(run: AppRun) -> None:
    step = run.step("finished")
    assert step["screen"] == "home"
    for text in (MASKED_NAME, MASKED_ID, *CLEAR, run.results["data"]["booked"]["number"]):
        assert not _any(step["all_texts"], text), text
    log = (run.data_dir / "logs" / "kiosk.log").read_text(encoding="utf-8")
    for clear in CLEAR:
        assert clear not in log and clear not in run.stdout and clear not in run.stderr
