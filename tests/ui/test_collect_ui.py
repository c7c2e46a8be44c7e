"""异地代收 through the real screens, with a real central beside the app (one run of
scenarios_collect.collect): 张三 files the 焦作 item with its 购房合同 photographed by the
simulated document camera (a blurred shot refused first), the result posted to an address
typed on the pinyin keys, the 受理回执 and the 收件交接单 printed. Screenshots:
tests/artifacts/ui-collect-<step>.png (normal, and the materials and delivery pages in 适老化
mode under the fault banner); the printed slips: tests/artifacts/ui-collect-receipt-N.png."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from printers_control import PrintersForUi
from ui_helpers import AppRun, RunApp

from drivers.idcard.sim_cards import load_cards

pytestmark = [pytest.mark.ui, pytest.mark.slow]

ZHANG_SAN = load_cards(Path(__file__).resolve().parents[2] / "drivers" / "idcard" / "sim_cards.toml")["zhang_san"]
CAMERA = '[devices.document_camera]\ndriver = "simulated"\n'


@pytest.fixture(scope="module")
def collect_run(run_scenario: RunApp, tmp_path_factory: pytest.TempPathFactory,
                ui_artifacts: Path) -> Iterator[AppRun]:
    printers = PrintersForUi(tmp_path_factory.mktemp("collect-printers"))
    try:
        run = run_scenario("collect", central=True, timeout=400,
                           session={"idle_timeout_s": 150, "idle_warning_s": 15,
                                    "idle_timeout_elderly_s": 150},
                           site_extra=printers.site() + "\n" + CAMERA,
                           extra_args=["--printers", str(printers.socket)])
        receipts = printers.receipts()
        for n, png in enumerate(receipts, 1):
            shutil.copyfile(png, ui_artifacts / f"ui-collect-receipt-{n}.png")
        run.extra["receipts"] = receipts
    finally:
        printers.close()
    assert run.returncode == 0 and run.results.get("ok"), run.describe()
    yield run


def _joined(run: AppRun, step: str) -> str:
    return " ".join(run.shown(step))


def test_the_item_page_says_it_is_collected_here_for_jiaozuo(collect_run: AppRun) -> None:
    text = _joined(collect_run, "01-detail")
    assert collect_run.step("01-detail")["screen"] == "yz_detail"
    assert "异地代收：本终端收件，材料寄递至河南省焦作市住房公积金管理中心办理，结果邮寄或到本厅领取" in text
    assert "在本机高拍仪拍摄提交" in text and "开始办理" in text


def test_a_blurred_page_is_refused_with_its_reason(collect_run: AppRun) -> None:
    assert collect_run.step("02-materials")["screen"] == "yz_materials"
    assert "第1项，共1项：购房合同" in collect_run.shown("02-materials")
    assert "照片不清晰" in _joined(collect_run, "03-blurred")
    assert collect_run.results["data"]["blurred_can_keep"] is False
    assert "第1页" in collect_run.shown("05-kept")


def test_the_address_is_typed_with_pinyin_and_checked(collect_run: AppRun) -> None:
    assert collect_run.step("06-delivery")["screen"] == "yz_delivery"
    shown = collect_run.shown("06-delivery")
    assert "办理结果如何送达" in shown and "邮寄到家" in shown and "到本厅领取" in shown
    assert "晋城市" in _joined(collect_run, "07-address-typing")
    assert "晋城市城区" in _joined(collect_run, "08-address")


def test_the_confirm_page_lists_the_pages_and_the_masked_delivery(collect_run: AppRun) -> None:
    text = _joined(collect_run, "10-confirm")
    assert "购房合同" in text and "1页" in text and "邮寄到家：晋城市城区" in text
    assert "异地代收" in text


def test_filed_with_both_slips_printed(collect_run: AppRun) -> None:
    data = collect_run.results["data"]
    assert data["number"] and (data["receipt"], data["handover"]) == ("printed", "printed")
    assert len(collect_run.extra["receipts"]) >= 2      # the 受理回执, then the 收件交接单


def test_elderly_mode_and_the_banner_on_the_materials_and_delivery_pages(collect_run: AppRun) -> None:
    for step, screen in (("04-materials-elderly-banner", "yz_materials"),
                         ("09-delivery-elderly-banner", "yz_delivery")):
        assert collect_run.step(step)["screen"] == screen


def test_nothing_personal_is_shown_in_the_clear(collect_run: AppRun) -> None:
    for step in ("01-detail", "10-confirm", "11-result"):
        text = _joined(collect_run, step)
        assert ZHANG_SAN.id_number not in text and ZHANG_SAN.address not in text
