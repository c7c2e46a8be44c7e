"""What the terminal tells its listeners (the UI, tests, the command line): frozen events.

Every notification is one of these dataclasses, never a string with a dict. Events carry
stable codes and masked values only; nothing in them may be shown or logged that would name
a citizen. A listener is called on whatever thread the change happened on and must return
at once (the Kivy UI pulls a ``Clock.create_trigger``); what to draw it reads from the one
``KioskState`` snapshot (kiosk/state.py), so an event is a nudge, not the data.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from drivers.status import DeviceStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KioskEvent:
    """Base of every terminal event."""


# -- the session --------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionChanged(KioskEvent):
    """The session moved to ``state`` (a kiosk.session.SessionState value)."""

    state: str


@dataclass(frozen=True)
class SessionEnded(KioskEvent):
    """The session ended and was wiped. ``take_card``: the ID card still lies on the reader
    (the screen reminds the citizen to take it)."""

    reason: str
    source: str
    take_card: bool | None = None   # None: the reader cannot tell


@dataclass(frozen=True)
class IdleWarning(KioskEvent):
    seconds_left: float


@dataclass(frozen=True)
class CardTaken(KioskEvent):
    """The card the session identified with left its reader; ``grace`` seconds to put it
    back (0 where the profile lets a read card be taken away)."""

    source: str
    grace: float


@dataclass(frozen=True)
class CardBack(KioskEvent):
    source: str


@dataclass(frozen=True)
class ReadFailed(KioskEvent):
    """A card could not be read (``code``: a drivers.errors.ErrorCode value; ``source``:
    the kiosk.session.IdentitySource value of the card that failed)."""

    code: str
    source: str = "id_card"


@dataclass(frozen=True)
class PrincipalChanged(KioskEvent):
    """帮办代办 (docs/casework.md §6): the person the citizen acts for arrived (``present``)
    or was dropped. ``source``: the kiosk.session.IdentitySource value it was read from."""

    present: bool
    source: str = ""


@dataclass(frozen=True)
class PrincipalRefused(KioskEvent):
    """An identity read while a principal was expected could not be the principal
    (``reason``: ``principal_is_agent``, the agent's own card)."""

    reason: str


# -- devices ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeviceChanged(KioskEvent):
    device: str
    status: DeviceStatus


@dataclass(frozen=True)
class PinRequested(KioskEvent):
    """The social security card in the reader wants its PIN."""

    tries_left: int | None


# -- what arrived besides an ID card --------------------------------------------------------
@dataclass(frozen=True)
class CodeNotice(KioskEvent):
    """A scanned code, in words the screen may show (an appointment names no person)."""

    kind: str
    reason: str = ""
    application_number: str = ""
    item_name: str = ""
    hall: str = ""
    start: str = ""


@dataclass(frozen=True)
class CardRefused(KioskEvent):
    kind: str
    reason: str


@dataclass(frozen=True)
class StaffCardPresented(KioskEvent):
    role: str


# -- flows and modes -----------------------------------------------------------------------
@dataclass(frozen=True)
class FlowChanged(KioskEvent):
    service_id: str
    step: str


@dataclass(frozen=True)
class StaffChanged(KioskEvent):
    mode: str


@dataclass(frozen=True)
class TechnicianChanged(KioskEvent):
    """The technician's maintenance mode moved (``mode``: a TechStep value) or a tool's
    result came in; what to draw is on ``Terminal.technician``."""

    mode: str


@dataclass(frozen=True)
class MaintenanceChanged(KioskEvent):
    """Central turned maintenance mode on or off (kiosk/fleet/maintenance.py); what to draw
    is ``KioskState.maintenance``."""

    on: bool


E = TypeVar("E", bound=KioskEvent)
Listener = Callable[[E], None]


class Publisher(Generic[E]):
    """Listeners called in order from the publishing thread; one failing listener is logged
    and never stops the others (or the device thread that published)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[E], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Callable[[E], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[E], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def publish(self, event: E) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("listener failed on %s", type(event).__name__)
