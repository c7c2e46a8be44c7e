"""One thing to photograph (the 授权委托书, one paper material): a small state machine a
flow holds, one per thing, and a capture screen reads.

States: ``idle`` (nothing pending), ``taking`` (the camera works, on the flow's background
runner, never the UI thread), ``review`` (``candidate`` is the last shot with its Quality:
keep it or retake), ``failed`` (``error`` says why: ``camera_unavailable``,
``camera_timeout``, ``capture_failed`` when the camera gave a frame it could not process).
In ``review`` ``error`` is the candidate's first quality problem ("" when good).

Keeping a page with a quality warning: refused unless ``[capture] allow_warned`` (central's
staff cannot ask the citizen to come back and photograph again, so a page that fails a
check is retaken by default); a page with ``no_page`` is never kept. ``keep()`` returns
whether the page was kept.

The flow that holds a step wipes it (``wipe()``) when the session ends, with its PageSet.

Thread-safety: intents come from the UI thread, the capture's result from the runner's
thread; a lock guards the state and ``wipe()`` bumps a generation so that a capture still
running when the session ends has its page wiped, not kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from drivers.errors import (
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    ErrorCode,
    OperationCancelled,
)

from .pages import Kind, Page, PageSet
from .quality import assess
from .settings import CaptureSettings

if TYPE_CHECKING:
    from drivers.contracts import DocumentCamera

log = logging.getLogger(__name__)

Runner = Callable[[Callable[[], None]], None]
STATES = ("idle", "taking", "review", "failed")
DEVICE_ERRORS = ("camera_unavailable", "camera_timeout", "capture_failed")


def _thread_runner(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="capture", daemon=True).start()


class CaptureStep:
    def __init__(
        self,
        camera: DocumentCamera | None,
        pages: PageSet,
        kind: Kind,
        material_code: str | None = None,
        settings: CaptureSettings | None = None,
        run: Runner | None = None,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.camera = camera
        self.kind: Kind = kind
        self.material_code = material_code
        self.settings = settings or CaptureSettings()
        self._set = pages
        self._run = run or _thread_runner   # the flow's background runner, normally
        self._changed = changed
        self._lock = threading.RLock()
        self._generation = 0
        self.state = "idle"
        self.candidate: Page | None = None
        self.error = ""

    # -- reading ---------------------------------------------------------------------------
    def pages(self) -> list[Page]:
        """The pages kept for this thing, in order."""
        return self._set.pages(self.kind, self.material_code)

    @property
    def can_keep(self) -> bool:
        """Whether ``keep()`` would keep the candidate now."""
        with self._lock:
            page = self.candidate
            if self.state != "review" or page is None:
                return False
            problems = page.quality.problems
            return not problems or (self.settings.allow_warned and "no_page" not in problems)

    # -- intents ---------------------------------------------------------------------------
    def take(self) -> None:
        """Photograph what lies on the platen now (any earlier candidate is dropped)."""
        with self._lock:
            if self.state == "taking":
                return
            self._drop_candidate()
            if self.camera is None:
                self.state, self.error = "failed", "camera_unavailable"
                generation = -1
            else:
                self.state, self.error = "taking", ""
                generation = self._generation
        self._changed()
        if generation >= 0:
            self._run(lambda: self._capture(generation))

    def retake(self) -> None:
        self.take()

    def keep(self) -> bool:
        """Add the candidate to the page set (see the module's rule); back to ``idle``."""
        with self._lock:
            if not self.can_keep or self.candidate is None:
                return False
            self._set.add(self.candidate)
            self.candidate = None
            self.state, self.error = "idle", ""
        self._changed()
        return True

    def discard(self) -> None:
        """Drop the candidate (or the failure) without keeping anything."""
        with self._lock:
            if self.state == "taking":
                return
            self._drop_candidate()
            self.state, self.error = "idle", ""
        self._changed()

    def remove(self, index: int) -> None:
        """Drop (and wipe) this thing's kept page number ``index`` (0-based, of ``pages()``)."""
        page = self.pages()[index]
        self._set.discard(page)
        self._changed()

    def wipe(self) -> None:
        """Session end: drop the candidate and this thing's kept pages, forget a capture
        still running (its page is wiped when it arrives)."""
        with self._lock:
            self._generation += 1
            self._drop_candidate()
            self.state, self.error = "idle", ""
        for page in self.pages():
            self._set.discard(page)

    # -- the work --------------------------------------------------------------------------
    def _capture(self, generation: int) -> None:
        page: Page | None = None
        error = ""
        camera = self.camera
        try:
            if camera is None:
                raise DeviceUnavailable("no camera", ErrorCode.NO_DEVICE)
            captured = camera.capture_page(self.settings.timeout_s)
            try:
                quality = assess(captured, self.settings)
                page = Page.of(captured, self.kind, self.material_code, quality)
            finally:
                captured.wipe()
        except DeviceTimeout:
            error = "camera_timeout"
        except (DeviceUnavailable, OperationCancelled):
            error = "camera_unavailable"
        except DeviceError as err:
            error = "capture_failed" if err.code == ErrorCode.DEVICE_ERROR else "camera_unavailable"
        except Exception:   # a bug here must not leave the screen on "taking" for ever
            log.exception("capture failed unexpectedly")
            error = "capture_failed"
        with self._lock:
            if generation != self._generation:
                if page is not None:
                    page.wipe()
                return
            if page is None:
                self.state, self.error = "failed", error
            else:
                self.candidate = page
                self.state, self.error = "review", page.quality.first
        self._changed()

    def _drop_candidate(self) -> None:
        if self.candidate is not None:
            self.candidate.wipe()
            self.candidate = None
