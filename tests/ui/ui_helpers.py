"""Helpers for the UI tests: the simulated reader, the test site file, one app run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CARDS = HERE / "cards.toml"


@dataclass
class AppRun:
    """What one harness run left behind."""

    scenario: str
    returncode: int
    results: dict[str, Any]
    data_dir: Path
    kivy_home: Path
    stdout: str
    stderr: str
    extra: dict[str, Any] = field(default_factory=dict)

    def step(self, name: str) -> dict[str, Any]:
        assert name in self.results.get("steps", {}), f"step {name!r} not reached: {self.describe()}"
        return self.results["steps"][name]

    def shown(self, name: str) -> list[str]:
        return [t["text"] for t in self.step(name)["texts"]]

    def describe(self) -> str:
        log = "\n".join(self.results.get("log", []))
        return (f"rc={self.returncode} error={self.results.get('error')}\n{log}\n"
                f"{self.results.get('traceback', '')}\nstderr tail:\n{self.stderr[-3000:]}")


def write_site(folder: Path, link: Path, *, central_url: str | None = None,
               **session: float | str) -> Path:
    timing = {"idle_timeout_s": 8, "idle_warning_s": 3, "card_removal_grace_s": 3, **session}
    site = folder / "site.toml"
    site.write_text(
        'profile = "hall"\n\n[terminal]\n'
        f'data_dir = "{folder / "data"}"\nterminal_code = "UI-TEST"\n\n[session]\n'
        + "".join(f"{key} = {json.dumps(value) if isinstance(value, str) else value}\n"
                  for key, value in timing.items())
        + '\n[ui]\nfullscreen = false\nelderly_mode = false\ntouch_input = "mouse"\n\n'
        + '[voice]\ndevice = "null"   # voice prompts play to ALSA\'s null sink: tests make no sound\n\n'
        f'[devices.id_reader]\nport = "{link}"\nreconnect_interval_s = 0.3\n'
        + (f'\n[central]\nurl = "{central_url}"\n' if central_url else ""),
        encoding="utf-8",
    )
    return site


class Simulator:
    """`kiosk-sim idcard` with the UI test cards, on a pty behind a stable link."""

    def __init__(self, folder: Path, cards: Path = CARDS) -> None:
        self.link = folder / "idreader"
        self.control = folder / "sim.sock"
        self.log = folder / "sim.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "drivers.sim_cli", "idcard", "--cards", str(cards),
             "--link", str(self.link), "--control", str(self.control)],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while not (self.control.exists() and self.link.exists()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"kiosk-sim did not start: {self.log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def ui_env(display: str, kivy_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DISPLAY": display, "KIVY_HOME": str(kivy_home), "KIVY_NO_ARGS": "1",
                "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    env.pop("TONGBAN_CONFIG", None)
    return env


RunApp = Callable[..., AppRun]
