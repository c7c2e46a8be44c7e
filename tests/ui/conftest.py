"""Fixtures for the UI tests: a display, the simulated ID reader, and one app run per
scenario group (tests/ui/harness.py in a subprocess).

The display and the artifacts folder come from the session fixtures ``xvfb_display`` and
``artifacts_dir`` of tests/conftest.py when they exist; otherwise this file starts its own
Xvfb and uses tests/artifacts/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from central_control import CentralForUi
from ui_helpers import HERE, ROOT, AppRun, RunApp, Simulator, ui_env, write_site

from tests.support.services import require
from tests.support.xvfb import xvfb_missing

SCREEN = "1280x800x24"
# The demo cards: 张三 there is the seeded central's 张三, with his licences and companies.
DEMO_CARDS = ROOT / "drivers" / "idcard" / "sim_cards.toml"


def _own_xvfb(tmp_root: Path) -> Iterator[str]:
    require(xvfb_missing())
    read_fd, write_fd = os.pipe()
    # -displayfd: Xvfb picks a free display number and writes it to us when ready.
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", SCREEN, "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=(tmp_root / "xvfb.log").open("wb"),
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            pytest.fail(f"Xvfb did not start: {(tmp_root / 'xvfb.log').read_text()}")
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def ui_display(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        shared = request.getfixturevalue("xvfb_display")
    except pytest.FixtureLookupError:
        yield from _own_xvfb(tmp_path_factory.mktemp("xvfb"))
        return
    yield str(shared) if isinstance(shared, str) and shared.startswith(":") else os.environ["DISPLAY"]


@pytest.fixture(scope="session")
def ui_artifacts(request: pytest.FixtureRequest) -> Path:
    try:
        folder = Path(request.getfixturevalue("artifacts_dir"))
    except pytest.FixtureLookupError:
        folder = ROOT / "tests" / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def run_scenario(ui_display: str, ui_artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> RunApp:
    """run_scenario(name, while_running=None, central=False) -> AppRun; while_running(proc,
    results_path) runs in the test process while the app is up (e.g. to send it SIGTERM).
    With ``central``, a real seeded central runs beside the app (the terminal enrolled with
    it, the demo cards in the reader); AppRun.extra["central"] is its CentralForUi, stopped
    but with its database still there to read. ``site_extra`` is TOML appended to the site
    file (devices, [staff]); ``prepare(data_dir)`` runs before the app starts (e.g. to seed
    its store); ``extra_args`` go to the harness (e.g. ``--printers SOCKET``); ``env`` is
    added to the app's environment (e.g. a private pcscd's socket); ``central_ready(hub)``
    runs once the central serves and the terminal is enrolled, before the app starts."""

    def run(name: str, while_running: Callable[[subprocess.Popen[str], Path], Any] | None = None,
            timeout: float = 75, central: bool = False, session: dict[str, float] | None = None,
            site_extra: str = "", prepare: Callable[[Path], Any] | None = None,
            extra_args: list[str] | None = None, env: dict[str, str] | None = None,
            central_ready: Callable[[CentralForUi], Any] | None = None,
            demo_cards: bool | None = None) -> AppRun:
        folder = tmp_path_factory.mktemp(f"ui-{name}")
        hub = CentralForUi(folder) if central else None
        demo = central if demo_cards is None else demo_cards   # central's people, by default
        sim = Simulator(folder, DEMO_CARDS) if demo else Simulator(folder)
        site = write_site(folder, sim.link, central_url=hub.url if hub else None, **(session or {}))
        if "[evaluation]" not in site_extra:
            # 好差评's offer after 完成 only where a scenario rates (test_evaluation_ui.py):
            # the others end their visits with 完成 and expect the home screen.
            site_extra += "\n[evaluation]\noffer_after_service = false\n"
        if site_extra:
            site.write_text(site.read_text(encoding="utf-8") + "\n" + site_extra, encoding="utf-8")
        try:
            if prepare is not None:
                prepare(folder / "data")
            if hub is not None:
                hub.start(site)
                if central_ready is not None:
                    central_ready(hub)
        except BaseException:
            sim.stop()
            if hub is not None:
                hub.close()
            raise
        # Per run, not in artifacts/: two test runs at once must not read each other's.
        results_path = folder / "results.json"
        kivy_home = folder / "kivy"
        extra: dict[str, Any] = {}
        out_path, err_path = folder / "app.stdout", folder / "app.stderr"
        try:
            # Files, not pipes: nobody reads a pipe while the scenario runs, and a full
            # pipe would block the app's logging.
            with out_path.open("wb") as out, err_path.open("wb") as err:
                proc = subprocess.Popen(
                    [sys.executable, str(HERE / "harness.py"), "--config", str(site), "--scenario", name,
                     "--artifacts", str(ui_artifacts), "--results", str(results_path),
                     "--sim", str(sim.control), "--timeout", str(timeout - 5),
                     *(["--central", str(hub.socket)] if hub else []), *(extra_args or [])],
                    cwd=ROOT, env={**ui_env(ui_display, kivy_home), **(env or {})}, text=True,
                    stdout=out, stderr=err,
                )
                try:
                    if while_running is not None:
                        extra["while_running"] = while_running(proc, results_path)
                    proc.wait(timeout=timeout)
                except BaseException:
                    proc.kill()
                    proc.wait()
                    raise
        finally:
            sim.stop()
            if hub is not None:
                hub.close()
                extra["central"] = hub
        stdout = out_path.read_text(encoding="utf-8", errors="replace")
        stderr = err_path.read_text(encoding="utf-8", errors="replace")
        results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else {}
        if results_path.exists():  # beside the screenshots, for a human to read
            shutil.copyfile(results_path, ui_artifacts / f"ui-{name}-results.json")
        return AppRun(name, proc.returncode, results, folder / "data", kivy_home, stdout, stderr, extra)

    return run
