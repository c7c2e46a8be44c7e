"""CardChannel: command APDUs to a card, following 61xx and 6Cxx, observed in one place.

The transport is the one primitive (``transmit(bytes) -> bytearray`` with SW1 SW2 at the
end, translating its own failures into DeviceError); the channel adds the ISO 7816-4
chaining rules that pyscard's ``transmit()`` leaves to the caller:

- ``61xx``: more data waits; fetch it with GET RESPONSE ``00 C0 00 00 xx`` and append.
- ``6Cxx``: wrong Le; resend the same command with Le = xx (once).

Every card-supplied size is bounded: one response, and all the parts of a chained one
together, hold at most ``MAX_RESPONSE`` data bytes; more is ``ProtocolError``
(``frame_length``), as are a response without status word and endless 61xx. Those and the
transport's ``DeviceError`` are the only exceptions ``transmit`` raises for any card answer
(``command`` raises ValueError for a caller's oversized data: a programming error).

Every response buffer the channel hands out is remembered so ``wipe()`` can zero them all
after a read: card data (PAN, ID number, name) lives in those buffers and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..errors import ErrorCode, ProtocolError
from . import sw as status_words
from .trace import ApduObserver, Exchange

MAX_CHAIN = 64  # GET RESPONSE rounds before the card is deemed broken (64 x 256 bytes)
# Response data per command, chained parts together. Short APDUs carry 256 bytes; the
# largest answer the kiosk reads (an FCI, a record) is one of those. 4 KB is generous.
MAX_RESPONSE = 4096


class Transport(Protocol):
    """One exchange with the card. Raises DeviceError (card_removed, no_device,
    pcsc_unavailable ...) when the exchange could not happen."""

    def transmit(self, apdu: bytes) -> bytearray: ...


@dataclass(eq=False)
class Response:
    data: bytearray = field(repr=False)
    sw: int

    @property
    def ok(self) -> bool:
        return self.sw == status_words.SW_OK

    def check(self, what: str) -> Response:
        """Raise the status word's CardStatusError unless 9000; returns self to chain."""
        status_words.check(self.sw, what)
        return self


def command(cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None) -> bytes:
    """A short APDU (cases 1-4). ``le`` 0 means 256 (encoded 00)."""
    if len(data) > 255:
        raise ValueError("short APDUs carry at most 255 data bytes")
    apdu = bytes([cla, ins, p1, p2])
    if data:
        apdu += bytes([len(data)]) + data
    if le is not None:
        apdu += bytes([le & 0xFF])
    return apdu


def with_le(apdu: bytes, le: int) -> bytes:
    """The same command with Le replaced (or added): the 6Cxx resend."""
    if len(apdu) <= 4:
        return apdu[:4] + bytes([le])
    if len(apdu) == 5:                      # case 2: the fifth byte is Le
        return apdu[:4] + bytes([le])
    lc = apdu[4]
    return apdu[:5 + lc] + bytes([le])       # case 3 gains Le, case 4 replaces it


def select_by_name(aid: bytes) -> bytes:
    return command(0x00, 0xA4, 0x04, 0x00, aid, le=0)


def select_file(fid: bytes) -> bytes:
    # SSSE cards expect the case-3 form (no Le), as in the reference command list.
    return command(0x00, 0xA4, 0x02, 0x00, fid)


def read_record(record: int, sfi: int) -> bytes:
    """READ RECORD ``record`` of short file ``sfi`` (P2 = SFI<<3 | 4: P1 is a record number)."""
    return command(0x00, 0xB2, record, (sfi << 3) | 0x04, le=0)


def read_record_by_id(record_id: int) -> bytes:
    """READ RECORD of the current EF by record identifier (P2 = 00): SSSE's EF05/EF06."""
    return command(0x00, 0xB2, record_id, 0x00, le=0)


def get_processing_options(pdol_data: bytes) -> bytes:
    return command(0x80, 0xA8, 0x00, 0x00, bytes([0x83, len(pdol_data)]) + pdol_data, le=0)


def verify(pin_block: bytes, reference: int = 0x00) -> bytes:
    return command(0x00, 0x20, 0x00, reference, pin_block)


def read_binary(offset: int = 0) -> bytes:
    return command(0x00, 0xB0, offset >> 8, offset & 0xFF, le=0)


def get_data(tag: int) -> bytes:
    return command(0x00, 0xCA, tag >> 8, tag & 0xFF, le=0)


GET_UID = command(0xFF, 0xCA, 0x00, 0x00, le=0)  # PC/SC part 3 GET DATA: contactless UID


class CardChannel:
    """Commands to one connected card."""

    def __init__(self, transport: Transport, observer: ApduObserver | None = None) -> None:
        self.transport = transport
        self.observer = observer
        self._buffers: list[bytearray] = []

    def transmit(self, apdu: bytes) -> Response:
        """Send ``apdu``; returns the complete response (61xx/6Cxx followed)."""
        raw = self._exchange(apdu, apdu)
        data = bytearray()
        self._buffers.append(data)
        sent, resent = apdu, False
        for _ in range(MAX_CHAIN):
            sw1, sw2 = raw[-2], raw[-1]
            if sw1 == 0x6C and not resent:
                # Resend what got 6Cxx (the command itself or a GET RESPONSE) with Le = xx;
                # once per command, so a card that keeps asking cannot loop us.
                sent, resent = with_le(sent, sw2), True
                raw = self._exchange(sent, apdu)
                continue
            if len(data) + len(raw) - 2 > MAX_RESPONSE:
                raise _too_long(len(data) + len(raw) - 2)
            data += raw[:-2]
            if sw1 != 0x61:
                return Response(data, (sw1 << 8) | sw2)
            sent, resent = command(0x00, 0xC0, 0x00, 0x00, le=sw2), False
            raw = self._exchange(sent, apdu)
        raise ProtocolError(f"card kept answering 61xx after {MAX_CHAIN} GET RESPONSE rounds",
                            ErrorCode.FRAME_LENGTH)

    def send(self, apdu: bytes, what: str) -> Response:
        """``transmit`` and raise the status word's error unless 9000."""
        return self.transmit(apdu).check(what)

    def wipe(self) -> None:
        """Zero every response buffer handed out so far (after the card data is taken)."""
        for buf in self._buffers:
            buf[:] = bytes(len(buf))
        self._buffers.clear()

    def _exchange(self, apdu: bytes, origin: bytes) -> bytearray:
        raw = self.transport.transmit(apdu)
        self._buffers.append(raw)
        if self.observer is not None:
            self.observer(Exchange(apdu, raw, origin))
        if len(raw) < 2:
            raise ProtocolError(f"response of {len(raw)} bytes has no status word",
                                ErrorCode.FRAME_LENGTH)
        if len(raw) - 2 > MAX_RESPONSE:
            raise _too_long(len(raw) - 2)
        return raw


def _too_long(size: int) -> ProtocolError:
    return ProtocolError(f"card answered {size} bytes or more; at most {MAX_RESPONSE} expected",
                         ErrorCode.FRAME_LENGTH)
