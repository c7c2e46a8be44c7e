"""The terminal against the real reference central (`kiosk-central serve`, SQLite).

Enroll with a one-time code, look a citizen up, submit, and THE KILL TEST: a drain of 200
queued submissions is killed with SIGKILL at random moments and restarted until the outbox
is empty; central then holds every submission exactly once. The moments are chosen by
progress (after a random number of deliveries, at a random point of one, through
tests/support/gate_proxy.py), never by the clock, so every kill lands on any machine.
"""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.central_api import Applicant, ApplicationRequest, CentralRejected, MaterialRef, connect
from kiosk.config import KioskConfig, load_config
from kiosk.outbox import open_outbox
from kiosk.store import open_store
from kiosk.store.schema import outbox as outbox_table
from tests.support.gate_proxy import PHASES, GateProxy, Phase
from tests.support.real_central import (
    KIOSK,
    PENSION_FORM,
    PENSION_ITEM,
    RealCentral,
    central_available,
    seed_person,
)

pytestmark = pytest.mark.skipif(not central_available(), reason="central/ (kiosk-central) is not installed")



def kiosk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def terminal(real_central: RealCentral, tmp_path: Path) -> tuple[Path, KioskConfig]:
    """A site file for a terminal enrolled with the real central through `kiosk enroll`."""
    site = tmp_path / "kiosk.toml"
    site.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "data"\n[central]\nurl = "{real_central.url}"\n',
                    encoding="utf-8")
    done = kiosk("--config", str(site), "enroll", "--code", real_central.add_terminal())
    assert done.returncode == 0, done.stderr
    return site, load_config(site)


def pension_request() -> ApplicationRequest:
    citizen = seed_person()
    return ApplicationRequest(
        item_code=PENSION_ITEM,
        applicant=Applicant(kind="person", id_number=citizen.id_number, name=citizen.name),
        form=dict(PENSION_FORM),
        materials=[MaterialRef(code="M01", source="licence", ref=citizen.licences["hukou"])],
    )


def test_a_used_code_is_refused_by_the_real_central(real_central: RealCentral, tmp_path: Path) -> None:
    site = tmp_path / "kiosk.toml"
    site.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "d"\n[central]\nurl = "{real_central.url}"\n')
    code = real_central.add_terminal()
    assert kiosk("--config", str(site), "enroll", "--code", code).returncode == 0
    again = kiosk("--config", str(site), "enroll", "--code", code, "--force")
    assert again.returncode == 1 and "code rejected" in again.stderr


def test_enrollment_keeps_centrals_outbox_key_so_the_first_submission_is_sealed(
    terminal: tuple[Path, KioskConfig], real_central: RealCentral
) -> None:
    _, config = terminal
    kept = json.loads((Path(config.terminal.data_dir) / "keys" / "central-outbox.json").read_text())
    assert kept["central_url"].rstrip("/").startswith(real_central.url.rstrip("/"))
    assert len(base64.b64decode(kept["public_key"])) == 32
    with open_store(config.terminal.data_dir) as store:
        outbox = open_outbox(config, store)
        assert outbox.seal_key() is not None     # no store-key fallback, even offline


def test_context_submit_and_track_against_the_real_central(terminal: tuple[Path, KioskConfig]) -> None:
    _, config = terminal
    with open_store(config.terminal.data_dir) as store:
        client, reason = connect(config, store)
        assert client is not None and reason is None
        with client:
            catalogue = client.catalogue()
            item = catalogue.item(PENSION_ITEM)
            assert item is not None and item.applicant_kind == "person"
            assert client.catalogue() == catalogue and not client.catalogue_is_cached    # 304 path
            citizen = seed_person()
            context = client.person_context(citizen.id_number, citizen.name)
            assert context.known and PENSION_ITEM in context.eligible_items
            hukou = next(lic for lic in context.licences if lic.type == "hukou")
            assert hukou.number != citizen.licences["hukou"]     # central masks licence numbers

            box = open_outbox(config, store)
            try:
                submission = box.submit_application(pension_request())
                delivered = box.deliver_now(submission.local_receipt, timeout=10)
                assert delivered.delivered, delivered.error_code
                number = delivered.application_number
                assert number is not None
                tracked = client.get_application(number)
                assert tracked.local_receipt == submission.local_receipt
                assert [s.step for s in tracked.timeline][:2] == ["申请", "受理"]

                bad = box.submit_application(pension_request().model_copy(update={"form": {"phone": "1"}}))
                refused = box.deliver_now(bad.local_receipt, timeout=10)
                assert refused.state == "failed" and refused.error_code == "validation_failed"
            finally:
                box.stop()
            with pytest.raises(CentralRejected) as err:
                client.get_application("99999999999999999999")
            assert err.value.code == "not_found"


def _pending(config: KioskConfig) -> int:
    with open_store(config.terminal.data_dir) as store:
        return open_outbox(config, store).status().pending


def _queue(config: KioskConfig, count: int) -> list[str]:
    with open_store(config.terminal.data_dir) as store:
        box = open_outbox(config, store)
        return [box.submit_application(pension_request()).local_receipt for _ in range(count)]


@pytest.fixture
def gate(real_central: RealCentral) -> Iterator[GateProxy]:
    """A proxy in front of the real central that holds the drain at a chosen delivery."""
    # Sealed to central's outbox key (kept at enrollment), or plain where a terminal has none.
    proxy = GateProxy(real_central.url, "/api/v1/applications", "/api/v1/applications/sealed")
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def gated_terminal(real_central: RealCentral, gate: GateProxy, tmp_path: Path) -> tuple[Path, KioskConfig]:
    """A terminal enrolled through the gate: everything it sends to central passes it."""
    site = tmp_path / "kiosk.toml"
    site.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "data"\n[central]\nurl = "{gate.url}"\n',
                    encoding="utf-8")
    done = kiosk("--config", str(site), "enroll", "--code", real_central.add_terminal())
    assert done.returncode == 0, done.stderr
    return site, load_config(site)


KILLS_PER_PHASE = 4           # 12 kills, each after 1..MOST_BETWEEN deliveries: <= 144 of 200
MOST_BETWEEN = 12


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing_and_duplicates_nothing(
    real_central: RealCentral, gate: GateProxy, gated_terminal: tuple[Path, KioskConfig], tmp_path: Path
) -> None:
    """Kills are driven by progress, not by the clock: the gate holds the drain after a random
    number of deliveries, at a random point of one (before central saw it, after central
    committed but before the terminal heard, or just after the terminal heard), and the drain
    is killed there. Every kill lands on a fast machine and a slow one alike."""
    site, config = gated_terminal
    receipts = _queue(config, 200)
    terminal_id = json.loads((Path(config.terminal.data_dir) / "keys" / "terminal.json").read_text())["terminal_id"]
    rng = random.Random(20261123)
    plan: list[Phase] = [phase for phase in PHASES for _ in range(KILLS_PER_PHASE)]
    rng.shuffle(plan)
    kills, window_hits = 0, 0
    for run, phase in enumerate([*plan, None], start=1):
        after = rng.randint(1, MOST_BETWEEN)
        if phase is not None:
            gate.arm(phase, after=after)
        log = tmp_path / f"drain-{run}.log"
        with log.open("wb") as out:
            # Two deliveries in flight: the other one is somewhere else when the gate stops one.
            process = subprocess.Popen([KIOSK, "--config", str(site), "outbox", "drain", "--concurrency", "2"],
                                       stdout=out, stderr=subprocess.STDOUT)
        try:
            if phase is None:                                  # the last run drains the rest
                code = process.wait(timeout=300)
                assert code == 0, f"drain exited {code}: {log.read_text(errors='replace')[-2000:]}"
                break
            # The deadline only bounds a hang; the moment of the kill is the gate's.
            deadline = time.monotonic() + 120
            while not gate.wait_held(0.05):
                assert process.poll() is None, (
                    f"run {run}: the drain exited {process.returncode} before {phase} after {after} "
                    f"deliveries: {log.read_text(errors='replace')[-2000:]}")
                assert time.monotonic() < deadline, f"run {run}: {phase} after {after} never reached"
            assert process.poll() is None
            os.kill(process.pid, signal.SIGKILL)
            assert process.wait(timeout=30) == -signal.SIGKILL
            kills += 1
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
            gate.release()
        # Sent and stored centrally, but the answer never committed locally: the window that
        # only the idempotency key makes safe.
        (stored,), = real_central.query("SELECT count(*) FROM applications WHERE terminal_id = ?", terminal_id)
        unrecorded = int(stored) - (200 - _pending(config))  # type: ignore[call-overload]
        assert unrecorded >= 0
        if phase == "window":
            assert unrecorded >= 1, f"run {run}: the answer held after central's commit was recorded by the terminal"
        window_hits += unrecorded > 0
    print(f"kill -9 test: {kills} kills landed ({', '.join(plan)}), {window_hits} in the window, "
          f"{gate.held} held, {gate.delivered} answers from central for 200 submissions")
    assert kills == len(plan)
    assert window_hits >= KILLS_PER_PHASE

    # The terminal: everything delivered, each with its own 办件编号, no payload left.
    with open_store(config.terminal.data_dir) as store:
        with store.read() as conn:
            rows = conn.execute(select(outbox_table)).all()
    assert {r.local_receipt for r in rows} == set(receipts)
    assert all(r.state == "delivered" and r.payload_encrypted is None for r in rows)
    numbers = {r.result_number for r in rows}
    assert len(numbers) == 200

    # Central: exactly once each, by its own database and by its API.
    (total, keys, locals_), = real_central.query(
        "SELECT count(*), count(DISTINCT idempotency_key), count(DISTINCT local_receipt) "
        "FROM applications WHERE terminal_id = ?", terminal_id)
    assert (total, keys, locals_) == (200, 200, 200)
    client, _ = connect(config)
    assert client is not None
    with client:
        for row in rows:
            assert client.get_application(row.result_number).local_receipt == row.local_receipt
