"""SAM frames: the literal frames of the protocol reference, the SW3 table, frame reading."""

from __future__ import annotations

import time

import pytest

from drivers.errors import (
    CardDataError,
    DeviceError,
    DeviceStatusError,
    DeviceTimeout,
    ErrorCode,
    ProtocolError,
)
from drivers.idcard.frames import (
    SW3,
    Command,
    FrameReader,
    Response,
    build_command,
    build_response,
    checksum,
    wire_seconds,
)


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


class ByteSource:
    """pyserial-like read(n): hands out the given bytes, then b"" (a read timeout)."""

    def __init__(self, data: bytes) -> None:
        self.data = bytearray(data)

    def read(self, size: int) -> bytes:
        if not self.data:
            time.sleep(0.001)
            return b""
        out = bytes(self.data[:size])
        del self.data[:size]
        return out


# The reference's command table, frame for frame.
@pytest.mark.parametrize(
    ("command", "frame"),
    [
        (Command.RESET_SAM, "AAAAAA96690003 10FF EC"),
        (Command.SAM_STATUS, "AAAAAA9669000311FFED"),
        (Command.SAM_ID, "AAAAAA9669000312FFEE"),
        (Command.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
        (Command.SELECT_CARD, "AAAAAA96690003200221"),
        (Command.READ_TEXT_PHOTO, "AAAAAA96690003300132"),
        (Command.READ_TEXT_PHOTO_FP, "AAAAAA96690003301023"),
    ],
)
def test_commands_are_built_as_the_reference_shows(command: Command, frame: str) -> None:
    assert build_command(command) == _hex(frame)


def test_checksum_is_xor_of_len_and_body_without_preamble() -> None:
    assert checksum(_hex("00 03 20 01")) == 0x22
    assert checksum(b"") == 0


@pytest.mark.parametrize(
    ("sw3", "data", "frame"),
    [
        (SW3.OK, b"", "AAAAAA9669000400009094"),
        (SW3.CARD_FOUND, bytes(4), "AAAAAA9669000800009F0000000097"),
        (SW3.NO_CARD, b"", "AAAAAA9669000400008084"),
    ],
)
def test_responses_are_built_as_the_reference_shows(sw3: int, data: bytes, frame: str) -> None:
    assert build_response(sw3, data) == _hex(frame)


def test_sam_status_ok_reply_is_read_as_ok() -> None:
    response = FrameReader(ByteSource(_hex("AAAAAA9669000400009094")).read).read_response(1.0)
    assert response == Response(sw3=0x90, data=b"", frame_size=11)
    assert response.check() is response


def test_find_card_reply_carries_four_data_bytes() -> None:
    reply = _hex("AAAAAA9669000800009F0000000097")
    response = FrameReader(ByteSource(reply).read).read_response(1.0)
    assert (response.sw3, response.data, response.frame_size) == (0x9F, bytes(4), 15)


def test_read_reply_sizes_match_the_reference() -> None:
    text_photo = build_response(SW3.OK, bytes(4 + 256 + 1024))
    with_fingerprint = build_response(SW3.OK, bytes(6 + 256 + 1024 + 1024))
    assert len(text_photo) == 1295 and text_photo[5:7] == b"\x05\x08"
    assert len(with_fingerprint) == 2321 and with_fingerprint[5:7] == b"\x09\x0a"


def test_wire_time_counts_ten_bits_a_byte() -> None:
    assert wire_seconds(1359, 115200) == pytest.approx(0.11797, abs=1e-5)


# The reference's SW3 list: every failure maps to a class and a stable code.
@pytest.mark.parametrize(
    ("sw3", "error_class", "code"),
    [
        (0x10, ProtocolError, ErrorCode.CHECKSUM),
        (0x11, ProtocolError, ErrorCode.FRAME_LENGTH),
        (0x21, ProtocolError, ErrorCode.BAD_COMMAND),
        (0x23, DeviceStatusError, ErrorCode.UNAUTHORIZED),
        (0x24, DeviceStatusError, ErrorCode.DEVICE_ERROR),
        (0x31, CardDataError, ErrorCode.CARD_AUTH),
        (0x32, CardDataError, ErrorCode.CARD_AUTH),
        (0x33, CardDataError, ErrorCode.CARD_AUTH),
        (0x40, CardDataError, ErrorCode.UNKNOWN_CARD),
        (0x41, DeviceStatusError, ErrorCode.READ_FAILED),
        (0x47, DeviceStatusError, ErrorCode.READ_FAILED),
        (0x60, DeviceStatusError, ErrorCode.SAM_FAILURE),
        (0x66, DeviceStatusError, ErrorCode.SAM_FAILURE),
        (0x80, DeviceStatusError, ErrorCode.NO_CARD),
        (0x81, DeviceStatusError, ErrorCode.SELECT_FAILED),
        (0x91, DeviceStatusError, ErrorCode.NO_CONTENT),
        (0x55, DeviceStatusError, ErrorCode.DEVICE_ERROR),  # not in the table at all
    ],
)
def test_failure_status_raises_its_mapped_error(
    sw3: int, error_class: type[DeviceError], code: ErrorCode
) -> None:
    with pytest.raises(error_class) as caught:
        Response(sw3=sw3, data=b"", frame_size=11).check()
    assert type(caught.value) is error_class
    assert caught.value.code is code
    assert f"{sw3:02X}" in str(caught.value)


@pytest.mark.parametrize("sw3", [0x90, 0x9F])
def test_success_status_passes_check(sw3: int) -> None:
    response = Response(sw3=sw3, data=b"", frame_size=11)
    assert response.check() is response


def test_reader_skips_garbage_before_a_frame() -> None:
    noise = bytes([0x00, 0x13, 0xAA, 0xAA, 0x96, 0x11])
    source = ByteSource(noise + build_response(SW3.OK, b"\x01\x02"))
    response = FrameReader(source.read).read_response(1.0)
    assert (response.sw3, response.data) == (0x90, b"\x01\x02")


def test_garbage_without_a_frame_is_a_garbled_frame() -> None:
    source = ByteSource(bytes(range(0x00, 0xA0)))
    with pytest.raises(ProtocolError) as caught:
        FrameReader(source.read).read_response(0.05)
    assert caught.value.code is ErrorCode.FRAME_GARBLED


def test_truncated_frame_is_a_length_error() -> None:
    frame = build_response(SW3.OK, bytes(20))
    with pytest.raises(ProtocolError) as caught:
        FrameReader(ByteSource(frame[:-5]).read).read_response(0.05)
    assert caught.value.code is ErrorCode.FRAME_LENGTH


def test_bad_checksum_is_a_checksum_error() -> None:
    frame = bytearray(build_response(SW3.OK))
    frame[-1] ^= 0x01
    with pytest.raises(ProtocolError) as caught:
        FrameReader(ByteSource(bytes(frame)).read).read_response(1.0)
    assert caught.value.code is ErrorCode.CHECKSUM


def test_silence_is_a_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(DeviceTimeout) as caught:
        FrameReader(ByteSource(b"").read).read_response(0.05)
    assert caught.value.code is ErrorCode.TIMEOUT
    assert time.monotonic() - started < 0.5


def test_impossible_length_is_rejected_before_reading_it() -> None:
    with pytest.raises(ProtocolError) as caught:
        FrameReader(ByteSource(_hex("AAAAAA9669 FFFF 00")).read).read_response(1.0)
    assert caught.value.code is ErrorCode.FRAME_LENGTH


def test_response_without_zero_sw1_sw2_is_garbled() -> None:
    frame = _hex("AAAAAA9669") + bytes([0, 4, 1, 0, 0x90, 0 ^ 4 ^ 1 ^ 0x90])
    with pytest.raises(ProtocolError) as caught:
        FrameReader(ByteSource(frame).read).read_response(1.0)
    assert caught.value.code is ErrorCode.FRAME_GARBLED


def test_command_frames_are_read_back_for_the_simulator() -> None:
    frame = FrameReader(ByteSource(build_command(Command.FIND_CARD)).read).read_command(1.0)
    assert frame.command == 0x2001 and frame.data == b""
