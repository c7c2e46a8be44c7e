"""Central's configuration reaching a terminal (docs/fleet.md §3), against the real central
(`kiosk-central serve`, SQLite) and a terminal with a simulated ID reader and ESC/POS
printer: a published layer is fetched, checked with the terminal's own models, kept, tried
after a restart and kept only once the devices opened and the UI was drawn; a layer that
breaks a device, or crashes the start, goes back to the last known good by itself; a layer
the models refuse is rejected; no layer at all is `local`.

A "restart" here is what the supervisor does after exit 75: the terminal stopped, the
configuration loaded again as `kiosk run` loads it (`starting=True`), a new Terminal.
Progress is waited for (a restart asked for, a verdict, a heartbeat), never slept on.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from drivers.idcard.simulator import IdCardSimulator
from drivers.receipt.simulator import PrinterSimulator
from kiosk.central_api import load_identity
from kiosk.central_api.config import get_config
from kiosk.config import KioskConfig, load_config
from kiosk.config_remote import folder, read_state
from kiosk.fleet import restart
from kiosk.fleet.remote_config import RemoteConfig, version_of
from kiosk.staff import hash_pin
from kiosk.terminal import Terminal
from tests.support.central_fixtures import real_central  # noqa: F401
from tests.support.real_central import KIOSK, KIOSK_CENTRAL, RealCentral, central_available

pytestmark = pytest.mark.skipif(not central_available(), reason="central/ (kiosk-central) is not installed")

TIMEOUT = 30.0
HALL = "JC-ZWZX"        # 晋城市政务服务中心, where RealCentral.add_terminal enrolls


def wait_until(predicate: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Kiosk:
    site: Path
    terminal_id: str
    central: RealCentral
    made: list[Terminal] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return Path(load_config(self.site).terminal.data_dir)

    def state(self) -> dict[str, Any]:
        return read_state(self.data_dir)

    def start(self) -> tuple[Terminal, RemoteConfig]:
        """Start as `kiosk run` does after a restart: stop what runs, load, start, draw."""
        for term in self.made:
            term.stop()
        restart.clear()
        term = Terminal(load_config(self.site, starting=True))
        self.made.append(term)
        term.start()
        term.ui_drawn()
        remote = term.fleet.remote_config
        assert isinstance(remote, RemoteConfig)
        return term, remote

    def publish(self, scope: str, key: str, body: dict[str, Any]) -> str:
        put = self.central_cli("config", "put", "-", "--scope", scope, "--key", key, "--json",
                               stdin=json.dumps(body))
        self.central_cli("config", "publish", "--scope", scope, "--key", key,
                         "--version", str(put["version"]), "--json")
        effective = self.central_cli("config", "effective", self.terminal_id, "--json")
        return str(effective["version"])

    def central_cli(self, *args: str, stdin: str | None = None) -> Any:
        done = subprocess.run([KIOSK_CENTRAL, *args, "--db", self.central.db_url], input=stdin,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def restart_asked(reason: str) -> Callable[[], bool]:
    return lambda: restart.requested() == reason


@pytest.fixture
def kiosk(real_central: RealCentral, tmp_path: Path, sim: IdCardSimulator  # noqa: F811
          ) -> Iterator[Kiosk]:
    printer = PrinterSimulator(tmp_path / "receipts", paper="80mm", speed_mm_s=0)
    printer.start()
    host, port = printer.address
    site = tmp_path / "kiosk.toml"
    site.write_text(
        'profile = "hall"\n[terminal]\ndata_dir = "data"\n'
        f'[central]\nurl = "{real_central.url}"\nconnect_timeout_s = 1\nread_timeout_s = 5\n'
        '[services]\noffered = ["identity_check"]\ndefault = "identity_check"\n'
        f'[devices.id_reader]\nport = "{sim.link_path}"\npoll_interval_s = 0.02\nreconnect_interval_s = 0.2\n'
        f'[devices.receipt_printer]\ndriver = "escpos"\nurl = "tcp://{host}:{port}"\npaper = "80mm"\n'
        "status_interval_s = 0.2\n"
        "[fleet]\nheartbeat_s = 600\nconfig_trial_s = 10\n",   # the shortest trial [fleet] allows
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "TONGBAN_CONFIG"}
    enrolled = subprocess.run([KIOSK, "--config", str(site), "enroll", "--code", real_central.add_terminal()],
                              capture_output=True, text=True, timeout=60, env=env)
    assert enrolled.returncode == 0, enrolled.stderr
    identity = load_identity(Path(load_config(site).terminal.data_dir))
    assert identity is not None
    made = Kiosk(site, identity.terminal_id, real_central)
    try:
        yield made
    finally:
        for term in made.made:
            term.stop()
        printer.stop()
        restart.clear()


def kiosk_config_check(site: Path) -> str:
    done = subprocess.run([KIOSK, "--config", str(site), "config", "check"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def trial_of(kiosk: Kiosk, version: str) -> None:
    """A terminal running now hears of ``version``, keeps it and asks for a restart."""
    kiosk.start()
    wait_until(restart_asked("config_trial"), f"a restart for {version}")
    state = kiosk.state()
    assert state["trial"] == version and state["state"] == "trial"


# -- the way it should go -----------------------------------------------------------------------
def test_without_a_remote_layer_the_terminal_runs_local(kiosk: Kiosk) -> None:
    term, remote = kiosk.start()
    body, answer = term.fleet.beat_once("cli")
    assert answer.config_version is None
    assert body.config_version == "local" and body.config.state == "ok"
    assert remote.verdict.wait(TIMEOUT) and restart.requested() is None
    assert "# remote configuration: local" in kiosk_config_check(kiosk.site)


def test_a_published_hall_layer_is_tried_and_kept_with_its_pin_and_services(kiosk: Kiosk) -> None:
    pin_hash = hash_pin("975310")
    version = kiosk.publish("hall", HALL, {
        "staff": {"pin_hash": pin_hash, "pin_digits": 6},
        "services": {"offered": ["identity_check", "queue_ticket"], "default": "identity_check"},
        "ui": {"elderly_mode": True}})
    trial_of(kiosk, version)
    kept = folder(kiosk.data_dir) / f"{version}.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert version_of(json.loads(kept.read_text(encoding="utf-8"))) == version

    term, remote = kiosk.start()                      # the restart between sessions
    assert term.config.remote_version == version
    assert remote.verdict.wait(TIMEOUT)
    state = kiosk.state()
    assert (state["last_known_good"], state["trial"], state["state"]) == (version, None, "ok")
    # The staff PIN and the services central set are what this start runs.
    assert term.config.staff.pin_hash == pin_hash
    assert term.staff._gate.check("975310").ok   # noqa: SLF001  (the gate the staff screen asks)
    assert term.config.services.offered == ["identity_check", "queue_ticket"]
    assert term.config.ui.elderly_mode is True
    body, answer = term.fleet.beat_once("cli")
    assert (body.config_version, body.config.state, answer.config_version) == (version, "ok", version)
    assert kiosk.central_cli("fleet", "show", kiosk.terminal_id, "--json")["config_version"] == version
    assert f"# remote configuration: {version}" in kiosk_config_check(kiosk.site)
    # Asking again for what runs costs a 304 (the catalogue's ETag path), and changes nothing.
    assert term.central is not None and get_config(term.central, version) is None
    fetched = get_config(term.central, None)
    assert fetched is not None and fetched.version == version and fetched.layers[0].key == HALL
    assert remote.reload_now() == version
    assert restart.requested() is None and kiosk.state()["state"] == "ok"


# -- the ways back ------------------------------------------------------------------------------
def test_a_layer_that_breaks_the_printer_goes_back_to_the_last_known_good(kiosk: Kiosk) -> None:
    good = kiosk.publish("hall", HALL, {"voice": {"volume": 30}})
    trial_of(kiosk, good)
    term, remote = kiosk.start()
    assert remote.verdict.wait(TIMEOUT) and kiosk.state()["last_known_good"] == good

    broken = kiosk.publish("terminal", kiosk.terminal_id, {
        "devices": {"receipt_printer": {"url": f"tcp://127.0.0.1:{closed_port()}"}}})
    term.fleet.beat_once("cli")      # the running terminal hears of it (or a device's beat did)
    wait_until(restart_asked("config_trial"), "the broken layer on trial")
    term, remote = kiosk.start()
    assert term.config.remote_version == broken
    wait_until(restart_asked("config_rollback"), "the rollback", timeout=TIMEOUT + 10)
    state = kiosk.state()
    assert state["current"] == good and state["failed"] == {broken: "self_test_failed:devices"}
    body, _answer = term.fleet.beat_once("cli")
    assert (body.config.state, body.config.reason) == ("rolled_back", "self_test_failed:devices")
    shown = kiosk.central_cli("fleet", "show", kiosk.terminal_id, "--json")
    assert json.dumps(shown).count("rolled_back") >= 1

    term, remote = kiosk.start()                      # back on the good one
    assert term.config.remote_version == good
    assert term.config.devices.receipt_printer is not None
    assert term.config.devices.receipt_printer.url.startswith("tcp://127.0.0.1:")
    # Central still offers the broken one: it is never tried again.
    body, answer = term.fleet.beat_once("cli")
    assert answer.config_version == broken and body.config_version == good
    remote.offered(broken)
    assert restart.requested() is None and kiosk.state()["trial"] is None


def test_a_start_that_crashes_during_the_trial_goes_back_at_the_next_start(kiosk: Kiosk) -> None:
    version = kiosk.publish("hall", HALL, {"ui": {"fullscreen": False}})
    trial_of(kiosk, version)
    for term in kiosk.made:
        term.stop()
    assert load_config(kiosk.site, starting=True).remote_version == version   # the start...
    # ... crashed before any verdict; the next start in this boot finds it undecided.
    config: KioskConfig = load_config(kiosk.site, starting=True)
    assert config.remote_version == "local"
    state = kiosk.state()
    assert (state["state"], state["reason"], state["failed"]) == ("rolled_back", "crash", {version: "crash"})
    term, remote = kiosk.start()
    assert term.config.remote_version == "local"
    body, answer = term.fleet.beat_once("cli")
    assert answer.config_version == version and body.config.state == "rolled_back"
    assert restart.requested() is None


def test_a_layer_the_terminals_models_refuse_is_rejected(kiosk: Kiosk) -> None:
    # Passes the JSON Schema (each value in its range) but not the model's rule that the
    # warning comes before the timeout.
    version = kiosk.publish("terminal", kiosk.terminal_id,
                            {"session": {"idle_timeout_s": 30, "idle_warning_s": 50}})
    term, remote = kiosk.start()
    wait_until(lambda: kiosk.state()["state"] == "rejected", "the rejection")
    state = kiosk.state()
    assert state["failed"] == {version: "invalid"}
    assert any("session" in line for line in state["problems"][version])
    assert not (folder(kiosk.data_dir) / f"{version}.json").exists()
    assert restart.requested() is None
    body, _answer = term.fleet.beat_once("cli")
    assert (body.config.state, body.config.reason, body.config_version) == ("rejected", "invalid", "local")


def test_a_power_cut_during_a_trial_start_is_not_a_crash(kiosk: Kiosk) -> None:
    from kiosk.config_remote import begin_start

    version = kiosk.publish("hall", HALL, {"ui": {"fullscreen": False}})
    trial_of(kiosk, version)
    for term in kiosk.made:
        term.stop()
    assert begin_start(kiosk.data_dir, boot="boot-a")["current"] == version
    after_cut = begin_start(kiosk.data_dir, boot="boot-b")   # another boot: the power went
    assert (after_cut["current"], after_cut["trial"]) == (version, version)
    crashed = begin_start(kiosk.data_dir, boot="boot-b")     # the same boot again: a crash
    assert (crashed["current"], crashed["trial"], crashed["reason"]) == (None, None, "crash")


def test_reload_config_command_fetches_now(kiosk: Kiosk) -> None:
    term, remote = kiosk.start()
    term.fleet.beat_once("cli")
    version = kiosk.publish("region", "140500", {"voice": {"volume": 45}})
    command = int(kiosk.central_cli("fleet", "op", kiosk.terminal_id, "reload-config", "--json")["id"])
    done = threading.Event()

    def finished() -> bool:
        term.fleet.beat_once("cli")
        result = kiosk.central_cli("fleet", "command", str(command), "--json")
        if result["state"] in ("done", "failed"):
            done.set()
        return done.is_set()

    wait_until(finished, "the reload_config result")
    assert kiosk.state()["trial"] == version and restart.requested() == "config_trial"
