"""A4 layout of an issued document (证明, 证照打印件) as a PDF, with reportlab platypus.

The body flows over as many pages as it needs (a long table repeats its header row); every
page carries the verification block (QR of ``verify_url`` and the code in groups of four),
"第 X 页 共 Y 页", and when and where it was printed. The total page count is only known at
the end, so pages are kept and decorated when the canvas is saved.

The output is byte-for-byte the same for the same input (reportlab's invariant mode: no
creation date, fixed document id), so its SHA-256 identifies the content in the print log.
Times (打印时间, 出具日期) are the hall's wall time in the ``zone`` given (kiosk/hall_time.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from typing import Any
from xml.sax.saxutils import escape

import pypdfium2 as pdfium
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from kiosk import hall_time
from kiosk.printing.documents.fonts import cjk_font_name
from kiosk.printing.documents.issued import DocumentField, DocumentTable, Holder, IssuedDocumentData

__all__ = [
    "DocumentField",
    "DocumentTable",
    "Holder",
    "IssuedDocumentData",
    "format_verification_code",
    "pdf_page_count",
    "render_document_pdf",
]

PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 54 * mm         # room for the verification footer on every page
CONTENT_W = PAGE_W - 2 * MARGIN_X
QR_SIZE = 28 * mm
QR_Y = 16 * mm
GREY = colors.HexColor("#555555")
LINE = colors.HexColor("#999999")
LABEL_BG = colors.HexColor("#F0F0F0")


def format_verification_code(code: str) -> str:
    """``ABCD1234EFGH`` -> ``ABCD 1234 EFGH``: groups of four are easier to type."""
    compact = "".join(code.split()).replace("-", "")
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy wrap at any character: footer lines hold URLs and CJK, neither has spaces."""
    lines: list[str] = []
    line = ""
    for ch in text:
        if line and stringWidth(line + ch, font, size) > width:
            lines.append(line)
            line = ""
        line += ch
    if line:
        lines.append(line)
    return lines


class _PageDecor:
    """Running header (pages after the first) and the footer of every page."""

    def __init__(self, data: IssuedDocumentData, font: str, terminal_id: str,
                 hall_name: str, printed_at: dt.datetime, zone: dt.tzinfo) -> None:
        self.data = data
        self.font = font
        self.printed = (f"打印时间：{hall_time.seconds_text(printed_at, zone)}    终端编号：{terminal_id}"
                        f"    服务大厅：{hall_name}")
        widget = QrCodeWidget(data.verify_url, barLevel="M", barBorder=0,
                              barWidth=QR_SIZE, barHeight=QR_SIZE)
        self.qr = Drawing(QR_SIZE, QR_SIZE)
        self.qr.add(widget)

    def draw(self, canv: Canvas, page: int, total: int) -> None:
        canv.saveState()
        if page > 1:
            self._header(canv)
        self._footer(canv, page, total)
        canv.restoreState()

    def _header(self, canv: Canvas) -> None:
        y = PAGE_H - 13 * mm
        canv.setFont(self.font, 9)
        canv.setFillColor(GREY)
        number = f"编号：{self.data.document_number}"
        canv.drawRightString(PAGE_W - MARGIN_X, y, number)
        room = CONTENT_W - stringWidth(number, self.font, 9) - 8 * mm
        canv.drawString(MARGIN_X, y, _wrap(self.data.title, self.font, 9, room)[0])
        canv.setStrokeColor(LINE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, y - 2.5 * mm, PAGE_W - MARGIN_X, y - 2.5 * mm)

    def _footer(self, canv: Canvas, page: int, total: int) -> None:
        top = QR_Y + QR_SIZE + 4 * mm
        canv.setStrokeColor(LINE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, top, PAGE_W - MARGIN_X, top)
        renderPDF.draw(self.qr, canv, MARGIN_X, QR_Y)

        x = MARGIN_X + QR_SIZE + 6 * mm
        width = PAGE_W - MARGIN_X - x
        pages = f"第 {page} 页 共 {total} 页"
        y = QR_Y + QR_SIZE - 4 * mm
        canv.setFillColor(colors.black)
        canv.setFont(self.font, 10)
        canv.drawRightString(PAGE_W - MARGIN_X, y, pages)
        canv.setFont(self.font, 11)
        code = format_verification_code(self.data.verification_code)
        canv.drawString(x, y, f"核验码：{code}")

        canv.setFont(self.font, 8.5)
        y -= 6 * mm
        # The URL gets lines of its own so a reader can type it without a stray word.
        lines = ["扫码或访问以下网址核验本文书真伪："]
        lines += _wrap(self.data.verify_url, self.font, 8.5, width)[:2]
        for line in lines:
            canv.drawString(x, y, line)
            y -= 4 * mm
        canv.setFillColor(GREY)
        canv.drawString(x, y - 1 * mm, f"文书编号：{self.data.document_number}")

        canv.setFont(self.font, 7.5)
        y = 10 * mm
        for line in _wrap(self.printed, self.font, 7.5, CONTENT_W)[:2]:
            canv.drawString(MARGIN_X, y, line)
            y -= 3.4 * mm


class _DecoratedCanvas(Canvas):
    """Keeps every page until ``save`` so the footer can say how many pages there are."""

    def __init__(self, *args: Any, decor: _PageDecor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._decor = decor
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab calls it at each page end
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            self._decor.draw(self, number, total)
            super().showPage()
        super().save()


class _Styles:
    def __init__(self, font: str) -> None:
        base = ParagraphStyle("base", fontName=font, fontSize=11, leading=17, wordWrap="CJK")
        self.title = ParagraphStyle("title", base, fontSize=20, leading=28, alignment=TA_CENTER,
                                    spaceAfter=3)
        self.number = ParagraphStyle("number", base, fontSize=10, leading=14,
                                     alignment=TA_CENTER, textColor=GREY, spaceAfter=12)
        self.label = ParagraphStyle("label", base, fontSize=10.5, leading=15)
        self.value = ParagraphStyle("value", base, fontSize=10.5, leading=15)
        self.body = ParagraphStyle("body", base, leading=19, firstLineIndent=22, spaceBefore=3)
        self.heading = ParagraphStyle("heading", base, fontSize=12, leading=17,
                                      spaceBefore=10, spaceAfter=5)
        self.cell = ParagraphStyle("cell", base, fontSize=9.5, leading=13)
        self.note = ParagraphStyle("note", base, fontSize=9.5, leading=14, textColor=GREY)
        self.issuer = ParagraphStyle("issuer", base, fontSize=11.5, leading=20,
                                     alignment=TA_RIGHT)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _info_table(holder: Holder, fields: tuple[DocumentField, ...], st: _Styles) -> LongTable:
    rows = [("姓名", holder.name), ("证件号码", holder.id_number)]
    rows += [(f.label, f.value) for f in fields]
    table = LongTable([[_p(k, st.label), _p(v, st.value)] for k, v in rows],
                      colWidths=[34 * mm, CONTENT_W - 34 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _data_table(table: DocumentTable, st: _Styles) -> list[Flowable]:
    width = CONTENT_W / len(table.columns)
    cells = [[_p(c, st.cell) for c in table.columns]]
    cells += [[_p(c, st.cell) for c in row] for row in table.rows]
    grid = LongTable(cells, colWidths=[width] * len(table.columns), repeatRows=1)
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    flow: list[Flowable] = []
    if table.title:
        flow.append(_p(table.title, st.heading))
    flow.append(grid)
    return flow


def _story(data: IssuedDocumentData, st: _Styles, zone: dt.tzinfo) -> list[Flowable]:
    story: list[Flowable] = [
        _p(data.title, st.title),
        _p(f"文书编号：{data.document_number}", st.number),
        _info_table(data.holder, data.fields, st),
        Spacer(1, 4 * mm),
    ]
    story += [_p(text, st.body) for text in data.paragraphs]
    if data.table is not None:
        story += _data_table(data.table, st)
    if data.notes:
        story.append(_p("备注", st.heading))
        story += [_p(f"{i}. {note}", st.note) for i, note in enumerate(data.notes, 1)]
    closing = [Spacer(1, 10 * mm), _p(f"出具单位：{data.issuer}", st.issuer),
               _p(f"出具日期：{hall_time.date_text(data.issued_at, zone)}", st.issuer)]
    if data.valid_until is not None:
        closing.append(_p(f"有效期至：{data.valid_until:%Y年%m月%d日}", st.issuer))
    story.append(KeepTogether(closing))
    return story


def render_document_pdf(
    doc: IssuedDocumentData, *, terminal_id: str, hall_name: str, printed_at: dt.datetime,
    zone: dt.tzinfo | None = None,
) -> bytes:
    """The A4 PDF of ``doc``, its times in the hall's ``zone`` (Asia/Shanghai when not
    given). Raises FontUnavailable when no CJK TrueType font exists.
    The PDF holds the holder's identity in full: keep it in memory, never in a temp file."""
    zone = hall_time.default_zone() if zone is None else zone
    font = cjk_font_name()
    buf = io.BytesIO()
    template = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, invariant=1, pageCompression=1,
        title=doc.title, author=doc.issuer, subject=f"{doc.kind} {doc.proof_code}".strip(),
        creator="Tongban Kiosk", initialFontName=font,
    )
    decor = _PageDecor(doc, font, terminal_id, hall_name, printed_at, zone)
    template.build(_story(doc, _Styles(font), zone),
                   canvasmaker=functools.partial(_DecoratedCanvas, decor=decor))
    return buf.getvalue()


def pdf_page_count(pdf: bytes) -> int:
    """Number of pages of a PDF (raises pypdfium2's PdfiumError if it is not one)."""
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()
