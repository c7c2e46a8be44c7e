"""On-screen preview of a PDF page as PNG, rendered with pdfium (the citizen sees page 1
before it prints). The PNG is returned in memory: a preview of a certificate holds the
holder's identity and must not be written to disk."""

from __future__ import annotations

import io

import pypdfium2 as pdfium


def render_preview_png(pdf: bytes, page: int = 0, width_px: int = 900) -> bytes:
    """PNG of page ``page`` (0-based) scaled to ``width_px`` pixels wide.
    Raises ValueError for a bad page or width, pypdfium2's PdfiumError for a bad PDF.
    pdfium is not thread-safe: call it from one thread at a time."""
    if width_px <= 0:
        raise ValueError(f"width_px must be positive, got {width_px}")
    document = pdfium.PdfDocument(pdf)
    try:
        if not 0 <= page < len(document):
            raise ValueError(f"page {page} out of range: the PDF has {len(document)} page(s)")
        pdf_page = document[page]
        try:
            bitmap = pdf_page.render(scale=width_px / pdf_page.get_width())
            image = bitmap.to_pil()
            out = io.BytesIO()
            image.save(out, format="PNG")
            return out.getvalue()
        finally:
            pdf_page.close()
    finally:
        document.close()
