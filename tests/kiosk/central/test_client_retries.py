"""Retries with jitter and one deadline per call (issue 9: fixed delays, ~4x33 s worst case).

GIVEN a central that is gone, hangs or answers 503, WHEN the terminal calls it, THEN
idempotent calls are retried on a jittered backoff (two terminals never wait alike), central's
Retry-After is honoured, the call ends within its deadline with the CentralUnavailable the
flows handle, and calls that are not idempotent are sent once. Time is a fake clock that the
client's own waits advance, except where the real deadline is the point (and those bound the
elapsed time from above only, by the deadline plus a little)."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from urllib3.exceptions import ConnectTimeoutError

from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralRejected, CentralServerError, CentralUnavailable
from kiosk.central_api.retry import BACKOFF_JITTER
from kiosk.central_api.signing import TerminalIdentity
from tests.support.central_fixtures import CITIZEN_ID, CITIZEN_NAME, application_request
from tests.support.fake_central import FakeCentral, Reply

CATALOGUE = ("GET", "/api/v1/catalogue")
CONTEXT = ("POST", "/api/v1/persons/context")


class FakeTime:
    """A monotonic clock that only the client's waits move."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[tuple[str, list[socket.socket]]]:
    """Accepts connections and reads what comes, never answering."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        listener.close()


def waits(client: CentralClient, retries: int = 3) -> list[float]:
    """The waits a call of ``client`` would make between its attempts."""
    policy = client.retry_policy("GET", retries)
    schedule = []
    for _ in range(retries):
        policy = policy.increment("GET", "/api/v1/catalogue", error=ConnectTimeoutError("refused"))
        schedule.append(policy.wait_before_next(None))
    return schedule


# -- jitter ----------------------------------------------------------------------------------
def test_backoff_doubles_with_jitter_and_two_terminals_wait_differently(identity: TerminalIdentity) -> None:
    fleet = [CentralClient("http://127.0.0.1:1", identity) for _ in range(20)]
    schedules = [waits(c) for c in fleet]
    for schedule in schedules:
        assert all(base <= w <= base + BACKOFF_JITTER for w, base in zip(schedule, [0.5, 1.0, 2.0], strict=True))
    assert len({tuple(s) for s in schedules}) == 20            # no two terminals alike
    firsts = sorted(s[0] for s in schedules)
    assert firsts[-1] - firsts[0] > BACKOFF_JITTER / 4         # and spread out, not bunched
    # The jitter is all that differs: the same random source gives the same schedule.
    twins = [CentralClient("http://127.0.0.1:1", identity, rng=random.Random(7).random) for _ in range(2)]
    assert waits(twins[0]) == waits(twins[1])


def test_two_clients_retrying_the_same_outage_sleep_differently(
    central: FakeCentral, identity: TerminalIdentity
) -> None:
    slept: list[list[float]] = []
    for _ in range(2):
        central.then(*CATALOGUE, *[Reply(503, b"busy")] * 4)
        ours: list[float] = []
        with CentralClient(central.url, identity, sleep=ours.append) as c, pytest.raises(CentralServerError):
            c.catalogue()
        slept.append(ours)
    assert central.count(*CATALOGUE) == 8
    assert len(slept[0]) == len(slept[1]) == 3 and slept[0] != slept[1]


# -- the deadline ----------------------------------------------------------------------------
def test_a_dead_central_ends_the_call_at_its_deadline_not_its_retry_count(identity: TerminalIdentity) -> None:
    fake = FakeTime()
    with CentralClient(f"http://127.0.0.1:{free_port()}", identity, deadline=5.0, get_retries=10,
                       clock=fake.clock, sleep=fake.sleep, rng=lambda: 0.5) as c:
        with pytest.raises(CentralUnavailable) as err:
            c.catalogue()
    assert err.value.code == "connect_failed"
    # Waits 0.5+0.5 and 1+0.5; the next (2+0.5) would leave less than an attempt's worth.
    assert fake.slept == [1.0, 1.5]
    assert fake.now - 1000.0 <= 5.0


def test_a_dead_central_with_real_time_fails_within_the_deadline(identity: TerminalIdentity) -> None:
    with CentralClient(f"http://127.0.0.1:{free_port()}", identity, deadline=2.0) as c:
        started = time.monotonic()
        with pytest.raises(CentralUnavailable) as err:
            c.person_context(CITIZEN_ID, CITIZEN_NAME)
        elapsed = time.monotonic() - started
    assert err.value.code == "connect_failed"
    assert elapsed < 2.0 + 0.5


@pytest.mark.parametrize("call", ["catalogue", "context"])
def test_a_central_that_never_answers_fails_at_the_deadline_not_the_read_timeout(
    silent_server: tuple[str, list[socket.socket]], identity: TerminalIdentity, call: str
) -> None:
    url, accepted = silent_server
    with CentralClient(url, identity, connect_timeout=3.0, read_timeout=30.0, deadline=1.0) as c:
        started = time.monotonic()
        with pytest.raises(CentralUnavailable) as err:
            c.catalogue() if call == "catalogue" else c.person_context(CITIZEN_ID, CITIZEN_NAME)
        elapsed = time.monotonic() - started
    assert err.value.code == "timeout"
    assert elapsed < 1.0 + 0.5                 # the read timeout of 30 s was cut to the deadline
    assert len(accepted) == 1                  # and no retry started with nothing left


def test_retry_after_is_honoured_within_the_deadline(central: FakeCentral, identity: TerminalIdentity) -> None:
    central.then(*CATALOGUE, *[Reply(503, b"busy", {"Retry-After": "5"})] * 4)
    fake = FakeTime()
    with CentralClient(central.url, identity, deadline=12.0, clock=fake.clock, sleep=fake.sleep,
                       rng=lambda: 0.0) as c:
        with pytest.raises(CentralServerError) as err:
            c.catalogue()
    assert err.value.status == 503
    assert fake.slept == [5.0, 5.0]                   # a third wait of 5 s would end past 12 s
    assert central.count(*CATALOGUE) == 3


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(central: FakeCentral, identity: TerminalIdentity) -> None:
    central.then(*CATALOGUE, Reply(503, b"busy", {"Retry-After": "120"}))
    fake = FakeTime()
    with CentralClient(central.url, identity, clock=fake.clock, sleep=fake.sleep) as c:
        with pytest.raises(CentralServerError):
            c.catalogue()
    assert fake.slept == [] and central.count(*CATALOGUE) == 1


def test_a_garbled_retry_after_falls_back_to_the_backoff(central: FakeCentral, identity: TerminalIdentity) -> None:
    central.then(*CATALOGUE, Reply(503, b"busy", {"Retry-After": "soon, maybe"}))
    fake = FakeTime()
    with CentralClient(central.url, identity, clock=fake.clock, sleep=fake.sleep, rng=lambda: 0.25) as c:
        assert c.catalogue().version == "2026.11.1"
    assert fake.slept == [0.75]


# -- what is retried -------------------------------------------------------------------------
def test_each_attempt_is_signed_anew(central: FakeCentral, identity: TerminalIdentity) -> None:
    # A transport-level resend would repeat the nonce, which central refuses as a replay.
    central.then(*CONTEXT, Reply(503, b"busy"))
    fake = FakeTime()
    with CentralClient(central.url, identity, clock=fake.clock, sleep=fake.sleep) as c:
        assert c.person_context(CITIZEN_ID, CITIZEN_NAME).known
    sent = [s for s in central.seen if (s.method, s.path) == CONTEXT]
    assert len(sent) == 2 and all(s.verified == "ok" for s in sent)
    assert sent[0].headers["x-nonce"] != sent[1].headers["x-nonce"] and sent[0].body == sent[1].body


def test_a_read_timeout_on_a_get_is_retried(central: FakeCentral, identity: TerminalIdentity) -> None:
    central.then(*CATALOGUE, Reply(200, b"{}", sleep=1.0))
    fake = FakeTime()
    with CentralClient(central.url, identity, read_timeout=0.2, clock=fake.clock, sleep=fake.sleep) as c:
        assert c.catalogue().version == "2026.11.1"
    assert central.count(*CATALOGUE) == 2 and len(fake.slept) == 1


@pytest.mark.parametrize("reply", [Reply(503, b"busy"), Reply(502, b"bad gateway"), Reply(drop=True),
                                   Reply(503, b"busy", {"Retry-After": "1"})])
def test_submissions_and_print_log_entries_are_sent_once(
    central: FakeCentral, identity: TerminalIdentity, reply: Reply
) -> None:
    fake = FakeTime()
    with CentralClient(central.url, identity, clock=fake.clock, sleep=fake.sleep) as c:
        central.then("POST", "/api/v1/applications", reply)
        body = application_request().model_copy(update={"local_receipt": "T-1"}).model_dump_json().encode()
        with pytest.raises(CentralUnavailable):
            c.submit_application_json(body, "3b0f1f9e-3f3e-4d55-9a0b-000000000001")
        central.then("POST", "/api/v1/print-log", reply)
        with pytest.raises(CentralUnavailable):
            c.submit_print_log_json(b"{}", "3b0f1f9e-3f3e-4d55-9a0b-000000000002")
        central.then("POST", "/api/v1/terminals/enroll", reply)
        with pytest.raises(CentralUnavailable):
            c.enroll("CODE", "AAAA", "host")
    assert central.count("POST", "/api/v1/applications") == 1
    assert central.count("POST", "/api/v1/print-log") == 1
    assert central.count("POST", "/api/v1/terminals/enroll") == 1
    assert fake.slept == []


def test_a_submission_to_a_dead_central_is_not_retried(identity: TerminalIdentity) -> None:
    fake = FakeTime()
    with CentralClient(f"http://127.0.0.1:{free_port()}", identity, clock=fake.clock, sleep=fake.sleep) as c:
        with pytest.raises(CentralUnavailable) as err:
            c.submit_print_log_json(b"{}", "3b0f1f9e-3f3e-4d55-9a0b-000000000003")
    assert err.value.code == "connect_failed" and fake.slept == []


def test_a_client_error_is_not_retried(central: FakeCentral, identity: TerminalIdentity) -> None:
    central.then(*CONTEXT, Reply(429, {"error": "rate_limited", "detail": "slow down"}))
    fake = FakeTime()
    with CentralClient(central.url, identity, clock=fake.clock, sleep=fake.sleep) as c:
        with pytest.raises(CentralRejected) as err:
            c.person_context(CITIZEN_ID, CITIZEN_NAME)
    assert err.value.code == "rate_limited"
    assert central.count(*CONTEXT) == 1 and fake.slept == []
