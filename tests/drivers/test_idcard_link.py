"""SamLink against a scripted port: replies, retries, reply validation, transport errors."""

from __future__ import annotations

import errno
import threading
import time

import pytest
import serial

from drivers.errors import (
    CardDataError,
    DeviceStatusError,
    DeviceTimeout,
    DeviceUnavailable,
    ErrorCode,
    OperationCancelled,
    ProtocolError,
)
from drivers.idcard.frames import SW3, Command, build_command, build_response
from drivers.idcard.layouts import encode_text
from drivers.idcard.link import SamLink, parse_read_reply
from drivers.idcard.model import IdentityCard

Reply = bytes | None | Exception


class ScriptedPort:
    """Answers each written command with the next scripted reply for that command."""

    def __init__(self, script: dict[int, list[Reply]]) -> None:
        self.script = script
        self.inbox = bytearray()
        self.written: list[bytes] = []
        self.flushes = 0

    def write(self, data: bytes, /) -> int:
        self.written.append(bytes(data))
        command = (data[7] << 8) | data[8]
        reply = self.script[command].pop(0) if len(self.script[command]) > 1 else self.script[command][0]
        if isinstance(reply, Exception):
            raise reply
        if reply is not None:
            self.inbox += reply
        return len(data)

    def read(self, size: int = 1) -> bytes:
        if not self.inbox:
            time.sleep(0.002)
            return b""
        out = bytes(self.inbox[:size])
        del self.inbox[:size]
        return out

    def reset_input_buffer(self) -> None:
        self.flushes += 1
        self.inbox.clear()


def link_for(script: dict[int, list[Reply]], **options: object) -> tuple[SamLink, ScriptedPort]:
    port = ScriptedPort(script)
    settings: dict[str, object] = {"timeout": 0.05, **options}
    return SamLink(port, **settings), port  # type: ignore[arg-type]


def corrupt(frame: bytes) -> bytes:
    return frame[:-1] + bytes([frame[-1] ^ 0xFF])


OK = build_response(SW3.OK)


def test_sam_id_is_formatted_from_its_sixteen_bytes() -> None:
    data = bytes([5, 0, 2, 0]) + (20240101).to_bytes(4, "little") + (1017).to_bytes(4, "little") \
        + (3141592653).to_bytes(4, "little")
    link, _ = link_for({Command.SAM_ID: [build_response(SW3.OK, data)]})
    assert link.sam_id() == "5.2-20240101-1017-3141592653"


def test_sam_id_of_wrong_size_is_a_protocol_error() -> None:
    link, _ = link_for({Command.SAM_ID: [build_response(SW3.OK, bytes(15))]})
    with pytest.raises(ProtocolError):
        link.sam_id()


def test_sam_status_failure_raises_sam_failure() -> None:
    link, _ = link_for({Command.SAM_STATUS: [build_response(SW3.SAM_SELF_TEST_FAILED)]})
    with pytest.raises(DeviceStatusError) as caught:
        link.sam_status()
    assert caught.value.code is ErrorCode.SAM_FAILURE


@pytest.mark.parametrize(("sw3", "found"), [(SW3.CARD_FOUND, True), (SW3.NO_CARD, False)])
def test_find_card_tells_found_from_no_card(sw3: int, found: bool) -> None:
    link, _ = link_for({Command.FIND_CARD: [build_response(sw3, bytes(4) if found else b"")]})
    assert link.find_card() is found


def test_find_card_other_status_is_raised() -> None:
    link, _ = link_for({Command.FIND_CARD: [build_response(SW3.SAM_SELF_TEST_FAILED)]})
    with pytest.raises(DeviceStatusError) as caught:
        link.find_card()
    assert caught.value.code is ErrorCode.SAM_FAILURE


def test_select_failure_is_select_failed() -> None:
    link, _ = link_for({Command.SELECT_CARD: [build_response(SW3.SELECT_FAILED)]})
    with pytest.raises(DeviceStatusError) as caught:
        link.select_card()
    assert caught.value.code is ErrorCode.SELECT_FAILED


@pytest.mark.parametrize(
    ("sw3", "present"),
    [(SW3.OK, True), (SW3.NO_CONTENT, True), (SW3.NO_CARD, False), (SW3.READ_FAILED, False)],
)
def test_card_presence_after_a_read_comes_from_read_appended_address(sw3: int, present: bool) -> None:
    link, port = link_for({Command.READ_NEW_ADDRESS: [build_response(sw3)]})
    assert link.card_present() is present
    assert port.written == [build_command(Command.READ_NEW_ADDRESS)]


def card_reply(card: IdentityCard, fingerprint: bytes | None = None) -> bytes:
    text, photo = encode_text(card), bytes(range(256)) * 4
    if fingerprint is None:
        return build_response(SW3.OK, b"\x01\x00\x04\x00" + text + photo)
    lengths = b"\x01\x00\x04\x00" + len(fingerprint).to_bytes(2, "big")
    return build_response(SW3.OK, lengths + text + photo + fingerprint)


def test_read_card_decodes_text_and_keeps_photo(demo_cards: dict[str, IdentityCard]) -> None:
    reply = card_reply(demo_cards["zhang_san"])
    assert len(reply) == 1295
    link, _ = link_for({Command.READ_TEXT_PHOTO: [reply]})
    card = link.read_card()
    assert card.as_dict() == demo_cards["zhang_san"].as_dict()
    assert isinstance(card.photo_wlt, bytearray) and card.photo_wlt == bytes(range(256)) * 4
    assert card.fingerprint == bytearray()


def test_read_card_with_fingerprint_uses_30_10(demo_cards: dict[str, IdentityCard]) -> None:
    reply = card_reply(demo_cards["li_si"], fingerprint=b"\x42" * 1024)
    assert len(reply) == 2321
    link, port = link_for({Command.READ_TEXT_PHOTO_FP: [reply]})
    card = link.read_card(fingerprint=True)
    assert port.written == [build_command(Command.READ_TEXT_PHOTO_FP)]
    assert card.fingerprint == bytearray(b"\x42" * 1024) and len(card.photo_wlt) == 1024


@pytest.mark.parametrize(
    "data",
    [
        b"\x01\x00\x04\x00" + bytes(256 + 1023),       # one photo byte short
        b"\x01\x00\x04\x00" + bytes(256 + 1025),       # one byte too many
        b"\x00\xff\x04\x00" + bytes(255 + 1024),       # text length not 256
        b"\x01\x00\x03\x00" + bytes(256 + 768),        # photo length not 1024
        b"\x01",                                       # no lengths at all
    ],
)
def test_read_reply_lengths_are_validated(data: bytes) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_read_reply(data, fingerprint=False)
    assert caught.value.code is ErrorCode.FRAME_LENGTH


def test_card_with_a_bad_check_digit_is_card_data_error(demo_cards: dict[str, IdentityCard]) -> None:
    link, _ = link_for({Command.READ_TEXT_PHOTO: [card_reply(demo_cards["bad_checksum"])]})
    with pytest.raises(CardDataError) as caught:
        link.read_card()
    assert caught.value.code is ErrorCode.INVALID_CARD_DATA


def test_checksum_error_is_retried_after_flushing_input() -> None:
    link, port = link_for({Command.SAM_STATUS: [corrupt(OK), OK]})
    link.sam_status()
    assert len(port.written) == 2 and port.flushes == 1 and link.retries_used == 1


def test_silence_is_retried_then_succeeds() -> None:
    link, port = link_for({Command.SAM_STATUS: [None, None, OK]})
    link.sam_status()
    assert len(port.written) == 3


def test_reader_reported_checksum_error_resends_the_command() -> None:
    link, port = link_for({Command.FIND_CARD: [build_response(SW3.CHECKSUM_ERROR), build_response(SW3.NO_CARD)]})
    assert link.find_card() is False
    assert len(port.written) == 2


def test_persistent_silence_times_out_after_all_retries() -> None:
    link, port = link_for({Command.SAM_STATUS: [None]}, retries=2)
    with pytest.raises(DeviceTimeout):
        link.sam_status()
    assert len(port.written) == 3


def test_persistent_bad_checksum_is_a_checksum_error() -> None:
    link, _ = link_for({Command.SAM_STATUS: [corrupt(OK)]}, retries=1)
    with pytest.raises(ProtocolError) as caught:
        link.sam_status()
    assert caught.value.code is ErrorCode.CHECKSUM


def test_bytes_exchanged_counts_requests_and_replies() -> None:
    link, _ = link_for({Command.FIND_CARD: [build_response(SW3.NO_CARD)]})
    link.find_card()
    assert link.bytes_exchanged == 10 + 11


@pytest.mark.parametrize(
    "error",
    [
        serial.SerialException("write failed: [Errno 5] Input/output error"),
        OSError(errno.EIO, "Input/output error"),
    ],
)
def test_serial_failures_become_device_unavailable(error: Exception) -> None:
    link, _ = link_for({Command.FIND_CARD: [error]}, name="/dev/ttyUSB0")
    with pytest.raises(DeviceUnavailable) as caught:
        link.find_card()
    assert caught.value.code is ErrorCode.DEVICE_IO
    assert "/dev/ttyUSB0" in str(caught.value) and "EIO" in str(caught.value)
    assert caught.value.__cause__ is error


def test_read_failure_becomes_device_unavailable() -> None:
    class VanishingPort(ScriptedPort):
        def read(self, size: int = 1) -> bytes:
            raise serial.SerialException("device reports readiness to read but returned no data")

    port = VanishingPort({Command.FIND_CARD: [None]})
    with pytest.raises(DeviceUnavailable):
        SamLink(port, timeout=0.05).find_card()


def test_cancel_interrupts_a_pending_reply() -> None:
    cancel = threading.Event()
    link, _ = link_for({Command.SAM_STATUS: [None]}, timeout=5.0, cancel=cancel)
    threading.Timer(0.05, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(OperationCancelled):
        link.sam_status()
    assert time.monotonic() - started < 1.0


