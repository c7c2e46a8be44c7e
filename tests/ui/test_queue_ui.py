"""排队取号 and 报到 through the real screens, with a real central, the simulated ESC/POS
receipt printer and the simulated camera beside the app (tests/ui/scenarios_queue.py): a
ticket whose printed QR opens central's follow page, a green-channel ticket from the card of
someone over 65, a check-in by an appointment code at the idle home screen, a too-early
refusal in words, the screens in 适老化 mode under a real fault banner, and an offline ticket
that joins the queue exactly once when central is back. Screenshots:
tests/artifacts/ui-queue-<step>.png.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import qrcode
import zxingcpp
from central_control import CentralForUi
from PIL import Image
from ui_helpers import AppRun, RunApp

from drivers.receipt.simulator import PrinterSimulator
from drivers.sim_control import ControlServer
from tests.kiosk.queue_fixtures import book_around_now, id_number, years_ago
from tests.support.real_central import RealCentral

pytestmark = [pytest.mark.ui, pytest.mark.slow]

ELDER = ("郭淑珍", "140502195005012048")        # tests/ui/cards.toml [cards.elder]


class HallDevicesForUi:
    """The receipt printer on TCP, the camera's slot, and bookings made at central; a control
    socket through which the scenario (in the app process) drives them."""

    def __init__(self, folder: Path) -> None:
        self.sim = PrinterSimulator(folder / "receipts", paper="80mm")
        self.sim.start()
        self.slot = folder / "camera" / "front.png"
        self.slot.parent.mkdir(parents=True, exist_ok=True)
        self.central: RealCentral | None = None
        self.booked: list[str] = []
        self.socket = folder / "queue.sock"
        self._control = ControlServer(self.socket, self._execute)
        self._control.start()

    def site(self) -> str:
        host, port = self.sim.address
        return (f'[devices.receipt_printer]\ndriver = "escpos"\nurl = "tcp://{host}:{port}"\n'
                'paper = "80mm"\nstatus_interval_s = 0.5\n\n'
                f'[devices.code_scanner]\ndriver = "camera_sim"\nslot = "{self.slot}"\n')

    def central_ready(self, hub: CentralForUi) -> None:
        self.central = hub.central

    def close(self) -> None:
        self._control.close()
        self.sim.stop()
        self.slot.unlink(missing_ok=True)

    def _hold_up(self, code: str) -> None:
        image = qrcode.make(code, box_size=8, border=4)
        partial = self.slot.with_name("writing.png")
        image.save(partial)
        os.replace(partial, self.slot)

    def _book(self, start_in_minutes: int) -> str:
        assert self.central is not None
        serial = f"{600 + len(self.booked):03d}"
        code = book_around_now(self.central, id_number(years_ago(41), serial), "林小雨",
                               start_in_minutes=start_in_minutes)
        self.booked.append(code)
        return code

    def _execute(self, line: str) -> str:
        try:
            match line.split():
                case ["receipt", "count"]:
                    self.sim.wait_idle(5)
                    return f"ok {len(self.sim.receipts())}"
                case ["receipt", "qr"]:
                    self.sim.wait_idle(5)
                    found = zxingcpp.read_barcodes(Image.open(self.sim.receipts()[-1]))
                    return f"ok {found[0].text if found else ''}"
                case ["show", "booked"]:
                    self._hold_up(self._book(10))
                    return "ok booked"
                case ["show", "early"]:
                    self._hold_up(self._book(120))
                    return "ok early"
                case ["clear"]:
                    self.slot.unlink(missing_ok=True)
                    return "ok clear"
        except Exception as err:  # the scenario reads the reason
            return f"error {type(err).__name__}: {err}"
        return f"error unknown command {line!r}"


@pytest.fixture(scope="module")
def devices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallDevicesForUi]:
    hall = HallDevicesForUi(tmp_path_factory.mktemp("queue-devices"))
    try:
        yield hall
    finally:
        hall.close()


@pytest.fixture(scope="module")
def run(run_scenario: RunApp, devices: HallDevicesForUi) -> AppRun:
    result = run_scenario("queue", central=True, timeout=300, demo_cards=False,
                          session={"idle_timeout_s": 120, "idle_warning_s": 15,
                                   "idle_timeout_elderly_s": 120},
                          site_extra=devices.site(), extra_args=["--printers", str(devices.socket)],
                          central_ready=devices.central_ready)
    assert result.returncode == 0 and result.results.get("ok"), result.describe()
    return result


def tickets(run: AppRun, label: str) -> list[tuple[object, ...]]:
    central = run.extra["central"].central
    return central.query("SELECT kind, offline, status FROM queue_tickets WHERE label = ?", label)


def test_the_list_shows_every_category_with_its_wait_and_the_green_channel(run: AppRun) -> None:
    texts = run.shown("01-categories")
    assert run.step("01-categories")["screen"] == "qt_categories"
    for name in ("综合", "社保", "不动产", "预约报到"):
        assert name in texts
    # A fresh central: nobody waits yet.
    assert texts.count("目前无人等候") == 3
    assert "65岁以上老人请刷身份证，优先办理（绿色通道）" in texts


def test_a_ticket_prints_with_a_qr_that_opens_its_follow_page(run: AppRun) -> None:
    normal = run.results["data"]["normal"]
    assert normal["kind"] == "normal" and not normal["offline"]
    assert normal["qr"] == normal["follow_url"]
    assert normal["follow_url"].startswith(run.extra["central"].url + "/hall/JC-ZWZX/ticket/" + normal["label"])
    texts = run.shown("02-done")
    assert normal["label"] in texts and normal["people_ahead"] == 0
    assert "您前面没有人等候，请留意叫号" in texts and "✓ 取号成功，请从出纸口取走排队凭条" in texts
    assert tickets(run, normal["label"]) == [("normal", 0, "waiting")]


def test_a_card_of_someone_over_65_gives_a_green_ticket(run: AppRun) -> None:
    assert "已识别为65岁以上老人：本次取号为绿色通道，优先办理" in run.shown("03-green-recognised")
    green = run.results["data"]["green"]
    assert green["kind"] == "green" and green["label"].startswith("B")
    assert any("绿色通道" in t for t in run.shown("04-green-done"))
    assert tickets(run, green["label"]) == [("green", 0, "waiting")]
    for step in ("03-green-recognised", "04-green-done"):
        for clear in ELDER:
            assert not any(clear in t for t in run.step(step)["all_texts"])


def test_an_appointment_code_at_the_home_screen_checks_in(run: AppRun) -> None:
    checkin = run.results["data"]["checkin"]
    assert checkin["kind"] == "appointment"
    assert any("预约报到" in t for t in run.shown("05-checkin-done"))
    assert tickets(run, checkin["label"]) == [("appointment", 0, "waiting")]


def test_too_early_is_said_with_the_time_and_a_normal_ticket_offered(run: AppRun) -> None:
    texts = run.shown("06-checkin-too-early")
    assert run.step("06-checkin-too-early")["screen"] == "qt_checkin"
    said = next(t for t in texts if "还没到报到时间" in t)
    assert "报到时间为" in said and "普通号" in said
    assert "取普通号" in texts


def test_later_lists_show_who_is_waiting(run: AppRun) -> None:
    texts = run.shown("07-categories-elderly-banner")
    assert any(t.startswith("等候 ") and "分钟" in t for t in texts)


def test_elderly_mode_under_a_fault_banner(run: AppRun) -> None:
    for step in ("07-categories-elderly-banner", "08-done-elderly-banner"):
        snap = run.step(step)
        assert snap["elderly"] and snap["banner"], step
        width, height = snap["window"]
        for item in snap["texts"]:
            x, y = item["pos"]
            w, h = item["size"]
            assert x >= 0 and y >= 0 and x + w <= width + 1 and y + h <= height + 1, (step, item)

    def size(step: str, text: str) -> float:
        return max(t["font_size"] for t in run.step(step)["texts"] if t["text"] == text)

    assert size("07-categories-elderly-banner", "综合") >= 1.2 * size("01-categories", "综合")


def test_an_offline_ticket_is_marked_and_joins_the_queue_once(run: AppRun) -> None:
    assert any("离线取号" in t for t in run.shown("09-categories-offline-elderly"))
    offline = run.results["data"]["offline"]
    assert offline["offline"] and offline["people_ahead"] is None
    texts = run.shown("10-done-offline-elderly")
    assert "离线取号" in texts and "网络恢复后自动加入排队，等候时间暂无法估算" in texts
    assert "✓ 取号成功，请从出纸口取走排队凭条" in texts
    assert tickets(run, offline["label"]) == [("normal", 1, "waiting")]
