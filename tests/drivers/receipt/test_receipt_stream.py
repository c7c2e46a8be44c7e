"""The ESC/POS stream walked command by command: chunk boundaries and paper length."""

from __future__ import annotations

import pytest

from drivers.receipt.encode import ReceiptEncoder
from drivers.receipt.model import Feed, QrCode, ReceiptDocument, Text
from drivers.receipt.stream import (
    DEFAULT_LINE_DOTS,
    command_chunks,
    estimate_print_seconds,
    iter_commands,
    print_height_dots,
)

GS_V0 = b"\x1dv0\x00"


def image_command(width_bytes: int, rows: int, fill: int = 0x10) -> bytes:
    # 0x10 0x04 0x04 ... inside image data looks like DLE EOT 4 to a naive reader.
    data = bytes([fill, 0x04, 0x04]) * (width_bytes * rows // 3 + 1)
    header = GS_V0 + width_bytes.to_bytes(2, "little") + rows.to_bytes(2, "little")
    return header + data[:width_bytes * rows]


def test_commands_cover_the_stream_and_image_data_is_one_command() -> None:
    data = b"\x1b@" + image_command(72, 100) + b"\x1ba\x01abc\n\x1bd\x06\x1dV\x00"
    commands = list(iter_commands(data))
    assert b"".join(data[c.start:c.end] for c in commands) == data
    assert [data[c.start:c.end] for c in commands if c.end - c.start < 10] == [
        b"\x1b@", b"\x1ba\x01", b"abc", b"\n", b"\x1bd\x06", b"\x1dV\x00"]
    assert commands[1].end - commands[1].start == 8 + 72 * 100


def test_a_command_cut_off_by_the_end_of_the_data_is_incomplete() -> None:
    data = b"\x1b@" + image_command(72, 10)[:100]
    commands = list(iter_commands(data))
    assert commands[0].complete and not commands[-1].complete
    assert not list(iter_commands(b"\x10\x04"))[-1].complete


def test_chunks_rejoin_and_queries_are_only_allowed_between_commands() -> None:
    data = b"\x1b@" + image_command(72, 56) * 3 + b"\x1bd\x06\x1dV\x00"
    chunks = list(command_chunks(data, 1024))
    assert b"".join(chunk for chunk, _ in chunks) == data
    boundaries = {c.end for c in iter_commands(data)}
    offset = 0
    for chunk, at_boundary in chunks:
        offset += len(chunk)
        assert len(chunk) <= 1024
        assert at_boundary == (offset in boundaries)
    assert chunks[-1][1]


def test_small_commands_are_grouped_into_one_chunk() -> None:
    data = b"\x1b@" + b"\x1ba\x01line\n" * 20
    assert list(command_chunks(data, 1024)) == [(data, True)]


def test_paper_length_counts_raster_rows_text_lines_feeds_and_cut_feed() -> None:
    data = (b"\x1b@" + image_command(72, 100) + b"abc\n" + b"\x1d!\x11big\n\x1d!\x00"
            + b"\x1bd\x03" + b"\x1dVA\x10")
    assert print_height_dots(data) == 100 + DEFAULT_LINE_DOTS + 48 + 3 * DEFAULT_LINE_DOTS + 16


def test_native_qr_height_comes_from_its_version_and_module_size() -> None:
    encoder = ReceiptEncoder("80mm", "gb18030")
    data = encoder.render(ReceiptDocument("t", "1", (QrCode("x" * 40, module_dots=4),)))
    # 40 bytes at level M: version 3, 29 modules of 4 dots; then LF and the cut feed.
    assert print_height_dots(data) == 29 * 4 + DEFAULT_LINE_DOTS + 6 * DEFAULT_LINE_DOTS


def test_print_time_is_paper_length_over_speed() -> None:
    data = image_command(72, 2000)
    assert estimate_print_seconds(data, "80mm", 250.0) == pytest.approx(2000 / (250 * 8), 0.02)
    assert estimate_print_seconds(data, "80mm", 125.0) == pytest.approx(2 * 2000 / (250 * 8),
                                                                        0.02)
    with pytest.raises(ValueError):
        estimate_print_seconds(data, "80mm", 0)


@pytest.mark.parametrize("mode", ["raster", "gb18030"])
def test_raster_and_native_receipts_have_about_the_same_length(mode: str) -> None:
    document = ReceiptDocument("t", "1", (
        Text("办件受理回执", scale=2), *[Text(f"第{i}行内容") for i in range(10)], Feed(2)))
    dots = print_height_dots(ReceiptEncoder("80mm", mode).render(document))
    expected = 64 + 10 * 32 + 2 * 30 + 6 * 30
    assert abs(dots - expected) < 0.15 * expected
