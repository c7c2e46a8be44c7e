"""``Terminal.fleet.updates``: the update's side of the heartbeat (docs/fleet.md §1, §4).

``offered()`` is called on the heartbeat thread and returns at once; the download and the
install run on the service's own thread, and the switch waits until no citizen's session
runs (reported as ``in_session`` meanwhile), then records the trial and asks for a restart
(exit 75, systemd starts the new ``current``). ``on_started()`` in a version on trial runs
the self-test on its own thread: pass → commit; fail → back to the committed version and
restart, which then reports ``rolled_back`` with ``self_test_failed:<check>``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from kiosk.config import KioskConfig
from kiosk.update.apply import make_client, newer, prepare, switch_to, utc_now
from kiosk.update.errors import UpdateRefused
from kiosk.update.install import Layout
from kiosk.update.trial import TrialState, commit, rollback
from kiosk.update.tuf_client import UpdateClient
from kiosk.version import running_version

log = logging.getLogger(__name__)
SESSION_POLL_S = 1.0


class SelfTestLike(Protocol):
    def wait(self, deadline_s: float, need: Any = ..., expected: Mapping[str, bool] | None = None) -> str | None: ...


def _restart(reason: str) -> None:
    from kiosk.fleet.restart import request_restart

    request_restart(reason)


class UpdateService:
    def __init__(self, config: KioskConfig, *, selftest: SelfTestLike | None = None,
                 device_ready: Callable[[], dict[str, bool]] = dict,
                 session_active: Callable[[], bool] = lambda: False,
                 restart: Callable[[str], None] = _restart,
                 clock: Callable[[], datetime] = utc_now,
                 client_factory: Callable[[], UpdateClient] | None = None,
                 running: str | None = None) -> None:
        self.config = config
        self.layout = Layout(Path(config.update.root))
        self.store = TrialState(Path(config.terminal.data_dir))
        self.selftest = selftest
        self.device_ready = device_ready
        self.session_active = session_active
        self.restart = restart
        self.clock = clock
        self.running = running or running_version()
        self.server_time: datetime | None = None
        self._server_time_at: datetime | None = None
        self._client_factory = client_factory or (lambda: make_client(
            config, clock=clock, server_time=self._central_time))
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._worker: threading.Thread | None = None
        self._in_session = False
        self.verdict: threading.Event = threading.Event()   # set once a trial has its verdict

    # -- the heartbeat's side ---------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        data = self.store.read()
        state, reason = data.get("state") or "idle", data.get("reason") or ""
        with self._lock:
            if self._in_session:
                reason = "in_session"
        return {"state": state, "version": self.running,
                "target_version": data.get("target_version"), "reason": reason}

    def heard_from_central(self, server_time: datetime, at: datetime | None = None) -> None:
        """The heartbeat's ``server_time``: what the TUF client judges the local clock by."""
        self.server_time, self._server_time_at = server_time, at or self.clock()

    def _central_time(self) -> datetime | None:
        if self.server_time is None or self._server_time_at is None:
            return None
        return self.server_time + (self.clock() - self._server_time_at)

    def offered(self, offer: Mapping[str, Any] | None) -> None:
        """An answer's ``update`` (may be None): start fetching it unless busy, already
        running it, or it failed here before. Returns at once."""
        if not offer or not isinstance(offer.get("version"), str):
            return
        version = str(offer["version"])
        data = self.store.read()
        if data.get("trial") or version in data.get("failed", {}):
            return
        try:
            if not newer(version, self.running):
                return
        except ValueError:
            return
        with self._lock:
            if self._worker is not None and self._worker.is_alive():
                return
            self._worker = threading.Thread(target=self._update, args=(version,),
                                            name="update-install", daemon=True)
            self._worker.start()

    def nudge(self) -> None:
        """A session ended (or anything the waiting switch looks at changed)."""
        with self._wake:
            self._wake.notify_all()

    def join(self, timeout: float | None = None) -> None:
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _update(self, version: str) -> None:
        try:
            installed = prepare(self._client_factory(), self.layout, self.store, version,
                                self.running, now=self.clock)
            with self._wake:
                while self.session_active():
                    self._in_session = True
                    self._wake.wait(SESSION_POLL_S)
                self._in_session = False
                # Still between sessions: record the trial and switch under the same lock.
                switch_to(self.layout, self.store, installed, self.device_ready(),
                          self.config.update.self_test_s, self.clock())
            log.info("update: switched to %s; restarting", installed)
            self.restart("update_switch")
        except UpdateRefused as err:
            state = "failed" if err.reason in ("install_failed", "bundle_invalid") else "refused"
            log.warning("update to %s %s: %s", version, state, err)
            self.store.note(state, version, err.reason, now=self.clock())
        except Exception:
            log.exception("update to %s failed", version)
            self.store.note("failed", version, "install_failed", now=self.clock())

    # -- the new version's proof ------------------------------------------------------------
    def on_started(self) -> None:
        """Called once the terminal started: a version on trial begins its self-test."""
        trial = self.store.read().get("trial")
        if not trial or trial.get("version") != self.running:
            return
        if self.selftest is None:
            log.error("update: %s on trial but no self-test is wired", self.running)
            return
        threading.Thread(target=self._judge, args=(dict(trial.get("expected") or {}),),
                         name="update-selftest", daemon=True).start()

    def _judge(self, expected: dict[str, bool]) -> None:
        assert self.selftest is not None
        try:
            failed = self.selftest.wait(self.config.update.self_test_s, expected=expected)
            if failed is None:
                commit(self.layout, self.store, self.running, self.clock())
                log.info("update: %s passed its self-test; committed", self.running)
            else:
                back = rollback(self.layout, self.store, f"self_test_failed:{failed}", self.clock())
                log.warning("update: %s failed its self-test (%s); back to %s", self.running, failed, back)
                self.restart("update_rollback")
        except Exception:
            # No verdict: the trial stays; if this version keeps failing to run, boot-check
            # ends the crash loop, and otherwise the next start tries the self-test again.
            log.exception("update: the self-test of %s broke off", self.running)
        finally:
            self.verdict.set()
