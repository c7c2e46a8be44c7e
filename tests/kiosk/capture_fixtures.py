"""Shared pieces of the capture tests: an open simulated document camera and the sample
frames of drivers/doccam/samples.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from drivers.doccam.sim import SimulatedDocumentCamera
from drivers.status import DeviceState


def wait_online(camera: SimulatedDocumentCamera, timeout: float = 10.0) -> None:
    """Block until the camera reports ONLINE (it publishes on its own I/O thread)."""
    online = threading.Event()

    def seen(event: object) -> None:
        if getattr(getattr(event, "status", None), "state", None) == DeviceState.ONLINE:
            online.set()

    camera.events.subscribe(seen)
    if camera.status().state == DeviceState.ONLINE:
        online.set()
    assert online.wait(timeout), "the simulated camera did not come online"


@pytest.fixture(name="camera")
def camera_fixture() -> Iterator[SimulatedDocumentCamera]:
    """An open simulated camera (no warm-up, one frame per capture), closed after."""
    cam = SimulatedDocumentCamera("document_camera", warmup_frames=0, flush_frames=0,
                                  candidates=1)
    cam.open()
    wait_online(cam)
    try:
        yield cam
    finally:
        cam.close()
