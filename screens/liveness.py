"""The kiosk tells systemd it is alive from the UI itself (issue 13 §5).

READY=1 goes out after the first frame reached the screen (the window's first ``on_flip``),
not when the process started: a kiosk that hangs before drawing anything — the black screen
FullPageOS terminals were left with — never becomes ready, and systemd's start timeout
restarts it. WATCHDOG=1 is sent by the Kivy clock, on the UI thread, every third of
``WatchdogSec=``: when a callback blocks the UI loop, the clock stops, the pets stop, and
systemd restarts the kiosk after ``WatchdogSec=``. A pet from any other thread would keep a
frozen screen alive.

The socket work is kiosk/sd_notify.py's; without ``$NOTIFY_SOCKET`` nothing is sent, but
the terminal still learns that the UI was drawn (its self-test's ``ui`` proof).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from kivy.clock import Clock
from kivy.core.window import Window

from kiosk import sd_notify

if TYPE_CHECKING:
    from .kiosk_app import KioskApp

log = logging.getLogger(__name__)


class Liveness:
    """Bound to the window before the first frame; ``stop()`` when the app stops."""

    def __init__(self, app: KioskApp, notifier: sd_notify.Notifier | None = None) -> None:
        self.app = app
        self.notifier = notifier or sd_notify.notifier()
        self.drawn = False
        self.pets = 0
        self._pet_event: Any = None
        Window.bind(on_flip=self._on_flip)

    def _on_flip(self, *_: Any) -> None:
        # The first frame is on the screen now. The rest runs on the next clock tick: the
        # terminal's hooks are not work for the middle of a buffer swap.
        Window.unbind(on_flip=self._on_flip)
        Clock.schedule_once(self._first_frame, 0)

    def _first_frame(self, _dt: float) -> None:
        self.drawn = True
        self.notifier.ready("通办自助终端: first frame drawn")
        interval = self.notifier.watchdog_interval_s()
        if interval is not None:
            self._pet_event = Clock.schedule_interval(self._pet, interval)
            log.info("systemd watchdog: petting every %.1f s from the UI clock", interval)
        self.app.terminal.ui_drawn()   # the self-test's "UI drawn" proof (kiosk/fleet/selftest.py)

    def _pet(self, _dt: float) -> None:
        self.pets += 1
        self.notifier.watchdog()

    def stop(self) -> None:
        Window.unbind(on_flip=self._on_flip)
        if self._pet_event is not None:
            self._pet_event.cancel()
            self._pet_event = None
        self.notifier.stopping()
