"""A 办件受理回执's QR scanned outside the 办件查询 flow: at an idle screen it starts 办件查询
showing that application; inside the running 办件查询 flow the flow takes it. Kept here so
the terminal only wires it (like queue_desk's appointment codes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.flows.code_desk import flow_intent
from kiosk.identify.codes import CodeKind, CodeMeaning

if TYPE_CHECKING:
    from kiosk.terminal import Terminal

SERVICE = "progress_query"


def receipt_code(terminal: Terminal, meaning: CodeMeaning) -> bool:
    """A receipt code was scanned (on the code worker). False: the code is only described
    (CodeNotice), as before: 办件查询 not offered or not available, another service running,
    the technician in, maintenance."""
    if meaning.kind is not CodeKind.APPLICATION_RECEIPT:
        return False
    scanned = flow_intent(terminal, SERVICE, "receipt_scanned")
    if scanned is None:
        return False
    scanned(meaning.application_number, meaning.check_code,
            meaning.reason.value if meaning.reason else None)
    return True
