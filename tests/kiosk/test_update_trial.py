"""Trial, commit and rollback of a new version (docs/fleet.md §4): commit only after the
self-test passed, back by itself when a check fails or the version crash-loops, and power
cuts while booting do not count as crashes."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from drivers.status import DeviceState, DeviceStatus, SupplyLevel
from kiosk.config import KioskConfig, load_config
from kiosk.fleet.selftest import SelfTest
from kiosk.outbox_rows import OutboxStatus
from kiosk.update.install import Layout, switch
from kiosk.update.service import UpdateService
from kiosk.update.trial import TrialState, begin_trial, boot_check
from tests.kiosk.update_fixtures import Repo, fake_versions, serve_mirror, site_file, small_bundle

T0 = datetime(2026, 12, 6, 0, 30, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    return load_config(site_file(tmp_path / "site"))


def on_trial(config: KioskConfig, expected: dict[str, bool] | None = None) -> tuple[Layout, TrialState]:
    """0.1.0 committed, 0.2.0 switched to and on trial (as the old version leaves it)."""
    layout, store = Layout(config.update.root), TrialState(config.terminal.data_dir)
    fake_versions(layout.root, "0.1.0", "0.2.0")
    switch(layout, "committed", "0.1.0")
    begin_trial(store, "0.2.0", "0.1.0", expected or {}, 300, T0)
    switch(layout, "current", "0.2.0")
    return layout, store


# -- crash loops --------------------------------------------------------------------------------

def test_the_third_start_in_one_boot_goes_back_to_the_committed_version(config: KioskConfig) -> None:
    layout, store = on_trial(config)
    first = boot_check(layout, store, T0, boot_id="boot-a")
    second = boot_check(layout, store, T0, boot_id="boot-a")
    assert (first["action"], second["action"]) == ("trial_start", "trial_start")
    assert layout.points_to("current") == "0.2.0"
    third = boot_check(layout, store, T0, boot_id="boot-a")
    assert third == {"action": "rolled_back", "version": "0.1.0", "attempts": 3}
    assert layout.points_to("current") == "0.1.0"
    state = store.read()
    assert (state["state"], state["reason"], state["target_version"]) == ("rolled_back", "crash_loop", "0.2.0")
    assert state["failed"] == {"0.2.0": "crash_loop"} and state["trial"] is None
    # The old version starts normally from then on.
    assert boot_check(layout, store, T0, boot_id="boot-a")["action"] == "none"


def test_power_cuts_while_booting_do_not_use_up_attempts(config: KioskConfig) -> None:
    layout, store = on_trial(config)
    for boot in ("boot-a", "boot-b", "boot-c", "boot-d", "boot-e"):
        assert boot_check(layout, store, T0, boot_id=boot)["action"] == "trial_start"
    assert layout.points_to("current") == "0.2.0"
    assert boot_check(layout, store, T0, boot_id="boot-e")["attempts"] == 2
    assert boot_check(layout, store, T0, boot_id="boot-e")["action"] == "rolled_back"


def test_boot_check_reads_the_kernels_boot_id(config: KioskConfig) -> None:
    layout, store = on_trial(config)
    boot_check(layout, store, T0)
    attempts = store.read()["trial"]["attempts"]
    assert len(attempts) == 1 and len(attempts[0]["boot_id"]) == 36     # a UUID, as the kernel writes it


def test_boot_check_mends_a_missing_current_link(config: KioskConfig) -> None:
    layout, store = on_trial(config)
    (layout.root / "current").unlink()
    assert boot_check(layout, store, T0, boot_id="x") == {"action": "repaired", "version": "0.1.0", "attempts": 0}
    assert layout.points_to("current") == "0.1.0"


# -- the self-test verdict ----------------------------------------------------------------------

def printer(ready: bool) -> DeviceStatus:
    supplies = {"paper": SupplyLevel.FULL if ready else SupplyLevel.OUT}
    return DeviceStatus(DeviceState.ONLINE, supplies=supplies)


class Terminal:
    """What the self-test watches, with each proof given or withheld."""

    def __init__(self, withhold: str | None) -> None:
        self.withhold = withhold
        self.outbox = OutboxStatus(pending=2, delivered=5, failed=0, oldest_pending_age_s=3.0)
        ticks = itertools.count()
        # Ten seconds pass each time the self-test looks at its clock: a deadline of 30 s
        # runs out after a few looks instead of 30 s of the test's time.
        self.selftest = SelfTest(self.statuses, lambda: self.outbox, clock=lambda: 10.0 * next(ticks))
        self.restarts: list[str] = []

    def statuses(self) -> dict[str, DeviceStatus]:
        return {"receipt_printer": printer(self.withhold != "devices")}

    def start(self) -> None:
        self.selftest.started()
        if self.withhold == "outbox":   # a submission failed for good since the start
            self.outbox = OutboxStatus(pending=1, delivered=5, failed=1, oldest_pending_age_s=None)
        if self.withhold != "ui":
            self.selftest.ui_drawn()
        if self.withhold != "central":
            self.selftest.central_answered()


def run_new_version(config: KioskConfig, terminal: Terminal) -> UpdateService:
    service = UpdateService(config, selftest=terminal.selftest, restart=terminal.restarts.append,
                            running="0.2.0", clock=lambda: T0 + timedelta(minutes=3))
    terminal.start()
    service.on_started()
    assert service.verdict.wait(60)
    return service


def test_the_new_version_is_committed_after_its_self_test_passed(config: KioskConfig) -> None:
    layout, store = on_trial(config, expected={"receipt_printer": True})
    terminal = Terminal(withhold=None)
    service = run_new_version(config, terminal)
    assert layout.points_to("committed") == "0.2.0" and layout.points_to("current") == "0.2.0"
    assert service.report() == {"state": "committed", "version": "0.2.0", "target_version": "0.2.0", "reason": ""}
    assert store.read()["previous"] == "0.1.0" and terminal.restarts == []


@pytest.mark.parametrize("check", ["devices", "ui", "central", "outbox"])
def test_a_failed_check_switches_back_and_restarts(config: KioskConfig, check: str) -> None:
    layout, store = on_trial(config, expected={"receipt_printer": True})
    terminal = Terminal(withhold=check)
    run_new_version(config, terminal)
    assert layout.points_to("current") == "0.1.0" and layout.points_to("committed") == "0.1.0"
    assert terminal.restarts == ["update_rollback"]
    # The old version, started again, reports what happened.
    old = UpdateService(config, running="0.1.0")
    assert old.report() == {"state": "rolled_back", "version": "0.1.0", "target_version": "0.2.0",
                            "reason": f"self_test_failed:{check}"}
    # and does not take the same version again when central offers it.
    old.offered({"version": "0.2.0", "target": "tongban-kiosk-0.2.0.tar.gz", "rollout_id": 1})
    assert old._worker is None


def test_a_version_not_on_trial_runs_no_self_test(config: KioskConfig) -> None:
    layout, store = on_trial(config)
    terminal = Terminal(withhold=None)
    service = UpdateService(config, selftest=terminal.selftest, running="0.1.0")
    service.on_started()
    assert not service.verdict.is_set() and store.read()["trial"]["version"] == "0.2.0"


# -- from the offer to the switch ---------------------------------------------------------------

class Session:
    """A citizen's session the update must wait for; tells when the switch looked at it."""

    def __init__(self) -> None:
        self.active = True
        self.asked = threading.Event()

    def __call__(self) -> bool:
        self.asked.set()
        return self.active


@pytest.mark.slow
def test_an_offer_installs_waits_for_the_session_then_switches_and_commits(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "central")
    bundle, lock_hash = small_bundle(tmp_path / "bundles", "0.2.0", deps=True)
    repo.publish(bundle, "0.2.0", lock_hash)
    with serve_mirror(repo.paths) as url:
        config = load_config(site_file(tmp_path / "site", central_url=url))
        layout, store = Layout(config.update.root), TrialState(config.terminal.data_dir)
        fake_versions(layout.root, "0.1.0")
        switch(layout, "committed", "0.1.0")
        switch(layout, "current", "0.1.0")
        session, restarted = Session(), threading.Event()
        restarts: list[str] = []

        def restart(reason: str) -> None:
            restarts.append(reason)
            restarted.set()

        service = UpdateService(config, device_ready=lambda: {"receipt_printer": True},
                                session_active=session, restart=restart, running="0.1.0")
        service.offered(None)
        service.offered({"version": "0.1.0", "target": "tongban-kiosk-0.1.0.tar.gz", "rollout_id": 1})
        assert service._worker is None                                   # nothing newer offered
        service.offered({"version": "0.2.0", "target": "tongban-kiosk-0.2.0.tar.gz", "rollout_id": 1})
        assert session.asked.wait(120)                                   # installed; waiting
        assert (layout.version_dir("0.2.0") / "VERSION").is_file()
        assert layout.points_to("current") == "0.1.0"
        downloads = Path(config.terminal.data_dir) / "update" / "downloads"
        assert downloads.is_dir() and not any(downloads.iterdir())      # the bundle is gone
        assert service.report()["reason"] == "in_session"
        session.active = False
        service.nudge()
        assert restarted.wait(60)
        service.join(60)
    assert restarts == ["update_switch"] and layout.points_to("current") == "0.2.0"
    trial = store.read()["trial"]
    assert trial["version"] == "0.2.0" and trial["previous"] == "0.1.0"
    assert trial["expected"] == {"receipt_printer": True}
    assert service.report() == {"state": "trial", "version": "0.1.0", "target_version": "0.2.0", "reason": ""}

    terminal = Terminal(withhold=None)
    run_new_version(config, terminal)
    assert layout.points_to("committed") == "0.2.0"


def test_a_tampered_offer_is_refused_with_its_reason(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "central")
    bundle, lock_hash = small_bundle(tmp_path / "bundles", "0.2.0", deps=True)
    name = repo.publish(bundle, "0.2.0", lock_hash)
    target = repo.paths.targets / name
    data = bytearray(target.read_bytes())
    data[-5] ^= 0x01
    target.write_bytes(bytes(data))
    with serve_mirror(repo.paths) as url:
        config = load_config(site_file(tmp_path / "site", central_url=url))
        restarts: list[str] = []
        service = UpdateService(config, restart=restarts.append, running="0.1.0")
        service.offered({"version": "0.2.0", "target": name, "rollout_id": 1})
        service.join(60)
    assert service.report() == {"state": "refused", "version": "0.1.0", "target_version": "0.2.0",
                                "reason": "hash_mismatch"}
    assert restarts == [] and not Layout(config.update.root).versions_dir.exists()


