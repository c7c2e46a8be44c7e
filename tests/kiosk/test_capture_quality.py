"""Quality verdicts on synthetic document-camera frames (drivers/doccam/samples.py) run
through the real page pipeline (drivers/doccam/page.py process_frame): a sharp page passes,
a blurred one is ``blurred``, a lamp's reflection is ``glare``, a page off the platen is
``cut_off``, an empty desk is ``no_page``. The measured figures are asserted with margins
so a change of the driver or of the thresholds that closes the gap fails here."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from drivers.doccam import samples, synth
from drivers.doccam.model import CapturedPage
from drivers.doccam.page import process_frame
from kiosk.capture.quality import Quality, assess, glare_share
from kiosk.capture.settings import CaptureSettings
from kiosk.config import KioskConfig

SETTINGS = CaptureSettings()


def verdict(frame: np.ndarray) -> tuple[CapturedPage, Quality]:
    page = process_frame(frame)
    return page, assess(page, SETTINGS)


@pytest.mark.parametrize("name", ["letter", "letter2", "contract"])
def test_a_sharp_flat_page_passes_with_margin(name: str) -> None:
    page, quality = verdict(samples.shot(name))
    assert quality.ok and quality.problems == ()
    assert page.sharpness > 2 * SETTINGS.min_sharpness          # measured 170-220
    assert quality.glare < SETTINGS.max_glare / 3                # measured ~0.4 %


def test_a_tilted_turned_page_passes() -> None:
    _, quality = verdict(synth.synthetic_frame(-8.0, (5.0, 3.0), seed=3).frame)
    assert quality.ok, quality


def test_a_blurred_page_is_blurred_only() -> None:
    page, quality = verdict(samples.shot("letter", "blurred"))
    assert quality.problems == ("blurred",)
    assert page.sharpness < SETTINGS.min_sharpness / 2            # measured ~23


def test_a_lamp_reflection_is_glare_only() -> None:
    _, quality = verdict(samples.shot("contract", "glare"))
    assert quality.problems == ("glare",)
    assert quality.glare > 3 * SETTINGS.max_glare                 # measured ~14 %


def test_a_page_running_off_the_platen_is_cut_off() -> None:
    page, quality = verdict(samples.shot("letter", "cut"))
    assert "cut_off" in quality.problems
    assert quality.first == "cut_off"
    width, height = page.source_size
    assert any(y <= 0.01 * height or y >= 0.99 * height for _, y in page.corners)


def test_a_page_filling_the_frame_without_outline_is_cut_off_not_empty() -> None:
    flat = cv2.resize(samples.document_page("contract"), (1600, 1200))
    noisy = np.clip(flat.astype(np.float32)
                    + np.random.default_rng(1).normal(0, 3, flat.shape), 0, 255).astype(np.uint8)
    page, quality = verdict(noisy)
    assert not page.found_edges
    assert "cut_off" in quality.problems and "no_page" not in quality.problems


def test_an_empty_desk_is_no_page_and_nothing_else() -> None:
    page, quality = verdict(synth.desk())
    assert not page.found_edges
    assert quality.problems == ("no_page",)


def test_a_corner_near_the_frame_edge_is_cut_off_even_with_an_outline() -> None:
    jpeg = process_frame(samples.shot("letter")).jpeg      # a good page's pixels
    page = CapturedPage(jpeg, 1240, 1754, True,
                        ((5.0, 100.0), (900.0, 100.0), (900.0, 1100.0), (100.0, 1100.0)),
                        200.0, "iso_a", (1600, 1200))
    assert assess(page, SETTINGS).problems == ("cut_off",)
    inside = CapturedPage(bytearray(page.jpeg), 1240, 1754, True,
                          ((20.0, 100.0), (900.0, 100.0), (900.0, 1100.0), (100.0, 1100.0)),
                          200.0, "iso_a", (1600, 1200))
    assert assess(inside, SETTINGS).ok


def test_a_wiped_or_undecodable_page_is_no_page() -> None:
    page = process_frame(samples.shot("letter"))
    page.wipe()
    assert assess(page, SETTINGS).problems == ("no_page",)
    junk = CapturedPage(bytearray(b"not a jpeg"), 10, 10, True,
                        ((1.0, 1.0), (9.0, 1.0), (9.0, 9.0), (1.0, 9.0)), 500.0, "", (100, 100))
    assert assess(junk, SETTINGS).problems == ("no_page",)


def test_thresholds_come_from_the_settings() -> None:
    page = process_frame(samples.shot("letter", "blurred"))
    assert assess(page, CaptureSettings(min_sharpness=5.0)).ok
    glared = process_frame(samples.shot("contract", "glare"))
    assert assess(glared, CaptureSettings(max_glare=0.5)).ok


def test_glare_share_counts_flat_white_only() -> None:
    grain = np.clip(np.random.default_rng(2).normal(246, 2.5, (200, 200)), 0, 255).astype(np.uint8)
    assert glare_share(grain) < 0.01
    grain[50:150, 50:150] = 250
    assert 0.15 < glare_share(grain) < 0.30        # the 100 x 100 patch, less its border


def test_the_capture_section_is_part_of_the_kiosk_config() -> None:
    fields = KioskConfig.model_fields
    assert fields["capture"].default == CaptureSettings()
    with pytest.raises(ValueError):
        CaptureSettings(max_glare=0.0)
    with pytest.raises(ValueError):
        CaptureSettings(jpeg_quality=101)
