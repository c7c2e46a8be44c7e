"""On-screen preview of a document before it prints."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from document_samples import BEIJING, issued_mapping
from PIL import Image

from kiosk.printing.documents.a4 import IssuedDocumentData, render_document_pdf
from kiosk.printing.documents.preview import render_preview_png


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_document_pdf(
        IssuedDocumentData.from_mapping(issued_mapping(rows=30)), terminal_id="JC-0001",
        hall_name="晋城市政务服务中心", printed_at=dt.datetime(2026, 11, 23, 9, 31, tzinfo=BEIJING))


def test_preview_is_a_png_of_the_asked_width_in_a4_proportions(pdf: bytes,
                                                               artifacts_dir: Path) -> None:
    png = render_preview_png(pdf)
    second = render_preview_png(pdf, page=1, width_px=600)
    (artifacts_dir / "a4-document-page1.png").write_bytes(png)
    (artifacts_dir / "a4-document-page2.png").write_bytes(render_preview_png(pdf, page=1))

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width == 900
    assert abs(image.height / image.width - 297 / 210) < 0.01
    assert Image.open(io.BytesIO(second)).width == 600


def test_preview_is_not_blank(pdf: bytes) -> None:
    image = Image.open(io.BytesIO(render_preview_png(pdf, width_px=300))).convert("L")
    dark = sum(1 for value in image.getdata() if value < 128)
    assert dark > 0.01 * image.width * image.height


@pytest.mark.parametrize("page", [-1, 2, 99])
def test_preview_of_a_page_the_document_does_not_have_is_refused(pdf: bytes, page: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        render_preview_png(pdf, page=page)


def test_preview_needs_a_positive_width(pdf: bytes) -> None:
    with pytest.raises(ValueError):
        render_preview_png(pdf, width_px=0)
