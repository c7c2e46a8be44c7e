"""The 预约凭条 as the 预约办事 flow prints it: the layout (kiosk/printing/documents/
appointment_slip.py) on the receipt printer, through the logged printing (the print log
keeps the booker's ID number masked and keyed, never in the clear)."""

from __future__ import annotations

import time
from typing import Protocol

from kiosk import hall_time
from kiosk.central_api.booking import Appointment, Hall
from kiosk.config import KioskConfig
from kiosk.printing.documents.appointment_slip import AppointmentSlipData, appointment_slip
from kiosk.printing.printers import Printing, PrintResult


class SlipsLike(Protocol):
    def ready(self) -> tuple[bool, str]: ...
    def print_slip(self, appointment: Appointment, hall: Hall, id_number: str) -> PrintResult: ...


class SlipPrinter:
    def __init__(self, config: KioskConfig, printing: Printing, clock: hall_time.Clock = time.time) -> None:
        self._printing = printing
        self._zone = hall_time.hall_zone(config)
        self._terminal = config.terminal.terminal_code or "LOCAL"
        self._clock = clock

    def ready(self) -> tuple[bool, str]:
        """Whether the slip can print now; else the reason (``no_printer``, ``paper_out``...)."""
        return self._printing.receipt_ready()

    def print_slip(self, appointment: Appointment, hall: Hall, id_number: str) -> PrintResult:
        data = AppointmentSlipData(appointment, hall, self._terminal,
                                   hall_time.now(self._zone, self._clock))
        return self._printing.print_receipt(appointment_slip(data, self._zone), id_number=id_number)
