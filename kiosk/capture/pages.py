"""Photographed pages held in memory for one session, numbered for the application.

A ``Page`` owns its JPEG in a ``bytearray`` so ``wipe()`` can zero it; its ``sha256`` and
``size`` are what the application names (``EvidenceRef``) and what central checks the
upload against. Nothing here writes a file; ``repr`` never shows the bytes.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Literal

from drivers.doccam.model import CapturedPage
from kiosk.central_api.models import EvidenceRef

from .quality import Quality

Kind = Literal["authorization", "material"]
MAX_PAGES = 40     # ApplicationIn.evidence holds at most 40 pages (docs/casework.md §5)


@dataclass(eq=False)
class Page:
    jpeg: bytearray = field(repr=False)
    width: int
    height: int
    kind: Kind
    material_code: str | None = None
    quality: Quality = Quality()
    sha256: str = ""
    size: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("authorization", "material"):
            raise ValueError(f"unknown page kind {self.kind!r}")
        if not self.sha256:
            self.sha256 = hashlib.sha256(self.jpeg).hexdigest()
            self.size = len(self.jpeg)

    @classmethod
    def of(cls, captured: CapturedPage, kind: Kind, material_code: str | None,
           quality: Quality) -> Page:
        """Take over ``captured``'s JPEG (the captured page is left wiped)."""
        jpeg = bytearray(captured.jpeg)
        captured.wipe()
        return cls(jpeg, captured.width, captured.height, kind, material_code, quality)

    def __repr__(self) -> str:
        state = f"{self.size} bytes" if self.jpeg else "wiped"
        return (f"Page({self.kind}, {self.material_code!r}, {self.width}x{self.height}, "
                f"sha256={self.sha256[:12]}…, {state})")

    __str__ = __repr__

    @property
    def wiped(self) -> bool:
        return not self.jpeg

    def wipe(self) -> None:
        """Zero the JPEG and drop it; the hash and size (no image) stay."""
        self.jpeg[:] = bytes(len(self.jpeg))
        del self.jpeg[:]


class PageSet:
    """The session's kept pages in the order taken; thread-safe (the camera's work adds,
    the UI thread removes)."""

    def __init__(self) -> None:
        self._pages: list[Page] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._pages)

    def add(self, page: Page) -> int:
        """Keep ``page``; its index in the set. ValueError past MAX_PAGES or if wiped."""
        if page.wiped:
            raise ValueError("a wiped page cannot be kept")
        with self._lock:
            if len(self._pages) >= MAX_PAGES:
                raise ValueError(f"at most {MAX_PAGES} pages per application")
            self._pages.append(page)
            return len(self._pages) - 1

    def remove(self, index: int) -> None:
        """Drop (and wipe) the page at ``index`` of the whole set."""
        with self._lock:
            page = self._pages.pop(index)
        page.wipe()

    def discard(self, page: Page) -> None:
        """Drop (and wipe) ``page`` if it is in the set."""
        with self._lock:
            kept = [p for p in self._pages if p is not page]
            found = len(kept) != len(self._pages)
            self._pages = kept
        if found:
            page.wipe()

    def pages(self, kind: Kind | None = None, material_code: str | None = None) -> list[Page]:
        """The kept pages, of ``kind`` (and ``material_code``) when given, in order."""
        with self._lock:
            return [p for p in self._pages
                    if (kind is None or p.kind == kind)
                    and (material_code is None or p.material_code == material_code)]

    def refs(self) -> list[EvidenceRef]:
        """What the application names: the pages numbered 1.. in the order kept."""
        return [
            EvidenceRef(page=i, kind=p.kind, material_code=p.material_code, sha256=p.sha256,
                        size=p.size)
            for i, p in enumerate(self.pages(), start=1)
        ]

    def wipe(self) -> None:
        with self._lock:
            pages, self._pages = self._pages, []
        for page in pages:
            page.wipe()
