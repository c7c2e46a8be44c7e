"""设备维护中 under Xvfb (tests/ui/scenarios_maintenance_mode.py): central's maintenance mode
waits for the citizen's session, then shows the screen with the hall's phone, in normal and
适老化 mode; maintenance off returns home. Screenshots: tests/artifacts/ui-maintenance_mode-*.png.
And a restart the terminal asks for (kiosk/fleet/restart.py) waits for the session to end,
then the app exits with 75 for systemd or the demo's supervisor to start it again."""

from __future__ import annotations

import pytest
from scenarios_maintenance_mode import PHONE
from ui_helpers import AppRun, RunApp

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture(scope="module")
def run(run_scenario: RunApp) -> AppRun:
    return run_scenario("maintenance_mode", timeout=90)


def test_the_run_completed(run: AppRun) -> None:
    assert run.returncode == 0 and run.results.get("ok"), run.describe()


def test_a_running_session_finishes_first(run: AppRun) -> None:
    assert run.step("01-session-carries-on")["screen"] == "identity_read"


def test_the_screen_says_maintenance_and_gives_the_phone(run: AppRun) -> None:
    step = run.step("02-maintenance")
    texts = run.shown("02-maintenance")
    assert step["screen"] == "fleet_maintenance"
    assert "设备维护中" in texts and f"咨询电话：{PHONE}" in texts
    assert any("人工窗口" in t for t in texts)


def test_a_card_starts_no_session_in_maintenance(run: AppRun) -> None:
    data = run.results["data"]
    assert data["session_after_card"] == "idle" and data["screen_after_card"] == "fleet_maintenance"


def _sizes(run: AppRun, step: str) -> dict[str, float]:
    return {t["text"]: t["font_size"] for t in run.step(step)["texts"] if t["where"] == "fleet_maintenance"}


def test_elderly_mode_enlarges_it_and_everything_fits(run: AppRun) -> None:
    step = run.step("03-maintenance-elderly")
    assert step["elderly"] and step["screen"] == "fleet_maintenance"
    normal, elderly = _sizes(run, "02-maintenance"), _sizes(run, "03-maintenance-elderly")
    assert set(normal) == set(elderly) and all(elderly[t] > normal[t] for t in normal)
    width, height = step["window"]
    for item in step["texts"]:
        x, y = item["pos"]
        w, h = item["size"]
        assert x >= -1 and y >= -1 and x + w <= width + 1 and y + h <= height + 1, item


def test_maintenance_off_returns_home(run: AppRun) -> None:
    assert run.step("04-home-again")["screen"] == "home"


def test_a_restart_waits_for_the_session_then_exits_75(run_scenario: RunApp) -> None:
    run = run_scenario("restart_between_sessions", timeout=60)
    data = run.results.get("data", {})
    assert data.get("during_session") == {"screen": "identity_read", "exit_status": None}, run.describe()
    assert run.returncode == 75 and run.results.get("exit_code") == 75, run.describe()
