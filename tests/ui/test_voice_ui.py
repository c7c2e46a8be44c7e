"""Voice prompts in the real app under Xvfb (scenarios_voice.voice, one app run): in normal
mode nothing is spoken ([voice] mode = "elderly"); in 适老化 mode every screen opened (home,
waiting for the card, the card read, a flow's result) sends its own instruction to the
player and cuts off the one before; 朗读 reads the screen again; personal data is never
spoken in the clear. Screenshots: tests/artifacts/ui-voice-<step>.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_helpers import AppRun, RunApp

from drivers.idcard.sim_cards import load_cards

pytestmark = [pytest.mark.ui, pytest.mark.slow]

RESIDENT = load_cards(Path(__file__).with_name("cards.toml"))["resident"]


@pytest.fixture(scope="module")
def voice_run(run_scenario: RunApp) -> AppRun:
    # [voice] of the hall profile (mode "elderly"), on the null sink (ui_helpers.write_site).
    run = run_scenario("voice", session={"idle_timeout_s": 60, "idle_timeout_elderly_s": 25, "idle_warning_s": 10})
    assert run.returncode == 0 and run.results.get("ok"), run.describe()
    return run


def _played(events: list[list[str]]) -> list[tuple[str, str]]:
    return [(prompt_id, text) for kind, prompt_id, text in events if kind == "played"]


def test_normal_mode_speaks_nothing_on_screen_changes(voice_run: AppRun) -> None:
    assert voice_run.results["data"]["normal"] == []


def test_each_screen_opened_in_elderly_mode_sends_its_instruction_to_the_player(voice_run: AppRun) -> None:
    played = dict(_played(voice_run.results["data"]["elderly"]))
    assert "请选择要办理的业务" in played["home"]
    assert "身份核验" in played["identity"] and "请将身份证放在感应区" in played["identity"]
    assert played["identity_read"] and played["result"]
    sizes = voice_run.results["data"]["player_sizes"]
    assert len(sizes) == len(_played(voice_run.results["data"]["elderly"])) and min(sizes) > 44 + 22050


def test_a_screen_change_cuts_off_the_prompt_playing(voice_run: AppRun) -> None:
    events = [(kind, prompt_id) for kind, prompt_id, _ in voice_run.results["data"]["elderly"]]
    # Each prompt is stopped before the next screen's prompt plays.
    for before, after in (("home", "identity"), ("identity_read", "result")):
        assert events.index(("stopped", before)) < events.index(("played", after))


def test_read_aloud_replays_the_current_screen(voice_run: AppRun) -> None:
    played = _played(voice_run.results["data"]["elderly"])
    identity = [text for prompt_id, text in played if prompt_id == "identity"]
    assert len(identity) == 2 and identity[0] == identity[1]


def test_read_aloud_shows_only_in_elderly_mode(voice_run: AppRun) -> None:
    assert "朗读" in voice_run.shown("02-waiting-elderly")
    assert "朗读" not in voice_run.shown("00-home-normal")
    width, disabled = voice_run.results["data"]["read_aloud_hidden"]
    assert width == 0 and disabled
    assert voice_run.results["data"]["home_played_after_off"] == 0


def test_personal_data_is_never_spoken_in_the_clear(voice_run: AppRun) -> None:
    spoken = " ".join(text for _, _, text in voice_run.results["data"]["all"])
    for clear in (RESIDENT.name, RESIDENT.id_number, RESIDENT.address):
        assert clear not in spoken


def test_an_error_shown_on_a_screen_is_spoken(voice_run: AppRun) -> None:
    played = dict(_played(voice_run.results["data"]["elderly"]))
    assert "证件信息校验未通过" in played["identity.error"]


def test_the_idle_warning_over_a_screen_is_spoken_and_stops_when_it_goes(voice_run: AppRun) -> None:
    played = dict(_played(voice_run.results["data"]["elderly"]))
    assert "即将返回首页" in played["overlay.warning"]


def test_a_screen_added_later_speaks_its_own_words(voice_run: AppRun) -> None:
    sign, counted = voice_run.results["data"]["later_screens"]
    # Its headline and its error, not its small print or its button.
    assert sign == ["sign_here", "请在下方签名。签名不能为空。"]
    assert counted == ["counted", "请数一下现金"]
