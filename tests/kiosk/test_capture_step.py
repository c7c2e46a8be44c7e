"""CaptureStep and PageSet with the simulated document camera through the real driver:
take / review / keep / retake / remove, the keep rule for warned pages, an unplugged
camera, a camera that does not answer, a session ending while the camera works, and the
pages' numbering and wiping."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

import pytest

from drivers.doccam import samples
from drivers.doccam.model import CapturedPage
from drivers.doccam.sim import SimulatedDocumentCamera
from drivers.errors import DeviceTimeout
from drivers.status import DeviceState
from kiosk.capture.pages import MAX_PAGES, Page, PageSet
from kiosk.capture.quality import Quality
from kiosk.capture.settings import CaptureSettings
from kiosk.capture.step import CaptureStep
from kiosk.flows.base import inline_runner
from tests.kiosk.capture_fixtures import camera_fixture, wait_online  # noqa: F401 - fixture


def step_for(cam: SimulatedDocumentCamera | None, pages: PageSet | None = None,
             kind: str = "authorization", material_code: str | None = None,
             **settings: object) -> tuple[CaptureStep, list[str]]:
    seen: list[str] = []
    step = CaptureStep(cam, PageSet() if pages is None else pages, kind, material_code,  # type: ignore[arg-type]
                       CaptureSettings(**settings),  # type: ignore[arg-type]
                       run=inline_runner, changed=lambda: seen.append(step.state))
    return step, seen


def test_take_review_keep(camera: SimulatedDocumentCamera) -> None:
    camera.place(samples.shot("letter"))
    step, seen = step_for(camera)
    step.take()
    assert seen[:2] == ["taking", "review"]
    page = step.candidate
    assert page is not None and page.quality.ok and step.error == ""
    assert page.sha256 == hashlib.sha256(page.jpeg).hexdigest() and page.size == len(page.jpeg)
    assert page.jpeg[:2] == b"\xff\xd8" and page.height > page.width    # straightened A4
    assert step.can_keep and step.keep()
    assert step.state == "idle" and step.candidate is None
    assert step.pages() == [page]


def test_a_blurred_page_is_refused_then_retaken(camera: SimulatedDocumentCamera) -> None:
    camera.place(samples.shot("letter", "blurred"))
    step, _ = step_for(camera)
    step.take()
    assert step.state == "review" and step.error == "blurred"
    blurred = step.candidate
    assert not step.can_keep and not step.keep() and step.pages() == []
    camera.place(samples.shot("letter"))
    step.retake()
    assert blurred is not None and blurred.wiped            # the refused shot is zeroed
    assert step.state == "review" and step.error == "" and step.keep()
    assert len(step.pages()) == 1


def test_allow_warned_keeps_a_warned_page_but_never_an_empty_platen(
        camera: SimulatedDocumentCamera) -> None:
    camera.place(samples.shot("contract", "glare"))
    step, _ = step_for(camera, kind="material", material_code="M01", allow_warned=True)
    step.take()
    assert step.error == "glare" and step.can_keep and step.keep()
    camera.clear()
    step.take()
    assert step.error == "no_page" and not step.can_keep and not step.keep()
    step.discard()
    assert step.state == "idle" and step.candidate is None


def test_remove_drops_and_wipes_only_this_things_page(camera: SimulatedDocumentCamera) -> None:
    pages = PageSet()
    letter, _ = step_for(camera, pages)
    material, _ = step_for(camera, pages, "material", "M02")
    for step, name in ((letter, "letter"), (material, "contract"), (letter, "letter2")):
        camera.place(samples.shot(name))
        step.take()
        assert step.keep()
    assert [r.kind for r in pages.refs()] == ["authorization", "material", "authorization"]
    assert [r.page for r in pages.refs()] == [1, 2, 3]
    first = letter.pages()[0]
    letter.remove(0)
    assert first.wiped and len(letter.pages()) == 1 and len(material.pages()) == 1
    refs = pages.refs()
    assert [(r.page, r.kind, r.material_code) for r in refs] == [
        (1, "material", "M02"), (2, "authorization", None)]


def test_no_camera_configured_fails_at_once() -> None:
    step, _ = step_for(None)
    step.take()
    assert step.state == "failed" and step.error == "camera_unavailable"


def test_an_unplugged_camera_is_camera_unavailable_and_recovers(
        camera: SimulatedDocumentCamera) -> None:
    gone = threading.Event()
    camera.events.subscribe(lambda e: gone.set() if getattr(getattr(e, "status", None), "state",
                                                            None) == DeviceState.NO_DEVICE else None)
    camera.unplug()
    assert gone.wait(10)
    step, _ = step_for(camera)
    step.take()
    assert step.state == "failed" and step.error == "camera_unavailable"
    camera.plug()
    wait_online(camera)
    camera.place(samples.shot("letter"))
    step.take()
    assert step.state == "review" and step.candidate is not None


class _StuckCamera:
    """A camera that never delivers a page in time (what the driver raises then)."""

    def capture_page(self, timeout: float) -> CapturedPage:
        raise DeviceTimeout(f"no page within {timeout}")


class _BrokenCamera:
    """A camera whose page makes the quality check fail (a bug, not a device fault)."""

    def capture_page(self, timeout: float) -> CapturedPage:
        return CapturedPage(bytearray(b"x"), 1, 1, True, ((0.0, 0.0),) * 4, 1.0,  # type: ignore[arg-type]
                            source_size=(-1, -1))


def test_an_unexpected_failure_ends_in_failed_not_taking(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("kiosk.capture.step.assess", boom)
    step, _ = step_for(_BrokenCamera())  # type: ignore[arg-type]
    step.take()
    assert step.state == "failed" and step.error == "capture_failed" and step.candidate is None


def test_a_camera_not_answering_is_camera_timeout() -> None:
    step, _ = step_for(_StuckCamera(), timeout_s=0.5)  # type: ignore[arg-type]
    step.take()
    assert step.state == "failed" and step.error == "camera_timeout"


def test_the_capture_runs_on_the_given_runner_not_the_caller(
        camera: SimulatedDocumentCamera) -> None:
    queued: list[Callable[[], None]] = []
    camera.place(samples.shot("letter"))
    step = CaptureStep(camera, PageSet(), "authorization", run=queued.append)
    step.take()
    assert step.state == "taking" and len(queued) == 1     # nothing captured on this thread
    step.take()                                            # a second tap while taking: ignored
    assert len(queued) == 1
    queued.pop()()
    assert step.state == "review"


def test_a_page_arriving_after_the_session_ended_is_wiped(
        camera: SimulatedDocumentCamera) -> None:
    queued: list[Callable[[], None]] = []
    camera.place(samples.shot("letter"))
    pages = PageSet()
    step = CaptureStep(camera, pages, "authorization", run=queued.append)
    step.take()
    step.wipe()
    made: list[Page] = []
    original = Page.of

    def spy(*args: object, **kwargs: object) -> Page:
        page = original(*args, **kwargs)  # type: ignore[arg-type]
        made.append(page)
        return page

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Page, "of", spy)
        queued.pop()()
    assert step.candidate is None and step.state == "idle" and len(pages) == 0
    assert len(made) == 1 and made[0].wiped


def test_wipe_zeroes_the_candidate_and_kept_pages(camera: SimulatedDocumentCamera) -> None:
    pages = PageSet()
    step, _ = step_for(camera, pages)
    camera.place(samples.shot("letter"))
    step.take()
    kept = step.candidate
    assert step.keep()
    step.take()
    candidate = step.candidate
    buffer = candidate.jpeg if candidate else bytearray()
    step.wipe()
    assert kept is not None and kept.wiped and candidate is not None and candidate.wiped
    assert len(buffer) == 0 and len(pages) == 0


def test_page_repr_never_shows_bytes_and_pageset_limits() -> None:
    jpeg = bytearray(b"\xff\xd8secret-bytes\xff\xd9")
    page = Page(jpeg, 10, 20, "material", "M01", Quality())
    assert "secret" not in repr(page) and "secret" not in str(page)
    assert page.sha256 == hashlib.sha256(b"\xff\xd8secret-bytes\xff\xd9").hexdigest()
    pages = PageSet()
    for _ in range(MAX_PAGES):
        pages.add(Page(bytearray(b"x"), 1, 1, "material", "M01"))
    with pytest.raises(ValueError):
        pages.add(Page(bytearray(b"x"), 1, 1, "material", "M01"))
    pages.wipe()
    assert len(pages) == 0
    with pytest.raises(ValueError):
        pages.add(page.__class__(bytearray(), 1, 1, "material", sha256="0" * 64))
    with pytest.raises(ValueError):
        Page(bytearray(b"x"), 1, 1, "photo")  # type: ignore[arg-type]
