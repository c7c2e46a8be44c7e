"""A card's APDU responses through the whole PC/SC read (drivers/pcsc/reader.py
``read_any``: staff card, social security card, bank card; apdu.py chaining, sw.py status
words, tlv.py, bank.py, ssse.py, staff.py).

Input: the card's answers in the order the driver asks, each as a 2-byte big-endian length
and that many bytes (data then SW1 SW2). When they run out the card is "removed". The PIN
pad answers 123456, so PIN-protected records are reached too.

Documented errors: drivers/errors.py ``DeviceError`` and subclasses (ProtocolError,
CardDataError, sw.CardStatusError, OperationCancelled); the transport contract says every
failure is a DeviceError.
"""

from __future__ import annotations

from collections.abc import Iterator

from drivers.errors import DeviceError, DeviceStatusError, ErrorCode
from drivers.pcsc.apdu import CardChannel
from drivers.pcsc.reader import ReadOptions, read_any
from drivers.pcsc.staff import TONGBAN_STAFF_AID
from drivers.pcsc.vcard_card import make_card_os
from drivers.pcsc.vcard_data import load_vcards

ALLOWED = (DeviceError,)
INSTRUMENT = ("drivers.pcsc",)
MAX_EXCHANGES = 512


class _Pad:
    def __init__(self) -> None:
        self.asked = 0

    def request_pin(self, tries_left: int | None) -> str | None:
        self.asked += 1
        return "123456"


class _Script:
    """Answers from the fuzz input, in order."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.count = data, 0, 0

    def transmit(self, apdu: bytes) -> bytearray:
        self.count += 1
        if self.pos + 2 > len(self.data) or self.count > MAX_EXCHANGES:
            raise DeviceStatusError("transmit: card removed", ErrorCode.CARD_REMOVED)
        size = int.from_bytes(self.data[self.pos:self.pos + 2], "big")
        answer = self.data[self.pos + 2:self.pos + 2 + size]
        self.pos += 2 + size
        return bytearray(answer)


def _options(pad: _Pad) -> ReadOptions:
    return ReadOptions(staff_aids=(TONGBAN_STAFF_AID,), staff_uids=frozenset({"C4D2E6F8", "04A1B2C3D4E580"}),
                       ssse_pin_required=True, pin_pad=pad)


def TARGET(data: bytes) -> None:  # noqa: N802
    channel = CardChannel(_Script(data))
    try:
        read_any(channel, _options(_Pad()))
    finally:
        channel.wipe()


class _Recorder:
    def __init__(self, respond: object) -> None:
        self.respond = respond
        self.answers: list[bytes] = []

    def transmit(self, apdu: bytes) -> bytearray:
        answer = self.respond(apdu)  # type: ignore[operator]
        self.answers.append(answer)
        return bytearray(answer)


def seeds() -> Iterator[tuple[str, bytes]]:
    """What each virtual card answers to the driver's read."""
    for key, card in load_vcards().items():
        card_os = make_card_os(card)
        card_os.reset()
        recorder = _Recorder(card_os.respond)
        try:
            read_any(CardChannel(recorder), _options(_Pad()))
        except DeviceError:
            pass
        yield key, b"".join(len(a).to_bytes(2, "big") + a for a in recorder.answers)
