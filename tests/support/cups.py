"""The simulated A4 printer for tests: start it, make a proof-like PDF, read printed pages.

    sim = start_simulated_cups()          # private cupsd in a fresh /tmp dir
    try: ...
    finally: stop_simulated_cups(sim)     # stops cupsd (by PID), removes the dir

The root is a mkdtemp dir under /tmp rather than pytest's tmp_path: CUPS filters run as
user lp, and pytest's base dir (/tmp/pytest-of-root, 0700) is closed to lp.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from drivers.a4.sim_backend import CUPS_PDF
from drivers.a4.sim_cups import CUPS_PDF_PPD, CUPSD, SimulatedCups
from tests.support.services import PACKAGES, Missing, require

WQY_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def cups_missing() -> Missing | None:
    """What the simulated printer lacks here (with its Debian package), or None when it can run."""
    if not Path(CUPSD).exists():
        return Missing(f"{CUPSD} not installed", PACKAGES["cupsd"])
    if not Path(CUPS_PDF).exists() or not CUPS_PDF_PPD.exists():
        return Missing(f"cups-pdf ({CUPS_PDF}, {CUPS_PDF_PPD}) not installed", PACKAGES["cups-pdf"])
    if os.geteuid() != 0:
        return Missing("the simulated A4 printer runs a private cupsd, which needs root", None)
    return None


def cups_unavailable_reason() -> str | None:
    """Why the simulated printer cannot run here, or None when it can."""
    missing = cups_missing()
    return None if missing is None else str(missing)


def require_simulated_cups() -> None:
    """In a test or fixture: skip when the simulated printer cannot run (fail under CI=true)."""
    require(cups_missing())


def start_simulated_cups(queue: str = "tongban-a4", print_delay: float = 0.0) -> SimulatedCups:
    root = tempfile.mkdtemp(prefix="tongban-cups-")
    sim = SimulatedCups(root, queue=queue, print_delay=print_delay)
    try:
        sim.start()
    except BaseException:
        sim.stop()
        shutil.rmtree(root, ignore_errors=True)
        raise
    return sim


def stop_simulated_cups(sim: SimulatedCups) -> None:
    sim.stop()
    shutil.rmtree(sim.root_dir, ignore_errors=True)


def simulated_cups_fixture() -> Iterator[SimulatedCups]:
    """Body of a pytest fixture: a running simulated A4 printer, or a skip saying why not
    (a failure under CI=true)."""
    require_simulated_cups()
    sim = start_simulated_cups()
    try:
        yield sim
    finally:
        stop_simulated_cups(sim)


def make_proof_pdf(qr_payload: str, pages: int = 1, text: str = "居民户籍证明") -> bytes:
    """An A4 PDF with Chinese text (WenQuanYi, embedded) and a QR code on the first page."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", str(WQY_FONT), subfontIndex=0))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    for number in range(1, pages + 1):
        page.setFont("wqy", 22)
        page.drawString(25 * mm, height - 35 * mm, text)
        page.setFont("wqy", 12)
        page.drawString(25 * mm, height - 50 * mm, f"通办自助终端 第 {number} 页 共 {pages} 页")
        if number == 1:
            widget = QrCodeWidget(qr_payload)
            left, bottom, right, top = widget.getBounds()
            size = 50 * mm
            drawing = Drawing(size, size, transform=[size / (right - left), 0, 0,
                                                     size / (top - bottom), 0, 0])
            drawing.add(widget)
            renderPDF.draw(drawing, page, 25 * mm, height - 120 * mm)
        page.showPage()
    page.save()
    return buffer.getvalue()


def render_pages(pdf: Path, out_dir: Path, dpi: int = 150) -> list[Path]:
    """``pdftoppm -r DPI -png``: one PNG per page, in order."""
    prefix = out_dir / pdf.stem
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)],
        check=True, capture_output=True, timeout=60,
    )
    return sorted(out_dir.glob(f"{pdf.stem}*.png"))


def differing_fraction(first: Path, second: Path) -> float:
    """Share of pixels that differ strongly (ink vs paper) between two renderings."""
    from PIL import Image, ImageChops

    with Image.open(first) as a_image, Image.open(second) as b_image:
        a = a_image.convert("L")
        b = b_image.convert("L").resize(a.size)  # pdftoppm may round the size differently
    histogram = ImageChops.difference(a, b).histogram()
    return sum(histogram[129:]) / (a.size[0] * a.size[1])


def ink_in(png: Path, box_mm: tuple[float, float, float, float], dpi: int = 150) -> int:
    """Dark pixels in the box (left, top, right, bottom in mm from the top-left corner)."""
    from PIL import Image

    scale = dpi / 25.4
    with Image.open(png) as image:
        region = image.convert("L").crop(tuple(round(v * scale) for v in box_mm))
        return sum(region.histogram()[:128])


def decode_qr(png: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    with Image.open(png) as image:
        return [result.text for result in zxingcpp.read_barcodes(image)]
