"""The terminal's fleet parts on their own (kiosk/fleet): the heartbeat's clock, the commands'
memory, the pulled log, the self-test's proofs, the maintenance flag and the restart request.
The whole terminal against a real central is tests/kiosk/central/test_fleet_with_real_central.py.

Driven by progress: beats and commands are counted and waited for, never slept on.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.events import CodeScanned, IdentityRead, SmartCardRead
from drivers.idcard.model import CardType, IdentityCard
from drivers.status import DeviceState, DeviceStatus, FaultAction, SupplyLevel
from kiosk.central_api.errors import CentralRejected, CentralUnavailable
from kiosk.central_api.fleet import Command, HeartbeatAnswer
from kiosk.events import KioskEvent, MaintenanceChanged
from kiosk.fleet import health, restart
from kiosk.fleet.commands import Commands, Outcome
from kiosk.fleet.heartbeat import HeartbeatLoop
from kiosk.fleet.log_pull import recent_log
from kiosk.fleet.maintenance import Maintenance
from kiosk.fleet.selftest import SelfTest
from kiosk.outbox_rows import OutboxStatus
from kiosk.privacy import forget_personal, register_personal

TIMEOUT = 10.0


class Beats:
    """A beat function that records each reason and lets a test wait for the n-th."""

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.cond = threading.Condition()

    def __call__(self, reason: str) -> None:
        with self.cond:
            self.reasons.append(reason)
            self.cond.notify_all()

    def wait(self, count: int) -> list[str]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.reasons) >= count, TIMEOUT), self.reasons
            return list(self.reasons)


@pytest.fixture
def beats() -> Beats:
    return Beats()


@pytest.fixture
def loop(beats: Beats) -> Iterator[HeartbeatLoop]:
    running = HeartbeatLoop(beats, lambda: 3600.0, coalesce_s=0.3)
    running.start()
    try:
        yield running
    finally:
        running.stop()


# -- the heartbeat's clock ---------------------------------------------------------------------
def test_the_first_beat_is_at_start(loop: HeartbeatLoop, beats: Beats) -> None:
    assert beats.wait(1) == ["start"]


def test_a_burst_of_device_changes_makes_one_beat_not_many(loop: HeartbeatLoop, beats: Beats) -> None:
    beats.wait(1)
    for _ in range(20):                 # a printer flapping between low and out
        loop.nudge("device_change")
    assert beats.wait(2) == ["start", "device_change"]
    loop.nudge("command")               # a later nudge is a beat of its own
    assert beats.wait(3)[-1] == "command"
    assert len(beats.reasons) == 3


def test_beats_are_at_least_the_coalescing_gap_apart(beats: Beats) -> None:
    times: list[float] = []

    def beat(reason: str) -> None:
        times.append(time.monotonic())
        beats(reason)

    running = HeartbeatLoop(beat, lambda: 3600.0, coalesce_s=0.5)
    running.start()
    try:
        beats.wait(1)
        running.nudge("device_change")
        beats.wait(2)
        running.nudge("device_change")
        beats.wait(3)
    finally:
        running.stop()
    assert all(b - a >= 0.49 for a, b in zip(times, times[1:], strict=False))


def test_the_period_is_jittered_within_ten_percent() -> None:
    draws = iter([0.0, 1.0, 0.5])
    loop = HeartbeatLoop(lambda _r: None, lambda: 60.0, rng=lambda: next(draws))
    assert [loop.next_wait() for _ in range(3)] == pytest.approx([54.0, 66.0, 60.0])


def test_timer_beats_come_by_themselves(beats: Beats) -> None:
    running = HeartbeatLoop(beats, lambda: 0.05)
    running.start()
    try:
        assert beats.wait(3)[:3] == ["start", "timer", "timer"]
    finally:
        running.stop()


def test_a_beat_that_raises_does_not_stop_the_loop(beats: Beats) -> None:
    def beat(reason: str) -> None:
        beats(reason)
        raise RuntimeError("bug")

    running = HeartbeatLoop(beat, lambda: 0.05)
    running.start()
    try:
        beats.wait(3)
    finally:
        running.stop()


# -- commands -----------------------------------------------------------------------------------
class Posted:
    def __init__(self, fail: Exception | None = None) -> None:
        self.results: list[tuple[int, Outcome]] = []
        self.fail = fail
        self.cond = threading.Condition()

    def __call__(self, command_id: int, outcome: Outcome) -> None:
        with self.cond:
            if self.fail is not None:
                self.cond.notify_all()
                raise self.fail
            self.results.append((command_id, outcome))
            self.cond.notify_all()

    def wait(self, count: int) -> list[tuple[int, Outcome]]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.results) >= count, TIMEOUT)
            return list(self.results)


def _commands(folder: Path, posted: Posted, ran: list[str], finished: threading.Event | None = None) -> Commands:
    def handler(kind: str) -> Any:
        def run(args: Any) -> Outcome:
            ran.append(kind)
            return Outcome(True, {"kind": kind, **args})

        return run

    return Commands(folder, {"doctor": handler("doctor"), "maintenance_on": handler("maintenance_on")},
                    posted, finished=(lambda _id: finished.set()) if finished else (lambda _id: None))


def test_a_redelivered_command_runs_once_and_is_acknowledged_each_time(tmp_path: Path) -> None:
    posted, ran = Posted(), list[str]()
    commands = _commands(tmp_path, posted, ran)
    commands.start()
    try:
        doctor = Command(id=7, kind="doctor", args={})
        assert commands.received([doctor]) == [doctor]
        posted.wait(1)
        commands.acknowledged(commands.acks())          # the next heartbeat carried the ack
        assert commands.received([doctor]) == []        # central's answer was lost: again
        assert commands.acks() == [7]                   # acknowledged again, not run
        assert ran == ["doctor"] and [i for i, _ in posted.results] == [7]
    finally:
        commands.stop()


def test_executed_ids_survive_a_restart_and_only_the_last_200_are_kept(tmp_path: Path) -> None:
    posted, ran = Posted(), list[str]()
    first = _commands(tmp_path, posted, ran)
    first.received([Command(id=i, kind="doctor", args={}) for i in range(1, 251)])
    again = _commands(tmp_path, Posted(), [])          # a new process reads the file
    assert again.executed() == list(range(51, 251))
    assert again.received([Command(id=250, kind="doctor", args={})]) == []
    assert json.loads((tmp_path / "commands.json").read_text())["done"][-1] == 250


def test_an_unknown_kind_is_answered_as_failed(tmp_path: Path) -> None:
    posted = Posted()
    commands = _commands(tmp_path, posted, [])
    commands.start()
    try:
        commands.received([Command(id=3, kind="reboot_now", args={})])
        (command_id, outcome), = posted.wait(1)
    finally:
        commands.stop()
    assert (command_id, outcome.ok, outcome.result) == (3, False, {"error": "unknown_kind"})


def test_a_result_central_could_not_take_is_sent_after_the_next_answer(tmp_path: Path) -> None:
    posted, finished = Posted(fail=CentralUnavailable("connect_failed")), threading.Event()
    commands = _commands(tmp_path, posted, [], finished)
    commands.start()
    try:
        commands.received([Command(id=11, kind="maintenance_on", args={"phone": "0356-1"})])
        assert finished.wait(TIMEOUT)
        assert posted.results == []
        posted.fail = None
        commands.send_unsent()
        assert [i for i, _ in posted.results] == [11]
        commands.send_unsent()                         # sent once: nothing left
        assert len(posted.results) == 1
    finally:
        commands.stop()


def test_a_result_central_refuses_is_dropped_not_retried_forever(tmp_path: Path) -> None:
    posted, finished = Posted(fail=CentralRejected(404, "not_found")), threading.Event()
    commands = _commands(tmp_path, posted, [], finished)
    commands.start()
    try:
        commands.received([Command(id=12, kind="doctor", args={})])
        assert finished.wait(TIMEOUT)
        posted.fail = None
        commands.send_unsent()
        assert posted.results == []
    finally:
        commands.stop()


def test_central_answer_with_garbage_is_a_clear_error() -> None:
    from pydantic import ValidationError

    good = {"server_time": "2026-12-06T08:00:00+08:00", "next_in_s": 60, "commands": [],
            "config_version": None, "update": None}
    assert HeartbeatAnswer.model_validate_json(json.dumps(good), strict=True).next_in_s == 60
    for bad in ({**good, "server_time": "2026-12-06T08:00:00"},            # no offset
                {**good, "commands": [{"id": "1", "kind": "doctor", "args": {}}]},
                {**good, "config_version": "v1"},
                {**good, "update": {"version": "0.2.0"}}):
        with pytest.raises(ValidationError):
            HeartbeatAnswer.model_validate_json(json.dumps(bad), strict=True)


# -- the pulled log -----------------------------------------------------------------------------
def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") + ",000"


def test_the_pulled_log_is_masked_again_and_keeps_the_window(tmp_path: Path) -> None:
    now = dt.datetime(2026, 12, 6, 10, 0, 0)
    (tmp_path / "kiosk.log.1").write_text(
        f"{_stamp(now - dt.timedelta(hours=5))} INFO a: too old\n"
        f"{_stamp(now - dt.timedelta(hours=1, minutes=30))} INFO a: in the window (rotated)\n",
        encoding="utf-8")
    (tmp_path / "kiosk.log").write_text(
        f"{_stamp(now - dt.timedelta(minutes=10))} ERROR a: failed for 110101199003071233 张三\n"
        "Traceback (most recent call last):\n  ValueError: 110101199003071233\n"
        f"{_stamp(now - dt.timedelta(minutes=1))} INFO a: last\n", encoding="utf-8")
    token = register_personal({"name": "张三"})
    try:
        pulled = recent_log(tmp_path, hours=2, now=now)
    finally:
        forget_personal(token)
    assert "too old" not in pulled.text
    assert pulled.text.index("rotated") < pulled.text.index("failed for") < pulled.text.index("last")
    assert "110101199003071233" not in pulled.text and "张三" not in pulled.text
    assert "ValueError" in pulled.text                  # the traceback came with its record
    assert pulled.lines == 5 and pulled.bytes == len(pulled.text.encode()) and not pulled.truncated


def test_the_pulled_log_is_capped_with_the_newest_kept(tmp_path: Path) -> None:
    now = dt.datetime(2026, 12, 6, 10, 0, 0)
    lines = [f"{_stamp(now - dt.timedelta(seconds=1000 - i))} INFO a: record {i:04d} " + "x" * 80
             for i in range(1000)]
    (tmp_path / "kiosk.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pulled = recent_log(tmp_path, hours=1, now=now, max_bytes=10_000)
    assert pulled.truncated and pulled.bytes <= 10_000
    assert pulled.text.rstrip().endswith("x" * 80) and "record 0999" in pulled.text
    assert "record 0000" not in pulled.text


# -- the self-test ------------------------------------------------------------------------------
class Box:
    def __init__(self) -> None:
        self.status = OutboxStatus(pending=2, delivered=0, failed=0, oldest_pending_age_s=5.0)


def test_the_self_test_waits_for_the_devices_expected_ready() -> None:
    statuses = {"receipt_printer": DeviceStatus(DeviceState.OFFLINE)}
    box = Box()
    test = SelfTest(lambda: statuses, lambda: box.status)
    test.started()
    assert test.wait(0.3, need=("devices",), expected={"receipt_printer": True}) == "devices"
    assert test.wait(0.3, need=("devices",), expected={"receipt_printer": False}) is None
    test.expect({"receipt_printer": True, "id_reader": True})    # a device configured no more
    statuses["receipt_printer"] = DeviceStatus(DeviceState.ONLINE)
    assert test.wait(0.3, need=("devices",)) == "devices"


def test_the_self_test_records_when_each_proof_arrived() -> None:
    box = Box()
    test = SelfTest(dict, lambda: box.status)
    test.started()
    threading.Timer(0.05, test.ui_drawn).start()
    threading.Timer(0.1, test.central_answered).start()
    assert test.wait(TIMEOUT) is None
    proofs = test.proofs()
    assert set(proofs) == {"devices", "ui", "central", "outbox"}
    assert all(v is not None for v in proofs.values())
    assert proofs["ui"] <= proofs["central"]  # type: ignore[operator]


def test_a_permanent_outbox_failure_fails_the_self_test_at_once() -> None:
    box = Box()
    box.status = OutboxStatus(pending=5, delivered=0, failed=1, oldest_pending_age_s=5.0)
    test = SelfTest(dict, lambda: box.status)
    test.started()
    box.status = OutboxStatus(pending=3, delivered=1, failed=2, oldest_pending_age_s=5.0)
    started = time.monotonic()
    assert test.wait(60, need=("outbox", "ui")) == "outbox"
    assert time.monotonic() - started < 5


def test_a_growing_outbox_is_not_a_proof_and_an_unknown_check_is_refused() -> None:
    box = Box()
    test = SelfTest(dict, lambda: box.status)
    test.started()
    box.status = OutboxStatus(pending=9, delivered=0, failed=0, oldest_pending_age_s=5.0)
    assert test.wait(0.3, need=("outbox",)) == "outbox"
    box.status = OutboxStatus(pending=1, delivered=8, failed=0, oldest_pending_age_s=1.0)
    assert test.wait(TIMEOUT, need=("outbox",)) is None
    with pytest.raises(ValueError):
        test.wait(1, need=("screens",))


# -- maintenance and restart ---------------------------------------------------------------------
def test_maintenance_is_kept_on_disk_and_told(tmp_path: Path) -> None:
    told: list[KioskEvent] = []
    flag = Maintenance(tmp_path, told.append, fallback_phone="0356-2020000")
    flag.set(True, "0356-12345", "更换打印纸")
    assert told == [MaintenanceChanged(True)]
    again = Maintenance(tmp_path, told.append)
    assert (again.on, again.state().phone, again.state().note) == (True, "0356-12345", "更换打印纸")
    again.set(False)
    assert not Maintenance(tmp_path, told.append).on
    flag2 = Maintenance(tmp_path, told.append, fallback_phone="0356-2020000")
    assert flag2.set(True, "<b>call me</b>").phone == ""           # not a phone: not shown
    assert flag2.state().phone == "0356-2020000"                     # the configured one instead


def test_an_unreadable_flag_keeps_the_terminal_closed(tmp_path: Path) -> None:
    (tmp_path / "maintenance.json").write_text("{garbled", encoding="utf-8")
    assert Maintenance(tmp_path, lambda _e: None).on


def test_maintenance_drops_citizens_cards_and_codes_but_not_staff_cards(tmp_path: Path) -> None:
    flag = Maintenance(tmp_path, lambda _e: None)
    card = IdentityCard(card_type=CardType.RESIDENT, name="张三", id_number="110101199003071233")
    read = IdentityRead("id_reader", card)
    assert not flag.holds(read, idle=True)
    flag.set(True)
    assert flag.holds(CodeScanned("code_scanner", "TONGBAN-EID:x", "QRCode"), idle=True)
    assert not flag.holds(CodeScanned("code_scanner", "x", "QRCode"), idle=False)   # a session runs

    class Staff:
        kind = "staff"

    assert not flag.holds(SmartCardRead("card_reader", "card_reader", Staff()), idle=True)
    assert flag.holds(read, idle=True) and card.id_number != "110101199003071233"    # wiped


def test_a_restart_is_due_only_between_sessions() -> None:
    from kiosk.flows.base import FlowState
    from kiosk.session import SessionSnapshot, SessionState
    from kiosk.state import KioskState

    def state(session: SessionState, staff: str = "closed") -> KioskState:
        snap = SessionSnapshot(session, None, None, 60.0, False, False)
        return KioskState(snap, None, (), (), (), frozenset(), True, FlowState("staff", staff, ""))

    heard: list[str] = []
    restart.subscribe(heard.append)
    try:
        assert restart.due(state(SessionState.IDLE)) is None
        restart.request_restart("config_trial")
        restart.request_restart("update_switch")          # the first reason is kept
        assert heard == ["config_trial"]
        assert restart.due(state(SessionState.ACTIVE)) is None
        assert restart.due(state(SessionState.IDLE, staff="log")) is None
        assert restart.due(state(SessionState.IDLE)) == "config_trial"
        assert restart.EXIT_RESTART == 75
    finally:
        restart.unsubscribe(heard.append)
        restart.clear()


# -- the body ----------------------------------------------------------------------------------------
def test_a_device_status_goes_without_its_detail_and_within_the_codes() -> None:
    status = DeviceStatus(DeviceState.USER_ERROR, FaultAction.CLEAR_BY_STAFF,
                          {"paper": SupplyLevel.OUT, "Bad Key!": SupplyLevel.LOW}, "paper_out",
                          detail="/dev/ttyUSB0 errno 5")
    assert health.device_health(status) == {"state": "user_error", "action": "clear_by_staff",
                                            "supplies": {"paper": "out"}, "fault": "paper_out",
                                            "ready": False}


def test_two_trials_wait_at_once_each_with_its_own_expectation() -> None:
    statuses = {"receipt_printer": DeviceStatus(DeviceState.OFFLINE), "id_reader": DeviceStatus(DeviceState.ONLINE)}
    box = Box()
    test = SelfTest(lambda: statuses, lambda: box.status)
    test.started()
    verdicts: dict[str, str | None] = {}
    update = threading.Thread(target=lambda: verdicts.update(
        update=test.wait(0.5, need=("devices",), expected={"receipt_printer": True})))
    update.start()
    verdicts["config"] = test.wait(0.3, need=("devices",), expected={"id_reader": True})
    update.join()
    assert verdicts == {"config": None, "update": "devices"}


def test_the_body_takes_the_hooks_reports_and_the_print_log_head(tmp_path: Path) -> None:
    from kiosk.version import running_version

    class Updates:
        def report(self) -> dict[str, Any]:
            return {"state": "trial", "version": "0.2.0", "target_version": "0.2.0", "reason": ""}

        def offered(self, offer: dict[str, Any]) -> None: ...
        def on_started(self) -> None: ...

    class Remote:
        def report(self) -> dict[str, Any]:
            return {"state": "ok", "version": "cfg-0123456789ab", "reason": ""}

        def version(self) -> str:
            return "cfg-0123456789ab"

        def offered(self, version: str | None) -> None: ...
        def reload_now(self) -> Any: ...
        def on_started(self) -> None: ...

    zone = dt.timezone(dt.timedelta(hours=8))
    snap = health.Snapshot(
        reason="timer", now=dt.datetime(2026, 12, 6, 8, 0, tzinfo=zone), uptime_s=12.7, data_dir=tmp_path,
        statuses={"receipt_printer": DeviceStatus(DeviceState.ONLINE)},
        outbox=OutboxStatus(pending=3, delivered=9, failed=1, oldest_pending_age_s=42.9),
        print_log_head=(12, "AB12cd34" * 8), maintenance=True, session_active=False,
        last_session_end=None, updates=Updates(), remote_config=Remote(), acks=[41, 42])
    body = health.build(snap).model_dump(mode="json")
    assert body["print_log_head"] == {"count": 12, "mac": "ab12cd34ab12cd34"}
    assert body["outbox"] == {"depth": 3, "oldest_age_s": 42, "failed": 1}
    assert body["update"]["state"] == "trial" and body["config_version"] == "cfg-0123456789ab"
    assert body["software_version"] == running_version() and body["acks"] == [41, 42]
    assert body["sent_at"] == "2026-12-06T08:00:00+08:00" and body["uptime_s"] == 12
    bare = health.build(health.Snapshot(**{**snap.__dict__, "updates": None, "remote_config": None}))
    assert bare.update.state == "idle" and bare.config_version == "local" and bare.config.version == "local"
