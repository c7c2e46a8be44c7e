"""Chinese text entry through the real screens, the real Terminal and its real engines
(librime or libpinyin for pinyin, zinnia for handwriting), with real touches: one app run
(scenarios_ime.ime). Screenshots: tests/artifacts/ui-ime-<step>.png."""

from __future__ import annotations

import pytest
from ui_helpers import AppRun, RunApp

pytestmark = [pytest.mark.ui, pytest.mark.slow]

MIN_MM = 15.0


@pytest.fixture(scope="module")
def ime_run(run_scenario: RunApp) -> AppRun:
    run = run_scenario("ime", central=True, timeout=300,
                       session={"idle_timeout_s": 120, "idle_warning_s": 15})
    assert run.returncode == 0 and run.results.get("ok"), run.describe()
    return run


def test_an_address_is_typed_in_pinyin_choosing_the_phrase_in_pieces(ime_run: AppRun) -> None:
    data = ime_run.results["data"]
    assert data["address_mode"] == "pinyin" and data["address_prefilled"]
    assert data["preedit"].replace(" ", "").replace("'", "") == "jinchengshichengqu"
    first = data["after_first_piece"]
    assert first["preedit"].startswith("晋城市") and "cheng" in first["preedit"] and first["value"] == ""
    assert data["typed"] == "晋城市城区"
    assert "晋城市" in " ".join(ime_run.shown("04-pinyin-piece"))


def test_a_character_written_on_the_pad_is_recognised_and_inserted(ime_run: AppRun) -> None:
    data = ime_run.results["data"]
    assert data["ink_strokes"] == 7
    assert "张" in data["handwriting_candidates"][:5]
    assert data["written"] == "晋城市城区张" and data["pad_after_pick"] == 0
    assert ime_run.step("06-handwriting-elderly")["elderly"]


def test_a_name_opens_on_handwriting_in_elderly_mode_and_on_pinyin_otherwise(ime_run: AppRun) -> None:
    data = ime_run.results["data"]
    assert data["name_mode_elderly"] == "handwriting" and data["name_mode_normal"] == "pinyin"
    assert "重写" in ime_run.shown("10-name-elderly")


def test_leaving_the_field_drops_the_composition(ime_run: AppRun) -> None:
    data = ime_run.results["data"]
    assert data["left_field"]["value"] == "晋城市城区" and data["left_field"]["preedit"] == ""
    assert data["back_in_field"] == {"preedit": "", "candidates": []}


def test_the_end_of_the_session_drops_the_composition_and_the_typed_text(ime_run: AppRun) -> None:
    data = ime_run.results["data"]
    assert data["before_end"] == "zhang"
    assert data["after_end"] == {"preedit": "", "candidates": [], "leftover": []}


def test_every_key_is_a_finger_wide_and_its_label_fits(ime_run: AppRun) -> None:
    measured = ime_run.results["data"]["keys"]
    for step, found in measured.items():
        assert found["keys"], step
        for key in found["keys"]:
            assert key["w_mm"] >= MIN_MM and key["h_mm"] >= MIN_MM, (step, key)
            assert key["tw"] <= key["w"] and key["th"] <= key["h"], (step, key)


def test_keys_grow_in_elderly_mode(ime_run: AppRun) -> None:
    measured = ime_run.results["data"]["keys"]

    def smallest(step: str) -> tuple[float, float]:
        keys = [k for k in measured[step]["keys"] if len(k["text"]) == 1 and k["text"].isalnum()]
        return min(k["w"] for k in keys), min(k["h"] for k in keys)

    for normal, elderly in (("pinyin", "pinyin-elderly"), ("phone", "phone-elderly")):
        (nw, nh), (ew, eh) = smallest(normal), smallest(elderly)
        assert eh > nh and ew >= nw, (normal, (nw, nh), (ew, eh))


def test_the_screenshots_show_each_keyboard(ime_run: AppRun) -> None:
    for step, wanted in (("01-phone-pad", "退格"), ("03-pinyin-candidates", "晋城市"),
                         ("06-handwriting-elderly", "重写"), ("07-digits-elderly", "符号"),
                         ("08-pinyin-elderly", "下页")):
        assert wanted in ime_run.shown(step), step


def test_nothing_typed_reaches_the_logs(ime_run: AppRun) -> None:
    log = (ime_run.data_dir / "logs" / "kiosk.log").read_text(encoding="utf-8")
    for typed in ("晋城市城区", "jinchengshi", "shenfenzheng"):
        assert typed not in log and typed not in ime_run.stdout and typed not in ime_run.stderr
