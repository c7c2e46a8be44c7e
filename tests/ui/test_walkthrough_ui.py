"""Issue 11 §4 through the real app (tests/ui/scenarios_walkthrough.py, one run with a real
seeded central): the fault banner moves nothing and names the paused service, results stay
until a tap, 身份核验 leads on to the services usable now, 返回 asks before throwing typed
data away, and 适老化 mode has the longer idle timeout. Screenshots:
tests/artifacts/ui-walk-<step>.png."""

from __future__ import annotations

import pytest
from ui_helpers import AppRun, RunApp

pytestmark = [pytest.mark.ui, pytest.mark.slow]

IDLE_S = 60


@pytest.fixture(scope="module")
def walk_run(run_scenario: RunApp) -> AppRun:
    return run_scenario("walk", central=True, timeout=180,
                        session={"idle_timeout_s": IDLE_S, "idle_warning_s": 10})


def test_walk_completed(walk_run: AppRun) -> None:
    assert walk_run.returncode == 0 and walk_run.results.get("ok"), walk_run.describe()


def test_a_fault_banner_moves_no_button(walk_run: AppRun) -> None:
    data = walk_run.results["data"]
    before, after = data["before"], data["after"]
    assert before and any(b[1] == "完成" for b in before)
    assert any(b[1] == "一证通办" for b in before)       # the tile to go on with
    assert [b[2:] for b in before] == [b[2:] for b in after], (before, after)
    assert [b[2:] for b in after] == [b[2:] for b in data["banner_gone"]]   # nor its going
    # In 适老化 mode too.
    assert data["before_elderly"] and [b[2:] for b in data["before_elderly"]] == [b[2:] for b in data["after_elderly"]]
    assert walk_run.step("12-result-banner-elderly")["banner"]


def test_the_banner_names_the_paused_services_and_they_do_not_start(walk_run: AppRun) -> None:
    banner = walk_run.results["data"]["banner"]
    # 证明打印 needs the reader too (and an A4 printer this site lacks): paused as well.
    assert banner == "身份证阅读器未连接，身份核验、一证通办、证明打印、预约办事、好差评暂停，请联系工作人员"
    assert "相关服务" not in banner
    screen, service, flow = walk_run.results["data"]["after_paused_tap"]
    assert (screen, service, flow) == ("result", "identity_check", "identity_check")  # not started


def test_identity_check_offers_the_services_usable_now(walk_run: AppRun) -> None:
    shown = walk_run.shown("01-result-next")
    assert {"您还可以继续办理", "一证通办", "无需再次验证身份"} <= set(shown)
    assert walk_run.results["data"]["next_service"] == ["active", "yizheng_tongban"]
    assert walk_run.step("04-next-service")["screen"] == "yz_items"


def test_elderly_mode_has_the_longer_idle_timeout(walk_run: AppRun) -> None:
    data = walk_run.results["data"]
    assert data["left_elderly"] > IDLE_S + 30       # 120 s by default
    assert data["left_normal"] <= IDLE_S


def test_back_on_a_half_filled_form_asks_before_discarding(walk_run: AppRun) -> None:
    asked = walk_run.shown("05-discard-asked")
    assert {"放弃已填写的内容吗？", "继续填写", "放弃"} <= set(asked)
    assert walk_run.step("05-discard-asked")["screen"] == "yz_form"
    assert walk_run.results["data"]["kept"] == ["yz_form", "13800138000"]
    assert "放弃已填写的内容吗？" in walk_run.shown("13-discard-asked-elderly")
    assert walk_run.results["data"]["dropped"] == "yz_detail"


def test_take_the_card_stays_past_the_toast_time_until_a_tap(walk_run: AppRun) -> None:
    (shown, headline), toast_opacity = walk_run.results["data"]["take_card_after_clock"]
    assert shown and headline == "请取走您的身份证"
    assert toast_opacity == 0          # the clock did jump: a toast of 5 s is gone
    assert "请取走您的身份证" in walk_run.shown("07-take-card-after-clock")


def test_a_forged_code_stays_and_says_what_to_do(walk_run: AppRun) -> None:
    assert walk_run.results["data"]["forged_after_clock"] == [True, "二维码未能使用"]
    texts = walk_run.shown("08-forged-after-clock")
    assert any("请在手机上重新获取" in t and "到窗口咨询" in t for t in texts)
    assert walk_run.results["data"]["appointment_after_clock"] == [True, "预约已核验"]
    assert "预约已核验" not in walk_run.shown("16-done")


def test_an_optional_material_is_not_tagged_to_submit(walk_run: AppRun) -> None:
    rows = walk_run.results["data"]["materials"]
    optional = [tag for name, tag in rows if name.endswith("（非必需）")]
    assert optional and all(tag != "需提交" for tag in optional), rows
    assert all(tag in ("免提交", "需提交") for name, tag in rows if not name.endswith("（非必需）"))


def test_the_proof_preview_zooms_to_legible_text(walk_run: AppRun) -> None:
    for prefix in ("09", "10"):
        texture, page, pane = walk_run.results["data"][f"{prefix}-preview"]
        assert abs(page - pane) < 2                        # the whole width first
        texture, zoomed, pane = walk_run.results["data"][f"{prefix}-preview-zoomed"]
        assert zoomed >= 1.9 * pane                          # twice as large
        assert texture >= zoomed                             # drawn from enough pixels: sharp
        assert "放大查看" in walk_run.shown(f"{prefix}-preview")
        assert "缩小" in walk_run.shown(f"{prefix}-preview-zoomed")


@pytest.fixture(scope="module")
def ways_run(run_scenario: RunApp, tmp_path_factory: pytest.TempPathFactory) -> AppRun:
    slot = tmp_path_factory.mktemp("slot") / "code.png"     # nothing shown: the camera waits
    return run_scenario("walk_ways", central=True, timeout=120,
                        session={"idle_timeout_s": IDLE_S, "idle_warning_s": 10},
                        site_extra=f'[devices.code_scanner]\ndriver = "camera_sim"\nslot = "{slot}"\n')


def test_ways_run_completed(ways_run: AppRun) -> None:
    assert ways_run.returncode == 0 and ways_run.results.get("ok"), ways_run.describe()


def test_an_unplugged_reader_leaves_the_services_to_the_other_ways(ways_run: AppRun) -> None:
    services = ways_run.results["data"]["services"]
    for service in ("identity_check", "yizheng_tongban"):
        assert services[service] == [True, "", ["code_scanner"]], services
    home = ways_run.shown("20-ways-home")
    assert "身份证阅读器暂不可用：可出示电子证照码，进入身份核验" in home
    assert not any("将身份证放在感应区" in t for t in home)
    banner = ways_run.step("20-ways-home")["banner"]
    assert banner == "身份证阅读器未连接，请出示电子证照码办理"
    shown = ways_run.shown("21-ways-identity")
    assert {"身份证阅读器暂不可用", "请出示电子证照码"} <= set(shown)
    assert "请将身份证放在感应区" not in shown
    assert "请将身份证放在感应区" in ways_run.shown("23-reader-back")


CLOSING = "，。、；：？！）」』》”"
OPENING = "（「『《“"


@pytest.mark.parametrize("run_name", ["walk_run", "ways_run"])
def test_no_drawn_line_starts_with_closing_punctuation(run_name: str, request: pytest.FixtureRequest) -> None:
    run: AppRun = request.getfixturevalue(run_name)
    steps = run.results["data"]["lines"]
    assert steps
    wrapped = 0
    for step, labels in steps.items():
        for lines in labels:
            wrapped += len(lines) > 1
            for line in lines[1:]:
                assert line[0] not in CLOSING, (step, lines)
            for line in lines[:-1]:
                assert line[-1] not in OPENING, (step, lines)
    if run_name == "walk_run":
        assert wrapped >= 3     # the check saw labels that really wrap
