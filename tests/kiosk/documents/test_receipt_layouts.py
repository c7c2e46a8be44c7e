"""Receipt layouts: what a citizen holds after applying, queueing, or a technician's test.

The driver that prints these is tested on its own; here the blocks are checked: every piece
of information is there, the applicant is masked, QR contents are what a scan expects, the
print-log number is set, and no layout pads or measures lines (the driver wraps).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from document_samples import (
    LONG_LATIN,
    LONG_NAME,
    SUBMITTED,
    block_lines,
    make_item,
    pairs,
    printed_text,
    qr_codes,
)

from drivers.receipt.model import Pair, ReceiptDocument, Text
from kiosk.central_api.models import Application
from kiosk.printing.documents import receipts
from kiosk.printing.documents.receipts import (
    ApplicationReceiptData,
    application_lookup_code,
    application_receipt,
    parse_application_lookup_code,
    queue_ticket,
)

NAME, ID_NUMBER = "张三丰", "11010519491231002X"


def receipt_data(**overrides: object) -> ApplicationReceiptData:
    data = ApplicationReceiptData(
        item_name="城乡居民基本养老保险参保登记", applicant_name=NAME,
        applicant_id_number=ID_NUMBER, submitted_at=SUBMITTED,
        local_receipt="JC01-20261123-0007", terminal_code="JC-0001",
        hall_name="晋城市政务服务中心", application_number="14050020261123000042",
        status="受理", next_steps="承诺1个工作日内办结，结果将通过短信通知。",
        where_to_go="晋城市政务服务中心二楼社保窗口", phone="0356-2196101",
    )
    return dataclasses.replace(data, **overrides)  # type: ignore[arg-type]


def assert_no_manual_layout(doc: ReceiptDocument) -> None:
    """Widths belong to the driver: no line is padded or drawn with characters."""
    for line in block_lines(doc):
        if line == "-" * 8:   # a Rule block
            continue
        assert "    " not in line, line
        assert "----" not in line and "====" not in line, line


# -- 办件受理回执 ------------------------------------------------------------------------
def test_receipt_of_an_accepted_application_leads_with_its_application_number() -> None:
    doc = application_receipt(receipt_data())

    assert doc.kind == "application_receipt"
    assert doc.number == "14050020261123000042"
    fields = pairs(doc)
    assert fields["办件编号"] == "14050020261123000042"
    assert fields["本机受理号"] == "JC01-20261123-0007"
    assert fields["事项名称"] == "城乡居民基本养老保险参保登记"
    assert fields["提交时间"] == "2026-11-23 09:30"
    assert fields["受理状态"] == "已受理"
    assert fields["终端编号"] == "JC-0001"
    assert fields["服务大厅"] == "晋城市政务服务中心"
    assert fields["办理地点"] == "晋城市政务服务中心二楼社保窗口"
    assert fields["咨询电话"] == "0356-2196101"
    text = printed_text(doc)
    assert "办件受理回执" in text
    assert "承诺1个工作日内办结，结果将通过短信通知。" in text
    assert block_lines(doc)[-2] == "请妥善保管本回执"


def test_receipt_shows_the_applicant_masked_never_in_full() -> None:
    doc = application_receipt(receipt_data())

    fields = pairs(doc)
    assert fields["申请人"] == "张*"
    assert fields["证件号码"] == "1101**********002X"
    text = printed_text(doc)
    assert ID_NUMBER not in text and NAME not in text and "三丰" not in text


def test_receipt_data_repr_does_not_leak_the_identity() -> None:
    assert ID_NUMBER not in repr(receipt_data()) and NAME not in repr(receipt_data())


def test_receipt_qr_is_centrals_tracking_page_and_the_check_code_is_printed() -> None:
    url = "https://zwfw.example.cn/t/14050020261123000042?c=K7M2QX"
    doc = application_receipt(receipt_data(check_code="K7M2QX", tracking_url=url))

    (qr,) = qr_codes(doc)
    assert qr.data == url and qr.caption == "手机扫码查询办件进度"
    fields = pairs(doc)
    assert fields["办件编号"] == "14050020261123000042" and fields["查询码"] == "K7M2QX"
    lines = block_lines(doc)   # the 查询码 right after the number
    assert lines.index(next(x for x in lines if "查询码" in x)) == \
        lines.index(next(x for x in lines if "办件编号" in x)) + 1


def test_receipt_from_a_central_without_a_public_page_keeps_the_terminal_code() -> None:
    (qr,) = qr_codes(application_receipt(receipt_data()))

    assert qr.data == "TONGBAN-APP:14050020261123000042"
    assert qr.caption == "在自助终端扫码查询办件进度"
    assert parse_application_lookup_code(qr.data) == "14050020261123000042"


def test_receipt_while_central_has_not_answered_leads_with_the_local_number() -> None:
    doc = application_receipt(receipt_data(application_number=None, status="", next_steps=""))

    assert doc.number == "JC01-20261123-0007"
    fields = pairs(doc)
    assert "办件编号" not in fields
    assert fields["本机受理号"] == "JC01-20261123-0007"
    assert fields["受理状态"] == "已提交，正在报送政务服务中心"
    text = printed_text(doc)
    assert "办件编号将以短信告知" in text and "凭本机受理号" in text
    assert "凭身份证在自助终端查询" in text
    assert qr_codes(doc) == []   # no number yet: nothing a phone or a terminal could look up
    assert "查询码" not in fields


@pytest.mark.parametrize(("status", "words"), [
    ("申请", "已提交，待受理"), ("代收", "已代收，待办理地受理"), ("办结", "已办结"),
    ("新状态", "新状态"),
])
def test_receipt_states_central_status_in_words(status: str, words: str) -> None:
    assert pairs(application_receipt(receipt_data(status=status)))["受理状态"] == words


def test_receipt_for_a_company_names_the_company_and_still_masks_the_person() -> None:
    doc = application_receipt(receipt_data(company_name="晋城市某某商贸有限公司"))

    assert pairs(doc)["申请单位"] == "晋城市某某商贸有限公司"
    assert pairs(doc)["申请人"] == "张*"


def test_receipt_built_from_central_models_takes_item_and_application() -> None:
    app = Application.model_validate({
        "application_number": "41080020261123000001", "local_receipt": "JC01-20261123-0008",
        "status": "代收", "item_code": "X", "item_name": "社会保障卡补领",
        "region_received": "140500", "region_handling": "410800",
        "timeline": [], "next_steps": "材料已流转至焦作市。",
    })
    item = make_item(name="社会保障卡补领", where_to_go="焦作市政务服务中心", phone="0391-123")

    data = ApplicationReceiptData.from_models(
        item=item, application=app, applicant_name=NAME, applicant_id_number=ID_NUMBER,
        local_receipt="JC01-20261123-0008", submitted_at=SUBMITTED, terminal_code="JC-0001",
        hall_name="晋城市政务服务中心")
    pending = ApplicationReceiptData.from_models(
        item=item, application=None, applicant_name=NAME, applicant_id_number=ID_NUMBER,
        local_receipt="JC01-20261123-0008", submitted_at=SUBMITTED, terminal_code="JC-0001",
        hall_name="晋城市政务服务中心")

    assert (data.application_number, data.status, data.next_steps) == (
        "41080020261123000001", "代收", "材料已流转至焦作市。")
    assert (data.where_to_go, data.phone) == ("焦作市政务服务中心", "0391-123")
    assert pending.application_number is None and pending.number == "JC01-20261123-0008"
    assert pending.item_name == "社会保障卡补领"


def test_receipt_with_extreme_data_keeps_every_value_whole() -> None:
    doc = application_receipt(receipt_data(
        item_name=LONG_NAME, hall_name="某" * 80, terminal_code=LONG_LATIN,
        next_steps="请留意短信。" * 30, where_to_go=LONG_NAME, company_name=LONG_LATIN))

    fields = pairs(doc)
    assert fields["事项名称"] == LONG_NAME
    assert fields["终端编号"] == LONG_LATIN
    assert fields["申请单位"] == LONG_LATIN
    assert "请留意短信。" * 30 in printed_text(doc)
    assert_no_manual_layout(doc)


def test_receipt_without_next_steps_or_contacts_leaves_those_sections_out() -> None:
    doc = application_receipt(receipt_data(next_steps="", where_to_go="", phone=""))

    text = printed_text(doc)
    assert "后续事项" not in text and "一次性告知" not in text
    assert "请妥善保管本回执" in text


@pytest.mark.parametrize("code", ["", "   "])
def test_lookup_code_needs_a_number(code: str) -> None:
    with pytest.raises(ValueError):
        application_lookup_code(code)


@pytest.mark.parametrize("scanned", ["https://example.gov.cn", "TONGBAN-APP:", "TONGBAN-PRINT-TEST:x"])
def test_scanned_codes_that_are_not_lookup_codes_give_no_number(scanned: str) -> None:
    assert parse_application_lookup_code(scanned) is None


# -- queue ticket ------------------------------------------------------------------------
def test_queue_ticket_shows_its_number_large_with_service_window_and_people_waiting() -> None:
    doc = queue_ticket(hall_name="晋城市政务服务中心", ticket_number="A023", service="社保业务",
                       window="12号窗口", waiting=7, issued_at=SUBMITTED)

    assert doc.kind == "queue_ticket" and doc.number == "A023"
    big = [b for b in doc.blocks if isinstance(b, Text) and b.scale == 2]
    assert [b.text for b in big] == ["A023"]
    fields = pairs(doc)
    assert fields["办理业务"] == "社保业务"
    assert fields["办理窗口"] == "12号窗口"
    assert fields["等候人数"] == "您前面还有 7 人"
    assert fields["取号时间"] == "2026-11-23 09:30"
    assert "晋城市政务服务中心" in printed_text(doc)
    assert "过号" in printed_text(doc)
    assert qr_codes(doc) == []


def test_queue_ticket_prints_a_qr_only_when_given() -> None:
    doc = queue_ticket(hall_name="大厅", ticket_number="B100", service="综合", waiting=0,
                       issued_at=SUBMITTED, qr_data="https://q.example/B100")

    assert [q.data for q in qr_codes(doc)] == ["https://q.example/B100"]
    assert "办理窗口" not in pairs(doc)


def test_queue_ticket_refuses_a_negative_queue() -> None:
    with pytest.raises(ValueError):
        queue_ticket(hall_name="大厅", ticket_number="B1", service="综合", waiting=-1,
                     issued_at=SUBMITTED)


def test_queue_ticket_with_extreme_data_keeps_every_value_whole() -> None:
    doc = queue_ticket(hall_name=LONG_NAME, ticket_number="VIP-" + "9" * 12, service=LONG_NAME,
                       window=LONG_LATIN, waiting=12345, issued_at=SUBMITTED)

    assert pairs(doc)["办理业务"] == LONG_NAME and pairs(doc)["办理窗口"] == LONG_LATIN
    assert doc.number == "VIP-999999999999"
    assert_no_manual_layout(doc)


# -- test page ---------------------------------------------------------------------------
def test_printer_test_page_shows_printer_state_text_samples_ruler_and_a_test_qr() -> None:
    now = dt.datetime(2026, 11, 23, 8, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    doc = receipts.test_page("receipt", "escpos-80mm-gb18030", "就绪，纸量充足", now, "JC-0001")

    assert doc.kind == "test_page"
    assert doc.number == "TEST-JC-0001-20261123080005"
    fields = pairs(doc)
    assert fields["打印机"] == "receipt"
    assert fields["配置"] == "escpos-80mm-gb18030"
    assert fields["状态"] == "就绪，纸量充足"
    assert fields["终端编号"] == "JC-0001"
    text = printed_text(doc)
    for sample in ("，", "。", "￥", "Mixed", "0123456789", "打印测试页"):
        assert sample in text
    assert "....+....1....+....2" in text        # half-width ruler
    assert "一二三四五六七八九十一二三" in text      # full-width ruler
    (qr,) = qr_codes(doc)
    assert qr.data == "TONGBAN-PRINT-TEST:JC-0001:2026-11-23T08:00:05+08:00"
    assert qr.data.startswith(receipts.PRINT_TEST_PREFIX)


def test_every_layout_sets_a_number_for_the_print_log() -> None:
    docs = [
        application_receipt(receipt_data()),
        queue_ticket(hall_name="大厅", ticket_number="A1", service="综合", waiting=0,
                     issued_at=SUBMITTED),
        receipts.notice(make_item()),
        receipts.test_page("p", "x", "ok", SUBMITTED, "T1"),
    ]
    assert all(d.number for d in docs)
    assert len({d.kind for d in docs}) == 4
    for d in docs:
        assert all(b.text for b in d.blocks if isinstance(b, Text)), d.kind
        assert all(b.label for b in d.blocks if isinstance(b, Pair)), d.kind
