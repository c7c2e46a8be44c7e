"""Central's configuration on the terminal (docs/fleet.md §3): fetch a new effective
version when a heartbeat's answer names one, check it with the terminal's own models, keep
it, try it after a restart between sessions, and keep it only when the terminal proved it
works; otherwise back to the last known good by itself, and that version is never tried
again. What is on disk and how a start counts is kiosk/config_remote.py.

Threads: ``offered`` runs on the heartbeat thread and only starts a fetch on a thread of
its own (one at a time); ``reload_now`` fetches on the caller's thread (central's
``reload_config`` command); the trial's verdict waits on a thread of its own
(``SelfTest.wait``), never the UI's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.central_api.client import CentralClient
from kiosk.central_api.config import RemoteDocument, get_config
from kiosk.central_api.errors import CentralError, CentralRejected
from kiosk.config import ConfigError, KioskConfig, load_config
from kiosk.config_errors import technician_text
from kiosk.config_remote import folder, read_state, rolled_back, write_document, write_state
from kiosk.fleet.restart import request_restart
from kiosk.fleet.selftest import SelfTest

log = logging.getLogger(__name__)

STATES = ("ok", "trial", "rolled_back", "rejected")
TRIAL_CHECKS = ("devices", "ui")


def version_of(document: dict[str, Any]) -> str:
    """Central's version string of a document: its canonical JSON's SHA-256, 12 hex."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "cfg-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def site_file(config: KioskConfig) -> Path:
    """The site file ``config`` was loaded from (its sources: profile, site, remote)."""
    remote = folder(config.terminal.data_dir)
    return Path(next(s for s in reversed(config.sources) if Path(s).parent != remote))


class RemoteConfig:
    def __init__(
        self,
        config: KioskConfig,
        client: Callable[[], CentralClient | None],
        selftest: SelfTest,
        device_ready: Callable[[], dict[str, bool]],
        *,
        restart: Callable[[str], None] = request_restart,
        fetch: Callable[[CentralClient, str | None], RemoteDocument | None] = get_config,
    ) -> None:
        self.config = config
        self.data_dir = Path(config.terminal.data_dir)
        self.site = site_file(config)
        self.running = config.remote_version
        self._client = client
        self._selftest = selftest
        self._device_ready = device_ready
        self._restart = restart
        self._fetch = fetch
        self._lock = threading.Lock()
        self._applying = threading.Lock()   # the command's fetch and the offer's, one at a time
        self._fetching = False
        self.verdict = threading.Event()   # set when this start's trial was decided (tests)

    # -- what the heartbeat reports -------------------------------------------------------------
    def version(self) -> str:
        return self.running

    def report(self) -> dict[str, Any]:
        state = read_state(self.data_dir)
        name = state.get("state") if state.get("state") in STATES else "ok"
        reason = str(state.get("reason") or "")[:40]
        return {"state": name, "version": self.running, "reason": reason}

    # -- central's answer and commands ----------------------------------------------------------
    def offered(self, version: str | None) -> None:
        """The heartbeat answer's ``config_version``: fetch it (on a thread of its own) when
        it is neither what runs, nor waiting for the restart, nor a version that failed."""
        state = read_state(self.data_dir)
        if version == self.running or (version is None and self.running == "local"):
            if state["state"] != "ok" and state["trial"] is None and version == state["current"]:
                write_state(self.data_dir, {**state, "state": "ok", "reason": ""})
            return
        if version is not None and (version == state["trial"] or version in state["failed"]):
            return
        with self._lock:
            if self._fetching:
                return
            self._fetching = True
        threading.Thread(target=self._fetch_in_background, name="remote config", daemon=True).start()

    def reload_now(self) -> str:
        """Fetch the effective configuration now (``reload_config``); the version that runs."""
        self.fetch_and_apply()
        return self.running

    def _fetch_in_background(self) -> None:
        try:
            self.fetch_and_apply()
        except Exception:
            log.exception("remote configuration: fetching failed")
        finally:
            with self._lock:
                self._fetching = False

    def fetch_and_apply(self) -> None:
        client = self._client()
        if client is None:
            return
        try:
            # The catalogue's ETag path: what runs, so an unchanged version costs a 304.
            answer = self._fetch(client, None if self.running == "local" else self.running)
        except CentralRejected as err:
            if err.error == "no_config":
                self._go_local()
            else:
                log.warning("remote configuration: central refused (%s)", err.code)
            return
        except CentralError as err:
            log.warning("remote configuration: not fetched (%s)", err.code)
            return
        with self._applying:
            if answer is not None:
                self.apply(answer.version, answer.document)
                return
            state = read_state(self.data_dir)   # 304: what runs is central's (again)
            if state["trial"] not in (None, self.running):   # a trial waiting: not wanted now
                write_state(self.data_dir, {**state, "trial": None, "starts": [], "expected": {},
                                            "state": "ok", "reason": ""})

    def _go_local(self) -> None:
        state = read_state(self.data_dir)
        if state["current"] is None and state["trial"] is None:
            return
        write_state(self.data_dir, {**state, "current": None, "trial": None, "starts": [],
                                    "state": "ok", "reason": ""})
        log.info("remote configuration: central has none for this terminal; the site file alone")
        if self.running != "local":
            self._restart("config_local")

    # -- a new version --------------------------------------------------------------------------
    def apply(self, version: str, document: dict[str, Any]) -> str:
        """Check ``document`` and, when it fits, keep it and put it on trial (a restart
        between sessions starts it). The state it ends in: trial, rejected or ok."""
        state = read_state(self.data_dir)
        if version == self.running or version == state["trial"] or version in state["failed"]:
            return str(state["state"])
        if version_of(document) != version:
            return self._reject(state, version, "version_mismatch",
                                ["the document does not hash to its version"])
        try:
            candidate = load_config(self.site, remote=(version, document))
        except ConfigError as err:
            log.warning("远程配置 %s 被拒绝 (remote configuration rejected):\n%s", version,
                        technician_text(err))
            return self._reject(state, version, "invalid", [p.line() for p in err.problems])
        write_document(self.data_dir, version, document)
        ready = self._device_ready()
        configured = candidate.devices.model_dump(exclude_none=True)
        expected = {name: ready.get(name, True) for name in configured}
        write_state(self.data_dir, {**read_state(self.data_dir), "trial": version, "starts": [],
                                    "expected": expected, "state": "trial", "reason": ""})
        log.info("remote configuration %s on trial: restart between sessions", version)
        self._restart("config_trial")
        return "trial"

    def _reject(self, state: dict[str, Any], version: str, reason: str,
                problems: list[str]) -> str:
        write_state(self.data_dir, {
            **state, "failed": {**state["failed"], version: reason}, "state": "rejected",
            "reason": reason, "problems": {**state["problems"], version: problems[:20]}})
        return "rejected"

    # -- the trial of what runs -----------------------------------------------------------------
    def on_started(self) -> None:
        """The terminal started: a version on trial now has ``[fleet] config_trial_s`` to
        open its devices and draw the UI (decided on a thread of its own)."""
        state = read_state(self.data_dir)
        if state["trial"] is None or state["trial"] != self.running:
            self.verdict.set()
            return
        threading.Thread(target=self._judge, args=(dict(state["expected"]),),
                         name="remote config trial", daemon=True).start()

    def _judge(self, expected: dict[str, bool]) -> None:
        try:
            failed = self._selftest.wait(self.config.fleet.config_trial_s, need=TRIAL_CHECKS,
                                         expected=expected)
            self.decide(failed)
        except Exception:
            log.exception("remote configuration: the trial's verdict failed")
        finally:
            self.verdict.set()

    def decide(self, failed: str | None) -> None:
        state = read_state(self.data_dir)
        if state["trial"] != self.running:
            return
        if failed is None:
            write_state(self.data_dir, {**state, "last_known_good": self.running, "trial": None,
                                        "starts": [], "expected": {}, "state": "ok", "reason": ""})
            log.info("remote configuration %s proved itself: last known good", self.running)
            return
        reason = f"self_test_failed:{failed}"
        write_state(self.data_dir, rolled_back(state, reason))
        log.warning("remote configuration %s failed its trial (%s): back to %s", self.running,
                    reason, state["last_known_good"] or "the site file")
        self._restart("config_rollback")
