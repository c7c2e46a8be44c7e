"""CardChannel: the 61xx / 6Cxx rules pyscard leaves to us, and one observer for the wire."""

from __future__ import annotations

import pytest
from pcsc_fakes import ScriptedCard

from drivers.errors import DeviceStatusError, ErrorCode, ProtocolError
from drivers.pcsc import apdu
from drivers.pcsc.apdu import CardChannel
from drivers.pcsc.sw import CardStatusError
from drivers.pcsc.trace import Exchange


def test_61xx_is_followed_with_get_response_and_the_parts_are_joined() -> None:
    card = ScriptedCard({
        "00B2010C00": "6104",
        "00C0000004": "01020304 6102",
        "00C0000002": "0506 9000",
    })
    response = CardChannel(card).transmit(apdu.read_record(1, 1))
    assert response.ok and bytes(response.data) == bytes.fromhex("0102030405 06")
    assert card.sent_hex() == ["00B2010C00", "00C0000004", "00C0000002"]


def test_61_00_asks_for_256_bytes() -> None:
    card = ScriptedCard({"00A404000E325041592E5359532E444446303100": "6100",
                         "00C0000000": "AA" * 256 + "9000"})
    response = CardChannel(card).transmit(apdu.select_by_name(b"2PAY.SYS.DDF01"))
    assert len(response.data) == 256


def test_6cxx_resends_the_command_with_the_le_the_card_asked_for() -> None:
    card = ScriptedCard({"00B2010C00": "6C05", "00B2010C05": "1122334455 9000"})
    response = CardChannel(card).transmit(apdu.read_record(1, 1))
    assert bytes(response.data) == bytes.fromhex("1122334455") and response.sw == 0x9000
    assert card.sent_hex() == ["00B2010C00", "00B2010C05"]


def test_6cxx_adds_le_to_a_command_that_had_none() -> None:
    card = ScriptedCard({"00CA9F36": "6C05",
                         "00CA9F3605": "9F36020001 9000"})
    response = CardChannel(card).transmit(bytes.fromhex("00CA9F36"))
    assert response.ok and card.sent_hex()[-1] == "00CA9F3605"


def test_6cxx_then_61xx_both_followed() -> None:
    card = ScriptedCard({"00B2010C00": "6C03", "00B2010C03": "6103", "00C0000003": "ABCDEF9000"})
    assert bytes(CardChannel(card).transmit(apdu.read_record(1, 1)).data) == b"\xab\xcd\xef"


def test_a_card_that_keeps_answering_6c_is_resent_once_only() -> None:
    card = ScriptedCard({"00B2010C00": "6C05", "00B2010C05": "6C06"})
    response = CardChannel(card).transmit(apdu.read_record(1, 1))
    assert response.sw == 0x6C06 and len(card.sent) == 2


def test_endless_61xx_is_a_protocol_error_not_a_hang() -> None:
    card = ScriptedCard({"00B2010C00": "6101", "00C0000001": "AA6101"})
    with pytest.raises(ProtocolError):
        CardChannel(card).transmit(apdu.read_record(1, 1))


def test_a_response_without_status_word_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError) as info:
        CardChannel(ScriptedCard({"00B2010C00": "90"})).transmit(apdu.read_record(1, 1))
    assert info.value.code is ErrorCode.FRAME_LENGTH


def test_send_raises_the_status_words_error() -> None:
    with pytest.raises(CardStatusError) as info:
        CardChannel(ScriptedCard({})).send(apdu.select_file(b"\xef\x05"), "SELECT EF05")
    assert info.value.code is ErrorCode.FILE_NOT_FOUND and info.value.sw == 0x6A82
    assert "SELECT EF05" in str(info.value)


def test_every_wire_exchange_reaches_the_observer_with_its_origin() -> None:
    seen: list[Exchange] = []
    card = ScriptedCard({"00B2010C00": "6102", "00C0000002": "01029000"})
    CardChannel(card, seen.append).transmit(apdu.read_record(1, 1))
    assert [e.command.hex().upper() for e in seen] == ["00B2010C00", "00C0000002"]
    assert all(e.origin == apdu.read_record(1, 1) for e in seen)


def test_wipe_zeroes_every_response_buffer() -> None:
    channel = CardChannel(ScriptedCard({"00B2010C00": "5A0862170012345678909000"}))
    response = channel.transmit(apdu.read_record(1, 1))
    data = response.data
    channel.wipe()
    assert data == bytearray(len(data)) and any(b == 0 for b in data)


def test_transport_errors_pass_through_with_their_code() -> None:
    card = ScriptedCard({}, removed_after=0)
    with pytest.raises(DeviceStatusError) as info:
        CardChannel(card).transmit(apdu.read_record(1, 1))
    assert info.value.code is ErrorCode.CARD_REMOVED


@pytest.mark.parametrize(
    ("command", "le", "expected"),
    [("00B2010C", 5, "00B2010C05"), ("00B2010C00", 7, "00B2010C07"),
     ("00A4020002EF05", 9, "00A4020002EF0509"), ("00A4040002A00100", 4, "00A4040002A00104")],
)
def test_with_le_for_each_command_case(command: str, le: int, expected: str) -> None:
    assert apdu.with_le(bytes.fromhex(command), le).hex().upper() == expected


def test_commands_are_short_apdus() -> None:
    assert apdu.select_by_name(b"1PAY.SYS.DDF01").hex().upper() == "00A404000E315041592E5359532E444446303100"
    assert apdu.select_file(b"\xef\x06").hex().upper() == "00A4020002EF06"
    assert apdu.read_record(2, 3).hex().upper() == "00B2021C00"
    assert apdu.read_record_by_id(0x0D).hex().upper() == "00B20D0000"
    assert apdu.get_processing_options(b"").hex().upper() == "80A8000002830000"
    assert apdu.GET_UID.hex().upper() == "FFCA000000"
    with pytest.raises(ValueError):
        apdu.command(0, 0xA4, 4, 0, bytes(256))


def test_a_chained_response_longer_than_max_response_is_a_protocol_error() -> None:
    # issue 10: every card-supplied size is capped; 61xx chaining must not grow without end.
    rounds = apdu.MAX_RESPONSE // 256 + 2
    card = ScriptedCard({"00B2010C00": "6100",
                         "00C0000000": ["AA" * 256 + "6100"] * rounds + ["AA9000"]})
    with pytest.raises(ProtocolError) as info:
        CardChannel(card).transmit(apdu.read_record(1, 1))
    assert info.value.code is ErrorCode.FRAME_LENGTH
    assert len(card.sent) <= apdu.MAX_RESPONSE // 256 + 2


def test_one_oversized_response_is_a_protocol_error() -> None:
    card = ScriptedCard({"00B2010C00": "AA" * (apdu.MAX_RESPONSE + 1) + "9000"})
    with pytest.raises(ProtocolError):
        CardChannel(card).transmit(apdu.read_record(1, 1))
