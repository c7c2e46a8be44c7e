"""The simulated document camera's ``platen`` file, as the demo's console uses it: the file
is read again at each capture (a document written there is photographed, a new one
replaces it, a deleted file is the empty desk, a file that is not an image is the empty
desk too), placed frames still take precedence, and the camera writes nothing. Built
through kiosk.devices from a ``[devices.document_camera]`` table, as the demo does."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.doccam import samples
from drivers.doccam.model import CapturedPage
from drivers.doccam.sim import SimulatedDocumentCamera
from drivers.status import DeviceState
from kiosk.capture.quality import assess
from kiosk.capture.settings import CaptureSettings
from kiosk.config_devices import DocumentCameraSettings
from kiosk.devices import build_document_camera
from tests.kiosk.capture_fixtures import wait_online


def lay(path: Path, frame: np.ndarray) -> None:
    """Write a camera frame as the console does: whole, then renamed into place."""
    part = path.with_name(path.name + ".part.png")
    assert cv2.imwrite(str(part), frame)
    os.replace(part, path)


@pytest.fixture
def platen(tmp_path: Path) -> Path:
    return tmp_path / "doccam" / "platen.png"


@pytest.fixture
def camera(platen: Path) -> Iterator[SimulatedDocumentCamera]:
    settings = DocumentCameraSettings.model_validate(
        {"driver": "simulated", "platen": str(platen)})
    built = build_document_camera(settings, jpeg_quality=80)
    assert isinstance(built, SimulatedDocumentCamera)
    built.open()
    wait_online(built)
    try:
        yield built
    finally:
        built.close()


def capture(camera: SimulatedDocumentCamera) -> CapturedPage:
    return camera.capture_page(20.0)


def test_a_missing_platen_file_is_the_empty_desk(camera: SimulatedDocumentCamera,
                                                  platen: Path) -> None:
    assert not platen.exists()
    page = capture(camera)
    assert not page.found_edges and page.sharpness < 60


def test_the_file_is_read_again_at_each_capture(camera: SimulatedDocumentCamera,
                                                 platen: Path) -> None:
    platen.parent.mkdir(parents=True)
    lay(platen, samples.shot("letter"))
    first = capture(camera)
    assert first.found_edges and first.paper == "iso_a" and first.height > first.width
    lay(platen, samples.shot("contract", angle_deg=-6.0))
    second = capture(camera)
    assert second.found_edges
    assert abs(second.corners[0][1] - first.corners[0][1]) > 20   # turned the other way
    platen.unlink()
    assert not capture(camera).found_edges                       # taken away: the desk


def test_a_blurred_document_on_the_platen_comes_out_blurred(camera: SimulatedDocumentCamera,
                                                            platen: Path) -> None:
    platen.parent.mkdir(parents=True)
    lay(platen, samples.shot("letter", "blurred"))
    assert capture(camera).sharpness < 40
    lay(platen, samples.shot("letter"))
    assert capture(camera).sharpness > 120


def test_a_file_that_is_not_an_image_is_the_empty_desk(camera: SimulatedDocumentCamera,
                                                        platen: Path) -> None:
    platen.parent.mkdir(parents=True)
    platen.write_bytes(b"half a PNG")
    page = capture(camera)
    assert not page.found_edges
    assert camera.status().state is DeviceState.ONLINE


def test_placed_frames_take_precedence_over_the_platen(camera: SimulatedDocumentCamera,
                                                       platen: Path) -> None:
    platen.parent.mkdir(parents=True)
    lay(platen, samples.shot("letter"))
    camera.place(samples.shot("letter", "cut"))
    assert not capture(camera).corners[0][1] > 5                 # the cut page, at the edge
    camera.clear()
    assert capture(camera).corners[0][1] > 50                    # the platen's letter again


def test_the_jpeg_quality_reaches_the_pages(camera: SimulatedDocumentCamera, platen: Path) -> None:
    assert camera.settings.jpeg_quality == 80
    platen.parent.mkdir(parents=True)
    lay(platen, samples.shot("letter"))
    page = capture(camera)
    assert bytes(page.jpeg[:2]) == b"\xff\xd8"


def test_the_camera_writes_nothing(camera: SimulatedDocumentCamera, platen: Path,
                                   tmp_path: Path) -> None:
    platen.parent.mkdir(parents=True)
    lay(platen, samples.shot("contract"))
    before = sorted(p.name for p in tmp_path.rglob("*"))
    capture(camera).wipe()
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_the_platen_is_configurable_only_as_a_path() -> None:
    with pytest.raises(ValueError):
        DocumentCameraSettings.model_validate({"driver": "simulated", "platen": 3})
    settings = DocumentCameraSettings.model_validate({"driver": "simulated"})
    assert settings.platen is None


REPO = Path(__file__).resolve().parents[2]
DEMO_FAULTS = {"": (), "blurred": ("blurred",), "glare": ("glare",), "cut": ("cut_off",)}


def _demo_snippet() -> str:
    """The Python that deploy/demo.sh's `doc ...` runs to lay a page on the platen."""
    text = (REPO / "deploy" / "demo.sh").read_text(encoding="utf-8")
    start = text.index("lay_doc() {")
    body = text[text.index("<<'PY'\n", start) + len("<<'PY'\n"):]
    return body[:body.index("\nPY\n")]


@pytest.mark.parametrize(("name", "fault"), [
    ("letter", ""), ("letter2", ""), ("contract", ""),
    ("letter", "blurred"), ("contract", "glare"), ("letter", "cut"),
])
def test_the_demos_doc_commands_give_the_verdicts_they_name(
        name: str, fault: str, tmp_path: Path) -> None:
    platen = tmp_path / "platen.png"
    done = subprocess.run([sys.executable, "-", name, fault, str(platen)], input=_demo_snippet(),
                          text=True, capture_output=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    table = tomllib.loads((REPO / "config" / "demo.toml").read_text(encoding="utf-8"))
    demo = table["devices"]["document_camera"]
    assert demo["driver"] == "simulated" and demo["platen"].endswith("doccam/platen.png")
    settings = DocumentCameraSettings.model_validate({**demo, "platen": str(platen)})
    camera = build_document_camera(settings)
    assert isinstance(camera, SimulatedDocumentCamera)
    camera.open()
    try:
        wait_online(camera)
        page = capture(camera)
    finally:
        camera.close()
    assert assess(page, CaptureSettings()).problems == DEMO_FAULTS[fault]
