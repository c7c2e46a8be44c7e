"""The camera scanner: codes shown to a (simulated) camera become CodeScanned events, once
per showing; decoding runs on the scanner's thread on the newest frame; a camera that
vanishes is reported and reopened."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from driver_helpers import EventRecorder
from scan_helpers import CHINESE

from drivers.errors import DeviceTimeout, DeviceUnavailable, ErrorCode
from drivers.events import CodeScanned
from drivers.scan import synth
from drivers.scan.base import RepeatFilter
from drivers.scan.camera import CameraScanner, OpenCvCamera
from drivers.scan.decode import Decoded, make_decoder
from drivers.scan.sim_camera import SimulatedCamera
from drivers.status import DeviceState

WINDOW = 0.4


@pytest.fixture
def camera() -> SimulatedCamera:
    return SimulatedCamera(fps=50, width=640, height=480)


@pytest.fixture
def scanner(camera: SimulatedCamera) -> Iterator[tuple[CameraScanner, EventRecorder]]:
    scanner = CameraScanner("camera", camera, make_decoder("zxing-qr"), repeat_window_s=WINDOW,
                            reconnect_interval=0.05)
    events = EventRecorder(scanner.events)
    scanner.open()
    try:
        events.wait_state(DeviceState.ONLINE)
        yield scanner, events
    finally:
        scanner.close()
        events.close()


def codes(events: EventRecorder) -> list[str]:
    return [e.text for e in events.of(CodeScanned)]


# -- the repeat window (pure) ----------------------------------------------------------------


def test_a_code_seen_again_within_the_window_is_a_repeat() -> None:
    repeats = RepeatFilter(window_s=2.0)
    assert repeats.admit("A", "QRCode", now=10.0)
    assert not repeats.admit("A", "QRCode", now=11.9)


def test_the_window_slides_while_the_code_stays_in_view() -> None:
    repeats = RepeatFilter(window_s=2.0)
    assert repeats.admit("A", "QRCode", now=0.0)
    # Seen every 30 ms for 10 s (a code held up to a camera): never again.
    assert not any(repeats.admit("A", "QRCode", now=t / 1000) for t in range(30, 10_000, 30))
    assert repeats.admit("A", "QRCode", now=12.0)  # away for 2 s, then shown again


def test_another_code_is_not_held_back_by_the_window() -> None:
    repeats = RepeatFilter(window_s=2.0)
    assert repeats.admit("A", "QRCode", now=0.0)
    assert repeats.admit("B", "QRCode", now=0.1)
    assert repeats.admit("A", "Code128", now=0.2)


# -- over the simulator -----------------------------------------------------------------------


def test_a_code_held_up_is_published_once(scanner: tuple[CameraScanner, EventRecorder],
                                          camera: SimulatedCamera) -> None:
    _, events = scanner
    camera.show(synth.qr_image(CHINESE), size=200)
    event = events.wait_for(CodeScanned)
    assert (event.device, event.text, event.symbology) == ("camera", CHINESE, "QRCode")
    time.sleep(WINDOW * 2)  # held up for longer than the window: still the same showing
    assert codes(events) == [CHINESE]


def test_a_code_shown_again_after_the_window_is_published_again(
    scanner: tuple[CameraScanner, EventRecorder], camera: SimulatedCamera
) -> None:
    _, events = scanner
    camera.show(synth.qr_image("TB-A0042"), size=160)
    events.wait_for(CodeScanned)
    camera.clear()
    time.sleep(WINDOW + 0.2)
    mark = events.mark()
    camera.show(synth.qr_image("TB-A0042"), size=160)
    events.wait_for(CodeScanned, since=mark)
    assert codes(events) == ["TB-A0042", "TB-A0042"]


def test_a_code_taken_away_briefly_is_not_published_twice(
    scanner: tuple[CameraScanner, EventRecorder], camera: SimulatedCamera
) -> None:
    _, events = scanner
    camera.show(synth.qr_image("TB-A0042"), size=160)
    events.wait_for(CodeScanned)
    camera.clear()
    time.sleep(WINDOW / 4)
    camera.show(synth.qr_image("TB-A0042"), size=160)
    time.sleep(WINDOW / 2)
    assert codes(events) == ["TB-A0042"]


def test_wait_code_returns_the_next_code(scanner: tuple[CameraScanner, EventRecorder],
                                         camera: SimulatedCamera) -> None:
    device, _ = scanner
    threading.Timer(0.1, camera.show, args=(synth.qr_image("TB-A0042"),)).start()
    assert device.wait_code(timeout=5).text == "TB-A0042"


def test_wait_code_times_out_when_nothing_is_shown(
    scanner: tuple[CameraScanner, EventRecorder],
) -> None:
    device, _ = scanner
    with pytest.raises(DeviceTimeout):
        device.wait_code(timeout=0.2)


# -- threads and frame dropping ----------------------------------------------------------------


class NumberedFrames:
    """A 200 fps source whose frames carry their number in the first pixels."""

    def __init__(self) -> None:
        self.number = 0
        self._next = time.monotonic()

    def read(self) -> np.ndarray:
        self._next += 0.005
        time.sleep(max(0.0, self._next - time.monotonic()))
        self.number += 1
        frame = np.zeros((8, 8), np.uint8)
        frame[0, :4] = np.frombuffer(self.number.to_bytes(4, "big"), np.uint8)
        return frame

    def close(self) -> None:
        pass


class SlowDecoder:
    """Takes 30 ms a frame (6 camera frames) and notes which frames it saw, on which thread."""

    name = "slow"

    def __init__(self) -> None:
        self.seen: list[int] = []
        self.threads: set[str] = set()

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        self.threads.add(threading.current_thread().name)
        self.seen.append(int.from_bytes(gray[0, :4].tobytes(), "big"))
        time.sleep(0.03)
        return []


def test_a_slow_decoder_gets_the_newest_frame_and_the_rest_are_dropped() -> None:
    source, decoder = NumberedFrames(), SlowDecoder()
    scanner = CameraScanner("camera", source, decoder)
    scanner.open()
    time.sleep(0.4)
    scanner.close()
    stats = scanner.stats
    assert stats.frames_dropped > stats.frames_decoded > 5
    steps = np.diff(decoder.seen)
    assert (steps > 0).all()                 # no frame decoded twice, none out of order
    assert np.median(steps) >= 4             # frames that came during a decode were skipped
    assert threading.current_thread().name not in decoder.threads
    assert decoder.threads == {"decode camera"}


# -- a real camera device ------------------------------------------------------------------------


def test_missing_camera_is_reported_and_wait_code_fails_at_once(tmp_path: Path) -> None:
    scanner = CameraScanner("camera", OpenCvCamera(str(tmp_path / "video9")),
                            reconnect_interval=0.05)
    events = EventRecorder(scanner.events)
    scanner.open()
    try:
        status = events.wait_state(DeviceState.NO_DEVICE).status
        assert status.fault == ErrorCode.NO_DEVICE.value
        assert "no such device" in status.detail
        started = time.monotonic()
        with pytest.raises(DeviceUnavailable):
            scanner.wait_code(timeout=5)
        assert time.monotonic() - started < 1
    finally:
        scanner.close()
        events.close()
    assert scanner.status().state is DeviceState.OFFLINE


def write_video(path: Path, frames: int = 12) -> None:
    frame = synth.place(synth.blank(320, 240), synth.qr_image("TB-A0042"), size=160)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (320, 240))
    for _ in range(frames):
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()


def test_camera_that_stops_delivering_is_reopened(tmp_path: Path) -> None:
    # A video file through cv2.VideoCapture: at its end read() fails like an unplugged
    # camera's, and the scanner reopens it from the start.
    video = tmp_path / "cam.avi"
    write_video(video)
    camera = OpenCvCamera(str(video), backend=cv2.CAP_ANY)
    scanner = CameraScanner("camera", camera, make_decoder("zxing-qr"), repeat_window_s=0.0,
                            reconnect_interval=0.05)
    events = EventRecorder(scanner.events)
    scanner.open()
    try:
        lost = events.wait_state(DeviceState.NO_DEVICE)
        back = events.wait_state(DeviceState.ONLINE, since=events.events.index(lost) + 1)
        assert back.status.ready
        events.wait_for(CodeScanned)
    finally:
        scanner.close()
        events.close()
