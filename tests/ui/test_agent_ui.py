"""帮办代办 through the real screens, with a real central beside the app (one run of
scenarios_agent.agent): 李四 files 张三's pension application with the 授权委托书
photographed by the simulated document camera. Screenshots: tests/artifacts/ui-agent-<step>.png
(normal, and the authority and relation pages in 适老化 mode under the fault banner)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from printers_control import PrintersForUi
from ui_helpers import AppRun, RunApp

from drivers.idcard.sim_cards import load_cards

pytestmark = [pytest.mark.ui, pytest.mark.slow]

CARDS = load_cards(Path(__file__).resolve().parents[2] / "drivers" / "idcard" / "sim_cards.toml")
AGENT, PRINCIPAL = CARDS["li_si"], CARDS["zhang_san"]
CLEAR = [AGENT.name, AGENT.id_number, PRINCIPAL.name, PRINCIPAL.id_number]
LINE = "代办人 李*（子女）为 张* 办理"
CAMERA = '[devices.document_camera]\ndriver = "simulated"\n'


@pytest.fixture(scope="module")
def agent_run(run_scenario: RunApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppRun]:
    printers = PrintersForUi(tmp_path_factory.mktemp("agent-printers"))
    try:
        run = run_scenario("agent", central=True, timeout=420, site_extra=printers.site() + "\n" + CAMERA,
                           extra_args=["--printers", str(printers.socket)],
                           session={"idle_timeout_s": 180, "idle_warning_s": 15})
        assert run.returncode == 0 and run.results.get("ok"), run.describe()
        yield run
    finally:
        printers.close()


def _joined(run: AppRun, step: str) -> str:
    return " ".join(run.shown(step))


def test_the_items_page_offers_acting_for_someone(agent_run: AppRun) -> None:
    assert agent_run.step("01-items-agent")["screen"] == "yz_items"
    assert "为他人代办" in agent_run.shown("01-items-agent")


def test_the_principal_is_asked_for_and_the_agents_own_card_refused(agent_run: AppRun) -> None:
    assert agent_run.step("02-principal")["screen"] == "yz_agent_principal"
    assert "请被代办人放置身份证，或出示其电子证照码" in agent_run.shown("02-principal")
    refused = agent_run.step("03-principal-is-agent")
    assert refused["screen"] == "yz_agent_principal"        # no new session
    assert "这是您本人的证件" in _joined(agent_run, "03-principal-is-agent")


def test_relations_are_the_contracts_options_as_large_buttons(agent_run: AppRun) -> None:
    texts = agent_run.shown("04-relation")
    for relation in ("配偶", "父母", "子女", "兄弟姐妹", "祖父母外祖父母", "孙子女外孙子女", "其他亲属", "其他"):
        assert relation in texts
    assert "被代办人：张*（身份证）" in texts


def test_presence_is_offered_because_the_principals_card_was_read(agent_run: AppRun) -> None:
    texts = agent_run.shown("05-authority")
    assert "授权委托书拍照" in texts and "被代办人本人在场" in texts
    assert "已读取被代办人的身份证，本人在场确认" in texts


def test_the_letter_is_photographed_page_by_page(agent_run: AppRun) -> None:
    assert agent_run.step("08-letter")["screen"] == "yz_agent_letter"
    assert "使用此页" in agent_run.shown("09-letter-review")
    assert agent_run.step("10-letter-two-pages")["screen"] == "yz_agent_letter"


def test_the_principals_items_mark_what_cannot_be_done_for_another(agent_run: AppRun) -> None:
    texts = agent_run.shown("11-principal-items")
    assert "本事项须本人办理，不可代办" in texts
    assert "正在为 张* 代办（子女）" in texts
    assert agent_run.results["data"]["forbidden_step"] == "items"
    assert "该事项须本人办理，不可代办。请选择其他事项" in agent_run.shown("12-forbidden-refused")


def test_confirm_and_result_name_both_masked(agent_run: AppRun) -> None:
    assert LINE in _joined(agent_run, "13-confirm")
    result = agent_run.results["data"]["result"]
    assert result["delivered"] and result["number"]
    assert LINE in _joined(agent_run, "14-result")
    for step in ("01-items-agent", "04-relation", "11-principal-items", "13-confirm", "14-result"):
        shown = " ".join(agent_run.step(step)["all_texts"])
        for clear in CLEAR:
            assert clear not in shown, (step, "a clear name or ID number on screen")


def test_the_agent_screens_pass_the_accessibility_check(agent_run: AppRun) -> None:
    """Normal, 适老化, each with the fault banner: no clipped text, 15 mm targets, contrast."""
    visits = agent_run.results["data"]["a11y"]["visits"]
    screens = {v["screen"] for v in visits}
    assert {"yz_agent_principal", "yz_agent_relation", "yz_agent_authority", "yz_agent_letter"} <= screens
    modes = {(v["screen"], v["mode"]) for v in visits}
    assert ("yz_agent_authority", "elderly-banner") in modes and ("yz_agent_letter", "normal-banner") in modes
    found = [f"[{f['screen']}/{f['mode']}] {f['rule']} {f['path']}: {f['detail']}"
             for v in visits for f in v["findings"]]
    assert not found, "\n".join(found[:40])
