"""How the driver asks a person for a card PIN, without knowing who asks.

The driver thread calls ``request_pin`` and waits for the answer (Electrum's hardware-wallet
handler pattern). A front end implements PinPad: the CLI with getpass, the kiosk UI with
PromptPinPad, which tells the UI through a callback and waits on an Event that the UI
thread sets. ``cancel()`` lets the driver end a prompt itself, e.g. when the card is pulled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol, runtime_checkable


@runtime_checkable
class PinPad(Protocol):
    def request_pin(self, tries_left: int | None) -> str | None:
        """The PIN the person typed, or None when they cancelled. ``tries_left`` is None
        on the first ask and the card's counter after a wrong PIN."""


@runtime_checkable
class CancellablePinPad(PinPad, Protocol):
    def cancel(self) -> None:
        """End a pending ``request_pin`` with None (called from another thread)."""


class PromptPinPad:
    """A PinPad for a UI. ``on_request(tries_left)`` runs on the driver thread (marshal it:
    ``Clock.schedule_once``); the UI answers with ``answer(pin)`` or ``cancel()``. No answer
    within ``timeout`` seconds counts as cancelled, so a walked-away citizen frees the reader."""

    def __init__(self, on_request: Callable[[int | None], None], timeout: float = 60.0) -> None:
        self.on_request = on_request
        self.timeout = timeout
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._pin: str | None = None

    def request_pin(self, tries_left: int | None) -> str | None:
        with self._lock:
            self._pin = None
            self._done.clear()
        self.on_request(tries_left)
        answered = self._done.wait(self.timeout)
        with self._lock:
            pin, self._pin = self._pin, None
        return pin if answered else None

    def answer(self, pin: str) -> None:
        with self._lock:
            self._pin = pin
            self._done.set()

    def cancel(self) -> None:
        with self._lock:
            self._pin = None
            self._done.set()
