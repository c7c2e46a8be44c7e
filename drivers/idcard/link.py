"""Synchronous SAM command layer over an open serial port.

One primitive, ``exchange()``, writes a command frame, reads the reply and retries on
line trouble; every command is a thin method over it. The wire is observed here and only
here: the trace log names commands, status words and sizes, never the data (card content
is personal data).
"""

from __future__ import annotations

import errno as errno_mod
import logging
import re
import threading
from typing import Protocol

from ..errors import (
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    ErrorCode,
    OperationCancelled,
    ProtocolError,
)
from .frames import SW3, Command, FrameReader, Response, build_command, wire_seconds
from .layouts import TEXT_SIZE, decode_text
from .model import IdentityCard

log = logging.getLogger(__name__)

PHOTO_SIZE = 1024
FINGERPRINT_MAX = 1024
SAM_ID_SIZE = 16

# Largest reply each command can get, to give slow (9600 baud) links time for it.
_REPLY_SIZE: dict[int, int] = {
    Command.SAM_ID: 27,
    Command.FIND_CARD: 15,
    Command.SELECT_CARD: 19,
    Command.READ_TEXT_PHOTO: 1295,
    Command.READ_TEXT_PHOTO_FP: 2321,
    Command.READ_NEW_ADDRESS: 81,
}
_DEFAULT_REPLY_SIZE = 11

# Reader-reported line errors: our command arrived damaged, so sending it again is right.
_RETRY_SW3 = frozenset({SW3.CHECKSUM_ERROR, SW3.LENGTH_ERROR})
# 30 03 after a read: the card is still in the field (90 with an address, 91 without one).
_PRESENT_SW3 = frozenset({SW3.OK, SW3.NO_CONTENT})
_GONE_SW3 = frozenset({SW3.NO_CARD, SW3.READ_FAILED})


class SerialPort(Protocol):
    """What SamLink needs of a pyserial ``Serial`` (read must honour a short timeout)."""

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...

    def reset_input_buffer(self) -> None: ...


def os_errno(err: BaseException) -> int | None:
    """The errno behind a pyserial exception (it often keeps it only in the message)."""
    number = getattr(err, "errno", None)
    if isinstance(number, int):
        return number
    match = re.search(r"\[Errno (\d+)\]", str(err))
    return int(match.group(1)) if match else None


def describe_os_error(port: str, err: BaseException) -> str:
    """Technician detail: port and errno name, e.g. ``/dev/ttyUSB0: ENOENT (2)``."""
    number = os_errno(err)
    if number is None:
        return f"{port}: {err}"
    return f"{port}: {errno_mod.errorcode.get(number, 'errno')} ({number})"


class SamLink:
    """GA 467 SAM commands over ``port``; each raises a DeviceError subclass on failure."""

    def __init__(
        self,
        port: SerialPort,
        *,
        name: str = "serial",
        baud: int = 115200,
        timeout: float = 1.0,
        retries: int = 2,
        cancel: threading.Event | None = None,
    ) -> None:
        self._port = port
        self._name = name
        self._baud = baud
        self._timeout = timeout
        self._retries = retries
        self._cancel = cancel
        self._reader = FrameReader(self._read)
        self._dirty = False  # a failed exchange may have left late bytes in the buffer
        self.bytes_exchanged = 0
        self.retries_used = 0

    # -- commands ---------------------------------------------------------------------

    def reset_sam(self) -> None:
        self.exchange(Command.RESET_SAM).check()

    def sam_status(self) -> None:
        self.exchange(Command.SAM_STATUS).check()

    def sam_id(self) -> str:
        data = self.exchange(Command.SAM_ID).check().data
        if len(data) != SAM_ID_SIZE:
            raise ProtocolError(f"SAM ID has {len(data)} bytes", ErrorCode.FRAME_LENGTH)
        words = (int.from_bytes(data[i : i + 4], "little") for i in (4, 8, 12))
        return f"{data[0]}.{data[2]}-" + "-".join(str(w) for w in words)

    def find_card(self) -> bool:
        response = self.exchange(Command.FIND_CARD)
        if response.sw3 == SW3.NO_CARD:
            return False
        response.check()
        return response.sw3 == SW3.CARD_FOUND

    def select_card(self) -> None:
        self.exchange(Command.SELECT_CARD).check()

    def read_card(self, fingerprint: bool = False) -> IdentityCard:
        command = Command.READ_TEXT_PHOTO_FP if fingerprint else Command.READ_TEXT_PHOTO
        data = self.exchange(command).check().data
        return parse_read_reply(data, fingerprint)

    def card_present(self) -> bool:
        """Whether the card just read is still in the field.

        Real readers refuse find-card for a card already read until it leaves the field,
        so removal cannot be seen with find-card. We assume (and the simulator does) that
        read-appended-address (30 03) answers 90/91 while the read card stays and 80/41
        once it has gone. Any other status is raised as its mapped error.
        """
        response = self.exchange(Command.READ_NEW_ADDRESS)
        if response.sw3 in _PRESENT_SW3:
            return True
        if response.sw3 in _GONE_SW3:
            return False
        response.check()
        return True  # a success code we do not expect here: be conservative, card stays

    # -- the one primitive ------------------------------------------------------------

    def exchange(self, command: Command, data: bytes = b"") -> Response:
        """Send ``command``, return its well-formed reply (any SW3).

        A reply lost, cut short, garbled or failing its checksum, or the reader saying it
        got our frame damaged (SW3 10/11), is retried ``retries`` times with the input
        flushed first, so stale bytes cannot pass for the next reply.
        """
        frame = build_command(command, data)
        reply_size = _REPLY_SIZE.get(command, _DEFAULT_REPLY_SIZE)
        # Twice the wire time covers a slow link; the base timeout covers the reader's work.
        timeout = self._timeout + 2 * wire_seconds(len(frame) + reply_size, self._baud)
        last: DeviceError = DeviceTimeout("no reply from reader")
        for attempt in range(self._retries + 1):
            if attempt or self._dirty:
                self._flush()
            self._write(frame)
            self.bytes_exchanged += len(frame)
            try:
                response = self._reader.read_response(timeout)
            except (DeviceTimeout, ProtocolError) as err:
                self._dirty = True
                last = err
            else:
                self.bytes_exchanged += response.frame_size
                log.debug(
                    "%s %s -> SW3 %02X (%d bytes)",
                    self._name, command.name, response.sw3, response.frame_size,
                )
                if response.sw3 not in _RETRY_SW3:
                    return response
                last = ProtocolError(
                    f"reader reports SW3 {response.sw3:02X} for our frame",
                    ErrorCode.CHECKSUM if response.sw3 == SW3.CHECKSUM_ERROR
                    else ErrorCode.FRAME_LENGTH,
                )
            if attempt < self._retries:
                self.retries_used += 1
                log.info("%s %s failed (%s), retrying", self._name, command.name, last.code)
        log.warning(
            "%s %s failed after %d attempts (%s)",
            self._name, command.name, self._retries + 1, last.code,
        )
        raise last

    # -- transport ---------------------------------------------------------------------

    def _read(self, size: int) -> bytes:
        if self._cancel is not None and self._cancel.is_set():
            raise OperationCancelled("reader is closing")
        try:
            return self._port.read(size)
        except OSError as err:  # serial.SerialException is an OSError
            raise self._io_error("read", err) from err

    def _write(self, frame: bytes) -> None:
        try:
            self._port.write(frame)
        except OSError as err:
            raise self._io_error("write", err) from err

    def _flush(self) -> None:
        try:
            self._port.reset_input_buffer()
        except OSError as err:
            raise self._io_error("flush", err) from err
        self._dirty = False

    def _io_error(self, what: str, err: OSError) -> DeviceUnavailable:
        # On an open port every I/O failure we have seen means the device went away
        # (USB unplug, pty master closed: EIO or "readiness to read but no data").
        return DeviceUnavailable(f"{what} failed on {describe_os_error(self._name, err)}",
                                 ErrorCode.DEVICE_IO)


def parse_read_reply(data: bytes, fingerprint: bool) -> IdentityCard:
    """Split a 30 01 / 30 10 reply into text, photo and fingerprint and decode the text.

    Raises only ProtocolError (``frame_length``: the lengths are not 256 / 1024 / at most
    1024, or disagree with the reply) and decode_text's CardDataError.
    """
    header = 6 if fingerprint else 4
    if len(data) < header:
        raise ProtocolError(f"read reply of {len(data)} bytes", ErrorCode.FRAME_LENGTH)
    lengths = [int.from_bytes(data[i : i + 2], "big") for i in range(0, header, 2)]
    text_len, photo_len = lengths[0], lengths[1]
    fp_len = lengths[2] if fingerprint else 0
    if text_len != TEXT_SIZE or photo_len != PHOTO_SIZE or fp_len > FINGERPRINT_MAX:
        raise ProtocolError(
            f"read reply lengths text={text_len} photo={photo_len} fingerprint={fp_len}",
            ErrorCode.FRAME_LENGTH,
        )
    if len(data) != header + text_len + photo_len + fp_len:
        raise ProtocolError(
            f"read reply carries {len(data)} bytes, lengths say "
            f"{header + text_len + photo_len + fp_len}",
            ErrorCode.FRAME_LENGTH,
        )
    text_end = header + text_len
    photo_end = text_end + photo_len
    card = decode_text(data[header:text_end])
    card.photo_wlt = bytearray(data[text_end:photo_end])
    card.fingerprint = bytearray(data[photo_end:])
    return card
