"""The accessibility check (tests/support/a11y.py) on every screen of the real app.

First the checker itself: small widget trees with one known fault each (a clipped label, a
label wider than its widget, overlapping buttons, a 30 px button, grey text on white, an
orphaned character, ...) must each be reported, and a faultless tree must not be.

Then one app run (tests/ui/scenarios_a11y.py) with a real central, the simulated ID reader
and printers: every screen registered in the ScreenManager, in normal and elderly mode, with
and without a fault banner: no clipped or overflowing text, no overlap, touch targets of at
least 15 mm at the configured DPI, contrast 4.5:1 (7:1 in elderly mode), text that grows in
elderly mode, no orphaned characters. Screenshots: tests/artifacts/a11y-<screen>-<mode>.png;
every finding: tests/artifacts/a11y-report.json (with the owner of the file to fix).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from printers_control import PrintersForUi
from test_printing_ui import seed_print_log
from ui_helpers import HERE, ROOT, AppRun, RunApp, ui_env

from kiosk.staff import hash_pin
from tests.kiosk.appointment_fixtures import ensure_calendar

pytestmark = [pytest.mark.ui, pytest.mark.slow]

STAFF_PIN = "246810"
MODES = {"normal", "elderly", "normal-banner", "elderly-banner"}
# Who fixes what (the issue 11 split): module prefix -> owner.
OWNERS = [
    ("screens.common.keyboard", "H2 keyboards"), ("screens.common.ime_", "H2 keyboards"),
    ("screens.yizheng.fields", "H2 keyboards"), ("screens.yizheng.form", "H2 keyboards"),
    ("screens.voice", "H3 voice"),
    ("screens.chrome", "H5 walk-through"), ("screens.routing", "H5 walk-through"),
    ("screens.notices", "H5 walk-through"), ("screens.identity_check", "H5 walk-through"),
    ("screens.common.flow", "H5 walk-through"), ("screens.proofs.preview", "H5 walk-through"),
    ("screens.maintenance", "H7 maintenance/staff"), ("screens.staff", "H7 maintenance/staff"),
    ("screens.common.pin", "H7 maintenance/staff"),
]


def owner_of(module: str) -> str:
    return next((who for prefix, who in OWNERS if module.startswith(prefix)), "H4 a11y/elderly layouts")


# -- the checker can fail ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic(ui_display: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("a11y-synthetic")
    out = folder / "found.json"
    proc = subprocess.run([sys.executable, str(HERE / "a11y_synthetic.py"), str(out)], cwd=ROOT,
                          env=ui_env(ui_display, folder / "kivy"), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and out.exists(), proc.stderr[-3000:]
    return dict(json.loads(out.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("case", "rule"), [
    ("clipped_label", "text_cut"), ("overflowing_label", "text_overflow"), ("outside_parent", "text_overflow"),
    ("overlapping_buttons", "overlap"), ("small_button", "target_size"), ("grey_on_white", "contrast"),
    ("orphan", "orphan"), ("punct_first", "line_start_punct"), ("small_text", "font_size"),
    ("scroll_sideways", "text_overflow"), ("dark_on_dark_fill", "contrast"),
])
def test_the_checker_reports_each_fault(synthetic: dict[str, list[dict[str, Any]]], case: str, rule: str) -> None:
    rules = [f["rule"] for f in synthetic[case]]
    assert rule in rules, synthetic[case]


def test_the_numbers_are_the_measured_ones(synthetic: dict[str, list[dict[str, Any]]]) -> None:
    small = next(f for f in synthetic["small_button"] if f["rule"] == "target_size")
    assert small["numbers"]["size_px"] == [30, 30] and 60 <= small["numbers"]["min_px"] <= 61   # 15 mm at 102 dpi
    grey = next(f for f in synthetic["grey_on_white"] if f["rule"] == "contrast")
    assert grey["numbers"]["ratio"] == pytest.approx(2.85, abs=0.02)   # #999 on white
    assert synthetic["orphan"][0]["numbers"]["lines"][-1] == "项"


def test_a_faultless_tree_and_a_scrolling_list_pass(synthetic: dict[str, list[dict[str, Any]]]) -> None:
    for case in ("good", "scroll_ok", "white_on_dark_fill", "stale_text"):
        assert synthetic[case] == [], (case, synthetic[case])


# -- every screen of the app ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def a11y_run(run_scenario: RunApp, tmp_path_factory: pytest.TempPathFactory,
             ui_artifacts: Path) -> Iterator[AppRun]:
    printers = PrintersForUi(tmp_path_factory.mktemp("a11y-printers"))
    staff = f'[staff]\npin_hash = "{hash_pin(STAFF_PIN)}"\nmax_attempts = 5\n'
    try:
        run = run_scenario("a11y", central=True, timeout=900,
                           session={"idle_timeout_s": 900, "idle_warning_s": 15, "idle_timeout_elderly_s": 900},
                           site_extra=printers.site() + "\n" + staff,
                           extra_args=["--printers", str(printers.socket)],
                           central_ready=lambda hub: (seed_print_log(hub.socket.parent / "data", hub.url),
                                                      ensure_calendar(hub.central, hub.socket.parent)))
    finally:
        printers.close()
    _write_report(run, ui_artifacts / "a11y-report.json")
    yield run


def _visits(run: AppRun) -> list[dict[str, Any]]:
    return list(run.results.get("data", {}).get("a11y", {}).get("visits", []))


def _write_report(run: AppRun, path: Path) -> None:
    data = run.results.get("data", {}).get("a11y", {})
    findings = [f for v in _visits(run) for f in v["findings"]]
    by_owner: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        by_owner[owner_of(f["module"])].append(
            f"[{f['screen']}/{f['mode']}] {f['rule']}: {f['path']} — {f['detail']} {f['numbers']} ({f['module']})")
    report = {
        "ok": run.returncode == 0 and bool(run.results.get("ok")), "error": run.results.get("error"),
        "dpi": data.get("dpi"), "registered": data.get("registered", []), "checked": data.get("checked", []),
        "counts_by_rule": dict(Counter(f["rule"] for f in findings)),
        "counts_by_owner": {k: len(v) for k, v in by_owner.items()},
        "by_owner": dict(by_owner), "visits": _visits(run),
    }
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


def test_the_tour_ran(a11y_run: AppRun) -> None:
    assert a11y_run.returncode == 0 and a11y_run.results.get("ok"), a11y_run.describe()


def test_every_registered_screen_was_checked_in_every_mode(a11y_run: AppRun) -> None:
    data = a11y_run.results["data"]["a11y"]
    registered = set(data["registered"])
    assert {"home", "identity", "identity_read", "staff_pin", "staff_log"} <= registered
    modes: dict[str, set[str]] = defaultdict(set)
    for visit in _visits(a11y_run):
        modes[visit["screen"]].add(visit["mode"])
    missing = {name: sorted(MODES - modes[name]) for name in registered if not MODES <= modes[name]}
    assert not missing, f"screens not checked in every mode: {missing}"
    assert set(data["checked"]) >= registered


def test_screenshots_of_every_screen_and_mode(a11y_run: AppRun, ui_artifacts: Path) -> None:
    shots = [v["shot"] for v in _visits(a11y_run) if v["shot"]]
    assert shots and all((ui_artifacts / shot).stat().st_size > 10_000 for shot in shots)


@pytest.mark.parametrize("rule", ["text_cut", "text_overflow", "overlap", "target_size", "contrast",
                                  "font_size", "no_growth", "orphan", "line_start_punct"])
def test_no_screen_breaks_the_rule(a11y_run: AppRun, rule: str) -> None:
    found = [f for v in _visits(a11y_run) for f in v["findings"] if f["rule"] == rule]
    lines = [f"[{f['screen']}/{f['mode']}] {f['path']}: {f['detail']} {f['numbers']} "
             f"({f['module']} -> {owner_of(f['module'])})" for f in found]
    assert not found, f"{len(found)} {rule} findings (tests/artifacts/a11y-report.json):\n" + "\n".join(lines[:60])
