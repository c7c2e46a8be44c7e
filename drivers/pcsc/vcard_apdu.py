"""The card side of ISO 7816-4 for the virtual cards: command parsing, BER-TLV building,
status words, and the transport rules a real card applies around its applications.

The rules live here once so every virtual card behaves like a real one:
- T=0 style cards answer case 3/4 commands that have response data with ``61 LL`` and hand
  the data out on GET RESPONSE (``00 C0 00 00 LL``), as a T=0 card must.
- Reading commands (READ RECORD, GET DATA, GET RESPONSE) with a wrong Le get ``6C XX``
  (resend with Le = XX): always when Le is too short, and also when Le is too long on a
  ``strict_le`` card (what a T=0 card does with P3 = 00).
- ``FF CA`` (PC/SC GET DATA: the contactless UID) is answered here for cards that carry a UID;
  vpcd passes it to the card instead of answering it as a reader would.

Only short APDUs exist here: a command with extended length gets 6700 like on most cards
issued in China.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from .tlv import encode


class SW(IntEnum):
    """Status words the virtual cards answer with (ISO 7816-4, EMV, PBOC)."""

    OK = 0x9000
    END_OF_DATA = 0x6282
    WRONG_LENGTH = 0x6700
    SECURITY_NOT_SATISFIED = 0x6982
    AUTH_BLOCKED = 0x6983
    CONDITIONS_NOT_SATISFIED = 0x6985
    NO_CURRENT_EF = 0x6986
    WRONG_DATA = 0x6A80
    FUNCTION_NOT_SUPPORTED = 0x6A81
    FILE_NOT_FOUND = 0x6A82
    RECORD_NOT_FOUND = 0x6A83
    WRONG_P1P2 = 0x6A86
    DATA_NOT_FOUND = 0x6A88
    WRONG_OFFSET = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00


INS_GET_RESPONSE = 0xC0
# Reading commands whose Le the card checks (6Cxx); READ BINARY answers what it has instead.
_LE_CHECKED = frozenset({0xB2, 0xCA, INS_GET_RESPONSE})


class MalformedCommand(ValueError):
    """Bytes that are not a short command APDU (answered 6700)."""


@dataclass(frozen=True)
class Command:
    """A short command APDU. ``le`` is None when absent, else 1..256 (byte 00 = 256)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    @classmethod
    def parse(cls, raw: bytes) -> Command:
        if len(raw) < 4:
            raise MalformedCommand(f"{len(raw)} bytes, a command has at least 4")
        cla, ins, p1, p2 = raw[:4]
        if len(raw) == 4:
            return cls(cla, ins, p1, p2)
        if len(raw) == 5:
            return cls(cla, ins, p1, p2, le=raw[4] or 256)
        lc = raw[4]
        if lc == 0:
            raise MalformedCommand("extended length is not supported")
        if len(raw) == 5 + lc:
            return cls(cla, ins, p1, p2, data=bytes(raw[5:]))
        if len(raw) == 6 + lc:
            return cls(cla, ins, p1, p2, data=bytes(raw[5:-1]), le=raw[-1] or 256)
        raise MalformedCommand(f"Lc {lc} does not match {len(raw)} bytes")

    @property
    def p1p2(self) -> int:
        return self.p1 << 8 | self.p2


@dataclass(frozen=True)
class Reply:
    data: bytes = b""
    sw: int = SW.OK

    def to_bytes(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")


def status(sw: int) -> Reply:
    return Reply(b"", sw)


class Applet(Protocol):
    """A card application: what the card does with one command, and its reset."""

    def reset(self) -> None:
        """Power off, power on or warm reset: selection and security state are lost."""

    def process(self, command: Command) -> Reply: ...


Handler = Callable[[Command], Reply]


def dispatch(command: Command, table: dict[int, tuple[int, Handler]]) -> Reply:
    """Route by INS to ``(expected CLA, handler)``; 6D00 for unknown INS, 6E00 for a wrong CLA."""
    entry = table.get(command.ins)
    if entry is None:
        return status(SW.INS_NOT_SUPPORTED)
    cla, handler = entry
    if command.cla != cla:
        return status(SW.CLA_NOT_SUPPORTED)
    return handler(command)


# -- BER-TLV ------------------------------------------------------------------------------


def tlv(tag: int, value: bytes | str) -> bytes:
    """One BER-TLV data object (tlv.encode, the driver's); ``tag`` as written (0x9F61,
    0xBF0C, 0x5A), str as ASCII."""
    return encode(tag, value.encode("ascii") if isinstance(value, str) else value)


def bcd(digits: str, pad: str = "F") -> bytes:
    """Packed BCD of a digit string (may hold 'D' as in track 2), padded with ``pad`` to bytes."""
    text = digits + (pad if len(digits) % 2 else "")
    return bytes.fromhex(text)


# -- transport rules ----------------------------------------------------------------------


class CardOS:
    """Wraps an applet with the card's transport behaviour (61xx, 6Cxx, FF CA)."""

    def __init__(
        self, applet: Applet, *, get_response: bool, strict_le: bool, uid: bytes | None
    ) -> None:
        self.applet = applet
        self.get_response = get_response
        self.strict_le = strict_le
        self.uid = uid
        self._pending = b""

    def reset(self) -> None:
        self._pending = b""
        self.applet.reset()

    def respond(self, raw: bytes) -> bytes:
        try:
            command = Command.parse(raw)
        except MalformedCommand:
            self._pending = b""
            return status(SW.WRONG_LENGTH).to_bytes()
        return self._respond(command).to_bytes()

    def _respond(self, command: Command) -> Reply:
        if command.ins == INS_GET_RESPONSE and command.cla == 0x00:
            return self._get_response(command)
        self._pending = b""
        if command.cla == 0xFF:
            return self._reader_get_data(command)
        reply = self.applet.process(command)
        if not reply.data or reply.sw != SW.OK:
            return reply
        if command.data:  # case 3/4 with response data
            if self.get_response:
                self._pending = reply.data
                return status(0x6100 | _len_byte(len(reply.data)))
            return reply
        if command.ins in _LE_CHECKED:
            return self._check_le(command.le, reply)
        return reply

    def _check_le(self, le: int | None, reply: Reply) -> Reply:
        size = len(reply.data)
        wanted = 256 if le is None else le
        if wanted < size or (self.strict_le and wanted != size):
            return status(0x6C00 | _len_byte(size))
        return reply

    def _get_response(self, command: Command) -> Reply:
        if command.p1p2 != 0:
            return status(SW.WRONG_P1P2)
        if not self._pending:
            return status(SW.CONDITIONS_NOT_SATISFIED)
        wanted = 256 if command.le is None else command.le
        if wanted < len(self._pending):
            part, self._pending = self._pending[:wanted], self._pending[wanted:]
            return Reply(part, 0x6100 | _len_byte(len(self._pending)))
        if self.strict_le and wanted != len(self._pending):
            return status(0x6C00 | _len_byte(len(self._pending)))
        data, self._pending = self._pending, b""
        return Reply(data)

    def _reader_get_data(self, command: Command) -> Reply:
        """PC/SC part 3 GET DATA: P1 00 = UID. Contact cards know no CLA FF."""
        if self.uid is None:
            return status(SW.CLA_NOT_SUPPORTED)
        if command.ins != 0xCA:
            return status(SW.INS_NOT_SUPPORTED)
        if command.p1 != 0x00 or command.p2 != 0x00:
            return status(SW.FUNCTION_NOT_SUPPORTED)
        size = len(self.uid)
        if command.le is None or command.le == 256 or command.le == size:
            return Reply(self.uid)
        if command.le < size:
            return status(0x6C00 | size)
        return Reply(self.uid, SW.END_OF_DATA)


def _len_byte(size: int) -> int:
    return size if size < 256 else 0
