"""Decoders: what each reads (Chinese QR codes in UTF-8 and GB18030, Code 128, rotated,
blurred, small), with the one text policy applied to the raw bytes."""

from __future__ import annotations

import numpy as np
import pytest
from scan_helpers import CHINESE, CODE128, code128_on_white, qr_on_white

from drivers.scan import synth
from drivers.scan.decode import (
    DEFAULT_DECODER,
    Decoder,
    ZbarDecoder,
    ZxingDecoder,
    decode_text,
    default_decoder,
    make_decoder,
)

ALL = ("zxing", "zxing-qr", "zbar", "zbar-qr")
ALL_FORMATS = ("zxing", "zbar")


@pytest.fixture(scope="module")
def decoders() -> dict[str, Decoder]:
    return {name: make_decoder(name) for name in ALL}


def texts(decoder: Decoder, image: np.ndarray) -> list[tuple[str, str]]:
    return [(c.symbology, c.text) for c in decoder.decode(image)]


# -- the text policy ------------------------------------------------------------------------


def test_text_policy_prefers_utf8() -> None:
    assert decode_text(CHINESE.encode("utf-8")) == CHINESE


def test_text_policy_falls_back_to_gb18030_for_bytes_that_are_not_utf8() -> None:
    assert decode_text(CHINESE.encode("gb18030")) == CHINESE


def test_text_policy_ends_with_latin1_for_anything_else() -> None:
    assert decode_text(b"Caf\xe9") == "Café"


# -- what each decoder reads ------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_chinese_utf8_qr_is_read_with_its_raw_bytes(decoders: dict[str, Decoder], name: str) -> None:
    [code] = decoders[name].decode(qr_on_white(CHINESE))
    assert (code.symbology, code.text) == ("QRCode", CHINESE)
    assert code.raw == CHINESE.encode("utf-8")


@pytest.mark.parametrize("name", ALL)
def test_chinese_gb18030_qr_is_not_mistaken_for_another_encoding(
    decoders: dict[str, Decoder], name: str
) -> None:
    # zbar on its own re-encodes these bytes as Shift-JIS mojibake, zxing-cpp as Latin-1.
    [code] = decoders[name].decode(qr_on_white(CHINESE.encode("gb18030")))
    assert code.raw == CHINESE.encode("gb18030")
    assert code.text == CHINESE


@pytest.mark.parametrize("name", ALL)
def test_qr_in_a_photo_like_scene_is_found_with_its_corners(
    decoders: dict[str, Decoder], name: str
) -> None:
    scene = synth.photo_background(1280, 720, seed=3)
    frame = synth.place(scene, synth.qr_image(CHINESE), size=240, center=(900, 300), angle=8,
                        blur=0.7, noise=2)
    [code] = decoders[name].decode(frame)
    assert code.text == CHINESE
    assert code.position is not None
    xs = [x for x, _ in code.position]
    ys = [y for _, y in code.position]
    assert 750 < min(xs) < max(xs) < 1050 and 150 < min(ys) < max(ys) < 450


@pytest.mark.parametrize("name", ALL_FORMATS)
def test_code128_is_read_by_the_all_format_decoders(decoders: dict[str, Decoder], name: str) -> None:
    assert texts(decoders[name], code128_on_white()) == [("Code128", CODE128)]


@pytest.mark.parametrize("name", ("zxing-qr", "zbar-qr"))
def test_qr_only_decoders_ignore_bar_codes(decoders: dict[str, Decoder], name: str) -> None:
    assert texts(decoders[name], code128_on_white()) == []


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("angle", [30, 90])
def test_rotated_qr_is_read(decoders: dict[str, Decoder], name: str, angle: int) -> None:
    assert texts(decoders[name], qr_on_white(CHINESE, angle=angle)) == [("QRCode", CHINESE)]


@pytest.mark.parametrize("name", ALL_FORMATS)
def test_code128_turned_90_degrees_is_read(decoders: dict[str, Decoder], name: str) -> None:
    # At 30 degrees neither library reads a 1-D code: they scan rows and columns only.
    image = synth.place(synth.blank(800, 800), synth.barcode_image(CODE128, scale=3, height=200),
                        angle=90)
    assert texts(decoders[name], image) == [("Code128", CODE128)]


@pytest.mark.parametrize("name", ALL)
def test_blurred_qr_is_read(decoders: dict[str, Decoder], name: str) -> None:
    # sigma 2 px on 6 px modules: an out-of-focus phone; zxing-cpp copes with 2.5 too.
    assert texts(decoders[name], qr_on_white(CHINESE, blur=2.0)) == [("QRCode", CHINESE)]


@pytest.mark.parametrize("name", ("zxing", "zxing-qr"))
def test_zxing_reads_a_badly_blurred_qr(decoders: dict[str, Decoder], name: str) -> None:
    assert texts(decoders[name], qr_on_white(CHINESE, blur=2.5)) == [("QRCode", CHINESE)]


@pytest.mark.parametrize("name", ALL_FORMATS)
def test_blurred_code128_is_read(decoders: dict[str, Decoder], name: str) -> None:
    # sigma 1.2 px on 3 px modules; at 1.5 zxing-cpp already misses it depending on position.
    assert texts(decoders[name], code128_on_white(blur=1.2)) == [("Code128", CODE128)]


@pytest.mark.parametrize("name", ("zxing", "zxing-qr"))
def test_zxing_reads_a_60px_qr(decoders: dict[str, Decoder], name: str) -> None:
    # 29 modules in 60 px: about 2 px a module. zbar needs about 3 and misses it on a white page.
    assert texts(decoders[name], qr_on_white("TB-A0042", size=60)) == [("QRCode", "TB-A0042")]


@pytest.mark.parametrize("name", ALL)
def test_100px_qr_is_read(decoders: dict[str, Decoder], name: str) -> None:
    assert texts(decoders[name], qr_on_white("TB-A0042", size=100)) == [("QRCode", "TB-A0042")]


@pytest.mark.parametrize("name", ALL)
def test_empty_scene_has_no_code(decoders: dict[str, Decoder], name: str) -> None:
    assert decoders[name].decode(synth.photo_background(1280, 720, seed=5)) == []


@pytest.mark.parametrize("name", ALL_FORMATS)
def test_two_codes_in_one_image_are_both_read(decoders: dict[str, Decoder], name: str) -> None:
    page = synth.blank(1200, 600)
    page = synth.place(page, synth.qr_image("A-1"), size=200, center=(250, 300))
    page = synth.place(page, synth.qr_image("B-2"), size=200, center=(900, 300))
    assert sorted(texts(decoders[name], page)) == [("QRCode", "A-1"), ("QRCode", "B-2")]


# -- choosing a decoder -------------------------------------------------------------------------


def test_default_decoder_is_the_measured_fastest_qr_decoder() -> None:
    assert DEFAULT_DECODER == "zxing-qr"
    assert default_decoder().name == "zxing-qr"


def test_default_decoder_can_be_chosen_by_name() -> None:
    assert isinstance(default_decoder("zbar"), ZbarDecoder)
    assert isinstance(default_decoder("zxing"), ZxingDecoder)


def test_unknown_decoder_name_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="zxing-qr"):
        make_decoder("quirc")


def test_zxing_formats_can_be_named() -> None:
    decoder = ZxingDecoder("Code128")
    assert texts(decoder, code128_on_white()) == [("Code128", CODE128)]
    assert texts(decoder, qr_on_white("A-1")) == []
    with pytest.raises(ValueError):
        ZxingDecoder("Bogus")


@pytest.mark.parametrize("name", ALL_FORMATS)
def test_color_image_is_refused_not_misread(decoders: dict[str, Decoder], name: str) -> None:
    with pytest.raises(ValueError, match="2-D uint8"):
        decoders[name].decode(np.zeros((10, 10, 3), np.uint8))
