"""The simulator's ESC/POS parser: commands by their lengths, text by its encoding, any bytes."""

from __future__ import annotations

import random

from escpos.printer import Dummy

from drivers.receipt.sim_parser import MAX_COMMAND_BYTES, Command, EscPosParser, Item, Text


def parse(data: bytes, chunk: int | None = None) -> list[Item]:
    parser = EscPosParser()
    if chunk is None:
        return parser.feed(data)
    items: list[Item] = []
    for offset in range(0, len(data), chunk):
        items += parser.feed(data[offset : offset + chunk])
    return items


def names(items: list[Item]) -> list[str]:
    return [item.name for item in items if isinstance(item, Command)]


def text(items: list[Item]) -> str:
    return "".join(item.text for item in items if isinstance(item, Text))


def sample_job() -> bytes:
    printer = Dummy()
    printer.hw("INIT")
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    printer.textln("通办自助终端 Receipt")
    printer.qr("https://example.org/q?a=1", native=True, size=6)
    printer.image(_checker(), impl="bitImageRaster")
    printer.image(_checker(), impl="graphics")
    printer.image(_checker(), impl="bitImageColumn")
    printer.barcode("{BNO-12345", "CODE128", function_type="B")
    printer.cut()
    return bytes(printer.output)


def _checker():  # noqa: ANN202 - a PIL image
    from PIL import Image

    image = Image.new("RGB", (40, 30), "white")
    for x in range(0, 40, 4):
        for y in range(0, 30, 2):
            image.putpixel((x, y), (0, 0, 0))
    return image


def test_a_python_escpos_job_parses_into_its_commands_and_text() -> None:
    items = parse(sample_job())
    assert names(items)[:1] == ["init"]
    assert {"print_mode", "bold", "align", "2d_code", "raster", "graphics", "column_image",
            "barcode", "cut"} <= set(names(items))
    assert text(items) == "通办自助终端 Receipt"
    assert "unknown" not in names(items) and "oversized" not in names(items)


def test_every_byte_is_accounted_for() -> None:
    data = sample_job()
    assert sum(item.size for item in parse(data)) == len(data)


def test_bytes_arriving_one_at_a_time_parse_the_same() -> None:
    data = sample_job()
    whole, trickled = parse(data), parse(data, chunk=1)
    assert names(trickled) == names(whole)
    assert text(trickled) == text(whole)
    assert [i.params for i in trickled if isinstance(i, Command)] == [
        i.params for i in whole if isinstance(i, Command)
    ]


def test_chinese_mode_and_raw_gb18030_both_decode_as_gb18030() -> None:
    # python-escpos sends CJK as raw GB18030 without FS &: Chinese printers start in Chinese mode.
    data = b"\x1b@" + "办件".encode("gb18030") + b"\n\x1c&" + "申请人：张*".encode("gb18030")
    assert text(parse(data)) == "办件申请人：张*"


def test_a_character_split_across_two_reads_is_decoded_whole() -> None:
    encoded = "政务服务".encode("gb18030")
    assert text(parse(encoded, chunk=3)) == "政务服务"


def test_chinese_mode_off_uses_the_code_page() -> None:
    data = b"\x1c.\x1bt\x10" + "Café".encode("cp1252")
    assert text(parse(data)) == "Café"


def test_unknown_sequences_are_skipped_and_text_after_them_survives() -> None:
    # ESC 01, GS 02, FS 03: unknown two-byte sequences; GS ( J: unknown, with pL pH; DLE 01.
    data = b"\x1b\x01A\x1d\x02B\x1c\x03C\x1d(J\x02\x00xyD\x10\x01E"
    items = parse(data)
    assert text(items) == "ABCDE"
    assert names(items) == ["unknown"] * 4


def test_a_garbled_huge_image_is_skipped_without_holding_it() -> None:
    # GS v 0 declaring 65535 x 65535 bytes: far past the limit.
    header = b"\x1dv0\x00\xff\xff\xff\xff"
    parser = EscPosParser()
    items = parser.feed(header + b"\x00" * 1000)
    assert names(items) == ["oversized"]
    assert parser.pending > MAX_COMMAND_BYTES  # still to skip, but nothing buffered
    assert len(parser._buf) == 0


def test_random_bytes_never_raise() -> None:
    rng = random.Random(20240611)
    for _ in range(40):
        data = bytes(rng.randrange(256) for _ in range(2000))
        parser = EscPosParser()
        for offset in range(0, len(data), rng.randrange(1, 300)):
            parser.feed(data[offset : offset + 300])
    # and a valid job after garbage on a fresh stream still parses
    assert text(parse(b"\x1b@hello\n")) == "hello"


def test_real_time_status_request_is_one_command() -> None:
    items = parse(b"abc\x10\x04\x04def")
    assert names(items) == ["rt_status"]
    status = next(i for i in items if isinstance(i, Command))
    assert status.params == b"\x04" and status.size == 3


def merged(items: list[Item]) -> list[Item]:
    """Adjacent Text items joined: how a stream was cut into reads may group text
    differently, but must not change what it says."""
    out: list[Item] = []
    for item in items:
        if isinstance(item, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + item.text, out[-1].size + item.size)
        else:
            out.append(item)
    return out


def split_at(data: bytes, cut: int) -> list[Item]:
    parser = EscPosParser()
    return parser.feed(data[:cut]) + parser.feed(data[cut:])


# An unfinished GB18030 character before a command, before a meaningless control byte and
# at the very end; 4-byte and 2-byte characters cut in every place; a code page switch.
HOSTILE_TEXT = [
    "中".encode("gb18030")[:1] + b"\n" + "国".encode("gb18030") + b"\n",
    b"A\x81\x07" + "中".encode("gb18030")[1:] + b"B\n",
    b"\x1b@" + "€".encode("gb18030") + "办".encode("gb18030")[:1] + b"\x1b@\x81\x30\x81" + b"\x1dV\x00",
    "𠀀x".encode("gb18030") + b"\x81\x30\x1c." + b"\x81\x82" + b"\x1c&" + "张三".encode("gb18030") + b"\x81",
    b"\x81\x81\x81\x30\x30\x81\x30\xfe\x39\x7f\x80\xff\x1b!\x00\x82",
]


def test_output_is_the_same_however_the_bytes_were_split_across_reads() -> None:
    # issue 10: an unfinished GB18030 character printed as a replacement mark when the
    # control byte after it came in the same read, and vanished (or joined the next text)
    # when it came in the next one.
    rng = random.Random(10)
    streams = HOSTILE_TEXT + [
        bytes(rng.choice(b"\x81\x82\x30\x39\xfe\xa1\xb0\x41\x0a\x07\x1b@\x1c&.")
              for _ in range(rng.randrange(4, 40)))
        for _ in range(150)
    ]
    for data in streams:
        whole = merged(parse(data))
        for cut in range(len(data) + 1):
            assert merged(split_at(data, cut)) == whole, (data.hex(), cut)
        assert merged(parse(data, chunk=1)) == whole, data.hex()


def test_an_unfinished_character_before_a_command_prints_one_replacement_mark() -> None:
    data = "中".encode("gb18030")[:1] + b"\n"
    assert text(parse(data)) == text(parse(data, chunk=1)) == "\ufffd"
