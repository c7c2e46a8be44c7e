"""What a document camera capture yields. Held in memory only, wiped by its owner.

Pages are citizens' documents (ID card copies, household registers, certificates): the
driver never writes them to disk, and the JPEG lives in a ``bytearray`` so that ``wipe()``
can zero it before releasing it, as the ID card's raw buffers are.
"""

from __future__ import annotations

from dataclasses import dataclass

Point = tuple[float, float]
Corners = tuple[Point, Point, Point, Point]


@dataclass(eq=False)
class CapturedPage:
    """One processed page. ``repr`` never shows the image bytes.

    ``corners`` are where the page was found in the source frame, in the page's own order
    top-left, top-right, bottom-right, bottom-left (the whole frame's corners when
    ``found_edges`` is False). ``sharpness`` is the variance of the Laplacian of the chosen
    frame at detection scale: higher is sharper, a few tens means a blurred, moving page.
    ``paper`` names the format the page's aspect was snapped to ("iso_a" for A3/A4/A5,
    "id_card" for ID-1 cards ...), "" when it kept its measured aspect.
    """

    jpeg: bytearray
    width: int
    height: int
    found_edges: bool
    corners: Corners
    sharpness: float
    paper: str = ""
    source_size: tuple[int, int] = (0, 0)   # (width, height) of the camera frame

    def __repr__(self) -> str:
        state = f"{len(self.jpeg)} bytes" if self.jpeg else "wiped"
        return (
            f"CapturedPage({self.width}x{self.height}, found_edges={self.found_edges}, "
            f"paper={self.paper!r}, sharpness={self.sharpness:.0f}, {state})"
        )

    __str__ = __repr__

    @property
    def wiped(self) -> bool:
        return not self.jpeg

    def wipe(self) -> None:
        """Zero the JPEG bytes and drop them; the geometry (no personal data) stays."""
        self.jpeg[:] = bytes(len(self.jpeg))
        del self.jpeg[:]
