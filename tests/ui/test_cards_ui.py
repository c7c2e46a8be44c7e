"""Social security cards, staff cards and scanned codes through the real screens
(tests/ui/scenarios_cards.py), in one app run.

A private pcscd with vpcd readers holds the VirtualCards (tests/support/pcsc.py); the app's
simulated camera films a slot file the test writes QR codes into; a real seeded central
resolves the electronic ID code and signs the appointment. Screenshots:
tests/artifacts/ui-cards-<step>.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cards_control import CardsForUi
from scenarios_cards import PIN_RIGHT, PIN_WRONG
from ui_helpers import AppRun, RunApp

from tests.support.pcsc import Pcscd, pcscd_fixture

pytestmark = [pytest.mark.ui, pytest.mark.slow]

CLEAR = ["张三", "刘芳", "110101199003071233", "140502198507150022"]


@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    yield from pcscd_fixture()


@pytest.fixture(scope="module")
def cards_run(run_scenario: RunApp, pcscd: Pcscd,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppRun]:
    cards = CardsForUi(tmp_path_factory.mktemp("cards"), pcscd)
    try:
        run = run_scenario(
            "cards", central=True, timeout=240,
            session={"idle_timeout_s": 90, "idle_warning_s": 10, "card_removal_grace_s": 3},
            site_extra=cards.site(), extra_args=["--cards", str(cards.socket)],
            env=pcscd.env, central_ready=cards.central_ready,
        )
        run.extra["codes"] = list(cards.shown)
        yield run
    finally:
        cards.close()


def _log_text(run: AppRun) -> str:
    logs = sorted((run.data_dir / "logs").glob("*.log*"))
    return run.stdout + run.stderr + "".join(p.read_text(errors="replace") for p in logs)


def _notifications(run: AppRun, kind: str) -> list[dict[str, str]]:
    return [data for k, data in run.results["data"]["notifications"] if k == kind]


def test_cards_run_completed(cards_run: AppRun) -> None:
    assert cards_run.returncode == 0 and cards_run.results.get("ok"), cards_run.describe()


def test_home_names_the_social_security_card_and_the_code_as_ways_in(cards_run: AppRun) -> None:
    texts = cards_run.shown("01-home")
    assert "也可直接将身份证放在感应区，自动进入身份核验" in texts
    assert "还可插入社保卡，或出示电子证照码" in texts


def test_the_waiting_screen_names_them_too(cards_run: AppRun) -> None:
    texts = cards_run.shown("02-waiting")
    assert "请将身份证放在感应区" in texts and "也可插入社保卡，或出示电子证照码" in texts


def test_a_social_security_card_identifies_the_citizen_masked(cards_run: AppRun) -> None:
    step = cards_run.step("03-ssse-identity")
    assert step["screen"] == "identity_read"
    texts = cards_run.shown("03-ssse-identity")
    assert {"社会保障卡", "张*", "1101**********1233"} <= set(texts)
    assert "办理结束后请取走您的社保卡" in cards_run.shown("04-ssse-result")


def test_pulling_the_card_out_ends_the_session_after_the_grace(cards_run: AppRun) -> None:
    removed = cards_run.step("05-ssse-removed")
    assert removed["overlay"] == "removed" and "社保卡已移开" in cards_run.shown("05-ssse-removed")
    assert any("请将社保卡重新插入" in t for t in cards_run.shown("05-ssse-removed"))
    assert cards_run.step("06-ssse-ended")["screen"] == "home"
    assert any(t.startswith("社保卡已移开，本次服务已结束") for t in cards_run.shown("06-ssse-ended"))
    assert "张*" not in cards_run.step("06-ssse-ended")["all_texts"]


def test_a_card_that_wants_its_pin_opens_the_pin_pad(cards_run: AppRun) -> None:
    texts = cards_run.shown("07-pin")
    assert {"请输入社保卡密码", "确定", "取消", "○ ○ ○ ○ ○ ○"} <= set(texts)
    assert {str(d) for d in range(10)} <= set(texts)


def test_a_wrong_pin_says_how_many_tries_are_left_and_the_right_one_identifies(
    cards_run: AppRun,
) -> None:
    assert any(t.startswith("密码错误，还可尝试2次") for t in cards_run.shown("08-pin-wrong"))
    # ... and where a forgotten PIN is reset (issue 11 §4)
    assert any("忘记密码请携带身份证到社保窗口" in t for t in cards_run.shown("08-pin-wrong"))
    identified = cards_run.step("09-pin-identified")
    assert identified["screen"] == "identity_read" and not identified["overlay"]
    assert {"刘*", "社会保障卡"} <= set(cards_run.shown("09-pin-identified"))
    assert cards_run.results["data"]["pad_after_identified"] == [False, ""]
    assert "请输入社保卡密码" not in cards_run.shown("09-pin-identified")


def test_cancelling_the_pin_ends_the_read_and_says_how_to_start_again(cards_run: AppRun) -> None:
    texts = cards_run.shown("10-pin-cancelled")
    assert "已取消读取社保卡。如需办理，请重新插入社保卡" in texts
    assert cards_run.step("10-pin-cancelled")["screen"] == "home"


def test_three_wrong_pins_block_the_card_and_say_so(cards_run: AppRun) -> None:
    texts = cards_run.shown("11-pin-blocked")
    assert "社保卡密码已锁定，请到社保窗口办理解锁" in texts
    assert "请输入社保卡密码" not in texts
    asked = [d["tries_left"] for d in _notifications(cards_run, "pin_request")]
    # right-PIN read, the cancelled read, the blocking read
    assert asked == ["None", "2", "None", "None", "2", "1"]


def test_the_pin_never_reaches_a_notification_or_a_log(cards_run: AppRun) -> None:
    for data in _notifications(cards_run, "pin_request"):
        assert set(data) == {"tries_left"}
    notified = repr(cards_run.results["data"]["notifications"])
    logs = _log_text(cards_run)
    for pin in (PIN_RIGHT, PIN_WRONG):
        assert pin not in notified and pin not in logs


def test_an_electronic_id_code_identifies_the_citizen(cards_run: AppRun) -> None:
    step = cards_run.step("12-eid-identity")
    assert step["screen"] == "identity_read"
    assert {"电子证照码", "张*", "1101**********1233"} <= set(cards_run.shown("12-eid-identity"))


def test_a_genuine_appointment_is_verified_and_a_forged_one_refused(cards_run: AppRun) -> None:
    # On a result card that stays until tapped: the headline, then what and when.
    assert "预约已核验" in cards_run.shown("13-appointment")
    assert any(t.startswith("城乡居民基本养老保险参保登记") for t in cards_run.shown("13-appointment"))
    assert any(t.startswith("二维码校验未通过，不是政务服务平台签发的有效码。请在手机上重新获取")
               for t in cards_run.shown("14-forged"))
    reasons = [(d["kind"], d["reason"]) for d in _notifications(cards_run, "code")]
    assert reasons == [("appointment", ""), ("appointment", "forged")]


def test_a_staff_card_opens_the_print_log_without_a_pin(cards_run: AppRun) -> None:
    assert cards_run.step("15-staff-log")["screen"] == "staff_log"
    assert cards_run.results["data"]["staff_pin_asked"] is False
    assert len(_notifications(cards_run, "staff_card")) == 1


def test_no_clear_name_id_number_or_code_in_the_logs(cards_run: AppRun) -> None:
    logs = _log_text(cards_run)
    for clear in CLEAR + cards_run.extra["codes"]:
        assert clear not in logs


def test_screens_fit_the_window(cards_run: AppRun) -> None:
    assert cards_run.step("08-pin-wrong-elderly")["elderly"]
    for name in ("07-pin", "08-pin-wrong", "08-pin-wrong-elderly", "01-home", "02-waiting"):
        step = cards_run.step(name)
        width, height = step["window"]
        for item in step["texts"]:
            x, y = item["pos"]
            w, h = item["size"]
            assert x >= -1 and y >= -1 and x + w <= width + 1 and y + h <= height + 1, item

