"""The application core: the service registry, flows' declared transitions, typed events,
the one KioskState snapshot, and staff mode without a window."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.status import DeviceState, DeviceStatus
from kiosk.config import ConfigError, load_config
from kiosk.events import FlowChanged, KioskEvent, SessionChanged, StaffChanged
from kiosk.flows.base import IllegalTransition, check_table, inline_runner
from kiosk.flows.proofs import ProofFlow
from kiosk.flows.proofs import Step as ProofStep
from kiosk.flows.staff import LogQuery, StaffFlow, StaffStep
from kiosk.printing.printlog import PrintLog
from kiosk.registry import SERVICES
from kiosk.services import service_views
from kiosk.session import SessionState
from kiosk.staff import StaffGate, hash_pin
from kiosk.state import KioskState
from kiosk.store import open_store
from kiosk.terminal import Terminal
from tests.support.cards import make_card

PIN = "246810"


# -- the registry ------------------------------------------------------------------------------

def test_every_registered_flow_declares_a_consistent_transition_table() -> None:
    built = [spec for spec in SERVICES.values() if spec.flow is not None]
    assert {s.id for s in built} >= {"identity_check", "yizheng_tongban", "proof_print"}
    for spec in built:
        flow_cls = typing.get_type_hints(spec.flow)["return"]   # build(deps) -> the Flow class
        assert flow_cls.SERVICE_ID == spec.id
        assert check_table(flow_cls) == [], spec.id
        assert spec.screens, f"{spec.id} names no screens package"
    assert check_table(StaffFlow) == []


def test_a_service_not_built_yet_is_shown_unavailable_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.registry import ServiceSpec

    monkeypatch.setitem(SERVICES, "teleport", ServiceSpec("teleport", "传送", "瞬间到达办事窗口", ()))
    online = DeviceStatus(DeviceState.ONLINE)
    views = {v.id: v for v in service_views(list(SERVICES), {"id_reader": online, "receipt_printer": online},
                                            enrolled=True)}
    assert views["identity_check"].available
    assert (views["teleport"].available, views["teleport"].reason) == (False, "not_in_version")
    assert views["proof_print"].reason == "device_missing:a4_printer"
    # 办件查询 and 办事指南 need nothing but central: available without any device at all.
    bare = {v.id: v for v in service_views(["progress_query", "guide"], {}, enrolled=True)}
    assert bare["progress_query"].available and bare["guide"].available
    alone = {v.id: v for v in service_views(["progress_query", "guide"], {}, enrolled=False)}
    assert alone["progress_query"].reason == alone["guide"].reason == "central_not_enrolled"


def test_the_config_offers_only_services_the_registry_knows(tmp_path: Path) -> None:
    site = tmp_path / "kiosk.toml"
    site.write_text('profile = "hall"\n[services]\noffered = ["identity_check", "teleport"]\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(site)
    assert "teleport" in str(err.value)


# -- flows: declared moves only ------------------------------------------------------------------

class _NoCentral:
    def available_proofs(self, id_number: str, name: str) -> Any:
        return []

    def issue_proof(self, *args: Any) -> Any:
        raise AssertionError("not reached")


def test_a_move_outside_the_table_is_refused(tmp_path: Path) -> None:
    from kiosk.session import Session

    session = Session(60, 15, 5, temp_root=tmp_path)
    session.identity_read(make_card(), "proof_print")
    session.confirm()
    flow = ProofFlow(session, _NoCentral(), printing=None, renderer=None,  # type: ignore[arg-type]
                     runner=inline_runner)
    flow.load()
    assert flow.step is ProofStep.LIST
    with pytest.raises(IllegalTransition):
        flow._set(ProofStep.DONE)          # nothing was printed
    assert flow.step is ProofStep.LIST
    flow._fail("central_unavailable")      # failing is allowed from any step
    assert (flow.step, flow.error) == (ProofStep.ERROR, "central_unavailable")
    flow.wipe()
    assert (flow.step, flow.error) == (ProofStep.LOADING, "")


# -- the terminal: events and one state ------------------------------------------------------------

class _Reader:
    """A device stand-in with the Device contract's events and status (no I/O)."""

    def __init__(self, name: str) -> None:
        from drivers.events import EventHub

        self.name = name
        self.events = EventHub()
        self._status = DeviceStatus(DeviceState.ONLINE)

    def open(self) -> None: ...
    def close(self) -> None: ...

    def status(self) -> DeviceStatus:
        return self._status


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    site = tmp_path / "kiosk.toml"
    site.write_text(
        f'profile = "hall"\n[terminal]\ndata_dir = "{tmp_path / "data"}"\nterminal_code = "T9"\n'
        f'[staff]\npin_hash = "{hash_pin(PIN)}"\nmax_attempts = 3\nlockout_s = 600\n'
        f'export_dir = "{tmp_path / "usb"}"\n',
        encoding="utf-8",
    )
    term = Terminal(load_config(site), devices={"id_reader": _Reader("id_reader")})  # type: ignore[dict-item]
    try:
        yield term
    finally:
        term.store.close()


def test_the_state_is_one_frozen_snapshot_of_everything_a_screen_draws(terminal: Terminal) -> None:
    state = terminal.state()
    assert isinstance(state, KioskState)
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.enrolled = True  # type: ignore[misc]
    assert state.session.state is SessionState.IDLE and state.flow is None
    assert state.service("identity_check") is not None and state.service("identity_check").available  # type: ignore[union-attr]
    assert state.staff.step == "closed" and state.faults == ()


def test_a_session_runs_the_registered_flow_and_says_so_in_typed_events(terminal: Terminal) -> None:
    heard: list[KioskEvent] = []
    terminal.subscribe(heard.append)
    assert terminal.choose_service("identity_check")
    terminal.session.identity_read(make_card(), "identity_check")
    flow = terminal.confirm_identity()
    assert flow is not None and flow.SERVICE_ID == "identity_check"
    state = terminal.state()
    assert state.flow is not None and (state.flow.service_id, state.flow.step) == ("identity_check", "shown")
    assert [e.state for e in heard if isinstance(e, SessionChanged)] == ["waiting_card", "identified", "active"]
    assert FlowChanged("identity_check", "shown") in heard
    assert all(isinstance(e, KioskEvent) for e in heard)
    terminal.session.finish()
    assert terminal.flow is None and terminal.state().flow is None


def test_a_device_fault_is_in_the_state_with_the_time_it_began(terminal: Terminal) -> None:
    from drivers.events import StatusChanged

    reader = terminal.devices["id_reader"]
    reader._status = DeviceStatus(DeviceState.OFFLINE)  # type: ignore[attr-defined]
    terminal._on_device_event(StatusChanged("id_reader", reader._status))  # type: ignore[attr-defined]
    state = terminal.state()
    assert [(f.device, f.state) for f in state.faults] == [("id_reader", "offline")]
    assert state.banner(state.faults[0].since + 0.5, delay=1.5) == ()
    assert len(state.banner(state.faults[0].since + 2, delay=1.5)) == 1
    assert not state.service("identity_check").available  # type: ignore[union-attr]


# -- staff mode without a window --------------------------------------------------------------------

class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def staff(tmp_path: Path) -> Iterator[tuple[StaffFlow, _Clock, dict[str, bool]]]:
    store = open_store(tmp_path / "data")
    clock = _Clock()
    citizen = {"present": False}
    flow = StaffFlow(StaffGate(hash_pin(PIN), tmp_path, max_attempts=3, lockout_s=600),
                     PrintLog(store, outbox=None), citizen_present=lambda: citizen["present"],  # type: ignore[arg-type]
                     export_dir=tmp_path / "usb", terminal_code="T9", clock=clock,
                     runner=inline_runner, idle_s=120)
    try:
        yield flow, clock, citizen
    finally:
        store.close()


def test_five_quick_taps_open_the_pin_and_the_right_pin_opens_the_log(staff: Any) -> None:
    flow, clock, _ = staff
    for _ in range(4):
        assert not flow.tap()
        clock.now += 0.5
    assert flow.tap() and flow.step is StaffStep.PIN
    flow.enter_pin(PIN)
    assert flow.step is StaffStep.LOG
    assert flow.view.records == [] and not flow.view.failed
    assert flow.view.chain is not None and flow.view.chain.ok


def test_slow_taps_do_not_open_it(staff: Any) -> None:
    flow, clock, _ = staff
    for _ in range(5):
        assert not flow.tap()
        clock.now += 1.0
    assert flow.step is StaffStep.CLOSED


def test_wrong_pins_lock_staff_mode_out(staff: Any) -> None:
    flow, _, _ = staff
    assert flow.open_login()
    flow.enter_pin("000000")
    assert (flow.step, flow.pin_result.reason, flow.pin_result.attempts_left) == (StaffStep.PIN, "wrong_pin", 2)
    flow.enter_pin("000000")
    flow.enter_pin("000000")
    assert flow.pin_result.reason == "locked" and flow.locked_for == 600
    flow.enter_pin(PIN)                      # the right PIN is refused while locked
    assert flow.step is StaffStep.PIN and flow.pin_result.reason == "locked"


def test_staff_mode_closes_when_left_alone_and_never_opens_for_a_citizen(staff: Any) -> None:
    flow, clock, citizen = staff
    assert flow.open_login()
    flow.enter_pin(PIN)
    flow.query(LogQuery(days=7, id_number="11010519491231002X"))
    assert flow.view.query.id_number
    # the look-up by number is central's; without central the screen says so, no rows
    assert flow.view.lookup_unavailable == "id_lookup_offline" and not flow.view.failed
    flow.query(LogQuery(days=7))
    assert flow.view.lookup_unavailable == ""              # the other filters work offline
    clock.now += 121
    flow.tick()
    assert flow.step is StaffStep.CLOSED and flow.view.query == LogQuery()  # the number is gone
    citizen["present"] = True
    assert not flow.open_login() and not flow.open_by_card()


def test_export_without_a_usb_stick_says_so_and_with_one_writes_the_csv(staff: Any, tmp_path: Path) -> None:
    flow, _, _ = staff
    assert flow.open_by_card() and flow.step is StaffStep.LOG
    flow.export()
    assert flow.view.export is not None and flow.view.export.reason == "no_usb_stick"
    (tmp_path / "usb").mkdir()
    flow.export()
    result = flow.view.export
    assert result is not None and result.ok and result.path is not None and result.path.exists()
    assert result.path.name.startswith("打印记录-T9-")


def test_the_terminal_closes_staff_mode_when_a_citizen_arrives(terminal: Terminal) -> None:
    heard: list[KioskEvent] = []
    terminal.subscribe(heard.append)
    terminal.staff._runner = inline_runner  # type: ignore[attr-defined]
    assert terminal.staff.open_login()
    assert StaffChanged("pin") in heard
    assert terminal.choose_service("identity_check")
    assert terminal.staff.step is StaffStep.CLOSED and terminal.state().staff.step == "closed"


def test_a_citizen_identified_by_any_way_closes_staff_mode(terminal: Terminal) -> None:
    from kiosk.session import IdentitySource

    terminal.staff._runner = inline_runner  # type: ignore[attr-defined]
    assert terminal.staff.open_by_card() and terminal.staff.step is StaffStep.LOG
    # an electronic ID code resolved by central starts a session without the ID reader
    terminal.session.identity_read(make_card(), "identity_check", source=IdentitySource.ELECTRONIC_ID)
    assert terminal.staff.step is StaffStep.CLOSED
    terminal.session.finish()
    assert terminal.state().staff.step == "closed"   # the log does not come back after the visit
