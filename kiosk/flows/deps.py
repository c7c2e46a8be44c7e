"""What a flow factory gets from the terminal (kiosk/registry.py names the factories)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drivers.contracts import DocumentCamera
    from kiosk.central_api import CentralClient
    from kiosk.config import KioskConfig
    from kiosk.evaluation.handlings import Handlings
    from kiosk.outbox import Outbox
    from kiosk.printing.printers import Printing
    from kiosk.session import Session


@dataclass(frozen=True)
class FlowDeps:
    config: KioskConfig
    session: Session
    central: CentralClient | None   # None: not enrolled (a service that needs it is not offered)
    outbox: Outbox
    printing: Printing
    camera: DocumentCamera | None = None      # the document camera, when one is configured
    handlings: Handlings | None = None        # 好差评: this terminal's recent handlings
