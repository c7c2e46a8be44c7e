"""`kiosk scan-image`: a technician decodes the codes in image files (through
kiosk.cli.scan.main; the `kiosk` console script reaches the same run())."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from PIL import Image

from drivers.scan import synth
from kiosk.cli.scan import EXIT_NO_CODE, EXIT_OK, EXIT_UNREADABLE, main

CHINESE = "晋城市政务服务中心 预约号 A0042"


@pytest.fixture
def images(tmp_path: Path) -> dict[str, Path]:
    page = synth.blank(1000, 500)
    two = synth.place(page, synth.qr_image(CHINESE), size=240, center=(250, 250))
    two = synth.place(two, synth.barcode_image("TB-0042", scale=3, height=150), center=(720, 250))
    paths = {
        "two": tmp_path / "two codes.png",
        "gb": tmp_path / "gb.jpg",
        "multiline": tmp_path / "vcard.png",
        "empty": tmp_path / "empty.png",
        "text": tmp_path / "notes.png",
    }
    cv2.imwrite(str(paths["two"]), two)
    Image.fromarray(synth.place(synth.blank(400, 400), synth.qr_image(CHINESE.encode("gb18030")),
                                size=240)).convert("RGB").save(paths["gb"], quality=90)
    cv2.imwrite(str(paths["multiline"]),
                synth.place(synth.blank(400, 400), synth.qr_image("BEGIN\r\nN:张三\tX\\"), size=240))
    cv2.imwrite(str(paths["empty"]), synth.photo_background(640, 480))
    paths["text"].write_text("this is not a picture")
    return paths


def test_every_code_in_every_file_is_one_line(images: dict[str, Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(images["two"]), str(images["gb"])]) == EXIT_OK
    out, err = capsys.readouterr()
    assert sorted(out.splitlines()) == sorted([
        f"{images['two']}\tQRCode\t{CHINESE}",
        f"{images['two']}\tCode128\tTB-0042",
        f"{images['gb']}\tQRCode\t{CHINESE}",  # GB18030 bytes in a JPEG, read as Chinese
    ])
    assert err == ""


def test_tabs_and_line_breaks_in_a_code_are_escaped(images: dict[str, Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(images["multiline"])]) == EXIT_OK
    assert capsys.readouterr().out == f"{images['multiline']}\tQRCode\tBEGIN\\r\\nN:张三\\tX\\\\\n"


@pytest.mark.parametrize("decoder", ["zbar", "zxing"])
def test_decoder_can_be_chosen(images: dict[str, Path], decoder: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--decoder", decoder, str(images["gb"])]) == EXIT_OK
    assert capsys.readouterr().out == f"{images['gb']}\tQRCode\t{CHINESE}\n"


def test_file_without_a_code_is_named_and_exits_1(images: dict[str, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(images["empty"]), str(images["gb"])]) == EXIT_NO_CODE
    out, err = capsys.readouterr()
    assert out == f"{images['gb']}\tQRCode\t{CHINESE}\n"  # the other files are still read
    [line] = err.splitlines()    # one line naming the file: the cause in Chinese, the fix
    assert line.startswith("kiosk scan-image: 图片中没有找到二维码或条码")
    assert str(images["empty"]) in line and "no code found" in line


@pytest.mark.parametrize(
    ("name", "why"),
    [("text", "not an image"), ("missing", "no such file"), ("folder", "is a directory")],
)
def test_unreadable_file_is_one_clear_line_and_exits_2(
    images: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, why: str
) -> None:
    path = {"missing": tmp_path / "missing.png", "folder": tmp_path}.get(name) or images[name]
    assert main([str(path), str(images["empty"])]) == EXIT_UNREADABLE  # 2 wins over 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("kiosk scan-image: ") and f"（{path}）；请" in err[0] and f"({why}" in err[0]
    assert "Traceback" not in "\n".join(err)
    assert err[1].startswith("kiosk scan-image: 图片中没有找到二维码或条码") and str(images["empty"]) in err[1]


def test_unknown_decoder_is_refused_by_the_parser(images: dict[str, Path]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--decoder", "quirc", str(images["gb"])])
    assert exited.value.code == 2


def test_the_console_script_decodes_an_image_as_a_technician_runs_it(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    import qrcode

    image = tmp_path / "code.png"
    qrcode.make("电子证照 TONGBAN-APP:14050020261123000001").save(image)
    kiosk = shutil.which("kiosk", path=os.path.dirname(sys.executable)) or "kiosk"
    done = subprocess.run([kiosk, "scan-image", str(image)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{image}\tQRCode\t电子证照 TONGBAN-APP:14050020261123000001\n"
    missing = subprocess.run([kiosk, "scan-image", str(tmp_path / "none.png")], capture_output=True,
                             text=True, timeout=60)
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
