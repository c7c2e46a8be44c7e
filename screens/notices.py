"""What an event says once, beside the redraw from the state: a toast, the PIN pad, the
countdown notice over the screen. One handler per event type, looked up in a table; events
with nothing to say once (a device or flow change) only redraw.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.events import (
    CardBack,
    CardRefused,
    CardTaken,
    CodeNotice,
    IdleWarning,
    KioskEvent,
    PinRequested,
    ReadFailed,
    SessionChanged,
    SessionEnded,
)
from kiosk.session import SessionState

from . import words

if TYPE_CHECKING:
    from .kiosk_app import KioskApp


def _changed(app: KioskApp, event: SessionChanged) -> None:
    # The session moved on (the card's outcome, or another card): a PIN prompt nobody is
    # answering any more ends here, and what the last citizen was told is not for this one.
    app.close_pin_pad(cancel=True)
    if event.state != SessionState.IDLE:
        app.toast.hide()


def _ended(app: KioskApp, event: SessionEnded) -> None:
    app.close_pin_pad(cancel=True)
    app.clear_identity()
    app.overlay.hide()
    app.toast.show(words.ended(event.reason, event.source, event.take_card),
                   seconds=8 if event.take_card else 5)


def _pin(app: KioskApp, event: PinRequested) -> None:
    if not app.pin_pad.shown:
        app.toast.hide()
    app.pin_pad.ask(event.tries_left)


def _warning(app: KioskApp, _event: IdleWarning) -> None:
    snap = app.terminal.session.snapshot()
    if snap.state is not SessionState.IDLE and not snap.card_removed:
        app.overlay.show_warning(words.seconds(snap.seconds_left))


def _taken(app: KioskApp, event: CardTaken) -> None:
    snap = app.terminal.session.snapshot()
    if snap.state is not SessionState.IDLE and snap.card_removed:
        app.overlay.show_removed(words.seconds(snap.seconds_left), event.source)


def _back(app: KioskApp, event: CardBack) -> None:
    if app.terminal.session.snapshot().card_returned:  # back within the grace: 继续办理
        app.overlay.show_back(event.source)
        return
    if app.overlay.mode == "removed":
        app.overlay.hide()
    app.toast.show(words.card_back(event.source), seconds=3)


def _read_failed(app: KioskApp, event: ReadFailed) -> None:
    app.close_pin_pad(cancel=False)  # the read is over: nothing waits for a PIN
    if app.manager.current == "identity":
        app.screens["identity"].show_failure(event.code)  # type: ignore[attr-defined]
    else:
        app.toast.show(words.read_failed(event.code))


def _code(app: KioskApp, event: CodeNotice) -> None:
    app.toast.show(words.code_message(event), seconds=8)


def _refused(app: KioskApp, event: CardRefused) -> None:
    app.toast.show(words.card_refused(event.kind, event.reason), seconds=6)


HANDLERS: dict[type[KioskEvent], Callable[[KioskApp, Any], None]] = {
    SessionChanged: _changed,
    SessionEnded: _ended,
    PinRequested: _pin,
    IdleWarning: _warning,
    CardTaken: _taken,
    CardBack: _back,
    ReadFailed: _read_failed,
    CodeNotice: _code,
    CardRefused: _refused,
}


def tell(app: KioskApp, event: KioskEvent) -> None:
    handler = HANDLERS.get(type(event))
    if handler is not None:
        handler(app, event)
