"""Session-wide test setup: Kivy environment, a private Xvfb, the artifacts directory.

Kivy reads its environment when it is first imported, and test modules are imported at
collection time, before any fixture runs. So the Kivy variables are set in
``pytest_configure``; the autouse fixture below only checks them and makes the artifacts
directory. Import ``kivy.core.window`` (which opens the window) only inside tests that use
``xvfb_display``, never at module level.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `tests.support` importable however pytest is started
    sys.path.insert(0, str(REPO_ROOT))

from drivers.a4.sim_cups import SimulatedCups  # noqa: E402
from drivers.idcard.model import IdentityCard  # noqa: E402
from drivers.idcard.sim_cards import load_cards  # noqa: E402
from drivers.idcard.simulator import IdCardSimulator  # noqa: E402
from tests.support.cups import simulated_cups_fixture  # noqa: E402
from tests.support.services import require  # noqa: E402
from tests.support.xvfb import Xvfb, XvfbError, xvfb_missing  # noqa: E402

ARTIFACTS_DIR = REPO_ROOT / "tests" / "artifacts"
_kivy_home = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    home = Path(tempfile.mkdtemp(prefix="tongban-kivy-home-"))
    config.stash[_kivy_home] = home
    os.environ["KIVY_NO_ARGS"] = "1"  # Kivy must not parse pytest's command line
    os.environ["KIVY_HOME"] = str(home)  # no ~/.kivy/config.ini from the developer
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # no stderr hijack; pytest captures logs
    os.environ["KIVY_NO_FILELOG"] = "1"
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_kivy_home, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def kiosk_test_env(pytestconfig: pytest.Config) -> dict[str, str]:
    """The environment every test runs in (set in pytest_configure)."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    assert os.environ.get("KIVY_NO_ARGS") == "1"
    assert os.environ.get("KIVY_HOME") == str(pytestconfig.stash[_kivy_home])
    return {k: os.environ[k] for k in ("KIVY_NO_ARGS", "KIVY_HOME", "KIVY_LOG_MODE")}


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """tests/artifacts/: screenshots and other files worth looking at after a run."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A private Xvfb (1280x800x24, GLX) for the session; DISPLAY points at it.

    Stopped at the end of the session, whether tests passed or not. Without Xvfb the tests
    that need it skip (fail under CI=true); an Xvfb that does not start fails them.
    """
    require(xvfb_missing())
    server = Xvfb(width=1280, height=800, depth=24)
    try:
        display = server.start()
    except XvfbError as exc:
        pytest.fail(str(exc), pytrace=False)
    mp = pytest.MonkeyPatch()
    mp.setenv("DISPLAY", display)
    mp.delenv("WAYLAND_DISPLAY", raising=False)  # SDL must use X11, not the developer's Wayland
    try:
        yield display
    finally:
        mp.undo()
        server.stop()


@pytest.fixture(scope="session")
def demo_cards() -> dict[str, IdentityCard]:
    """The simulator's demo cards (drivers/idcard/sim_cards.toml), all four layouts."""
    return load_cards()


@pytest.fixture
def sim(demo_cards: dict[str, IdentityCard], tmp_path: Path) -> Iterator[IdCardSimulator]:
    """A simulated ID card reader on a pty, reachable through the stable link tmp/idreader."""
    simulator = IdCardSimulator(demo_cards, link=tmp_path / "idreader")
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture(scope="module")
def cups_sim() -> Iterator[SimulatedCups]:
    """A private cupsd with a cups-pdf queue (the simulated A4 printer), one per module."""
    yield from simulated_cups_fixture()
