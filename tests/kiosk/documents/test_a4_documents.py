"""A4 documents: what lands on paper is read back from the PDF itself (pdfium text, a decoded
QR from the rendered page), so a layout that looks right in code but prints wrong fails."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from document_samples import BEIJING, LONG_LATIN, LONG_NAME, issued_mapping
from PIL import Image

from kiosk.printing.documents.a4 import (
    IssuedDocumentData,
    format_verification_code,
    pdf_page_count,
    render_document_pdf,
)
from kiosk.printing.documents.fonts import FontFile, FontUnavailable, load_cjk_font
from kiosk.printing.documents.issued import DocumentTable
from kiosk.printing.documents.preview import render_preview_png
from tests.support.services import PACKAGES, require_files

PRINTED = dt.datetime(2026, 11, 23, 9, 31, 5, tzinfo=BEIJING)


def render(data: IssuedDocumentData, printed_at: dt.datetime = PRINTED) -> bytes:
    return render_document_pdf(data, terminal_id="JC-0001", hall_name="晋城市政务服务中心",
                               printed_at=printed_at)


def page_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        texts = []
        for page in document:
            text = page.get_textpage().get_text_range()
            texts.append(text.replace("\r\n", "\n"))
        return texts
    finally:
        document.close()


@pytest.fixture(scope="module")
def proof() -> IssuedDocumentData:
    return IssuedDocumentData.from_mapping(issued_mapping(rows=30))


@pytest.fixture(scope="module")
def proof_pdf(proof: IssuedDocumentData) -> bytes:
    return render(proof)


def test_thirty_row_proof_runs_to_two_pages(proof_pdf: bytes) -> None:
    assert proof_pdf.startswith(b"%PDF-")
    assert pdf_page_count(proof_pdf) == 2


def test_first_page_carries_title_number_holder_and_verification(proof_pdf: bytes) -> None:
    first = page_texts(proof_pdf)[0]

    assert "城乡居民基本养老保险个人参保缴费证明" in first
    assert "ZM140500-20261123-000123" in first
    assert "张三丰" in first and "11010519491231002X" in first   # the citizen's own proof
    assert "第 1 页 共 2 页" in first
    assert "核验码：K7Q2 M9XP 4T8W B3NZ" in first
    assert "扫码或访问" in first
    assert "https://zwfw.example.gov.cn/verify/ZM140500-20261123-000123?c=K7Q2M9XP4T8WB3NZ" in first
    assert "打印时间：2026-11-23 09:31:05" in first
    assert "JC-0001" in first and "晋城市政务服务中心" in first
    for label, value in (("参保状态", "正常参保"), ("累计缴费月数", "160个月")):
        assert label in first and value in first


def test_every_page_repeats_verification_footer_and_table_header(proof_pdf: bytes) -> None:
    first, second = page_texts(proof_pdf)

    assert "第 2 页 共 2 页" in second
    assert "核验码：K7Q2 M9XP 4T8W B3NZ" in second
    assert "打印时间：2026-11-23 09:31:05" in second
    header = "缴费年度 缴费档次 个人缴费（元） 政府补贴（元） 到账日期"
    assert header in first and header in second
    rows = [f"{1996 + i} 500元 500.00 60.00 {1996 + i}-03-15" for i in range(30)]
    assert all(row in first + second for row in rows)
    assert sum(row in second for row in rows) > 0 and sum(row in first for row in rows) > 0


def test_issuer_validity_and_notes_close_the_document(proof_pdf: bytes) -> None:
    last = page_texts(proof_pdf)[-1]

    assert "出具单位：晋城市社会保险中心" in last
    assert "出具日期：2026年11月23日" in last
    assert "有效期至：2027年02月23日" in last
    assert "1. 本证明自出具之日起三个月内有效。" in last
    assert last.index("备注") < last.index("出具单位")


def test_qr_on_the_printed_page_opens_the_verify_url(proof: IssuedDocumentData,
                                                      proof_pdf: bytes) -> None:
    for page in (0, 1):
        image = Image.open(io.BytesIO(render_preview_png(proof_pdf, page=page, width_px=1240)))
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [proof.verify_url]


def test_same_input_gives_identical_bytes(proof: IssuedDocumentData, proof_pdf: bytes) -> None:
    assert render(proof) == proof_pdf
    # ...and the bytes do depend on the input (a later print is a different document).
    assert render(proof, printed_at=PRINTED + dt.timedelta(seconds=1)) != proof_pdf


def test_bytes_do_not_depend_on_the_process(proof_pdf: bytes) -> None:
    """The print log compares content hashes made at different times, in other processes."""
    here = Path(__file__).parent
    script = (
        "import sys, hashlib, datetime as dt; sys.path[:0] = sys.argv[1:3]\n"
        "from document_samples import BEIJING, issued_mapping\n"
        "from kiosk.printing.documents.a4 import IssuedDocumentData, render_document_pdf\n"
        "pdf = render_document_pdf(IssuedDocumentData.from_mapping(issued_mapping(rows=30)),\n"
        "    terminal_id='JC-0001', hall_name='晋城市政务服务中心',\n"
        "    printed_at=dt.datetime(2026, 11, 23, 9, 31, 5, tzinfo=BEIJING))\n"
        "print(hashlib.sha256(pdf).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    root = here.parents[2]
    result = subprocess.run([sys.executable, "-c", script, str(here), str(root)], cwd=root,
                            capture_output=True, text=True, env=env, timeout=60, check=True)
    assert result.stdout.strip() == hashlib.sha256(proof_pdf).hexdigest()


def test_a_short_document_is_one_page_numbered_one_of_one() -> None:
    data = IssuedDocumentData.from_mapping(issued_mapping(table=None, notes=[], valid_until=None))
    pdf = render(data)
    (text,) = page_texts(pdf)

    assert pdf_page_count(pdf) == 1
    assert "第 1 页 共 1 页" in text
    assert "有效期至" not in text and "备注" not in text


def test_extreme_content_is_all_on_paper(artifacts_dir: Path) -> None:
    data = IssuedDocumentData.from_mapping(issued_mapping(
        rows=0, title=LONG_NAME[:60], paragraphs=[LONG_NAME * 3, LONG_LATIN],
        fields=[{"label": "超长编号", "value": LONG_LATIN},
                {"label": LONG_NAME[:20], "value": "<b>不是标记</b> & 原样显示"}],
        table={"title": "宽表", "columns": [f"列{n}" for n in range(8)],
               "rows": [[LONG_LATIN[:20]] * 8 for _ in range(3)]},
        verification_code="ABCD-EFGH-1234-5678-WXYZ",
    ))
    pdf = render(data)
    text = "".join(page_texts(pdf)).replace("\n", "").replace(" ", "")
    (artifacts_dir / "a4-document-extreme-page1.png").write_bytes(render_preview_png(pdf))

    assert LONG_LATIN in text                      # wrapped, never cut
    assert (LONG_NAME * 3) in text
    assert "<b>不是标记</b>&原样显示" in text
    assert "核验码：ABCDEFGH12345678WXYZ" in text


def test_verification_code_is_grouped_in_fours() -> None:
    assert format_verification_code("K7Q2M9XP4T8WB3NZ") == "K7Q2 M9XP 4T8W B3NZ"
    assert format_verification_code("ab-cd ef-ghi") == "abcd efgh i"


def test_issued_document_from_json_shape(proof: IssuedDocumentData) -> None:
    assert proof.issued_at == dt.datetime(2026, 11, 23, 9, 30, tzinfo=BEIJING)
    assert proof.valid_until == dt.date(2027, 2, 23)
    assert proof.table is not None and len(proof.table.rows) == 30
    assert proof.fields[0].label == "参保状态"
    assert "11010519491231002X" not in repr(proof) and "张三丰" not in repr(proof)


def test_a_table_row_with_the_wrong_number_of_cells_is_refused() -> None:
    with pytest.raises(ValueError, match="row 2"):
        DocumentTable(title="t", columns=("a", "b"), rows=(("1", "2"), ("3",)))


def test_without_a_truetype_cjk_font_documents_cannot_be_made(tmp_path: Path) -> None:
    cff = tmp_path / "NotoSansCJK-Regular.otf"
    cff.write_bytes(b"OTTO" + bytes(200))                # CFF outlines: reportlab refuses
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font")

    with pytest.raises(FontUnavailable) as err:
        load_cjk_font([FontFile(cff), FontFile(junk), FontFile(tmp_path / "missing.ttc")])
    assert "postscript outlines" in str(err.value) and "junk.ttf" in str(err.value)
    assert err.value.code == "cjk_font_missing"
    with pytest.raises(FontUnavailable, match="no candidate file exists"):
        load_cjk_font([FontFile(tmp_path / "missing.ttc")])


def test_a_font_without_chinese_glyphs_is_passed_over() -> None:
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    cjk = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    require_files({latin: PACKAGES["latin-font"], cjk: PACKAGES["cjk-font"]})
    font = load_cjk_font([FontFile(latin), FontFile(cjk)], name="TongbanProbe")
    assert "wqy-microhei" in font.face.filename
