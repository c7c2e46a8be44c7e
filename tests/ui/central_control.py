"""The real central for the 一证通办 UI tests: seeded, serving on a free 127.0.0.1 port with
a temporary SQLite database, the terminal enrolled through its own `kiosk enroll`, and a
control socket through which a scenario (in the app process) stops and starts it.

Commands (one line each, reply ``ok ...`` or ``error ...``): ``stop``, ``start``,
``count RECEIPT`` (applications central holds for a local receipt), ``number RECEIPT``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from drivers.sim_control import ControlServer
from tests.support.real_central import KIOSK, RealCentral, central_available


class CentralForUi:
    def __init__(self, folder: Path) -> None:
        if not central_available():
            pytest.skip("central/ (kiosk-central) is not available")
        self.central = RealCentral(folder / "central")
        self.url = self.central.url
        self.socket = folder / "central.sock"
        self._control = ControlServer(self.socket, self._execute)

    def start(self, site: Path) -> None:
        """Seed, serve, and enroll the terminal of ``site`` (its [central] url is ours)."""
        self.central.seed()
        self.central.start()
        code = self.central.add_terminal()
        env = {k: v for k, v in os.environ.items() if k != "TONGBAN_CONFIG"}
        done = subprocess.run([KIOSK, "--config", str(site), "enroll", "--central", self.url, "--code", code],
                              capture_output=True, text=True, timeout=60, env=env)
        if done.returncode != 0:
            self.close()
            pytest.fail(f"kiosk enroll failed: {done.stdout}{done.stderr}")
        self._control.start()

    def close(self) -> None:
        self._control.close()
        self.central.stop()

    def applications(self, local_receipt: str) -> list[tuple[object, ...]]:
        return self.central.query("SELECT number, item_code, status FROM applications WHERE local_receipt = ?",
                                  local_receipt)

    def _execute(self, line: str) -> str:
        command, _, arg = line.partition(" ")
        try:
            if command == "stop":
                self.central.stop()
                return "ok stopped"
            if command == "start":
                self.central.start()
                return "ok started"
            if command == "count":
                return f"ok {len(self.applications(arg))}"
            if command == "number":
                rows = self.applications(arg)
                return f"ok {rows[0][0] if rows else ''}"
        except Exception as err:  # the scenario reads the reason
            return f"error {type(err).__name__}: {err}"
        return f"error unknown command {command!r}"
