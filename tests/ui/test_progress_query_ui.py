"""办件查询 through the real screens, with a real central (its public URL set, so receipts
carry the tracking URL), the simulated ESC/POS receipt printer and the camera's code slot
beside the app (tests/ui/scenarios_progress_query.py): a typed number and 查询码 give the
masked public view, a wrong 查询码 the not-found words, 张三's card his own list and the
timeline with 补打回执 (the printed QR read back is central's tracking URL), the receipt's QR
at the idle home screen opens 办件查询, 办事指南 prints an item's 一次性告知单, and the
screens in 适老化 mode under a real fault banner (the eight home tiles). Screenshots: tests/artifacts/ui-progress_query-<step>.png.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
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
from kiosk.central_api.models import Applicant, ApplicationRequest, MaterialRef
from tests.kiosk.appointment_fixtures import enrolled
from tests.support.real_central import PENSION_FORM, PENSION_ITEM, seed_person

pytestmark = [pytest.mark.ui, pytest.mark.slow]

PUBLIC = "https://zwfw.example.cn"
CLEAR = ["张三", "110101199003071233"]


class TrackingDevicesForUi:
    """The receipt printer on TCP and the camera's code slot; a control socket: ``receipt
    count``, ``receipt qr`` (the last receipt's QR read from its picture), ``show TEXT`` (a
    QR of TEXT in front of the camera), ``clear``."""

    def __init__(self, folder: Path) -> None:
        self.sim = PrinterSimulator(folder / "receipts", paper="80mm")
        self.sim.start()
        self.slot = folder / "camera" / "front.png"
        self.slot.parent.mkdir(parents=True, exist_ok=True)
        self.filed = folder / "filed.json"
        self.socket = folder / "tracking.sock"
        self._control = ControlServer(self.socket, self._execute)
        self._control.start()

    def site(self) -> str:
        host, port = self.sim.address
        return (f'[devices.receipt_printer]\ndriver = "escpos"\nurl = "tcp://{host}:{port}"\n'
                'paper = "80mm"\nstatus_interval_s = 0.5\n\n'
                f'[devices.code_scanner]\ndriver = "camera_sim"\nslot = "{self.slot}"\n')

    def file_applications(self, hub: CentralForUi) -> None:
        """Two applications of 张三 (the seed's first citizen), filed by another terminal."""
        person = seed_person()
        filed = []
        with enrolled(hub.central) as client:
            for _ in range(2):
                request = ApplicationRequest(
                    item_code=PENSION_ITEM, local_receipt=f"UI-{uuid.uuid4().hex[:10]}",
                    applicant=Applicant(kind="person", id_number=person.id_number, name=person.name),
                    form=dict(PENSION_FORM),
                    materials=[MaterialRef(code="M01", source="licence", ref=person.licences["hukou"])],
                    submitted_at=dt.datetime.now(dt.UTC))
                app = client.submit_application(request, str(uuid.uuid4()))
                filed.append({"number": app.application_number, "check": app.check_code,
                              "url": app.tracking_url})
        self.filed.write_text(json.dumps(filed), encoding="utf-8")

    def close(self) -> None:
        self._control.close()
        self.sim.stop()
        self.slot.unlink(missing_ok=True)

    def _execute(self, line: str) -> str:
        try:
            match line.split(maxsplit=1):
                case ["receipt", "count"]:
                    self.sim.wait_idle(5)
                    return f"ok {len(self.sim.receipts())}"
                case ["receipt", "qr"]:
                    self.sim.wait_idle(5)
                    found = zxingcpp.read_barcodes(Image.open(self.sim.receipts()[-1]))
                    return f"ok {found[0].text if found else ''}"
                case ["show", text]:
                    image = qrcode.make(text, box_size=8, border=4)
                    partial = self.slot.with_name("writing.png")
                    image.save(partial)
                    os.replace(partial, self.slot)
                    return "ok shown"
                case ["receipt", rest] if rest.startswith("paper "):
                    state = rest.split()[1]
                    self.sim.set_paper(state)
                    return f"ok {state}"
                case ["clear"]:
                    self.slot.unlink(missing_ok=True)
                    return "ok clear"
        except Exception as err:  # the scenario reads the reason
            return f"error {type(err).__name__}: {err}"
        return f"error unknown command {line!r}"


@pytest.fixture(scope="module")
def devices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrackingDevicesForUi]:
    hall = TrackingDevicesForUi(tmp_path_factory.mktemp("tracking-devices"))
    try:
        yield hall
    finally:
        hall.close()


@pytest.fixture(scope="module")
def run(run_scenario: RunApp, devices: TrackingDevicesForUi) -> Iterator[AppRun]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TONGBAN_CENTRAL_PUBLIC_URL", PUBLIC)   # central serves with a public URL
        result = run_scenario("progress_query", central=True, timeout=300,
                              session={"idle_timeout_s": 120, "idle_warning_s": 15,
                                       "idle_timeout_elderly_s": 120},
                              site_extra=devices.site(), extra_args=["--printers", str(devices.socket)],
                              env={"PQ_FILED": str(devices.filed)},
                              central_ready=devices.file_applications)
    assert result.returncode == 0 and result.results.get("ok"), result.describe()
    yield result


def filed(devices: TrackingDevicesForUi) -> list[dict[str, str]]:
    return json.loads(devices.filed.read_text(encoding="utf-8"))


def test_typed_number_and_check_code_show_the_masked_public_view(run: AppRun, devices: TrackingDevicesForUi) -> None:
    older, _ = filed(devices)
    assert run.results["data"]["public_shown"] == older["number"]
    texts = " ".join(run.shown("03-public"))
    assert run.step("03-public")["screen"] == "pq_public"
    assert "张*" in texts and "未核验身份" in texts and "办理进度" in texts
    assert not any(c in texts for c in CLEAR) and older["check"] not in texts


def test_a_wrong_check_code_is_said_like_an_unknown_number(run: AppRun) -> None:
    assert run.step("04-wrong-code")["screen"] == "pq_enter"
    assert "没有查到该办件，请核对办件编号和查询码。" in run.shown("04-wrong-code")


def test_the_card_lists_the_citizens_applications_newest_first(run: AppRun, devices: TrackingDevicesForUi) -> None:
    older, newer = filed(devices)
    listed = run.results["data"]["listed"]
    assert listed.index(newer["number"]) < listed.index(older["number"])
    assert run.step("05-list")["screen"] == "pq_list"
    texts = " ".join(run.shown("05-list"))
    assert "我的办件" in texts and "城乡居民基本养老保险参保登记" in texts
    assert "张三" not in texts and "110101199003071233" not in texts


def test_the_detail_shows_the_check_code_and_the_reprint_carries_the_tracking_url(
        run: AppRun, devices: TrackingDevicesForUi) -> None:
    data = run.results["data"]
    app = next(a for a in filed(devices) if a["number"] == data["reprinted_for"])
    texts = " ".join(run.shown("06-detail"))
    assert f"查询码 {app['check']}" in texts and "补打回执" in texts and "申请" in texts
    assert data["reprinted_qr"] == app["url"] == f"{PUBLIC}/t/{app['number']}?c={app['check']}"
    assert "回执已打印，请从出纸口取走" in run.shown("07-reprinted")
    assert data["card_after_back"] is False   # leaving the list let the card go


def test_the_receipt_qr_at_the_idle_home_screen_opens_the_application(
        run: AppRun, devices: TrackingDevicesForUi) -> None:
    _, newer = filed(devices)
    assert run.results["data"]["scanned_shown"] == newer["number"]
    assert run.step("08-scanned-at-home")["screen"] == "pq_public"


def test_the_guide_lists_the_catalogue_and_prints_the_notice(run: AppRun) -> None:
    assert run.step("13-guide-list")["screen"] == "gd_list"
    assert "户籍证明开具" in run.shown("13-guide-list")
    detail = " ".join(run.shown("14-guide-detail"))
    assert "多地联办" in detail and "受理条件" in detail and "打印一次性告知单" in detail
    assert "一次性告知单已打印，请从出纸口取走" in run.shown("15-guide-printed")


def test_elderly_mode_under_a_fault_banner(run: AppRun) -> None:
    for step in ("09-home-elderly-banner", "10-start-elderly-banner", "11-typed-elderly-banner",
                 "12-public-elderly-banner", "16-guide-detail-elderly-banner"):
        assert run.step(step)["banner"] and run.step(step)["elderly"], step
    home = run.shown("09-home-elderly-banner")
    for tile in ("身份核验", "一证通办", "证明打印", "排队取号", "预约办事", "办件查询", "办事指南", "好差评"):
        assert tile in home, tile


def a11y_of(run_scenario: RunApp, devices: TrackingDevicesForUi, scenario: str) -> AppRun:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TONGBAN_CENTRAL_PUBLIC_URL", PUBLIC)
        result = run_scenario(scenario, central=True, timeout=600,
                              session={"idle_timeout_s": 300, "idle_warning_s": 15,
                                       "idle_timeout_elderly_s": 300},
                              site_extra=devices.site(), extra_args=["--printers", str(devices.socket)],
                              env={"PQ_FILED": str(devices.filed)},
                              central_ready=devices.file_applications)
    assert result.returncode == 0 and result.results.get("ok"), result.describe()
    return result


@pytest.mark.parametrize(("scenario", "names"), [
    ("progress_query_a11y", {"pq_start", "pq_list", "pq_detail", "pq_enter", "pq_public", "pq_printing",
                             "pq_loading", "pq_error"}),
    ("guide_a11y", {"gd_list", "gd_detail", "gd_loading", "gd_error"}),
])
def test_every_screen_passes_the_accessibility_check_in_every_mode(
        run_scenario: RunApp, devices: TrackingDevicesForUi, scenario: str, names: set[str]) -> None:
    visits = a11y_of(run_scenario, devices, scenario).results["data"]["a11y"]["visits"]
    screens = {v["screen"] for v in visits}
    assert screens == names
    modes = {(v["screen"], v["mode"]) for v in visits}
    for screen in screens:
        for mode in ("normal", "elderly", "normal-banner", "elderly-banner", "elderly-growth"):
            assert (screen, mode) in modes, (screen, mode)
    findings = [(v["screen"], v["mode"], f) for v in visits for f in v["findings"]]
    assert findings == []
