"""GA 467 SAM frames off the serial line (drivers/idcard/frames.py) and the read reply they
carry (drivers/idcard/link.py ``parse_read_reply``, which ends in the text-block decoder).

Input: one byte choosing the side (even: the driver reading responses, odd: the simulator
reading commands), then the byte stream the port delivers. The stream is read frame after
frame until it runs out, as the reader's loop would.

Documented errors: drivers/errors.py ``DeviceError`` and its subclasses (ProtocolError for
bad bytes, DeviceStatusError / CardDataError for what a well-formed status or card says).
"""

from __future__ import annotations

from collections.abc import Iterator

from drivers.errors import DeviceError
from drivers.idcard.frames import SW3, Command, FrameReader, build_command, build_response
from drivers.idcard.layouts import encode_text
from drivers.idcard.link import FINGERPRINT_MAX, PHOTO_SIZE, parse_read_reply
from drivers.idcard.sim_cards import load_cards

ALLOWED = (DeviceError,)
INSTRUMENT = ("drivers.idcard", "drivers.errors")
TIMEOUT = 3600.0  # the stream ends with _End, never by the clock


class _End(DeviceError):
    """The fuzz input is used up (a real port would time out here)."""


class _Stream:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, n: int) -> bytes:
        if self.pos >= len(self.data):
            raise _End("input used up")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk


def TARGET(data: bytes) -> None:  # noqa: N802 - the harness's name for it
    if not data:
        return
    reader = FrameReader(_Stream(data[1:]).read)
    for _ in range(64):
        if data[0] & 1:
            reader.read_command(TIMEOUT)
            continue
        response = reader.read_response(TIMEOUT)
        try:
            response.check()
        except DeviceError:
            continue
        for fingerprint in (False, True):
            try:
                parse_read_reply(response.data, fingerprint)
            except DeviceError:
                pass


def _read_reply(text: bytes, photo: bytes, fingerprint: bytes | None) -> bytes:
    lengths = [len(text), len(photo)] + ([len(fingerprint)] if fingerprint is not None else [])
    head = b"".join(n.to_bytes(2, "big") for n in lengths)
    return head + text + photo + (fingerprint or b"")


def seeds() -> Iterator[tuple[str, bytes]]:
    cards = load_cards()
    for key, card in list(cards.items())[:4]:
        text = encode_text(card)
        photo = bytes(card.photo_wlt).ljust(PHOTO_SIZE, b"\0")[:PHOTO_SIZE]
        finger = bytes(card.fingerprint)[:FINGERPRINT_MAX]
        yield f"read-{key}", b"\0" + build_response(SW3.OK, _read_reply(text, photo, None))
        yield f"read-fp-{key}", b"\0" + build_response(SW3.OK, _read_reply(text, photo, finger))
    yield "sam-status", b"\0" + build_response(SW3.OK)
    yield "sam-id", b"\0" + build_response(SW3.OK, bytes(range(16)))
    yield "find-then-select", b"\0" + build_response(SW3.CARD_FOUND, bytes(4)) + build_response(
        SW3.OK, bytes(8))
    yield "no-card-noise", b"\0" + b"\x00\xff" + build_response(SW3.NO_CARD)
    yield "commands", b"\1" + b"".join(build_command(c) for c in Command)
