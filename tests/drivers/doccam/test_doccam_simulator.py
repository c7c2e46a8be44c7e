"""The simulated document camera, end to end through the real driver.

A page is placed on the simulator's platen (a synthetic frame, a burst, a flat page or a
directory of photos), captured through capture_page(), and checked; the camera is
unplugged and plugged back; captures time out and are cancelled; nothing reaches disk.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from doccam_helpers import assert_all_markers_present, decode
from driver_helpers import EventRecorder

from drivers.contracts import DocumentCamera
from drivers.doccam.page import PageSettings, sharpness
from drivers.doccam.sim import SimulatedDocumentCamera
from drivers.doccam.synth import A4_LANDSCAPE_MM, desk, render_page, synthetic_frame
from drivers.errors import DeviceTimeout, DeviceUnavailable, ErrorCode, OperationCancelled
from drivers.events import StatusChanged
from drivers.status import DeviceState, FaultAction

CameraFactory = Callable[..., tuple[SimulatedDocumentCamera, EventRecorder]]


@pytest.fixture
def make_camera() -> Iterator[CameraFactory]:
    """Build and open simulated cameras; close them at teardown even when a test fails."""
    opened: list[SimulatedDocumentCamera] = []

    def make(**options: object) -> tuple[SimulatedDocumentCamera, EventRecorder]:
        camera = SimulatedDocumentCamera(**options)  # type: ignore[arg-type]
        events = EventRecorder(camera.events)
        opened.append(camera)
        camera.open()
        events.wait_state(DeviceState.ONLINE)
        return camera, events

    try:
        yield make
    finally:
        for camera in opened:
            camera.close()


@pytest.fixture(scope="module")
def tilted_a4() -> np.ndarray:
    return synthetic_frame(30.0, (0.0, 8.0)).frame


def test_the_simulator_is_a_document_camera_online_when_open_offline_when_closed() -> None:
    camera = SimulatedDocumentCamera()
    events = EventRecorder(camera.events)
    assert isinstance(camera, DocumentCamera)
    assert camera.status().state is DeviceState.OFFLINE

    camera.open()
    events.wait_state(DeviceState.ONLINE)
    camera.close()

    states = [e.status.state for e in events.of(StatusChanged)]
    assert states == [DeviceState.ONLINE, DeviceState.OFFLINE]
    assert camera.status().state is DeviceState.OFFLINE


def test_a_placed_page_is_captured_straight_and_whole(
    make_camera: CameraFactory, tilted_a4: np.ndarray, artifacts_dir: Path
) -> None:
    camera, _ = make_camera()
    camera.place(tilted_a4)

    page = camera.capture_page(timeout=5.0)

    assert page.found_edges
    assert page.width / page.height == pytest.approx(210 / 297, rel=0.02)
    image = decode(page)
    assert_all_markers_present(image)
    # Before/after for people to look at (tests/artifacts is not committed).
    cv2.imwrite(str(artifacts_dir / "doccam-before.png"), tilted_a4)
    cv2.imwrite(str(artifacts_dir / "doccam-after.png"), image)


def test_an_empty_platen_gives_the_whole_frame_and_clear_empties_it(
    make_camera: CameraFactory, tilted_a4: np.ndarray
) -> None:
    camera, _ = make_camera()
    empty = camera.capture_page(timeout=5.0)
    camera.place(tilted_a4)
    placed = camera.capture_page(timeout=5.0)
    camera.clear()
    cleared = camera.capture_page(timeout=5.0)

    assert (empty.found_edges, placed.found_edges, cleared.found_edges) == (False, True, False)
    assert empty.source_size == (1600, 1200)
    assert empty.width / empty.height == pytest.approx(4 / 3, rel=0.01)


def test_the_sharpest_frame_of_a_burst_is_the_one_kept(
    make_camera: CameraFactory, tilted_a4: np.ndarray
) -> None:
    camera, _ = make_camera(candidates=3, flush_frames=0)
    blurred = cv2.GaussianBlur(tilted_a4, (0, 0), 3.0)
    settings = PageSettings()
    camera.place([blurred, tilted_a4, blurred])

    page = camera.capture_page(timeout=5.0)

    assert page.sharpness == pytest.approx(sharpness(tilted_a4, settings))
    assert page.sharpness > 3 * sharpness(blurred, settings)


def test_a_directory_of_photos_is_shown_one_photo_per_capture(
    make_camera: CameraFactory, tmp_path: Path
) -> None:
    # The test writes its fixture files; the camera only reads them.
    landscape = synthetic_frame(-6.0, size_mm=A4_LANDSCAPE_MM).frame
    cv2.imwrite(str(tmp_path / "01-landscape.png"), landscape)
    cv2.imwrite(str(tmp_path / "02-empty.jpg"), desk(seed=5))
    camera, _ = make_camera(images=tmp_path)

    pages = [camera.capture_page(timeout=5.0) for _ in range(3)]

    assert [p.found_edges for p in pages] == [True, False, True]
    assert pages[0].width > pages[0].height


def test_a_flat_page_image_is_laid_on_the_desk_and_found(make_camera: CameraFactory) -> None:
    camera, _ = make_camera()
    camera.place(render_page(), flat=True, angle_deg=-7.0)

    page = camera.capture_page(timeout=5.0)

    assert page.found_edges and page.paper == "iso_a"
    assert_all_markers_present(decode(page))


def test_an_unplugged_camera_is_no_device_and_recovers_when_plugged_back(
    make_camera: CameraFactory, tilted_a4: np.ndarray
) -> None:
    camera, events = make_camera()
    camera.place(tilted_a4)

    mark = events.mark()
    camera.unplug()
    lost = events.wait_state(DeviceState.NO_DEVICE, since=mark)
    started = time.monotonic()
    with pytest.raises(DeviceUnavailable) as caught:
        camera.capture_page(timeout=5.0)
    refused_in = time.monotonic() - started
    camera.plug()
    events.wait_state(DeviceState.ONLINE, since=mark)
    page = camera.capture_page(timeout=5.0)

    assert lost.status.fault == ErrorCode.NO_DEVICE.value
    assert lost.status.action is FaultAction.MAINTENANCE
    assert caught.value.code is ErrorCode.NO_DEVICE
    assert refused_in < 0.5                       # refused at once, not after the timeout
    assert page.found_edges


def test_a_capture_on_a_camera_that_is_not_open_is_refused() -> None:
    with pytest.raises(DeviceUnavailable):
        SimulatedDocumentCamera().capture_page(timeout=1.0)


def test_a_capture_slower_than_its_timeout_raises_timeout_in_time(
    make_camera: CameraFactory, tilted_a4: np.ndarray
) -> None:
    camera, _ = make_camera(frame_interval=0.25, warmup_frames=0)
    camera.place(tilted_a4)

    started = time.monotonic()
    with pytest.raises(DeviceTimeout):
        camera.capture_page(timeout=0.3)
    waited = time.monotonic() - started
    page = camera.capture_page(timeout=5.0)      # the camera is still fine afterwards

    assert 0.3 <= waited < 0.6
    assert page.found_edges


def test_closing_the_camera_cancels_a_capture_in_progress(
    make_camera: CameraFactory, tilted_a4: np.ndarray
) -> None:
    camera, _ = make_camera(frame_interval=0.2, warmup_frames=0)
    camera.place(tilted_a4)
    outcome: list[BaseException | object] = []

    def capture() -> None:
        try:
            outcome.append(camera.capture_page(timeout=10.0))
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            outcome.append(err)

    worker = threading.Thread(target=capture)
    worker.start()
    time.sleep(0.1)
    started = time.monotonic()
    camera.close()
    worker.join(timeout=3.0)

    assert not worker.is_alive()
    assert time.monotonic() - started < 1.5
    assert len(outcome) == 1 and isinstance(outcome[0], OperationCancelled)


def test_capturing_writes_nothing_to_disk(
    make_camera: CameraFactory, tilted_a4: np.ndarray, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Python-level opens are audited; OpenCV's C++ writes are not, so its one writer of
    # images is watched too, and relative paths and temp files land in empty folders.
    temp, work = tmp_path / "tmp", tmp_path / "cwd"
    temp.mkdir()
    work.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.chdir(work)
    writes: list[str] = []
    watching = threading.Event()
    monkeypatch.setattr(cv2, "imwrite", lambda path, *a, **k: writes.append(f"imwrite {path}"))

    def audit(event: str, args: tuple[object, ...]) -> None:
        if watching.is_set() and event == "open" and _opens_for_writing(args):
            writes.append(f"{threading.current_thread().name}: {args[0]!r}")

    sys.addaudithook(audit)   # cannot be removed: it stays inert once ``watching`` clears
    watching.set()
    try:
        camera, _ = make_camera()
        camera.place(tilted_a4)
        page = camera.capture_page(timeout=5.0)
        page.wipe()
        camera.close()
    finally:
        watching.clear()

    assert writes == []
    assert list(temp.iterdir()) == [] and list(work.iterdir()) == []


def _opens_for_writing(args: tuple[object, ...]) -> bool:
    mode, flags = (args + (None, None))[1:3]
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND
    return isinstance(flags, int) and bool(flags & write_flags)
