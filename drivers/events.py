"""Device events and a small thread-safe dispatcher.

Drivers publish events from their own threads. Listeners must not block: the kiosk hands
events on (the UI marshals them with ``Clock.schedule_once``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import DeviceError
    from .idcard.model import IdentityCard
    from .status import DeviceStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceEvent:
    device: str  # configured device name, e.g. "id_reader"


@dataclass(frozen=True)
class StatusChanged(DeviceEvent):
    status: DeviceStatus


@dataclass(frozen=True)
class CardPlaced(DeviceEvent):
    pass


@dataclass(frozen=True)
class IdentityRead(DeviceEvent):
    # eq=False semantics matter little here; the card object is wiped by its owner.
    card: IdentityCard


@dataclass(frozen=True)
class CardRemoved(DeviceEvent):
    pass


@dataclass(frozen=True)
class ReadFailed(DeviceEvent):
    error: DeviceError


@dataclass(frozen=True)
class CardInserted(DeviceEvent):
    """A smart card arrived in a PC/SC reader (contact or contactless)."""

    reader: str


@dataclass(frozen=True)
class SmartCardRead(DeviceEvent):
    """A smart card was read: ``card`` is a drivers.pcsc.model.CardData (wiped by its owner)."""

    reader: str
    card: object


@dataclass(frozen=True)
class SmartCardRemoved(DeviceEvent):
    reader: str


@dataclass(frozen=True)
class CodeScanned(DeviceEvent):
    """A code was read by a scanner: its text (decoded UTF-8, GB18030 as fallback) and
    symbology (QRCode, Code128 ...). Published once per code within the de-duplication window."""

    text: str
    symbology: str


Listener = Callable[[DeviceEvent], None]


class EventHub:
    """Fan-out of events to listeners; a failing listener never breaks the driver thread."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: DeviceEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a listener bug must not kill a device thread
                log.exception("event listener failed on %s", type(event).__name__)
