"""The common capture screen, looked at: tests/ui/capture_screen_probe.py drives it in a
real window through every state a citizen meets and runs the accessibility checker on each
in normal and 适老化 mode. Screenshots: tests/artifacts/capture-<state>-<mode>.png."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ui_helpers import HERE, ROOT, ui_env

pytestmark = [pytest.mark.ui]


@pytest.fixture(scope="module")
def probe(ui_display: str, ui_artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("capture-probe")
    out = folder / "probe.json"
    proc = subprocess.run([sys.executable, str(HERE / "capture_screen_probe.py"), str(out),
                           str(ui_artifacts)], cwd=ROOT, env=ui_env(ui_display, folder / "kivy"),
                          capture_output=True, text=True, timeout=300)
    assert out.exists(), proc.stderr[-3000:]
    results = dict(json.loads(out.read_text(encoding="utf-8")))
    assert results["error"] is None, results.get("traceback") or proc.stderr[-3000:]
    return results


def test_every_state_passes_the_accessibility_checker(probe: dict[str, Any]) -> None:
    findings = {name: state["findings"] for name, state in probe["states"].items() if state["findings"]}
    assert findings == {}, json.dumps(findings, ensure_ascii=False, indent=1)


def test_the_screen_says_what_to_do(probe: dict[str, Any]) -> None:
    states = probe["states"]
    assert "拍摄区" in states["empty-normal"]["verdict"] and not states["empty-normal"]["candidate"]
    good = states["good-normal"]
    assert good["candidate"] and good["can_keep"] and "使用此页" in good["verdict"]
    assert good["straightened"].startswith("已自动")
    blurred = states["blurred-normal"]
    assert blurred["candidate"] and not blurred["can_keep"] and "放平" in blurred["verdict"]
    glare = states["kept-glare-normal"]
    assert "反光" in glare["verdict"] and glare["kept"] == 2 and glare["done"] == "完成"
    assert states["preview-normal"]["preview"]
    unplugged = states["unplugged-normal"]
    assert unplugged["state"] == "failed" and "高拍仪" in unplugged["verdict"]
    assert probe["after_remove"] == 1 and probe["finished"] and probe["cleared"]


def test_screenshots_were_taken(probe: dict[str, Any]) -> None:
    for name, state in probe["states"].items():
        if "shot" in state:
            assert Path(state["shot"]).stat().st_size > 10_000, name
