"""好差评 through the real screens with real touches and a real central (one app run,
tests/ui/scenarios_evaluation.py): the offer after 身份核验's 完成, 不满意 with a reason chip
and a comment typed in pinyin, thanks; central keeps the evaluation and opens its
rectification case; in 适老化 mode the offer is skipped with one tap; the 好差评 tile lists the
skipped one only. Screenshots: tests/artifacts/ui-evaluation-<step>.png."""

from __future__ import annotations

import json

import pytest
from ui_helpers import AppRun, RunApp

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture(scope="module")
def evaluation_run(run_scenario: RunApp) -> AppRun:
    run = run_scenario("evaluation", central=True, timeout=300,
                       session={"idle_timeout_s": 120, "idle_warning_s": 15},
                       site_extra="[evaluation]\noffer_after_service = true\n")
    assert run.returncode == 0 and run.results.get("ok"), run.describe()
    return run


def test_the_offer_follows_a_completed_identity_check(evaluation_run: AppRun) -> None:
    shown = evaluation_run.shown("01-offer-rate")
    assert any(text.startswith("身份核验　") for text in shown), shown   # what, and when
    for words in ("请对本次服务进行评价", "非常满意", "满意", "基本满意", "不满意",
                  "非常不满意", "跳过"):
        assert words in shown, words
    assert evaluation_run.step("01-offer-rate")["screen"] == "ev_rate"


def test_a_low_level_needs_a_reason_and_takes_a_typed_comment(evaluation_run: AppRun) -> None:
    assert "请至少选择一项原因" in evaluation_run.shown("03-reason-required")
    assert evaluation_run.results["data"]["reasons"] == ["device"]
    assert "太慢" in " ".join(evaluation_run.shown("05-reasons-filled"))
    assert "感谢您的评价" in evaluation_run.shown("06-thanks")
    assert evaluation_run.results["data"]["outcome"] == "sent"


def test_central_keeps_the_evaluation_and_opens_its_case(evaluation_run: AppRun) -> None:
    central = evaluation_run.extra["central"].central
    handling = evaluation_run.results["data"]["rated"]
    rows = central.query("SELECT service_id, level, reasons, comment FROM evaluations WHERE handling_id = ?",
                         handling)
    assert [(r[0], r[1], json.loads(str(r[2])), r[3]) for r in rows] == [
        ("identity_check", 2, ["device"], "太慢")]
    cases = central.query("SELECT c.state FROM rectification_cases c JOIN evaluations e "
                          "ON e.id = c.evaluation_id WHERE e.handling_id = ?", handling)
    assert cases == [("待回访",)]
    skipped = evaluation_run.results["data"]["skipped"]
    assert central.query("SELECT id FROM evaluations WHERE handling_id = ?", skipped) == []


def test_elderly_mode_and_skip(evaluation_run: AppRun) -> None:
    for step in ("07-offer-rate-elderly", "08-reasons-elderly", "09-typing-elderly"):
        assert evaluation_run.step(step)["elderly"], step
    assert "跳过" in evaluation_run.shown("07-offer-rate-elderly")
    assert evaluation_run.results["data"]["after_skip"] == ["idle", True]


def test_the_tile_lists_only_what_is_not_rated(evaluation_run: AppRun) -> None:
    data = evaluation_run.results["data"]
    assert data["listed"] == [data["skipped"]]
    assert data["pending"] == 0


def test_nothing_typed_or_personal_reaches_the_logs(evaluation_run: AppRun) -> None:
    log = (evaluation_run.data_dir / "logs" / "kiosk.log").read_text(encoding="utf-8")
    for secret in ("太慢", "110101199003071233"):
        assert secret not in log and secret not in evaluation_run.stdout
