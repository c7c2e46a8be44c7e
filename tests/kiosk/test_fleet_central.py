"""The terminal's fleet side against the real central (`kiosk-central serve`, SQLite): the
heartbeat and what central keeps of it, central's commands (maintenance mode, pull_log,
doctor) and their results, and `kiosk heartbeat --once --json` (docs/fleet.md §1, §2).

Every test enrolls a terminal of its own (commands are per terminal) with a simulated ID
card reader on a pty and a simulated ESC/POS printer on TCP. Progress is waited for (a beat
with the wanted content, a command's state), never slept on.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drivers.events import DeviceEvent, IdentityRead
from drivers.idcard.model import IdentityCard
from drivers.idcard.simulator import IdCardSimulator
from drivers.receipt.simulator import PrinterSimulator
from kiosk.central_api import client_for, load_identity
from kiosk.central_api.fleet import FleetApi, Heartbeat, HeartbeatAnswer
from kiosk.config import KioskConfig, load_config
from kiosk.logs import setup_logging
from kiosk.session import SessionState
from kiosk.terminal import Terminal
from kiosk.version import running_version
from tests.support.central_fixtures import real_central  # noqa: F401
from tests.support.real_central import (
    KIOSK,
    KIOSK_CENTRAL,
    RealCentral,
    central_available,
    free_port,
)

pytestmark = pytest.mark.skipif(not central_available(), reason="central/ (kiosk-central) is not installed")

TIMEOUT = 20.0
CONTRACT_KEYS = {"sent_at", "reason", "software_version", "config_version", "uptime_s", "free_disk_mb",
                 "maintenance", "session_active", "last_session_end", "outbox", "print_log_head",
                 "devices", "update", "config", "acks"}


def wait_until(predicate: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class BeatLog:
    """Every heartbeat the terminal sent, with central's answer or the error."""

    def __init__(self) -> None:
        self.items: list[tuple[Heartbeat, HeartbeatAnswer | None, str | None]] = []
        self.cond = threading.Condition()

    def __call__(self, body: Heartbeat, answer: HeartbeatAnswer | None, error: str | None) -> None:
        with self.cond:
            self.items.append((body, answer, error))
            self.cond.notify_all()

    def mark(self) -> int:
        with self.cond:
            return len(self.items)

    def wait(self, where: Callable[[Heartbeat], bool], since: int = 0, what: str = "a heartbeat") -> Heartbeat:
        def found() -> Heartbeat | None:
            return next((b for b, a, _e in self.items[since:] if a is not None and where(b)), None)

        with self.cond:
            assert self.cond.wait_for(lambda: found() is not None, TIMEOUT), \
                f"no answered {what}: {[(b.reason, e) for b, _a, e in self.items]}"
            body = found()
            assert body is not None
            return body


def central_cli(central: RealCentral, *args: str) -> Any:
    done = subprocess.run([KIOSK_CENTRAL, *args, "--db", central.db_url, "--json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def kiosk_cli(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TONGBAN_CONFIG"}
    return subprocess.run([KIOSK, "--config", str(site), *args], capture_output=True, text=True,
                          timeout=60, env=env)


@dataclass
class Kiosk:
    site: Path
    config: KioskConfig
    terminal_id: str
    central: RealCentral
    printer: PrinterSimulator
    made: list[Terminal]

    def terminal(self, start: bool = True) -> tuple[Terminal, BeatLog]:
        term = Terminal(load_config(self.site))
        beats = BeatLog()
        term.fleet.on_beat(beats)
        self.made.append(term)
        if start:
            term.start()
        return term, beats

    def op(self, operation: str, *extra: str) -> int:
        return int(central_cli(self.central, "fleet", "op", self.terminal_id, operation, *extra)["id"])

    def command(self, command_id: int) -> dict[str, Any]:
        return dict(central_cli(self.central, "fleet", "command", str(command_id)))

    def show(self) -> dict[str, Any]:
        return dict(central_cli(self.central, "fleet", "show", self.terminal_id))


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[PrinterSimulator]:
    simulator = PrinterSimulator(tmp_path / "receipts", paper="80mm", speed_mm_s=0)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def kiosk(real_central: RealCentral, tmp_path: Path, sim: IdCardSimulator,  # noqa: F811
          printer: PrinterSimulator) -> Iterator[Kiosk]:
    host, port = printer.address
    site = tmp_path / "kiosk.toml"
    site.write_text(
        'profile = "hall"\n[terminal]\ndata_dir = "data"\n'
        f'[central]\nurl = "{real_central.url}"\nconnect_timeout_s = 1\nread_timeout_s = 5\n'
        '[services]\noffered = ["identity_check"]\ndefault = "identity_check"\n'
        "[session]\nidle_timeout_s = 300\nidle_warning_s = 10\n"
        f'[devices.id_reader]\nport = "{sim.link_path}"\npoll_interval_s = 0.02\nreconnect_interval_s = 0.2\n'
        f'[devices.receipt_printer]\ndriver = "escpos"\nurl = "tcp://{host}:{port}"\npaper = "80mm"\n'
        "status_interval_s = 0.2\n"
        "[fleet]\nheartbeat_s = 600\n",       # timer beats stay out of the way: nudges drive these tests
        encoding="utf-8",
    )
    enrolled = kiosk_cli(site, "enroll", "--code", real_central.add_terminal())
    assert enrolled.returncode == 0, enrolled.stderr
    config = load_config(site)
    identity = load_identity(Path(config.terminal.data_dir))
    assert identity is not None
    made: list[Terminal] = []
    try:
        yield Kiosk(site, config, identity.terminal_id, real_central, printer, made)
    finally:
        for term in made:
            term.stop()


def devices_ready(term: Terminal) -> bool:
    statuses = term.device_statuses()
    return statuses["id_reader"].ready and statuses["receipt_printer"].ready


def serve_citizen(term: Terminal, sim: IdCardSimulator, card: str = "zhang_san") -> None:
    assert term.choose_service("identity_check")
    sim.place(card)
    wait_until(lambda: term.snapshot().state is SessionState.IDENTIFIED, "the card read")
    assert term.session.confirm()


# -- the heartbeat -----------------------------------------------------------------------------
def test_heartbeat_carries_no_personal_data_while_a_citizen_is_served(
    kiosk: Kiosk, sim: IdCardSimulator, demo_cards: dict[str, IdentityCard]
) -> None:
    term, beats = kiosk.terminal()
    first = beats.wait(lambda b: b.reason == "start", what="start beat")
    assert first.software_version == running_version() and not first.session_active
    wait_until(lambda: devices_ready(term), "devices ready")
    serve_citizen(term, sim)

    body, answer = term.fleet.beat_once("cli")
    sent = json.dumps(body.model_dump(mode="json"), ensure_ascii=False)
    card = demo_cards["zhang_san"]
    assert body.session_active and answer.server_time.utcoffset() is not None
    assert set(json.loads(sent)) == CONTRACT_KEYS
    for personal in (card.id_number, card.id_number[-6:], card.name, card.address, card.birth_date):
        assert personal not in sent, personal
    assert "detail" not in sent
    stored = kiosk.central.query("SELECT body FROM terminal_health WHERE terminal_id = ?", kiosk.terminal_id)
    (row,), = stored
    kept = row if isinstance(row, str) else json.dumps(row)
    assert card.id_number not in kept and card.name not in kept
    assert json.loads(kept)["session_active"] is True

    shown = kiosk.show()
    assert shown["version"] == running_version()
    assert set(shown["devices"]) == {"id_reader", "receipt_printer"}
    term.session.finish()
    ended = term.fleet.beat_once("cli")[0]
    assert not ended.session_active and ended.last_session_end is not None


def test_paper_out_sends_a_heartbeat_central_shows(kiosk: Kiosk) -> None:
    term, beats = kiosk.terminal()
    beats.wait(lambda b: b.reason == "start", what="start beat")
    wait_until(lambda: devices_ready(term), "devices ready")
    mark = beats.mark()
    kiosk.printer.set_paper("out")
    body = beats.wait(lambda b: b.reason == "device_change"
                      and not b.devices["receipt_printer"].ready, since=mark, what="paper-out beat")
    printer = body.devices["receipt_printer"]
    assert printer.supplies.get("paper") == "out" or printer.fault == "paper_out"
    shown = kiosk.show()["devices"]["receipt_printer"]
    assert shown["ready"] is False
    kiosk.printer.set_paper("normal")
    beats.wait(lambda b: b.devices["receipt_printer"].ready, since=mark, what="paper-back beat")
    assert kiosk.show()["devices"]["receipt_printer"]["ready"] is True


# -- maintenance mode --------------------------------------------------------------------------
def test_maintenance_waits_for_the_session_then_holds_across_a_restart_until_off(
    kiosk: Kiosk, sim: IdCardSimulator
) -> None:
    term, beats = kiosk.terminal()
    beats.wait(lambda b: b.reason == "start", what="start beat")
    wait_until(lambda: devices_ready(term), "devices ready")
    serve_citizen(term, sim)

    command = kiosk.op("maintenance-on", "--phone", "0356-12345", "--note", "更换打印纸")
    term.fleet.beat_once("cli")                    # delivers it; the terminal runs it at once
    wait_until(lambda: kiosk.command(command)["state"] == "done", "maintenance_on done")
    assert kiosk.command(command)["result"] == {"maintenance": True}
    state = term.state()
    assert state.maintenance.on and state.serving          # the citizen's session carries on
    assert state.session.state is SessionState.ACTIVE
    beats.wait(lambda b: b.maintenance and b.acks == [command], what="the acknowledgement")

    term.session.finish()
    state = term.state()
    assert not state.serving and state.maintenance.on and state.maintenance.phone == "0356-12345"
    assert not term.choose_service("identity_check")         # no new session from the tiles

    reads: list[DeviceEvent] = []                            # ... nor from a card put down
    term.devices["id_reader"].events.subscribe(reads.append)
    sim.remove()
    wait_until(lambda: not term.id_card_on_reader(), "the card taken")
    sim.place("li_si")
    wait_until(lambda: any(isinstance(e, IdentityRead) for e in reads), "the card read")
    assert term.snapshot().state is SessionState.IDLE
    wait_until(lambda: kiosk.show()["maintenance"] is True, "central sees maintenance")

    term.stop()                                               # a power cut, an update
    again, beats2 = kiosk.terminal()
    assert again.state().maintenance.on and again.state().maintenance.note == "更换打印纸"
    assert beats2.wait(lambda b: b.reason == "start").maintenance

    off = kiosk.op("maintenance-off")
    again.fleet.beat_once("cli")
    wait_until(lambda: kiosk.command(off)["state"] == "done", "maintenance_off done")
    assert not again.state().maintenance.on
    wait_until(lambda: devices_ready(again), "devices ready")
    assert again.choose_service("identity_check")             # home again: sessions start


# -- pull_log and doctor ---------------------------------------------------------------------
def test_pulled_log_is_the_masked_log(kiosk: Kiosk, demo_cards: dict[str, IdentityCard]) -> None:
    card = demo_cards["zhang_san"]
    log_dir = Path(kiosk.config.terminal.data_dir) / "logs"
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    setup_logging(log_dir, to_stderr=False)
    try:
        logging.getLogger("kiosk.test").warning("look-up failed for %s", card.id_number)
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in list(root.handlers):
            if handler not in saved[0]:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(saved[1])
    with (log_dir / "kiosk.log").open("a", encoding="utf-8") as leaked:   # an older version's line
        leaked.write(time.strftime("%Y-%m-%d %H:%M:%S") + f",000 INFO old: card {card.id_number}\n")

    term, beats = kiosk.terminal()
    beats.wait(lambda b: b.reason == "start", what="start beat")
    command = kiosk.op("pull-log", "--hours", "1")
    term.fleet.beat_once("cli")
    done = wait_until(lambda: (c := kiosk.command(command))["state"] == "done" and c, "pull_log done")
    pulled = done["log"]
    assert "look-up failed for" in pulled and "old: card" in pulled
    assert card.id_number not in pulled
    assert done["result"] == {"lines": pulled.count("\n"), "bytes": len(pulled.encode("utf-8"))}


def test_doctor_answers_with_the_devices_the_terminal_holds(kiosk: Kiosk) -> None:
    term, beats = kiosk.terminal()
    beats.wait(lambda b: b.reason == "start", what="start beat")
    wait_until(lambda: devices_ready(term), "devices ready")
    command = kiosk.op("doctor")
    term.fleet.beat_once("cli")
    done = wait_until(lambda: (c := kiosk.command(command))["state"] == "done" and c, "doctor done")
    rows = {row["device"]: row for row in done["result"]["devices"]}
    assert set(rows) == {"id_reader", "receipt_printer"} and all(r["ready"] for r in rows.values())
    assert "a4_printer" in done["result"]["not_configured"]


def test_a_command_central_delivers_again_runs_once(kiosk: Kiosk) -> None:
    term, _beats = kiosk.terminal(start=False)   # no loop of its own: the test sends the beats
    term.fleet.commands.start()
    runs: list[int] = []
    doctor = term.fleet.commands._handlers["doctor"]

    def counted(args: Any) -> Any:
        runs.append(1)
        return doctor(args)

    term.fleet.commands._handlers["doctor"] = counted
    command = kiosk.op("doctor")
    identity = load_identity(Path(kiosk.config.terminal.data_dir))
    assert identity is not None
    with client_for(kiosk.config, identity) as client:
        api = FleetApi(client)
        body = term.fleet.body("cli")
        assert body.acks == []
        first = api.heartbeat(body)          # delivered; the answer is "lost" on the way back ...
        second = api.heartbeat(body)         # ... so central delivers it again
    assert [c.id for c in first.commands] == [command] == [c.id for c in second.commands]
    term.fleet.answered(body, first)
    term.fleet.answered(body, second)
    wait_until(lambda: kiosk.command(command)["state"] == "done", "doctor done")
    assert runs == [1] and term.fleet.commands.acks() == [command]
    assert kiosk.command(command)["deliveries"] == 2
    sent, answer = term.fleet.beat_once("cli")   # the acknowledgement reaches central
    assert sent.acks == [command] and answer.commands == [] and term.fleet.commands.acks() == []


# -- the command line ---------------------------------------------------------------------------
def test_kiosk_heartbeat_once_json_prints_what_it_sent_and_the_answer(kiosk: Kiosk) -> None:
    done = kiosk_cli(kiosk.site, "heartbeat", "--once", "--json", "--wait", "5")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert set(printed) == {"sent", "answer"}
    assert set(printed["sent"]) == CONTRACT_KEYS and printed["sent"]["reason"] == "cli"
    assert set(printed["sent"]["devices"]) == {"id_reader", "receipt_printer"}
    assert {"server_time", "next_in_s", "commands", "config_version", "update"} <= set(printed["answer"])
    assert kiosk.show()["last_seen"] is not None


def test_kiosk_heartbeat_not_enrolled_or_unreachable_exits_1_naming_the_cause(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    lone = tmp_path / "lone.toml"
    lone.write_text('profile = "hall"\n[terminal]\ndata_dir = "lone"\n', encoding="utf-8")
    done = kiosk_cli(lone, "heartbeat", "--once", "--json")
    assert done.returncode == 1
    assert "还没有注册" in done.stderr and "kiosk enroll" in done.stderr and "Traceback" not in done.stderr
    assert json.loads(done.stdout) == {"sent": None, "answer": None, "error": "not_enrolled"}

    keys = Path(kiosk.config.terminal.data_dir) / "keys" / "terminal.json"
    info = json.loads(keys.read_text())
    info["central_url"] = f"http://127.0.0.1:{free_port()}"      # nobody listens there
    keys.write_text(json.dumps(info))
    done = kiosk_cli(kiosk.site, "heartbeat", "--once", "--json", "--wait", "0")
    assert done.returncode == 1
    assert "连不上政务服务平台" in done.stderr and "connect_failed" in done.stderr
    printed = json.loads(done.stdout)
    assert printed["error"] == "connect_failed" and printed["answer"] is None
    assert set(printed["sent"]) == CONTRACT_KEYS


def test_reload_config_fetches_a_published_version_and_asks_for_a_restart(
    kiosk: Kiosk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.fleet import restart

    term, beats = kiosk.terminal()
    beats.wait(lambda b: b.reason == "start", what="start beat")     # nothing published yet
    remote = term.fleet.remote_config
    assert remote is not None and remote.version() == "local"
    # Only the command may fetch here: the answer's config_version would start a fetch too.
    monkeypatch.setattr(remote, "offered", lambda _version: None)
    document = tmp_path / "doc.json"
    document.write_text(json.dumps({"session": {"idle_timeout_s": 240}}), encoding="utf-8")
    put = central_cli(kiosk.central, "config", "put", str(document), "--scope", "terminal",
                      "--key", kiosk.terminal_id)
    central_cli(kiosk.central, "config", "publish", "--scope", "terminal", "--key", kiosk.terminal_id,
                "--version", str(put["version"]))
    restart.clear()
    try:
        command = kiosk.op("reload-config")
        assert term.fleet.beat_once("cli")[1].config_version is not None
        done = wait_until(lambda: (c := kiosk.command(command))["state"] == "done" and c, "reload_config done")
        assert done["result"] == {"config_version": "local", "config_state": "trial"}
        assert restart.requested() == "config_trial"     # the new version starts at the restart
        assert term.fleet.body("cli").config.state == "trial"
    finally:
        restart.clear()
