"""Staged rollouts (docs/fleet.md §4): waves, the error threshold that pauses a rollout by
itself, manual pause/resume/abort, pins, superseding, and the offer on the heartbeat's
answer; two workers finishing one wave open the next exactly once. Both back ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from rollout_helpers import (
    add_release,
    add_terminals,
    autocommit,
    beat,
    beat_transaction,
    heartbeat,
)
from sqlalchemy import Engine, event, func, select

from central.models_fleet import AuditEntry
from central.updates import pins, rollouts
from central.updates.errors import UpdatesError
from central.updates.waves import assign
from central.updates.windows import set_clock

CLOSED = datetime(2025, 12, 8, 14, 0)  # Monday 22:00 in Beijing: every hall is closed
OPEN = datetime(2025, 12, 8, 2, 0)  # Monday 10:00 in Beijing: open


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = autocommit(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


def start(engine: Engine, waves: str = "5,30,100", threshold: float = 0.1, **scope: str) -> int:
    with beat_transaction(engine) as conn:
        return rollouts.start_rollout(conn, "0.3.0", waves, threshold, scope, "test", CLOSED)


def status(engine: Engine, rollout_id: int) -> dict:
    with engine.connect() as conn:
        return rollouts.rollout_status(conn, rollout_id)


def by_wave(engine: Engine, rollout_id: int) -> dict[int, list[str]]:
    with engine.connect() as conn:
        rows = rollouts.rollout_targets(conn, rollout_id)
    out: dict[int, list[str]] = {}
    for r in rows:
        out.setdefault(r["wave"], []).append(r["terminal_id"])
    return out


def commit_all(engine: Engine, terminals: list[str], now: datetime = CLOSED) -> None:
    for t in terminals:
        heartbeat(engine, t, beat("0.2.0", "trial", "0.3.0"), now)
        heartbeat(engine, t, beat("0.3.0", "committed"), now)


@pytest.fixture
def fleet(engine: Engine) -> list[str]:
    with beat_transaction(engine) as conn:
        ids = add_terminals(conn, 40)
        add_release(conn, "0.3.0")
    return ids


def test_waves_are_cumulative_percentages_of_a_stable_hash_order() -> None:
    ids = [f"T-{n:04d}" for n in range(1, 41)]
    waves = assign(7, ids, [5, 30, 100])
    sizes = [sum(1 for w in waves.values() if w == n) for n in (1, 2, 3)]
    assert sizes == [2, 10, 28]
    assert assign(7, list(reversed(ids)), [5, 30, 100]) == waves  # the order is the hash's
    assert assign(8, ids, [5, 30, 100]) != waves  # another rollout, another canary


def test_the_canary_is_offered_first_and_each_finished_wave_opens_the_next(
    engine: Engine, fleet: list[str]
) -> None:
    rid = start(engine)
    waves = by_wave(engine, rid)
    canary, second = waves[1][0], waves[2][0]
    offer = heartbeat(engine, canary, beat("0.2.0"), CLOSED, demo=False)
    assert offer is not None
    assert (offer.version, offer.target, offer.rollout_id) == (
        "0.3.0",
        "tongban-kiosk-0.3.0.tar.gz",
        rid,
    )
    assert heartbeat(engine, second, beat("0.2.0"), CLOSED) is None  # its wave is not open
    commit_all(engine, waves[1])
    assert status(engine, rid)["current_wave"] == 2
    assert heartbeat(engine, second, beat("0.2.0"), CLOSED) is not None
    commit_all(engine, waves[2])
    commit_all(engine, waves[3])
    done = status(engine, rid)
    assert done["state"] == "completed"
    assert [(w["terminals"], w["committed"], w["pending"]) for w in done["waves"]] == [
        (2, 2, 0),
        (10, 10, 0),
        (28, 28, 0),
    ]


def test_no_offer_in_a_session_while_the_hall_is_open_or_to_a_newer_terminal(
    engine: Engine, fleet: list[str]
) -> None:
    rid = start(engine, waves="100")
    t = by_wave(engine, rid)[1][0]
    assert heartbeat(engine, t, beat("0.2.0", session_active=True), CLOSED) is None
    assert heartbeat(engine, t, beat("0.2.0"), OPEN, demo=False) is None
    assert heartbeat(engine, t, beat("0.2.0"), CLOSED) is not None
    other = by_wave(engine, rid)[1][1]
    assert heartbeat(engine, other, beat("0.4.0"), CLOSED) is None
    # Refused because a citizen came: offered again later; refused for a bad hash: failed.
    assert heartbeat(engine, t, beat("0.2.0", "refused", "0.3.0", "in_session"), CLOSED) is not None
    assert heartbeat(engine, t, beat("0.2.0", "refused", "0.3.0", "hash_mismatch"), CLOSED) is None
    with engine.connect() as conn:
        row = next(r for r in rollouts.rollout_targets(conn, rid) if r["terminal_id"] == t)
    assert (row["state"], row["reason"]) == ("failed", "hash_mismatch")


def test_the_demo_clock_moves_the_window_only_in_the_demo(engine: Engine, fleet: list[str]) -> None:
    rid = start(engine, waves="100")
    t = by_wave(engine, rid)[1][0]
    with beat_transaction(engine) as conn:
        set_clock(conn, CLOSED, OPEN)  # the fleet clock reads Monday 22:00 at Monday 10:00
    assert heartbeat(engine, t, beat("0.2.0"), OPEN, demo=False) is None
    assert heartbeat(engine, t, beat("0.2.0"), OPEN, demo=True) is not None


def test_a_wave_over_the_threshold_pauses_the_rollout_until_resumed(
    engine: Engine, fleet: list[str]
) -> None:
    rid = start(engine, threshold=0.1)
    waves = by_wave(engine, rid)
    good, bad = waves[1]
    commit_all(engine, [good])
    heartbeat(engine, bad, beat("0.2.0", "trial", "0.3.0"), CLOSED)
    heartbeat(
        engine, bad, beat("0.2.0", "rolled_back", "0.3.0", "self_test_failed:devices"), CLOSED
    )
    paused = status(engine, rid)
    assert paused["state"] == "paused" and paused["current_wave"] == 1
    assert "wave 1: 1 of 2 terminals failed" in paused["pause_reason"]
    assert heartbeat(engine, waves[2][0], beat("0.2.0"), CLOSED) is None
    with beat_transaction(engine) as conn:
        rollouts.resume(conn, rid, "test", CLOSED)
    resumed = status(engine, rid)
    assert (resumed["state"], resumed["current_wave"], resumed["pause_reason"]) == (
        "running",
        2,
        "",
    )
    assert heartbeat(engine, waves[2][0], beat("0.2.0"), CLOSED) is not None
    with engine.connect() as conn:
        actions = list(conn.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["rollout_start", "rollout_auto_pause", "rollout_resume"]


def test_manual_pause_resume_and_abort(engine: Engine, fleet: list[str]) -> None:
    rid = start(engine, waves="100")
    t = by_wave(engine, rid)[1][0]
    with beat_transaction(engine) as conn:
        rollouts.pause(conn, rid, "test", "checking the printer driver", CLOSED)
    assert status(engine, rid)["pause_reason"] == "checking the printer driver"
    assert heartbeat(engine, t, beat("0.2.0"), CLOSED) is None
    with beat_transaction(engine) as conn, pytest.raises(UpdatesError) as err:
        rollouts.pause(conn, rid, "test", "", CLOSED)
    assert err.value.reason == "not_running"
    with beat_transaction(engine) as conn:
        rollouts.resume(conn, rid, "test", CLOSED)
    assert heartbeat(engine, t, beat("0.2.0"), CLOSED) is not None
    heartbeat(engine, t, beat("0.2.0", "trial", "0.3.0"), CLOSED)
    with beat_transaction(engine) as conn:
        rollouts.abort(conn, rid, "test", CLOSED)
    aborted = status(engine, rid)
    assert aborted["state"] == "aborted"
    assert aborted["waves"][0]["skipped"] == 39 and aborted["waves"][0]["pending"] == 1
    heartbeat(engine, t, beat("0.3.0", "committed"), CLOSED)  # the one in trial still counts
    assert status(engine, rid)["waves"][0]["committed"] == 1
    with beat_transaction(engine) as conn, pytest.raises(UpdatesError) as err:
        rollouts.resume(conn, 999, "test", CLOSED)
    assert err.value.reason == "unknown_rollout"


def test_pinned_terminals_and_halls_are_skipped(engine: Engine, fleet: list[str]) -> None:
    with beat_transaction(engine) as conn:
        zz = add_terminals(conn, 3, hall="ZZ-ZWZX", first=100)
        add_release(conn, "0.2.0")
        pins.set_pin(conn, "hall", "ZZ-ZWZX", "0.2.0", "test", CLOSED)
    rid = start(engine, waves="100")
    with engine.connect() as conn:
        rows = {r["terminal_id"]: r for r in rollouts.rollout_targets(conn, rid)}
    assert {(rows[t]["state"], rows[t]["reason"]) for t in zz} == {("skipped", "pinned")}
    late = fleet[0]
    with beat_transaction(engine) as conn:
        pins.set_pin(conn, "terminal", late, "0.2.0", "test", CLOSED)
    assert heartbeat(engine, late, beat("0.2.0"), CLOSED) is None
    with engine.connect() as conn:
        assert {p["key"] for p in pins.list_pins(conn)} == {"ZZ-ZWZX", late}
        row = next(r for r in rollouts.rollout_targets(conn, rid) if r["terminal_id"] == late)
    assert (row["state"], row["reason"]) == ("skipped", "pinned")


def test_scope_and_a_newer_rollout_supersedes_the_waiting_terminals(
    engine: Engine, fleet: list[str]
) -> None:
    with beat_transaction(engine) as conn:
        zz = add_terminals(conn, 4, hall="ZZ-ZWZX", first=100)
        add_release(conn, "0.4.0")
    first = start(engine, waves="100", hall="ZZ-ZWZX")
    assert sorted(by_wave(engine, first)[1]) == zz
    region = start(engine, waves="100", region="140500")  # the city covers its counties
    assert len(by_wave(engine, region)[1]) == 44
    assert status(engine, first)["state"] == "completed"  # every terminal taken over
    with beat_transaction(engine) as conn:
        newer = rollouts.start_rollout(conn, "0.4.0", "100", 0.1, {}, "test", CLOSED)
    offer = heartbeat(engine, zz[0], beat("0.2.0"), CLOSED, hall="ZZ-ZWZX")
    assert offer is not None and (offer.version, offer.rollout_id) == ("0.4.0", newer)


def test_two_workers_finishing_a_wave_open_the_next_once(
    engine: Engine, fleet: list[str], db_url: str
) -> None:
    rid = start(engine, waves="5,30,100")
    waves = by_wave(engine, rid)
    for t in waves[1]:
        heartbeat(engine, t, beat("0.2.0", "trial", "0.3.0"), CLOSED)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    engines = [autocommit(db_url) for _ in waves[1]]

    def worker(eng: Engine, terminal: str) -> None:
        try:
            barrier.wait()
            heartbeat(eng, terminal, beat("0.3.0", "committed"), CLOSED)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=pair) for pair in zip(engines, waves[1], strict=True)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for eng in engines:
        eng.dispose()
    assert not errors
    after = status(engine, rid)
    assert (after["state"], after["current_wave"]) == ("running", 2)
    assert after["waves"][0]["committed"] == 2
    with engine.connect() as conn:
        opened = conn.scalar(select(func.count()).select_from(AuditEntry))
    assert opened == 1  # rollout_start only: no pause, no double opening
    assert heartbeat(engine, waves[2][0], beat("0.2.0"), CLOSED + timedelta(minutes=1)) is not None


def test_a_terminal_without_an_unfinished_rollout_costs_one_query(
    engine: Engine, fleet: list[str]
) -> None:
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.startswith(("BEGIN", "COMMIT")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert heartbeat(engine, fleet[0], beat("0.2.0"), CLOSED) is None
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1 and "rollout_targets" in statements[0]
