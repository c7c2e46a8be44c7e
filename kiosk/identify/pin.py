"""The social security card's PIN between the card reader and the screen.

The card reader's thread asks through ``pad`` (a drivers.pcsc PromptPinPad) and waits; the
terminal publishes ``PinRequested`` (tries left only, nothing of the card); the screen's PIN
pad answers with ``answer()`` or ``cancel()``. A PIN left unanswered for ``timeout`` seconds
counts as cancelled, so the reader is free again for whoever comes next. The PIN itself is
never logged or published.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from drivers.pcsc.pinpad import PromptPinPad
from kiosk.events import KioskEvent, PinRequested

log = logging.getLogger(__name__)

PIN_TIMEOUT_S = 60.0


class PinRelay:
    def __init__(self, publish: Callable[[KioskEvent], None], timeout: float = PIN_TIMEOUT_S) -> None:
        self._publish = publish
        self.pad = PromptPinPad(self._requested, timeout=timeout)

    def answer(self, pin: str) -> None:
        self.pad.answer(pin)

    def cancel(self) -> None:
        self.pad.cancel()

    def _requested(self, tries_left: int | None) -> None:
        # Card reader thread: the UI shows its PIN pad.
        log.info("card PIN requested (tries left: %s)", "-" if tries_left is None else tries_left)
        self._publish(PinRequested(tries_left))
