"""``Terminal.fleet``: the terminal's side of running a fleet, assembled in one place so
kiosk/terminal.py only builds it, starts it, stops it and asks it about maintenance.

It owns the heartbeat loop (kiosk/fleet/heartbeat.py), the body it sends
(kiosk/fleet/health.py), the commands central sends back (kiosk/fleet/commands.py), the
maintenance flag (kiosk/fleet/maintenance.py) and the self-test a new version or
configuration must pass (kiosk/fleet/selftest.py). H4's update service plugs in as
``updates`` and H7's remote configuration as ``remote_config`` (kiosk/fleet/health.py has
the hooks each must offer); without them the heartbeat reports ``idle`` / ``local``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import hall_time
from kiosk.central_api.errors import CentralError, NotEnrolled
from kiosk.central_api.fleet import FleetApi, Heartbeat, HeartbeatAnswer
from kiosk.events import DeviceChanged, KioskEvent, SessionEnded
from kiosk.files import DATA_DIR_MODE, ensure_dir, replace_private_file
from kiosk.fleet import health
from kiosk.fleet.commands import Commands, Outcome
from kiosk.fleet.heartbeat import HeartbeatLoop
from kiosk.fleet.log_pull import recent_log
from kiosk.fleet.maintenance import Maintenance
from kiosk.fleet.selftest import SelfTest
from kiosk.session import SessionState

if TYPE_CHECKING:
    import datetime as dt

    from kiosk.terminal import Terminal

log = logging.getLogger(__name__)

PULL_HOURS = (1, 72)
LAST_FILE = "last_heartbeat.json"


class Fleet:
    def __init__(self, terminal: Terminal, clock: Callable[[], float] = time.monotonic) -> None:
        self.terminal = terminal
        self.settings = terminal.config.fleet
        self.folder = Path(terminal.config.terminal.data_dir) / "fleet"
        ensure_dir(self.folder, DATA_DIR_MODE)
        self._clock = clock
        self._born = clock()
        self.maintenance = Maintenance(self.folder, terminal.events.publish, self.settings.hall_phone)
        self.selftest = SelfTest(terminal.device_statuses, terminal.outbox.status, clock=clock)
        self.updates: health.UpdateHooks | None = None         # H4: kiosk/update
        self.remote_config: health.ConfigHooks | None = None   # H7: kiosk/fleet/remote_config.py
        self.commands = Commands(self.folder, self._handlers(), self._post_result,
                                 finished=lambda _id: self.loop.nudge("command"))
        self.loop = HeartbeatLoop(self._beat, self._period)
        self._last_session_end: dt.datetime | None = None
        self._next_in_s: float | None = None
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Heartbeat, HeartbeatAnswer | None, str | None], None]] = []
        terminal.subscribe(self._on_event)

    # -- life cycle (Terminal.start / stop) --------------------------------------------------
    def start(self) -> None:
        self.selftest.started()
        self.commands.start()
        self.loop.start()
        for hooks in (self.updates, self.remote_config):
            if hooks is not None:
                try:
                    hooks.on_started()
                except Exception:
                    log.exception("%s: on_started failed", type(hooks).__name__)

    def stop(self) -> None:
        self.loop.stop()
        self.commands.stop()

    def ui_drawn(self) -> None:
        self.selftest.ui_drawn()

    def on_beat(self, listener: Callable[[Heartbeat, HeartbeatAnswer | None, str | None], None]) -> None:
        """listener(sent, answer, error code) after every beat, on the heartbeat thread."""
        with self._lock:
            self._listeners.append(listener)

    # -- what the terminal tells it ----------------------------------------------------------
    def _on_event(self, event: KioskEvent) -> None:
        if isinstance(event, DeviceChanged):
            self.selftest.nudge()
            self.loop.nudge("device_change")
        elif isinstance(event, SessionEnded):
            self._last_session_end = hall_time.now(self.terminal.zone)
            nudge = getattr(self.updates, "nudge", None)
            if callable(nudge):
                nudge()   # an update waiting for the session to end may switch now

    # -- one heartbeat -------------------------------------------------------------------------
    def body(self, reason: str) -> Heartbeat:
        terminal = self.terminal
        return health.build(health.Snapshot(
            reason=reason,
            now=hall_time.now(terminal.zone),
            uptime_s=health.host_uptime_s(self._clock() - self._born),
            data_dir=Path(terminal.config.terminal.data_dir),
            statuses=terminal.device_statuses(),
            outbox=terminal.outbox.status(),
            print_log_head=terminal.printlog.head(),
            maintenance=self.maintenance.on,
            session_active=terminal.session.state is not SessionState.IDLE,
            last_session_end=self._last_session_end,
            updates=self.updates,
            remote_config=self.remote_config,
            acks=self.commands.acks(),
        ))

    def beat_once(self, reason: str) -> tuple[Heartbeat, HeartbeatAnswer]:
        """Build, send and act on one heartbeat now; raises CentralError (NotEnrolled when
        the terminal has no identity). The loop's beats come through here too."""
        client = self.terminal.central
        if client is None:
            raise NotEnrolled()
        body = self.body(reason)
        try:
            answer = FleetApi(client).heartbeat(body)
        except CentralError as err:
            self.beat_sent(body, None, err.code)
            raise
        self.answered(body, answer)
        self.beat_sent(body, answer, None)
        return body, answer

    def _beat(self, reason: str) -> None:
        # The loop's beat: failures are logged (codes only, never a body) and forgotten.
        try:
            self.beat_once(reason)
        except NotEnrolled:
            log.debug("heartbeat skipped: not enrolled")
        except CentralError as err:
            log.warning("heartbeat (%s) failed: %s", reason, err.code)
        except Exception:
            log.exception("heartbeat (%s) failed", reason)

    def beat_sent(self, body: Heartbeat, answer: HeartbeatAnswer | None, error: str | None) -> None:
        # The last body on disk (it holds no personal data): `kiosk heartbeat` run beside
        # the kiosk reports the devices as the kiosk, which holds them open, sees them.
        try:
            record = {"sent": body.model_dump(mode="json"), "answered": answer is not None, "error": error}
            replace_private_file(self.folder / LAST_FILE, json.dumps(record).encode("utf-8"))
        except OSError as err:
            log.warning("last heartbeat not kept: %s", err.strerror)
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(body, answer, error)
            except Exception:
                log.exception("heartbeat listener failed")

    def answered(self, body: Heartbeat, answer: HeartbeatAnswer) -> None:
        """Central answered ``body``: its acknowledgements are done with, the proof
        ``central`` arrived, the commands are queued, the offers passed on."""
        self.commands.acknowledged(body.acks)
        self.selftest.central_answered()
        self._next_in_s = float(answer.next_in_s)
        self.commands.received(answer.commands)
        self.commands.send_unsent()
        remote, updates = self.remote_config, self.updates
        heard = getattr(updates, "heard_from_central", None)
        if callable(heard):
            heard(answer.server_time)   # what the TUF client judges the local clock by
        if remote is not None:
            self._hook(lambda: remote.offered(answer.config_version), "remote_config.offered")
        if updates is not None and answer.update is not None:
            offer = answer.update.model_dump(mode="json")
            self._hook(lambda: updates.offered(offer), "updates.offered")

    @staticmethod
    def _hook(call: Callable[[], Any], name: str) -> None:
        try:
            call()
        except Exception:
            log.exception("%s failed", name)

    def _period(self) -> float:
        # Central may ask for slower beats (next_in_s) under load, never for faster ones.
        return max(self.settings.heartbeat_s, self._next_in_s or 0.0)

    # -- commands ------------------------------------------------------------------------------
    def _handlers(self) -> dict[str, Callable[[Mapping[str, Any]], Outcome]]:
        return {
            "maintenance_on": self._maintenance_on,
            "maintenance_off": lambda _args: Outcome(True, {"maintenance": self.maintenance.set(False).on}),
            "reload_config": self._reload_config,
            "pull_log": self._pull_log,
            "doctor": self._doctor,
        }

    def _maintenance_on(self, args: Mapping[str, Any]) -> Outcome:
        state = self.maintenance.set(True, args.get("phone", ""), args.get("note", ""))
        return Outcome(True, {"maintenance": state.on})

    def _doctor(self, _args: Mapping[str, Any]) -> Outcome:
        # `kiosk doctor --json`'s document from the devices this terminal holds open (the
        # command-line package is imported only when central asks for it).
        from kiosk.cli.doctor import report

        return Outcome(True, report(self.terminal.config, self.terminal.device_statuses()))

    def _reload_config(self, _args: Mapping[str, Any]) -> Outcome:
        remote = self.remote_config
        if remote is None:
            return Outcome(False, {"error": "no_remote_config"})
        remote.reload_now()
        # What runs now, and its state ("trial": a new version waits for the restart).
        return Outcome(True, {"config_version": remote.version(),
                              "config_state": str(remote.report().get("state", "ok"))})

    def _pull_log(self, args: Mapping[str, Any]) -> Outcome:
        hours = args.get("hours", 2)
        if not isinstance(hours, int) or isinstance(hours, bool) or not PULL_HOURS[0] <= hours <= PULL_HOURS[1]:
            return Outcome(False, {"error": "bad_args", "detail": "hours must be 1-72"})
        pulled = recent_log(Path(self.terminal.config.terminal.data_dir) / "logs", hours)
        return Outcome(True, {"lines": pulled.lines, "bytes": pulled.bytes}, pulled.text)

    def _post_result(self, command_id: int, outcome: Outcome) -> None:
        client = self.terminal.central
        if client is None:
            raise NotEnrolled()
        FleetApi(client).command_result(command_id, outcome.ok, outcome.result, outcome.log)


def build_fleet(terminal: Terminal) -> Fleet:
    """The fleet service with the update service plugged in (kiosk/update); H7's remote
    configuration plugs in here as ``fleet.remote_config``."""
    from kiosk.update.service import UpdateService

    fleet = Fleet(terminal)
    fleet.updates = UpdateService(
        terminal.config,
        selftest=fleet.selftest,
        device_ready=lambda: {n: s.ready for n, s in terminal.device_statuses().items()},
        session_active=lambda: terminal.session.state is not SessionState.IDLE,
    )
    from kiosk.fleet.remote_config import RemoteConfig

    fleet.remote_config = RemoteConfig(
        terminal.config,
        client=lambda: terminal.central,
        selftest=fleet.selftest,
        device_ready=lambda: {n: s.ready for n, s in terminal.device_statuses().items()},
    )
    return fleet
