"""一证通办 through the real screens, with a real central beside the app.

One app run (scenarios_yizheng.yizheng): 张三 places his card, picks an item he can do with
the card alone, fills the form on the on-screen keypad (a wrong value first), confirms and
gets a 办件编号 that central really holds; with central stopped the application is saved
locally and reaches central exactly once after it comes back; then a company item in 适老化
mode. Screenshots: tests/artifacts/ui-yizheng-<step>.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_helpers import AppRun, RunApp

from drivers.idcard.sim_cards import load_cards

pytestmark = [pytest.mark.ui, pytest.mark.slow]

ZHANG_SAN = load_cards(Path(__file__).resolve().parents[2] / "drivers" / "idcard" / "sim_cards.toml")["zhang_san"]
MASKED_NAME, MASKED_ID = "张*", "1101**********1233"
TYPED = ["13800138000", "6222020200112233"]
PERSONAL = [ZHANG_SAN.name, ZHANG_SAN.id_number, ZHANG_SAN.address]


@pytest.fixture(scope="module")
def yizheng_run(run_scenario: RunApp) -> AppRun:
    run = run_scenario("yizheng", central=True, timeout=300,
                       session={"idle_timeout_s": 90, "idle_warning_s": 15})
    assert run.returncode == 0 and run.results.get("ok"), run.describe()
    return run


def _any(texts: list[str], fragment: str) -> bool:
    return any(fragment in text for text in texts)


def _inside_window(step: dict) -> None:
    width, height = step["window"]
    for item in step["texts"]:
        x, y = item["pos"]
        w, h = item["size"]
        assert x >= 0 and y >= 0 and x + w <= width + 1 and y + h <= height + 1, item


def test_items_he_can_do_with_the_card_alone_come_first(yizheng_run: AppRun) -> None:
    step = yizheng_run.step("01-items")
    texts = yizheng_run.shown("01-items")
    assert step["screen"] == "yz_items"
    assert "可凭身份证直接办理" in texts and "城乡居民基本养老保险参保登记" in texts
    assert _any(texts, "通办") and ("零跑动" in texts or "最多跑一次" in texts)
    assert _any(step["all_texts"], "企业办事（需法定代表人）")
    assert MASKED_NAME in " ".join(texts) and MASKED_ID in " ".join(texts)
    for clear in PERSONAL:
        assert not _any(step["all_texts"], clear)


def test_items_he_cannot_do_here_are_greyed_with_the_reason(yizheng_run: AppRun) -> None:
    texts = yizheng_run.shown("13-items-not-eligible")
    assert "以下事项暂不能在本机办理（可查看办事指南）" in texts
    assert "所需电子证照未找到，请到窗口办理" in texts
    assert "王*" in " ".join(texts)


def test_the_guide_marks_materials_taken_from_electronic_licences(yizheng_run: AppRun) -> None:
    texts = yizheng_run.shown("02-detail")
    assert yizheng_run.step("02-detail")["screen"] == "yz_detail"
    assert "免提交" in texts and "电子证照自动调取" in texts
    assert "开始办理" in texts
    for caption in ("办理时限", "收费标准", "办理地点", "咨询电话"):
        assert caption in texts


def test_a_wrong_value_is_refused_under_its_field(yizheng_run: AppRun) -> None:
    texts = yizheng_run.shown("03-form-error")
    assert yizheng_run.step("03-form-error")["screen"] == "yz_form"
    assert "至少需要填写16位" in texts
    assert _any(texts, "有 1 项需要修改")
    fixed = yizheng_run.shown("04-form")
    assert "6222020200112233|" in fixed      # typed on the keypad, the caret after it
    assert "13800138000" in fixed and "300元" in fixed
    assert "至少需要填写16位" not in fixed


def test_the_summary_shows_the_form_and_the_applicant_masked(yizheng_run: AppRun) -> None:
    texts = yizheng_run.shown("05-confirm")
    assert "请确认申请信息" in texts and "确认提交" in texts and "返回修改" in texts
    assert f"{MASKED_NAME}（{MASKED_ID}）" in texts
    assert "300元" in texts and "6222020200112233" in texts
    assert _any(texts, "免提交材料")
    for clear in PERSONAL[:2]:
        assert not _any(texts, clear)


def test_the_application_number_shown_is_the_one_central_holds(yizheng_run: AppRun) -> None:
    online = yizheng_run.results["data"]["online"]
    texts = yizheng_run.shown("06-result")
    assert online["delivered"] and online["number"] in texts and "办件编号" in texts
    central = yizheng_run.extra["central"]
    assert central.applications(online["receipt"]) == [(online["number"], "11140500MB1947036N4000111001", "受理")]


def test_with_central_down_the_application_is_kept_and_arrives_once(yizheng_run: AppRun) -> None:
    assert _any(yizheng_run.shown("07-items-offline"), "暂时无法连接政务服务平台")
    saved = yizheng_run.results["data"]["offline"]
    texts = yizheng_run.shown("08-result-saved")
    assert not saved["delivered"] and not saved["error"]
    assert "申请已保存在本机，网络恢复后将自动提交" in texts
    assert "本机受理号" in texts and saved["receipt"] in texts
    rows = yizheng_run.extra["central"].applications(saved["receipt"])
    assert len(rows) == 1 and rows[0][0], rows


def test_a_company_item_needs_a_valid_credit_code_of_his_company(yizheng_run: AppRun) -> None:
    invalid = yizheng_run.step("09-company-invalid-elderly")
    assert invalid["elderly"] and invalid["screen"] == "yz_company"
    assert "统一社会信用代码校验未通过，请核对" in yizheng_run.shown("09-company-invalid-elderly")
    _inside_window(invalid)
    confirm = yizheng_run.shown("11-company-confirm-elderly")
    assert _any(confirm, "晋城市太行示例科技有限公司")
    company = yizheng_run.results["data"]["company"]
    assert company["delivered"] and company["number"] in yizheng_run.shown("12-company-result-elderly")
    _inside_window(yizheng_run.step("12-company-result-elderly"))
    assert len(yizheng_run.extra["central"].applications(company["receipt"])) == 1


def test_elderly_mode_enlarges_the_flow_screens(yizheng_run: AppRun) -> None:
    def size(step: str, text: str) -> float:
        return max(t["font_size"] for t in yizheng_run.step(step)["texts"] if t["text"] == text)

    assert size("10-company-form-elderly", "下一步") >= 1.25 * size("04-form", "下一步")
    assert size("12-company-result-elderly", "办件编号") >= 1.25 * size("06-result", "办件编号")


def test_nothing_personal_remains_after_each_session(yizheng_run: AppRun) -> None:
    for step in ("online-finished", "offline-finished", "company-finished"):
        leftover = yizheng_run.step(step)["all_texts"]
        assert yizheng_run.step(step)["screen"] == "home"
        for text in (MASKED_NAME, MASKED_ID, *PERSONAL, *TYPED, "晋城市太行示例科技有限公司"):
            assert not _any(leftover, text), (step, text)
    for clear in PERSONAL[:2]:
        assert clear not in yizheng_run.stdout and clear not in yizheng_run.stderr
        log = (yizheng_run.data_dir / "logs" / "kiosk.log").read_text(encoding="utf-8")
        assert clear not in log


def test_central_still_holds_each_application_exactly_once(yizheng_run: AppRun) -> None:
    central = yizheng_run.extra["central"]
    # The app has stopped: no outbox worker is left to deliver anything twice.
    for key in ("online", "offline", "company"):
        receipt = yizheng_run.results["data"][key]["receipt"]
        assert len(central.applications(receipt)) == 1, key
