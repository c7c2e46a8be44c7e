"""The OpenCV (V4L2) document camera, over a fake VideoCapture and a fake device node.

The fake stands where cv2.VideoCapture stands; its device node is a file the test creates
and deletes, as udev does when a camera is plugged and unplugged. One test uses the real
cv2.VideoCapture on a node that is not a camera.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from driver_helpers import EventRecorder

from drivers.contracts import DocumentCamera
from drivers.doccam.camera import OpenCvDocumentCamera, device_path
from drivers.doccam.synth import synthetic_frame
from drivers.errors import DeviceError, DeviceUnavailable, ErrorCode
from drivers.status import DeviceState, FaultAction

FAST = {"reconnect_interval": 0.1, "presence_interval": 0.05}


class FakeUvc:
    """A UVC camera as OpenCV sees it: frames of a scene while its node exists."""

    def __init__(self, node: Path, scene: np.ndarray) -> None:
        self.node = node
        self.scene = scene
        self.streaming = True          # False: the node is there but frames stop
        self.props: dict[int, float] = {}
        self.frames = 0
        self._lock = threading.Lock()
        node.touch()

    def unplug(self) -> None:
        self.node.unlink()

    def plug(self) -> None:
        self.node.touch()

    def factory(self, device: str | int) -> FakeCapture:
        assert device == str(self.node)
        return FakeCapture(self)


class FakeCapture:
    def __init__(self, uvc: FakeUvc) -> None:
        self.uvc = uvc
        self.opened = uvc.node.exists()

    def _live(self) -> bool:
        return self.opened and self.uvc.node.exists() and self.uvc.streaming

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self.opened

    def read(self) -> tuple[bool, object]:
        if not self._live():
            return False, None
        with self.uvc._lock:
            self.uvc.frames += 1
        return True, self.uvc.scene.copy()

    def grab(self) -> bool:
        return self.read()[0]

    def set(self, prop: int, value: float) -> bool:
        self.uvc.props[prop] = value
        return True

    def get(self, prop: int) -> float:
        return self.uvc.props.get(prop, 0.0)

    def release(self) -> None:
        self.opened = False


CameraFactory = Callable[..., tuple[OpenCvDocumentCamera, EventRecorder]]


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    return synthetic_frame(-12.0, (5.0, 0.0)).frame


@pytest.fixture
def uvc(tmp_path: Path, scene: np.ndarray) -> FakeUvc:
    return FakeUvc(tmp_path / "video0", scene)


@pytest.fixture
def make_camera() -> Iterator[CameraFactory]:
    opened: list[OpenCvDocumentCamera] = []

    def make(**options: object) -> tuple[OpenCvDocumentCamera, EventRecorder]:
        camera = OpenCvDocumentCamera(**{**FAST, **options})  # type: ignore[arg-type]
        events = EventRecorder(camera.events)
        opened.append(camera)
        camera.open()
        return camera, events

    try:
        yield make
    finally:
        for camera in opened:
            camera.close()


def test_a_missing_camera_is_no_device_and_a_capture_is_refused_at_once(
    make_camera: CameraFactory, tmp_path: Path
) -> None:
    missing = tmp_path / "video7"
    camera, events = make_camera(device=str(missing))

    lost = events.wait_state(DeviceState.NO_DEVICE)
    with pytest.raises(DeviceUnavailable) as caught:
        camera.capture_page(timeout=2.0)

    assert isinstance(camera, DocumentCamera)
    assert lost.status.action is FaultAction.MAINTENANCE
    assert str(missing) in lost.status.detail
    assert caught.value.code is ErrorCode.NO_DEVICE


def test_a_node_that_is_not_a_camera_is_no_device_through_real_opencv(
    make_camera: CameraFactory, tmp_path: Path
) -> None:
    not_a_camera = tmp_path / "video9"
    not_a_camera.write_bytes(b"")
    _, events = make_camera(device=str(not_a_camera))

    lost = events.wait_state(DeviceState.NO_DEVICE, timeout=10.0)

    assert "busy or not a camera" in lost.status.detail


def test_the_camera_is_set_to_mjpeg_at_its_resolution_and_warmed_up_before_online(
    make_camera: CameraFactory, uvc: FakeUvc
) -> None:
    _, events = make_camera(device=str(uvc.node), factory=uvc.factory, width=2592,
                            height=1944, warmup_frames=6)

    events.wait_state(DeviceState.ONLINE)

    assert uvc.props[cv2.CAP_PROP_FOURCC] == cv2.VideoWriter.fourcc(*"MJPG")
    assert (uvc.props[cv2.CAP_PROP_FRAME_WIDTH], uvc.props[cv2.CAP_PROP_FRAME_HEIGHT]) == (
        2592, 1944)
    assert uvc.frames >= 6


def test_a_capture_flushes_stale_frames_and_returns_the_page(
    make_camera: CameraFactory, uvc: FakeUvc
) -> None:
    camera, events = make_camera(device=str(uvc.node), factory=uvc.factory, flush_frames=4,
                                 candidates=3)
    events.wait_state(DeviceState.ONLINE)
    before = uvc.frames

    page = camera.capture_page(timeout=5.0)

    assert uvc.frames - before == 4 + 3
    assert page.found_edges
    assert page.width / page.height == pytest.approx(210 / 297, rel=0.02)


def test_a_camera_unplugged_while_idle_is_no_device_and_recovers_when_plugged(
    make_camera: CameraFactory, uvc: FakeUvc
) -> None:
    camera, events = make_camera(device=str(uvc.node), factory=uvc.factory)
    events.wait_state(DeviceState.ONLINE)

    mark = events.mark()
    uvc.unplug()
    events.wait_state(DeviceState.NO_DEVICE, since=mark)
    uvc.plug()
    events.wait_state(DeviceState.ONLINE, since=mark)

    assert camera.capture_page(timeout=5.0).found_edges


def test_a_camera_that_stops_sending_frames_fails_the_capture_and_reconnects(
    make_camera: CameraFactory, uvc: FakeUvc
) -> None:
    camera, events = make_camera(device=str(uvc.node), factory=uvc.factory)
    events.wait_state(DeviceState.ONLINE)

    mark = events.mark()
    uvc.streaming = False
    with pytest.raises(DeviceError) as caught:
        camera.capture_page(timeout=5.0)
    stalled = events.wait_state(DeviceState.OFFLINE, since=mark)
    uvc.streaming = True
    events.wait_state(DeviceState.ONLINE, since=mark)

    assert caught.value.code is ErrorCode.DEVICE_IO
    assert (stalled.status.fault, stalled.status.action) == ("device_io", FaultAction.WAIT)
    assert camera.capture_page(timeout=5.0).found_edges


def test_a_camera_index_is_watched_through_its_video_node() -> None:
    assert device_path(2) == "/dev/video2"
    assert device_path("/dev/doccam") == "/dev/doccam"
