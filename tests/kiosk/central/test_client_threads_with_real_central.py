"""One terminal, many threads, the real central (issue 9: one client was shared by flow
workers and the code-scan worker although ``requests.Session`` is not thread-safe).

GIVEN a terminal enrolled with the reference central, WHEN flow work (the catalogue, a
citizen's context, the proofs available, issuing a proof) and code scans (electronic ID codes
resolved by central) run at the same time on several threads through the client the terminal
hands out, THEN every answer is the right one for its citizen, and no ``requests.Session`` is
ever used by two threads.
"""

from __future__ import annotations

import subprocess
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from drivers.events import EventHub
from drivers.status import ONLINE, DeviceStatus
from kiosk.central_api import CentralClient
from kiosk.config import load_config
from kiosk.terminal import Terminal
from tests.support.real_central import (
    KIOSK,
    PENSION_ITEM,
    RealCentral,
    SeedPerson,
    central_available,
    seed_person,
)

pytestmark = pytest.mark.skipif(not central_available(), reason="central/ (kiosk-central) is not installed")

PEOPLE = [seed_person(i) for i in range(7)]     # the seeded citizens, 张三 .. 孙晓明
FLOW_THREADS, CODE_THREADS, ROUNDS = 4, 2, 4


class StandIn:
    """A device that only publishes what a test tells it to."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.events = EventHub()

    def open(self) -> None: ...

    def close(self) -> None: ...

    def status(self) -> DeviceStatus:
        return ONLINE


@pytest.fixture
def terminal(real_central: RealCentral, tmp_path: Path) -> Iterator[Terminal]:
    site = tmp_path / "kiosk.toml"
    site.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "data"\n[central]\nurl = "{real_central.url}"\n',
                    encoding="utf-8")
    done = subprocess.run([KIOSK, "--config", str(site), "enroll", "--code", real_central.add_terminal()],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    devices: dict[str, Any] = {"code_scanner": StandIn("code_scanner")}
    term = Terminal(load_config(site), devices=devices)
    term.start()
    try:
        yield term
    finally:
        term.stop()


@pytest.fixture
def session_users(monkeypatch: pytest.MonkeyPatch) -> dict[int, set[int]]:
    """id(session) -> the threads that sent a request through it."""
    users: dict[int, set[int]] = defaultdict(set)
    alive: list[requests.Session] = []          # keeps ids from being reused
    lock = threading.Lock()
    real_send = requests.Session.send

    def send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        with lock:
            users[id(self)].add(threading.get_ident())
            alive.append(self)
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", send)
    return users


def eid_code(central: RealCentral, person: SeedPerson) -> str:
    return central._cli("eid", "issue", "--id-number", person.id_number, "--db", central.db_url)


def test_flows_and_code_scans_share_the_terminals_client_safely(
    terminal: Terminal, real_central: RealCentral, session_users: dict[int, set[int]]
) -> None:
    client = terminal.central
    assert isinstance(client, CentralClient)
    # What a single thread gets, to compare the concurrent answers with.
    proofs = {p.id_number: sorted(x.code for x in client.available_proofs(p.id_number, p.name)) for p in PEOPLE}
    assert proofs[PEOPLE[0].id_number] and not proofs[PEOPLE[2].id_number]    # 张三 has some, 王五 none
    codes = [[(PEOPLE[(t + r) % len(PEOPLE)], eid_code(real_central, PEOPLE[(t + r) % len(PEOPLE)]))
              for r in range(ROUNDS)] for t in range(CODE_THREADS)]

    start = threading.Barrier(FLOW_THREADS + CODE_THREADS)
    failures: list[str] = []
    done: list[str] = []
    lock = threading.Lock()

    def check(ok: bool, what: str) -> None:
        if not ok:
            with lock:
                failures.append(what)

    def flow_work(t: int) -> None:
        # What the flows do on their worker threads: YizhengFlow.load (catalogue, context),
        # ProofFlow.load (the proofs available) and ProofFlow.choose (issue one).
        central = terminal.central
        assert central is not None
        start.wait(30)
        for r in range(ROUNDS):
            person = PEOPLE[(t + r) % len(PEOPLE)]
            catalogue = central.catalogue()
            check(catalogue.item(PENSION_ITEM) is not None and not central.catalogue_is_cached,
                  f"flow {t}: catalogue")
            context = central.person_context(person.id_number, person.name)
            check(context.known, f"flow {t}: context of {person.name}")
            available = sorted(x.code for x in central.available_proofs(person.id_number, person.name))
            check(available == proofs[person.id_number], f"flow {t}: proofs of {person.name}")
            if available:
                issued = central.issue_proof(available[0], person.id_number, person.name, str(uuid.uuid4()))
                check(issued.holder.id_number == person.id_number, f"flow {t}: proof issued to someone else")
        with lock:
            done.append(f"flow {t}")

    def code_work(t: int) -> None:
        # What Arrivals._identify does on the code worker.
        central = terminal.central
        assert central is not None
        start.wait(30)
        for person, code in codes[t]:
            resolved = central.resolve_identity_code(code)
            check((resolved.id_number, resolved.name) == (person.id_number, person.name),
                  f"code {t}: resolved to someone else")
        with lock:
            done.append(f"code {t}")

    def guarded(work: Callable[[int], None], t: int) -> Callable[[], None]:
        def run() -> None:
            try:
                work(t)
            except Exception as err:   # a torn connection shows up as an exception
                with lock:
                    failures.append(f"{work.__name__} {t}: {type(err).__name__}: {err}")
        return run

    threads = [threading.Thread(target=guarded(flow_work, t), name=f"flow work {t}") for t in range(FLOW_THREADS)]
    threads += [threading.Thread(target=guarded(code_work, t), name=f"code {t}") for t in range(CODE_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert not failures, failures
    assert len(done) == FLOW_THREADS + CODE_THREADS

    shared = {session: users for session, users in session_users.items() if len(users) > 1}
    assert not shared, f"{len(shared)} requests.Session(s) used by more than one thread"
    # The workers really did share one client: all of them asked the terminal for it.
    assert terminal.central is client


def test_sessions_of_finished_threads_are_closed_and_close_reaches_every_thread(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = terminal.central
    assert client is not None
    closed: list[requests.Session] = []      # the objects, not ids: a freed id comes back
    real_close = requests.Session.close

    def close(self: requests.Session) -> None:
        closed.append(self)
        real_close(self)

    monkeypatch.setattr(requests.Session, "close", close)
    used: list[requests.Session] = []

    def one_call() -> None:
        client.health()
        used.append(client._sessions.session())

    for _ in range(3):                      # one thread after the other, like code workers
        worker = threading.Thread(target=one_call)
        worker.start()
        worker.join(30)
    assert len({id(s) for s in used}) == 3
    assert all(any(s is c for c in closed) for s in used[:2])   # closed once their thread ended
    client.health()                         # this thread's session, open until close()
    mine = client._sessions.session()
    client.close()
    assert all(any(s is c for c in closed) for s in [*used, mine])
    assert client.health()["status"] == "ok"   # a call after close() gets a new session
    assert not any(client._sessions.session() is c for c in closed)
