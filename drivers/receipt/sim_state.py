"""The simulated printer's condition (paper, cover, faults) and the status bytes it answers.

Status replies are tables from printer conditions to bits, as the ESC/POS manuals list them.
``DLE EOT n`` is answered by the receiving side the moment it arrives, whatever the mechanism
is doing; ``GS r``, ``ESC v``, ``GS I`` and ``GS ( H`` are answered in order, when the
mechanism reaches them (which is what makes ``GS ( H`` a "printed up to here" marker).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from enum import StrEnum


class Paper(StrEnum):
    NORMAL = "normal"
    NEAR_END = "near-end"
    OUT = "out"


class Fault(StrEnum):
    CUTTER = "cutter"
    UNRECOVERABLE = "unrecoverable"


class Condition(StrEnum):
    OFFLINE = "offline"
    COVER_OPEN = "cover_open"
    STOPPED_BY_PAPER_END = "stopped_by_paper_end"
    ERROR = "error"
    CUTTER_ERROR = "cutter_error"
    UNRECOVERABLE = "unrecoverable"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_END = "paper_end"


STATUS_FIXED_BITS = 0x12  # bits 1 and 4 are always set in a DLE EOT reply

# DLE EOT n: the bits each condition sets in the reply to that n.
RT_STATUS_BITS: dict[int, tuple[tuple[Condition, int], ...]] = {
    1: ((Condition.OFFLINE, 0x08),),
    2: ((Condition.COVER_OPEN, 0x04), (Condition.STOPPED_BY_PAPER_END, 0x20),
        (Condition.ERROR, 0x40)),
    3: ((Condition.CUTTER_ERROR, 0x08), (Condition.UNRECOVERABLE, 0x20)),
    4: ((Condition.PAPER_NEAR_END, 0x0C), (Condition.PAPER_END, 0x60)),
}

# GS r 1 / ESC v: paper sensor status (no fixed bits).
PAPER_SENSOR_BITS: tuple[tuple[Condition, int], ...] = (
    (Condition.PAPER_NEAR_END, 0x03), (Condition.PAPER_END, 0x0C),
)

# GS I n: printer ID. 1..3 are one byte; 65.. are "_" + text + NUL.
PRINTER_ID: dict[int, bytes] = {
    1: b"\x20", 2: b"\x02", 3: b"\x10",  # model, type (bit 1: autocutter), version
    65: b"_1.00\x00", 66: b"_TONGBAN\x00", 67: b"_KIOSK-SIM\x00", 68: b"_SIM00001\x00",
    69: b"_CHINA GB18030\x00",
}


@dataclass(frozen=True)
class Snapshot:
    paper: Paper = Paper.NORMAL
    cover_open: bool = False
    fault: Fault | None = None
    out_after: int | None = None   # dot rows of paper left before it runs out
    vanished: bool = False         # "offline on": nothing is read or answered
    stopped: bool = False          # a job was cut short; print data dropped until ESC @

    @property
    def can_print(self) -> bool:
        return self.paper is not Paper.OUT and not self.cover_open and self.fault is None

    def conditions(self) -> frozenset[Condition]:
        found = {
            Condition.OFFLINE: not self.can_print,
            Condition.COVER_OPEN: self.cover_open,
            Condition.STOPPED_BY_PAPER_END: self.paper is Paper.OUT,
            Condition.ERROR: self.fault is not None,
            Condition.CUTTER_ERROR: self.fault is Fault.CUTTER,
            Condition.UNRECOVERABLE: self.fault is Fault.UNRECOVERABLE,
            Condition.PAPER_NEAR_END: self.paper is Paper.NEAR_END,
            Condition.PAPER_END: self.paper is Paper.OUT,
        }
        return frozenset(condition for condition, on in found.items() if on)


def rt_status_byte(n: int, snapshot: Snapshot) -> int | None:
    """The reply to ``DLE EOT n``, or None for an n the printer does not answer."""
    bits = RT_STATUS_BITS.get(n)
    if bits is None:
        return None
    conditions = snapshot.conditions()
    return STATUS_FIXED_BITS | _bits(bits, conditions)


def in_order_reply(name: str, params: bytes, snapshot: Snapshot) -> bytes | None:
    """The reply to a status or ID command met in the print data, or None."""
    if name in ("transmit_status", "paper_status"):
        n = params[0] if params else 1
        if name == "paper_status" or n in (1, 49):
            return bytes((_bits(PAPER_SENSOR_BITS, snapshot.conditions()),))
        return b"\x00" if n in (2, 50, 4, 52) else None  # drawer, ink: nothing to report
    if name == "printer_id" and params:
        return PRINTER_ID.get(params[0])
    if name == "process_id" and len(params) == 6 and params[:2] == b"00":
        return b"\x37\x22" + params[2:] + b"\x00"
    return None


def _bits(table: tuple[tuple[Condition, int], ...], conditions: frozenset[Condition]) -> int:
    value = 0
    for condition, mask in table:
        if condition in conditions:
            value |= mask
    return value


class PrinterState:
    """The printer's condition, shared by the receiving side, the mechanism and the console."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._now = Snapshot()

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._now

    def _change(self, **changes: object) -> None:
        with self._lock:
            self._now = replace(self._now, **changes)  # type: ignore[arg-type]

    def set_paper(self, paper: Paper) -> None:
        self._change(paper=paper, out_after=None)

    def paper_out_after(self, rows: int) -> None:
        """A short roll: ``rows`` dot rows of paper left (loaded, if the paper was out)."""
        if rows < 0:
            raise ValueError("rows must not be negative")
        with self._lock:
            paper = Paper.NORMAL if self._now.paper is Paper.OUT else self._now.paper
            self._now = replace(self._now, out_after=rows, paper=paper)

    def set_cover(self, open_: bool) -> None:
        self._change(cover_open=open_)

    def set_fault(self, fault: Fault | None) -> None:
        self._change(fault=fault)

    def set_vanished(self, vanished: bool) -> None:
        self._change(vanished=vanished)

    def set_stopped(self, stopped: bool) -> None:
        self._change(stopped=stopped)

    def consume(self, rows: int) -> int:
        """Use ``rows`` dot rows of paper; returns how many could be printed.

        Fewer than asked means the printer cannot print (0) or the paper ran out part way,
        which turns the paper state to OUT.
        """
        with self._lock:
            now = self._now
            if not now.can_print:
                return 0
            if now.out_after is None:
                return rows
            allowed = min(rows, now.out_after)
            left = now.out_after - allowed
            self._now = replace(
                now, out_after=left or None, paper=Paper.OUT if left == 0 else now.paper
            )
            return allowed
