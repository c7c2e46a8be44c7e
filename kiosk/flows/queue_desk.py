"""What the terminal does for 排队取号 outside a running flow: an appointment code scanned at
an idle screen starts the check-in (or goes to the running queue flow), and today's offline
numbers are reserved when the terminal starts. Kept here so the terminal only wires them."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from kiosk.flows.code_desk import flow_intent
from kiosk.identify.codes import CodeKind, CodeMeaning

if TYPE_CHECKING:
    from kiosk.terminal import Terminal

log = logging.getLogger(__name__)

SERVICE = "queue_ticket"   # the service that checks in (kiosk/flows/queue_ticket.py)
REFRESH_S = 600.0          # how often the offline blocks are looked at while running


def appointment_code(terminal: Terminal, text: str, meaning: CodeMeaning) -> bool:
    """An appointment code was scanned (on the code worker): the queue flow checks the
    citizen in — started here when the terminal is idle, or the running queue flow's.
    False: the code is only described (CodeNotice), as before (the queue not offered or not
    available, another service running, maintenance)."""
    if meaning.kind is not CodeKind.APPOINTMENT:
        return False
    checkin = flow_intent(terminal, SERVICE, "appointment_scanned")
    if checkin is None:
        return False
    checkin(text, meaning)
    return True


def prepare(terminal: Terminal, stop: threading.Event, every: float = REFRESH_S) -> None:
    """Keep today's offline blocks while central answers (a thread from start to stop): at
    start, then every ``every`` seconds, so a new day's blocks are there before the first
    citizen of the day even when central is gone by then, and a low block is topped up."""
    from kiosk.flows.queue_ticket import prepare_blocks

    while True:
        try:
            prepare_blocks(terminal.central, terminal.queue_blocks)
        except Exception as err:  # stopping meanwhile (client or store closed): next time
            log.warning("queue blocks not prepared: %s", type(err).__name__)
        if stop.wait(every):
            return
