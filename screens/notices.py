"""What an event says once, beside the redraw from the state: a toast, the PIN pad, the
countdown notice over the screen, a result card. One handler per event type, looked up in a
table; events with nothing to say once (a device or flow change) only redraw.

A result the citizen must read and act on (a scanned code's result, 请取走身份证) goes on a
card that stays until they tap it (screens/dialogs.py); toasts are for passing remarks.
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
    StaffChanged,
)
from kiosk.session import SessionState

from . import dialogs, words

if TYPE_CHECKING:
    from .kiosk_app import KioskApp


def _changed(app: KioskApp, event: SessionChanged) -> None:
    # The session moved on (the card's outcome, or another card): a PIN prompt nobody is
    # answering any more ends here, and what the last citizen was told is not for this one.
    app.close_pin_pad(cancel=True)
    dialogs.close_all(app)
    if event.state != SessionState.IDLE:
        app.toast.hide()
        _hide_result(app)


def _hide_result(app: KioskApp) -> None:
    card = getattr(app, "result_card", None)
    if card is not None:
        card.hide()


def _ended(app: KioskApp, event: SessionEnded) -> None:
    app.close_pin_pad(cancel=True)
    app.clear_identity()
    app.overlay.hide()
    dialogs.close_all(app)
    if event.take_card:   # the card lies on the reader: said until the citizen taps
        app.toast.hide()
        dialogs.show_result(*words.ended_take_card(event.reason, event.source), tone="notice",
                            kind="take_card")
    else:
        app.toast.show(words.ended(event.reason, event.source, event.take_card), seconds=5)


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
        app.screens["identity"].show_failure(event.code, event.source)  # type: ignore[attr-defined]
    else:
        app.toast.show(words.read_failed(event.code, event.source))


def _code(app: KioskApp, event: CodeNotice) -> None:
    result = words.code_result(event)
    if result is None:
        app.toast.show(words.code_message(event), seconds=8)
        return
    app.toast.hide()
    headline, detail, tone = result
    dialogs.show_result(headline, detail, tone)


def _staff(app: KioskApp, event: StaffChanged) -> None:
    if event.mode != "closed":   # staff took the screen: nothing of a citizen stays on it
        _hide_result(app)


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
    StaffChanged: _staff,
}


def tell(app: KioskApp, event: KioskEvent) -> None:
    handler = HANDLERS.get(type(event))
    if handler is not None:
        handler(app, event)
