"""The camera simulator: plays images and videos at a steady frame rate, and films what is
shown to it."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.errors import DeviceUnavailable
from drivers.scan import synth
from drivers.scan.decode import make_decoder
from drivers.scan.sim_camera import SimulatedCamera

QR = make_decoder("zxing-qr")


def code_in(frame: np.ndarray | None) -> list[str]:
    assert frame is not None
    return [c.text for c in QR.decode(frame)]


@pytest.fixture
def pictures(tmp_path: Path) -> Path:
    """A folder of three code pictures, named so their order is A, B, C."""
    folder = tmp_path / "pictures"
    folder.mkdir()
    for name in "ABC":
        page = synth.place(synth.blank(320, 240), synth.qr_image(f"code-{name}"), size=150)
        cv2.imwrite(str(folder / f"{name}.png"), page)
    (folder / "notes.txt").write_text("not a picture")
    return folder


def test_images_in_a_folder_are_played_in_name_order_each_held_for_n_frames(pictures: Path) -> None:
    camera = SimulatedCamera(pictures, fps=1000, hold_frames=2, width=640, height=480)
    seen = [code_in(camera.read()) for _ in range(7)]
    assert seen == [["code-A"]] * 2 + [["code-B"]] * 2 + [["code-C"]] * 2 + [["code-A"]]


def test_hold_in_seconds_is_turned_into_frames(pictures: Path) -> None:
    camera = SimulatedCamera(pictures, fps=20, hold_s=0.5)
    assert camera.hold_frames == 10


def test_without_loop_the_camera_films_the_empty_hall_after_the_last_image(pictures: Path) -> None:
    files = sorted(pictures.glob("*.png"))[:2]
    camera = SimulatedCamera(files, fps=1000, hold_frames=1, loop=False, width=640, height=480)
    assert [code_in(camera.read()) for _ in range(3)] == [["code-A"], ["code-B"], []]
    assert np.array_equal(camera.read(), camera.background)  # type: ignore[arg-type]


def test_a_shown_code_takes_precedence_until_cleared(pictures: Path) -> None:
    camera = SimulatedCamera(pictures, fps=1000, hold_frames=100, width=640, height=480)
    camera.show(synth.qr_image("shown"), size=200)
    assert code_in(camera.read()) == ["shown"]
    camera.clear()
    assert code_in(camera.read()) == ["code-A"]


def test_show_accepts_a_file_and_places_it_in_the_scene(pictures: Path) -> None:
    camera = SimulatedCamera(fps=1000, width=640, height=480)
    assert code_in(camera.read()) == []
    camera.show(pictures / "B.png")
    frame = camera.read()
    assert frame is not None and frame.shape == (480, 640)
    assert code_in(frame) == ["code-B"]
    # Outside the held-up picture the camera still sees the hall (as softly as the picture).
    difference = np.abs(frame[:20].astype(int) - camera.background[:20])
    assert difference.mean() < 2


def test_show_an_image_larger_than_the_frame_scales_it_down() -> None:
    camera = SimulatedCamera(fps=1000, width=640, height=480)
    camera.show(synth.place(synth.blank(2000, 1500), synth.qr_image("big"), size=1000))
    assert code_in(camera.read()) == ["big"]


def test_show_refuses_a_file_that_is_not_an_image(pictures: Path) -> None:
    camera = SimulatedCamera(fps=1000)
    with pytest.raises(ValueError, match="notes.txt"):
        camera.show(pictures / "notes.txt")


def test_a_broken_playlist_looks_like_a_broken_camera(pictures: Path) -> None:
    camera = SimulatedCamera([pictures / "notes.txt"], fps=1000)
    with pytest.raises(DeviceUnavailable, match="notes.txt"):
        camera.read()


def test_frames_come_at_the_configured_rate() -> None:
    camera = SimulatedCamera(fps=50, width=320, height=240)
    camera.read()
    started = time.monotonic()
    for _ in range(10):
        camera.read()
    assert 0.18 <= time.monotonic() - started < 0.5
    assert camera.frames_served == 11


def test_frames_are_read_only() -> None:
    camera = SimulatedCamera(fps=1000, width=320, height=240)
    frame = camera.read()
    assert frame is not None
    with pytest.raises(ValueError):
        frame[0, 0] = 1


def test_a_video_file_is_played_and_looped(tmp_path: Path) -> None:
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 200, (640, 480))
    for name in ("first", "second"):
        page = synth.place(synth.blank(640, 480), synth.qr_image(name), size=200)
        for _ in range(2):
            writer.write(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR))
    writer.release()
    camera = SimulatedCamera(video=video, width=640, height=480)
    assert camera.fps == pytest.approx(200)  # the file's own rate
    seen = [code_in(camera.read()) for _ in range(5)]
    assert seen == [["first"], ["first"], ["second"], ["second"], ["first"]]
    camera.close()


def test_a_code_written_to_the_slot_file_is_in_front_of_the_camera_until_deleted(tmp_path: Path) -> None:
    import qrcode
    import zxingcpp

    slot = tmp_path / "front.png"
    camera = SimulatedCamera(slot=slot, fps=200)
    assert zxingcpp.read_barcodes(camera.read()) == []
    qrcode.make("TONGBAN-EID:demo").save(slot)
    time.sleep(0.25)
    camera.read()
    assert [r.text for r in zxingcpp.read_barcodes(camera.read())] == ["TONGBAN-EID:demo"]
    slot.unlink()
    time.sleep(0.25)
    camera.read()
    assert zxingcpp.read_barcodes(camera.read()) == []
