"""GA 467 SAM frames: building, checking and reading them off a byte stream.

Frame: ``AA AA AA 96 69 | LEN(2, BE) | body | CHK``. LEN counts every byte after itself,
CHK included. CHK is the XOR of the LEN bytes and the body. A command body is
``CMD PARA data``; a response body is ``SW1 SW2 SW3 data``. The same code serves the
driver (reading responses) and the simulator (reading commands).

Errors, for any bytes the line delivers: ``FrameReader`` raises ``ProtocolError`` (code
``frame_length``: LEN outside 1..MAX_LEN, a truncated frame, a body too short;
``checksum``: CHK mismatch; ``frame_garbled``: no preamble, garbage, SW1 SW2 not 00 00)
or ``DeviceTimeout`` (nothing at all before the deadline), besides what its ``read``
function raises (the driver's link: DeviceUnavailable, OperationCancelled).
``Response.check`` raises the DeviceError subclass SW3_ERRORS maps a failure status to
(DeviceStatusError ``device_error`` for an unknown one). Nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from functools import reduce

from ..errors import (
    CardDataError,
    DeviceError,
    DeviceStatusError,
    DeviceTimeout,
    ErrorCode,
    ProtocolError,
)

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
MAX_LEN = 0x0A00  # largest body+CHK a reader sends (2321-byte fingerprint read is 0x090A)


class Command(IntEnum):
    """(CMD << 8) | PARA."""

    RESET_SAM = 0x10FF
    SAM_STATUS = 0x11FF
    SAM_ID = 0x12FF
    FIND_CARD = 0x2001
    SELECT_CARD = 0x2002
    READ_TEXT_PHOTO = 0x3001
    READ_NEW_ADDRESS = 0x3003
    READ_TEXT_PHOTO_FP = 0x3010

    @property
    def cmd(self) -> int:
        return self.value >> 8

    @property
    def para(self) -> int:
        return self.value & 0xFF


class SW3(IntEnum):
    OK = 0x90
    CARD_FOUND = 0x9F
    CHECKSUM_ERROR = 0x10
    LENGTH_ERROR = 0x11
    BAD_COMMAND = 0x21
    UNAUTHORIZED = 0x23
    UNRECOGNIZED = 0x24
    CARD_AUTH_SAM_FAILED = 0x31
    SAM_AUTH_CARD_FAILED = 0x32
    VERIFICATION_ERROR = 0x33
    UNKNOWN_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_NOT_AUTHORIZED = 0x66
    NO_CARD = 0x80
    SELECT_FAILED = 0x81
    NO_CONTENT = 0x91


# SW3 -> (error class, stable code, technician text). Success codes are not in here.
SW3_ERRORS: dict[int, tuple[type[DeviceError], ErrorCode, str]] = {
    SW3.CHECKSUM_ERROR: (ProtocolError, ErrorCode.CHECKSUM, "reader saw a checksum error"),
    SW3.LENGTH_ERROR: (ProtocolError, ErrorCode.FRAME_LENGTH, "reader saw a length error"),
    SW3.BAD_COMMAND: (ProtocolError, ErrorCode.BAD_COMMAND, "reader rejected the command"),
    SW3.UNAUTHORIZED: (DeviceStatusError, ErrorCode.UNAUTHORIZED, "operation not authorized"),
    SW3.UNRECOGNIZED: (DeviceStatusError, ErrorCode.DEVICE_ERROR, "unrecognized error"),
    SW3.CARD_AUTH_SAM_FAILED: (CardDataError, ErrorCode.CARD_AUTH, "card failed to authenticate SAM"),
    SW3.SAM_AUTH_CARD_FAILED: (CardDataError, ErrorCode.CARD_AUTH, "SAM failed to authenticate card"),
    SW3.VERIFICATION_ERROR: (CardDataError, ErrorCode.CARD_AUTH, "verification error"),
    SW3.UNKNOWN_CARD_TYPE: (CardDataError, ErrorCode.UNKNOWN_CARD, "unknown card type"),
    SW3.READ_FAILED: (DeviceStatusError, ErrorCode.READ_FAILED, "card read failed"),
    SW3.RANDOM_FAILED: (DeviceStatusError, ErrorCode.READ_FAILED, "random number failure"),
    SW3.SAM_SELF_TEST_FAILED: (DeviceStatusError, ErrorCode.SAM_FAILURE, "SAM self-test failed"),
    SW3.SAM_NOT_AUTHORIZED: (DeviceStatusError, ErrorCode.SAM_FAILURE, "SAM not authorized"),
    SW3.NO_CARD: (DeviceStatusError, ErrorCode.NO_CARD, "no card in the field"),
    SW3.SELECT_FAILED: (DeviceStatusError, ErrorCode.SELECT_FAILED, "select card failed"),
    SW3.NO_CONTENT: (DeviceStatusError, ErrorCode.NO_CONTENT, "no content"),
}
SUCCESS_SW3 = frozenset({SW3.OK, SW3.CARD_FOUND})


def checksum(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def build_frame(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def build_command(command: Command, data: bytes = b"") -> bytes:
    return build_frame(bytes([command.cmd, command.para]) + data)


def build_response(sw3: int, data: bytes = b"") -> bytes:
    return build_frame(bytes([0x00, 0x00, sw3]) + data)


def wire_seconds(nbytes: int, baud: int) -> float:
    """Time a UART at 8N1 needs for ``nbytes`` (10 bits a byte)."""
    return nbytes * 10 / baud


@dataclass(frozen=True)
class Response:
    sw3: int
    data: bytes
    frame_size: int

    def check(self) -> Response:
        """Raise the mapped error unless SW3 is a success code."""
        if self.sw3 in SUCCESS_SW3:
            return self
        cls, code, text = SW3_ERRORS.get(
            self.sw3, (DeviceStatusError, ErrorCode.DEVICE_ERROR, "unknown status")
        )
        raise cls(f"SW3 {self.sw3:02X}: {text}", code)


@dataclass(frozen=True)
class CommandFrame:
    command: int  # (CMD << 8) | PARA, may be a value not in Command
    data: bytes


ReadFn = Callable[[int], bytes]


class FrameReader:
    """Reads whole frames from ``read(n)`` (pyserial-style: returns <= n bytes, b"" on timeout)."""

    def __init__(self, read: ReadFn) -> None:
        self._read = read

    def read_body(self, timeout: float) -> tuple[bytes, int]:
        """Return (body without CHK, total frame size). Raises on timeout or bad bytes."""
        deadline = time.monotonic() + timeout
        self._sync(deadline)
        head = self._exact(2, deadline)
        length = int.from_bytes(head, "big")
        if not 1 <= length <= MAX_LEN:
            raise ProtocolError(f"frame length {length} out of range", ErrorCode.FRAME_LENGTH)
        rest = self._exact(length, deadline)
        body, chk = rest[:-1], rest[-1]
        if checksum(head + body) != chk:
            raise ProtocolError("frame checksum mismatch", ErrorCode.CHECKSUM)
        return body, len(PREAMBLE) + 2 + length

    def read_response(self, timeout: float) -> Response:
        body, size = self.read_body(timeout)
        if len(body) < 3 or body[0] != 0 or body[1] != 0:
            raise ProtocolError("response without SW1 SW2 00 00", ErrorCode.FRAME_GARBLED)
        return Response(sw3=body[2], data=bytes(body[3:]), frame_size=size)

    def read_command(self, timeout: float) -> CommandFrame:
        body, _ = self.read_body(timeout)
        if len(body) < 2:
            raise ProtocolError("command frame too short", ErrorCode.FRAME_LENGTH)
        return CommandFrame(command=(body[0] << 8) | body[1], data=bytes(body[2:]))

    def _sync(self, deadline: float) -> None:
        """Consume bytes up to and including the preamble."""
        window = b""
        skipped = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if window:
                    raise ProtocolError("no frame preamble in reply", ErrorCode.FRAME_GARBLED)
                raise DeviceTimeout("no reply from reader")
            chunk = self._read(1)
            if not chunk:
                continue
            window = (window + chunk)[-len(PREAMBLE):]
            if window == PREAMBLE:
                return
            skipped += 1
            if skipped > 4 * MAX_LEN:
                raise ProtocolError("garbage instead of a frame", ErrorCode.FRAME_GARBLED)

    def _exact(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            if time.monotonic() >= deadline:
                raise ProtocolError(
                    f"truncated frame: {len(buf)} of {n} bytes", ErrorCode.FRAME_LENGTH
                )
            chunk = self._read(n - len(buf))
            buf += chunk
        return bytes(buf)
