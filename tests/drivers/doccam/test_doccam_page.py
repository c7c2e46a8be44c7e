"""Page processing: a photographed page comes out found, upright, whole and compact.

GIVEN a synthetic A4 page (Chinese text, a black marker square near each corner and an
orientation tab right of the top-left one) turned and tilted on a dark desk,
WHEN the frame is processed,
THEN the page is found where it really is, comes out as an upright rectangle with the
page's aspect, keeps every marker (nothing cut) and is a JPEG of bounded size.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from doccam_helpers import assert_all_markers_present, decode, ink

from drivers.doccam.model import CapturedPage
from drivers.doccam.outline import order_corners
from drivers.doccam.page import PageSettings, process_frame, snap_aspect
from drivers.doccam.synth import (
    A4_LANDSCAPE_MM,
    ID_CARD_MM,
    SyntheticFrame,
    desk,
    synthetic_frame,
)

MAX_A4_JPEG = 500 * 1024


@pytest.mark.parametrize(
    ("angle", "tilt"),
    [(5.0, (0.0, 0.0)), (-12.0, (6.0, -4.0)), (30.0, (0.0, 8.0)), (0.0, (12.0, -10.0))],
    ids=["5deg", "-12deg-tilted", "30deg-tilted", "square-steep-tilt"],
)
def test_a_turned_and_tilted_a4_page_comes_out_upright_whole_and_compact(
    angle: float, tilt: tuple[float, float]
) -> None:
    shot = synthetic_frame(angle, tilt)

    page = process_frame(shot.frame)

    assert page.found_edges
    _assert_corners_match(page, shot)
    assert page.height > page.width                          # portrait stays portrait
    assert page.width / page.height == pytest.approx(210 / 297, rel=0.02)
    assert page.paper == "iso_a"
    image = decode(page)
    assert image.shape[:2] == (page.height, page.width)
    assert_all_markers_present(image)
    assert len(page.jpeg) < MAX_A4_JPEG


def test_the_aspect_comes_from_the_geometry_not_from_snapping_to_a4() -> None:
    # Snapping off: what remains is the perspective-corrected measurement itself.
    shot = synthetic_frame(-12.0, (10.0, -8.0))

    page = process_frame(shot.frame, PageSettings(snap_tolerance=0.0))

    assert page.paper == ""
    assert page.width / page.height == pytest.approx(210 / 297, rel=0.01)


def test_a_landscape_page_comes_out_landscape() -> None:
    shot = synthetic_frame(-8.0, (8.0, 0.0), size_mm=A4_LANDSCAPE_MM)

    page = process_frame(shot.frame)

    assert page.found_edges
    assert page.width / page.height == pytest.approx(297 / 210, rel=0.02)
    assert_all_markers_present(decode(page))


def test_an_id_card_comes_out_with_the_id_1_aspect_and_is_not_blown_up() -> None:
    shot = synthetic_frame(10.0, size_mm=ID_CARD_MM, fill=0.6)
    settings = PageSettings(max_upscale=1.5)

    page = process_frame(shot.frame, settings)

    assert page.found_edges
    assert page.paper == "id_card"
    assert page.width / page.height == pytest.approx(85.6 / 54.0, rel=0.02)
    seen_width = np.linalg.norm(np.subtract(shot.corners[1], shot.corners[0]))
    assert page.width <= seen_width * settings.max_upscale + 2
    assert_all_markers_present(decode(page))


def test_an_empty_desk_gives_the_whole_frame_without_edges() -> None:
    frame = desk((1600, 1200), seed=3)

    page = process_frame(frame)

    assert not page.found_edges
    assert page.corners == ((0.0, 0.0), (1599.0, 0.0), (1599.0, 1199.0), (0.0, 1199.0))
    assert page.width / page.height == pytest.approx(1600 / 1200, rel=0.01)
    assert decode(page).shape[:2] == (page.height, page.width)


def test_a_page_smaller_than_the_minimum_area_is_not_taken_for_a_page() -> None:
    shot = synthetic_frame(5.0, size_mm=ID_CARD_MM, fill=0.3)   # ~7 % of the frame

    assert not process_frame(shot.frame, PageSettings(min_area_ratio=0.2)).found_edges
    assert process_frame(shot.frame, PageSettings(min_area_ratio=0.04)).found_edges


def test_the_long_side_and_quality_settings_bound_the_output() -> None:
    shot = synthetic_frame(5.0, frame_size=(2592, 1944), fill=0.9)

    big = process_frame(shot.frame, PageSettings(long_side=2000))
    small = process_frame(shot.frame, PageSettings(long_side=1000, jpeg_quality=60))

    assert big.height == 2000
    assert small.height == 1000
    assert len(small.jpeg) < len(big.jpeg)
    assert len(big.jpeg) < MAX_A4_JPEG


def test_enhancement_turns_a_dim_yellow_page_white_and_neutral() -> None:
    shot = synthetic_frame(3.0)
    dim_yellow = (shot.frame.astype(np.float32) * np.array([0.55, 0.7, 0.8])).astype(np.uint8)

    plain = decode(process_frame(dim_yellow, PageSettings(enhance=False)))
    enhanced = decode(process_frame(dim_yellow, PageSettings(enhance=True)))

    def paper(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]    # a blank band between the table and the seal
        return np.median(image[int(h * 0.72):int(h * 0.8), int(w * 0.2):int(w * 0.5)]
                         .reshape(-1, 3), axis=0)

    assert paper(plain).min() < 200
    assert paper(enhanced).min() > 235
    assert np.ptp(paper(enhanced)) < 8            # neutral: no colour cast left
    assert ink(enhanced) < 110                     # the text stays dark


def test_wipe_zeroes_and_drops_the_jpeg_and_repr_never_shows_it() -> None:
    page = process_frame(synthetic_frame(5.0).frame)
    buffer = page.jpeg
    assert "bytes" in repr(page) and "\\x" not in repr(page)

    page.wipe()

    assert page.wiped and len(buffer) == 0 and "wiped" in repr(page)


def test_corners_are_ordered_from_the_pages_top_left_clockwise() -> None:
    # A 300 x 400 page turned 40 degrees clockwise about (400, 300), corners shuffled:
    # its top-left corner is the topmost point, its top side runs down to the right.
    tl, tr, br, bl = (413.7, 50.4), (643.5, 243.2), (386.3, 549.6), (156.5, 356.8)

    ordered = order_corners([br, tl, bl, tr])

    np.testing.assert_allclose(ordered, [tl, tr, br, bl], atol=0.01)
    # Turned 40 degrees anticlockwise instead (mirror image): the leftmost point.
    mirrored = [(800 - x, y) for x, y in (tr, tl, bl, br)]
    np.testing.assert_allclose(order_corners(mirrored[::-1]), mirrored, atol=0.01)


@pytest.mark.parametrize(
    ("measured", "expected", "paper"),
    [(0.70, math.sqrt(0.5), "iso_a"), (1.57, 85.6 / 54, "id_card"), (1.2, 1.2, "")],
)
def test_an_aspect_close_to_a_known_paper_format_snaps_to_it(
    measured: float, expected: float, paper: str
) -> None:
    assert snap_aspect(measured, 0.03) == (pytest.approx(expected), paper)


def test_out_of_range_settings_are_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="jpeg_quality"):
        PageSettings(jpeg_quality=5)


# -- helpers ---------------------------------------------------------------------------------


def _assert_corners_match(page: CapturedPage, shot: SyntheticFrame) -> None:
    found = np.array(page.corners)
    true = np.array(shot.corners)
    assert np.abs(found - true).max() < 3.0, f"found {found.round(1)} true {true.round(1)}"
