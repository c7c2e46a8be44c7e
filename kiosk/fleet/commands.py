"""Central's remote operations on this terminal (docs/fleet.md §2): received in a
heartbeat's answer, acknowledged by id in the next heartbeat, run one at a time on a worker
thread of their own (a pulled log or a doctor report must not hold up the heartbeat), and
finished with ``POST /terminals/commands/{id}/result``.

Central delivers a command again until it sees the acknowledgement, so the same id can
arrive twice (an answer lost on the way back). The ids run are remembered — the last 200,
kept in ``<data_dir>/fleet/commands.json`` so a restart between the delivery and the
acknowledgement does not run one twice — and a repeat is only acknowledged. A result central
could not take is kept in memory and sent again after the next answered heartbeat.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.central_api.errors import CentralError, CentralRejected
from kiosk.central_api.fleet import Command
from kiosk.files import replace_private_file

log = logging.getLogger(__name__)

FILE = "commands.json"
REMEMBER = 200


@dataclass(frozen=True)
class Outcome:
    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    log: str | None = None


Handler = Callable[[Mapping[str, Any]], Outcome]
Post = Callable[[int, Outcome], None]


class Commands:
    def __init__(self, folder: Path, handlers: Mapping[str, Handler], post: Post,
                 finished: Callable[[int], None] = lambda _id: None) -> None:
        self.path = folder / FILE
        self._handlers = dict(handlers)
        self._post = post
        self._finished = finished
        self._lock = threading.Lock()
        self._done: deque[int] = deque(self._load(), maxlen=REMEMBER)
        self._acks: list[int] = []
        self._unsent: dict[int, Outcome] = {}
        self._queue: queue.Queue[Command | None] = queue.Queue()
        self._worker: threading.Thread | None = None

    def _load(self) -> list[int]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as err:
            log.error("executed command ids unreadable (%s): starting afresh", type(err).__name__)
            return []
        ids = data.get("done") if isinstance(data, dict) else None
        return [i for i in ids if isinstance(i, int)][-REMEMBER:] if isinstance(ids, list) else []

    def _save(self) -> None:
        body = json.dumps({"done": list(self._done)}).encode("utf-8")
        replace_private_file(self.path, body)

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="fleet commands", daemon=True)
            self._worker.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout)
            self._worker = None

    # -- from the heartbeat thread -------------------------------------------------------------
    def received(self, commands: Iterable[Command]) -> list[Command]:
        """Queue the commands not run before; every id is acknowledged in the next
        heartbeat. Returns the ones queued."""
        fresh: list[Command] = []
        with self._lock:
            for command in commands:
                if command.id not in self._acks:
                    self._acks.append(command.id)
                if command.id in self._done:
                    log.info("command %d (%s) delivered again: acknowledged only", command.id, command.kind)
                    continue
                self._done.append(command.id)
                fresh.append(command)
            if fresh:
                self._save()   # remembered before it runs: a crash never runs it twice
        for command in fresh:
            self._queue.put(command)
        return fresh

    def acks(self) -> list[int]:
        """The ids to acknowledge in the next heartbeat."""
        with self._lock:
            return list(self._acks)

    def acknowledged(self, ids: Iterable[int]) -> None:
        """A heartbeat carrying ``ids`` was answered: they need not be sent again."""
        sent = set(ids)
        with self._lock:
            self._acks = [i for i in self._acks if i not in sent]

    def executed(self) -> list[int]:
        with self._lock:
            return list(self._done)

    def send_unsent(self) -> None:
        """Results central did not take before: try again (after an answered heartbeat)."""
        with self._lock:
            waiting = list(self._unsent.items())
        for command_id, outcome in waiting:
            if self._deliver(command_id, outcome):
                with self._lock:
                    self._unsent.pop(command_id, None)

    # -- the worker ------------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            command = self._queue.get()
            if command is None:
                return
            outcome = self.run(command)
            if not self._deliver(command.id, outcome):
                with self._lock:
                    self._unsent[command.id] = outcome
            try:
                self._finished(command.id)
            except Exception:
                log.exception("command finished listener failed")

    def run(self, command: Command) -> Outcome:
        """Run one command; never raises (a failure is the result central gets)."""
        handler = self._handlers.get(command.kind)
        if handler is None:
            log.warning("command %d: unknown kind %s", command.id, command.kind)
            return Outcome(False, {"error": "unknown_kind"})
        log.info("command %d: %s", command.id, command.kind)
        try:
            return handler(command.args)
        except Exception as err:
            log.exception("command %d (%s) failed", command.id, command.kind)
            return Outcome(False, {"error": "internal", "detail": type(err).__name__})

    def _deliver(self, command_id: int, outcome: Outcome) -> bool:
        try:
            self._post(command_id, outcome)
        except CentralRejected as err:
            # Central refused it (an expired or unknown command): sending it again won't help.
            log.warning("command %d: result refused by central (%s): dropped", command_id, err.code)
        except CentralError as err:
            log.warning("command %d: result not delivered (%s)", command_id, err.code)
            return False
        except Exception:
            log.exception("command %d: result not delivered", command_id)
            return False
        return True
