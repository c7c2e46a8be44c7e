"""BER-TLV and DOL parsing as EMV cards encode them."""

from __future__ import annotations

import datetime as dt

import pytest

from drivers.errors import ProtocolError
from drivers.pcsc import tlv
from drivers.pcsc.tlv import encode


def ppse_fci() -> bytes:
    entry = lambda aid, label: encode(0x61, encode(0x4F, bytes.fromhex(aid)) + encode(0x50, label))  # noqa: E731
    return encode(0x6F, encode(0x84, b"2PAY.SYS.DDF01") + encode(0xA5, encode(0xBF0C,
        entry("A000000333010101", b"DEBIT") + entry("A000000333010102", b"CREDIT"))))


def test_path_finds_the_first_aid_in_a_ppse_answer() -> None:
    nodes = tlv.parse(ppse_fci())
    aid = tlv.find(nodes, "6F/A5/BF0C/61/4F")
    assert aid is not None and bytes(aid.value) == bytes.fromhex("A000000333010101")
    assert tlv.find(nodes, [0x6F, 0xA5, 0xBF0C, 0x61, 0x50]).value.tobytes() == b"DEBIT"  # type: ignore[union-attr]


def test_find_all_gives_every_application_template() -> None:
    labels = [bytes(n.value) for n in tlv.find_all(tlv.parse(ppse_fci()), "6F/A5/BF0C/61/50")]
    assert labels == [b"DEBIT", b"CREDIT"]


def test_multi_byte_tags_are_read_whole() -> None:
    nodes = tlv.parse(bytes.fromhex("9F6102AABB" "BF0C03" "9F4D00" "5F2401FF"))
    assert [n.tag for n in nodes] == [0x9F61, 0xBF0C, 0x5F24]
    assert nodes[1].constructed and nodes[1].children[0].tag == 0x9F4D
    assert not nodes[0].constructed


def test_three_byte_tag() -> None:
    (node,) = tlv.parse(bytes.fromhex("DF810101 42"))
    assert node.tag == 0xDF8101 and bytes(node.value) == b"B"


@pytest.mark.parametrize("size", [0x7F, 0x80, 0xFF, 0x100, 0x1234])
def test_long_lengths(size: int) -> None:
    raw = encode(0x9F4B, b"\x11" * size)
    (node,) = tlv.parse(raw)
    assert len(node.value) == size
    if size >= 0x80:
        assert raw[2] & 0x80   # after the 2-byte tag: the long form


def test_padding_between_objects_is_skipped() -> None:
    nodes = tlv.parse(bytes.fromhex("00 5A0112 FF FF 5F200141 00 00"))
    assert [n.tag for n in nodes] == [0x5A, 0x5F20]


@pytest.mark.parametrize(
    "raw",
    ["5A0512", "9F", "5A", "5A8412345678", "5A81", "70035A0512", "5A80"],
)
def test_malformed_tlv_is_a_protocol_error(raw: str) -> None:
    with pytest.raises(ProtocolError):
        tlv.parse(bytes.fromhex(raw))


def test_first_searches_the_whole_tree() -> None:
    nodes = tlv.parse(encode(0x77, encode(0x82, b"\x7c\x00") + encode(0x94, b"\x08\x01\x01\x00")))
    found = tlv.first(nodes, 0x94)
    assert found is not None and bytes(found.value) == b"\x08\x01\x01\x00"
    assert tlv.first(nodes, 0x5A) is None


def test_values_are_views_into_the_callers_buffer() -> None:
    buffer = bytearray(encode(0x5A, b"\x62\x17"))
    (node,) = tlv.parse(buffer)
    buffer[2:] = b"\x00\x00"
    assert bytes(node.value) == b"\x00\x00"   # zeroing the buffer reaches the parsed value


def test_repr_never_shows_the_value() -> None:
    (node,) = tlv.parse(encode(0x5A, bytes.fromhex("6217001234567890")))
    assert "6217" not in repr(node)


def test_pdol_is_parsed_into_tags_and_lengths() -> None:
    dol = tlv.parse_dol(bytes.fromhex("9F66049F02069F03069F1A0295055F2A029A039C019F3704"))
    assert dol == [(0x9F66, 4), (0x9F02, 6), (0x9F03, 6), (0x9F1A, 2), (0x95, 5), (0x5F2A, 2),
                   (0x9A, 3), (0x9C, 1), (0x9F37, 4)]


def test_fill_dol_puts_terminal_values_zeros_for_unknown_tags() -> None:
    now = dt.datetime(2026, 3, 9, 14, 5, 6)
    values = tlv.terminal_data(now, unpredictable=b"\x01\x02\x03\x04")
    dol = tlv.parse_dol(bytes.fromhex("9F66049F02065F2A029A039F370495059F1A02DF7102"))
    filled = tlv.fill_dol(dol, values)
    assert filled.hex().upper() == (
        "26000000" "000000000000" "0156" "260309" "01020304" "0000000000" "0156" "0000"
    )


def test_fill_dol_aligns_numbers_right_and_other_values_left() -> None:
    values = {0x9F02: b"\x00\x00\x00\x00\x01\x00", 0x9F4E: b"ABCDEF"}
    assert tlv.fill_dol([(0x9F02, 4)], values) == b"\x00\x00\x01\x00"
    assert tlv.fill_dol([(0x9F02, 8)], values) == b"\x00\x00\x00\x00\x00\x00\x01\x00"
    assert tlv.fill_dol([(0x9F4E, 3)], values) == b"ABC"
    assert tlv.fill_dol([(0x9F4E, 8)], values) == b"ABCDEF\x00\x00"


def test_terminal_data_has_a_fresh_unpredictable_number() -> None:
    numbers = {tlv.terminal_data()[0x9F37] for _ in range(5)}
    assert len(numbers) > 1 and all(len(n) == 4 for n in numbers)


def test_deep_nesting_is_its_own_protocol_error_not_recursion_error() -> None:
    # issue 10: 1,000 nested constructed objects (3.8 KB) raised RecursionError.
    raw = b""
    for _ in range(1000):
        raw = encode(0x70, raw)
    with pytest.raises(tlv.TlvNestingError) as info:
        tlv.parse(raw)
    assert isinstance(info.value, ProtocolError)


def test_nesting_up_to_max_depth_is_parsed() -> None:
    raw = encode(0x5A, b"\x12")
    for _ in range(tlv.MAX_DEPTH - 1):
        raw = encode(0x70, raw)
    node = tlv.parse(raw)[0]
    assert tlv.first([node], 0x5A) is not None
    with pytest.raises(tlv.TlvNestingError):
        tlv.parse(encode(0x70, raw))


def test_a_dol_asking_for_more_than_one_apdu_carries_is_a_protocol_error() -> None:
    huge = bytes.fromhex("9F6683FFFFFF")                 # one entry: 16 MB
    with pytest.raises(ProtocolError):
        tlv.parse_dol(huge)
    with pytest.raises(ProtocolError):
        tlv.fill_dol([(0x9F66, 0xFFFFFF)] * 50, {})
    assert len(tlv.fill_dol([(0x9F66, tlv.MAX_DOL_DATA)], {})) == tlv.MAX_DOL_DATA
