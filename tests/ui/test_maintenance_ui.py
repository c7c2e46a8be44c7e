"""The technician's maintenance screen and the staff screen fixes under Xvfb
(tests/ui/scenarios_maintenance.py): a real central (reachable, enrolled), the simulated ID
reader with the demo cards, the simulated receipt printer and a private cupsd for A4.
Screenshots: tests/artifacts/ui-maint-<step>.png and ui-staff-<step>.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from printers_control import PrintersForUi
from scenarios_maintenance import LOOKUP_ID, SCAN_TEXT, STAFF_PIN, TECH_PIN
from ui_helpers import AppRun, RunApp

from kiosk.staff import hash_pin

pytestmark = [pytest.mark.ui, pytest.mark.slow]

CLEAR = ["张三", LOOKUP_ID, "北京市东城区示例胡同12号"]


@pytest.fixture(scope="module")
def maint_run(run_scenario: RunApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppRun]:
    printers = PrintersForUi(tmp_path_factory.mktemp("printers"))
    slot = tmp_path_factory.mktemp("camera") / "front.png"
    site = (printers.site()
            + f'\n[devices.code_scanner]\ndriver = "camera_sim"\nslot = "{slot}"\n'
            + f'\n[staff]\npin_hash = "{hash_pin(STAFF_PIN)}"\npin_digits = 6\n'
            + f'\n[technician]\npin_hash = "{hash_pin(TECH_PIN)}"\npin_digits = 6\n')
    try:
        run = run_scenario("maint", central=True, timeout=240, site_extra=site,
                           session={"idle_timeout_s": 90, "idle_warning_s": 15},
                           extra_args=["--printers", str(printers.socket)])
        yield run
    finally:
        printers.close()


def test_the_run_completed(maint_run: AppRun) -> None:
    assert maint_run.returncode == 0 and maint_run.results.get("ok"), maint_run.describe()


def test_a_long_press_on_the_clock_opens_the_technician_pin(maint_run: AppRun) -> None:
    data = maint_run.results["data"]
    assert data["after_quick_tap"] == "home"
    assert maint_run.step("01-pin")["screen"] == "maint_pin"
    assert "技术人员登录" in maint_run.shown("01-pin")
    assert data["tech_dots"] == "○ ○ ○ ○ ○ ○"


def test_the_staff_pin_does_not_open_maintenance(maint_run: AppRun) -> None:
    assert maint_run.step("02-pin-wrong")["screen"] == "maint_pin"
    assert any("密码错误" in t for t in maint_run.shown("02-pin-wrong"))
    assert maint_run.results["data"]["tech_message_after_typing"] == ""


def test_the_device_list_shows_each_device_and_the_tools(maint_run: AppRun) -> None:
    texts = maint_run.shown("03-home")
    assert {"身份证阅读器", "凭条打印机", "A4打印机"} <= set(texts)
    assert "正常" in texts and "读身份证" in texts and "打印测试页" in texts
    assert any(t.startswith("配置版本 ") for t in texts)


def test_an_id_card_read_is_shown_masked_and_starts_no_session(maint_run: AppRun) -> None:
    data = maint_run.results["data"]
    assert data["session_after_id_read"] == "idle"
    texts = maint_run.shown("04-id-card")
    assert "1101**********1233" in texts and "张*" in texts
    for clear in CLEAR:
        assert clear not in data["card_texts"]


def test_the_test_pages_reached_the_simulated_printers(maint_run: AppRun) -> None:
    data = maint_run.results["data"]
    assert data["receipts"] == 1 and data["pdfs"] == 1
    assert any(t.startswith("A4测试页已打印") for t in maint_run.shown("05-print"))


def test_the_touch_test_draws_and_clears(maint_run: AppRun) -> None:
    data = maint_run.results["data"]
    assert data["strokes"] == 2 and data["ink_points"] >= 2 * 2 * 8
    assert data["strokes_after_clear"] == 0


def test_the_central_check_says_reachable_clock_and_enrolled(maint_run: AppRun) -> None:
    texts = maint_run.shown("07-central")
    assert any(t.startswith("可以连接") for t in texts)
    assert any(t.startswith(("+", "−")) and "秒" in t for t in texts)
    assert any(t.startswith("已注册，终端编号") for t in texts)


def test_the_scan_test_shows_the_camera_live_and_the_decoded_text(maint_run: AppRun) -> None:
    data = maint_run.results["data"]
    assert data["preview_frames"] >= 2                  # the picture kept changing
    width, height = data["preview_size"]
    assert width >= 320 and 0.4 < height / width < 0.8  # the camera's 16:9 frame, scaled
    assert SCAN_TEXT in maint_run.shown("08c-scan")
    assert data["session_after_scan"] == "idle"         # a code in maintenance starts nothing


def test_the_sound_check_says_whether_it_played(maint_run: AppRun) -> None:
    outcome = maint_run.results["data"]["sound_check"]
    expected = {"played": "已播放测试语音，请确认能听到", "voice_failed": "测试语音未能播放，请检查音箱和音频设置"}
    assert expected[outcome] in maint_run.shown("08b-voice")
    assert any(t.startswith("音量 ") for t in maint_run.shown("08b-voice"))


def test_the_config_version_is_shown(maint_run: AppRun) -> None:
    version = maint_run.results["data"]["config_version"]
    assert len(version) == 12 and version in maint_run.shown("08-config")


def test_the_screens_fit_in_elderly_mode(maint_run: AppRun) -> None:
    for name in ("09-home-elderly", "10-print-elderly"):
        step = maint_run.step(name)
        assert step["elderly"]
        width, height = step["window"]
        for item in step["texts"]:
            x, y = item["pos"]
            w, h = item["size"]
            assert x >= -1 and y >= -1 and x + w <= width + 1 and y + h <= height + 1, (name, item)


def test_left_alone_it_counts_down_then_leaves(maint_run: AppRun) -> None:
    data = maint_run.results["data"]
    assert any(t.startswith("即将退出管理模式（") for t in maint_run.shown("11-countdown"))
    assert data["technician_after_idle"] == "closed" and data["idle_left_after_s"] < 6


def test_staff_pin_shows_six_places_for_a_six_digit_pin(maint_run: AppRun) -> None:
    assert maint_run.results["data"]["staff_dots"] == "○ ○ ○ ○ ○ ○"


def test_the_wrong_pin_message_goes_when_typing_and_after_the_right_pin(maint_run: AppRun) -> None:
    data = maint_run.results["data"]
    assert any("密码错误" in t for t in maint_run.shown("12-staff-pin-wrong"))
    assert data["staff_message_after_typing"] == ""
    assert data["staff_message_after_right_pin"] == ""


def test_the_look_up_chip_masks_the_id_number(maint_run: AppRun) -> None:
    texts = maint_run.shown("14-staff-masked")
    assert "1101**********1233" in texts
    assert LOOKUP_ID not in maint_run.results["data"]["staff_log_texts"]


def test_the_columns_keep_their_widths_when_the_keypad_opens(maint_run: AppRun) -> None:
    data = maint_run.results["data"]
    assert data["widths_open"] == data["widths_closed"] and len(data["widths_open"]) == 6


def test_the_keypad_keys_stay_inside_their_panel_in_elderly_mode(maint_run: AppRun) -> None:
    geometry = maint_run.results["data"]["keypad_elderly"]
    bottom, top = geometry["panel"]
    assert len(geometry["keys"]) == 13
    for y, key_top, text_height in geometry["keys"]:
        assert bottom - 1 <= y and key_top <= top + 1, geometry       # inside the panel
        assert text_height <= key_top - y, geometry                   # the label fits its key


def test_a_countdown_with_continue_before_the_staff_idle_close(maint_run: AppRun) -> None:
    data = maint_run.results["data"]
    assert any(t.startswith("即将退出管理模式（") for t in maint_run.shown("16-staff-countdown"))
    assert "继续" in maint_run.shown("16-staff-countdown")
    assert data["staff_after_continue"] == "staff_log"
    assert data["staff_after_idle"] == "closed"


def test_no_clear_personal_data_in_the_app_logs(maint_run: AppRun) -> None:
    for clear in CLEAR:
        assert clear not in maint_run.stdout and clear not in maint_run.stderr
    assert "technician: ID card read ok" in maint_run.stdout + maint_run.stderr


def test_the_artifacts_exist(maint_run: AppRun) -> None:
    root = Path(__file__).resolve().parent.parent / "artifacts"
    assert (root / "ui-maint-03-home.png").exists() and (root / "ui-staff-14-staff-masked.png").exists()
