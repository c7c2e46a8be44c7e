"""Receipt layouts: 办件受理回执, queue ticket, 一次性告知单 (in notice.py), printer test page.

Every function returns a ``ReceiptDocument`` whose ``number`` is what the print log records.
No width is assumed anywhere: the driver wraps each block at its paper width (58 or 80 mm).
A receipt leaves the terminal in a citizen's hand, so the applicant is printed masked.
Times are printed as the hall's wall time: each layout takes the hall's ``zone`` (from the
configuration, kiosk/hall_time.py; Asia/Shanghai when not given) and aware datetimes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from drivers.receipt.model import Block, Feed, Pair, QrCode, ReceiptDocument, Rule, Text
from kiosk import hall_time
from kiosk.central_api.models import Application, Item
from kiosk.printing.documents.notice import notice
from kiosk.privacy import mask_name, mask_number

__all__ = [
    "APPLICATION_LOOKUP_PREFIX",
    "PRINT_TEST_PREFIX",
    "ApplicationReceiptData",
    "application_lookup_code",
    "application_receipt",
    "notice",
    "parse_application_lookup_code",
    "print_test_code",
    "queue_ticket",
    "test_page",
]

# QR contents. A scanner at the terminal reads these back: keep them stable.
APPLICATION_LOOKUP_PREFIX = "TONGBAN-APP:"
PRINT_TEST_PREFIX = "TONGBAN-PRINT-TEST"

# Central's status is the last timeline step; a citizen reads what it means for them.
_STATUS_TEXT: dict[str, str] = {
    "申请": "已提交，待受理",
    "代收": "已代收，待办理地受理",
    "受理": "已受理",
    "流转": "已受理，材料流转至办理地",
    "办理": "办理中",
    "办结": "已办结",
    "送达": "已办结，结果已送达",
    "归档": "已办结",
}
_PENDING_STATUS = "已提交，正在报送政务服务中心"
_PENDING_NOTE = "办件编号将以短信告知；查询办件进度请凭身份证在自助终端查询，或凭本机受理号到窗口查询。"
_QR_CAPTION = "手机扫码查询办件进度"
_OLD_QR_CAPTION = "在自助终端扫码查询办件进度"


def application_lookup_code(number: str) -> str:
    """QR content that opens 办件查询 for an 办件编号 or a local receipt number."""
    number = number.strip()
    if not number:
        raise ValueError("an application lookup code needs a number")
    return APPLICATION_LOOKUP_PREFIX + number


def parse_application_lookup_code(data: str) -> str | None:
    """The number in a scanned ``application_lookup_code``, or None for any other code."""
    data = data.strip()
    if not data.startswith(APPLICATION_LOOKUP_PREFIX):
        return None
    return data[len(APPLICATION_LOOKUP_PREFIX):].strip() or None


def print_test_code(terminal: str, now: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """QR content of a test page: ``TONGBAN-PRINT-TEST:<terminal>:<iso time>`` (the hall's
    time with its offset)."""
    return f"{PRINT_TEST_PREFIX}:{terminal}:{hall_time.wire(now, _zone(zone))}"


def _zone(zone: dt.tzinfo | None) -> dt.tzinfo:
    return hall_time.default_zone() if zone is None else zone


@dataclass(frozen=True)
class ApplicationReceiptData:
    """What a 办件受理回执 shows. Name and ID number are given in the clear and masked by
    the layout (they are kept out of ``repr`` so a logged object does not leak them).

    ``application_number`` is None while central has not answered (the submission waits in
    the outbox); the receipt then leads with ``local_receipt`` and carries no QR. ``status``
    is central's status (the last timeline step, e.g. 受理); ignored while pending.
    ``check_code`` (查询码) is printed beside the number; the QR holds ``tracking_url``
    (central's public page, docs/casework.md §4) when central gave one.
    """

    item_name: str
    applicant_name: str = field(repr=False)
    applicant_id_number: str = field(repr=False)
    submitted_at: dt.datetime
    local_receipt: str
    terminal_code: str
    hall_name: str
    application_number: str | None = None
    status: str = ""
    next_steps: str = ""
    company_name: str = ""          # 申请单位 for company items (not personal data: printed)
    where_to_go: str = ""
    phone: str = ""
    check_code: str = ""
    tracking_url: str | None = None
    applicant_masked: str = ""      # a reprint for the agent: central's masked applicant
    agent_masked: str = ""          # 帮办代办: the agent, masked, with the relation: 李*（子女）

    @classmethod
    def from_models(
        cls,
        *,
        item: Item,
        application: Application | None,
        applicant_name: str,
        applicant_id_number: str,
        local_receipt: str,
        submitted_at: dt.datetime,
        terminal_code: str,
        hall_name: str,
        company_name: str = "",
    ) -> ApplicationReceiptData:
        """From the catalogue item and central's answer (None while it is pending)."""
        return cls(
            item_name=application.item_name if application else item.name,
            applicant_name=applicant_name,
            applicant_id_number=applicant_id_number,
            submitted_at=submitted_at,
            local_receipt=local_receipt,
            terminal_code=terminal_code,
            hall_name=hall_name,
            application_number=application.application_number if application else None,
            status=application.status if application else "",
            next_steps=application.next_steps if application else "",
            company_name=company_name,
            where_to_go=item.where_to_go,
            phone=item.phone,
            check_code=application.check_code if application else "",
            tracking_url=application.tracking_url if application else None,
        )

    @property
    def number(self) -> str:
        return self.application_number or self.local_receipt


def application_receipt(data: ApplicationReceiptData, zone: dt.tzinfo | None = None) -> ReceiptDocument:
    """办件受理回执; 提交时间 in the hall's ``zone``."""
    blocks: list[Block] = [
        Text("办件受理回执", align="center", bold=True, scale=2),
        Text(data.hall_name, align="center"),
        Rule("solid"),
    ]
    if data.application_number:
        blocks.append(Pair("办件编号", data.application_number, bold=True))
        if data.check_code:
            blocks.append(Pair("查询码", data.check_code, bold=True))
        blocks.append(Pair("本机受理号", data.local_receipt))
        status = _STATUS_TEXT.get(data.status, data.status or "已提交")
    else:
        blocks += [Pair("本机受理号", data.local_receipt, bold=True), Text(_PENDING_NOTE)]
        status = _PENDING_STATUS
    blocks.append(Pair("事项名称", data.item_name))
    if data.applicant_masked:
        blocks.append(Pair("申请人", data.applicant_masked))
    else:
        blocks += [Pair("申请人", mask_name(data.applicant_name)),
                   Pair("证件号码", mask_number(data.applicant_id_number))]
    if data.agent_masked:
        blocks.append(Pair("代办人", data.agent_masked))
    if data.company_name:
        blocks.append(Pair("申请单位", data.company_name))
    blocks += [
        Pair("提交时间", hall_time.minutes_text(data.submitted_at, _zone(zone))),
        Pair("受理状态", status, bold=True),
        Pair("终端编号", data.terminal_code),
        Pair("服务大厅", data.hall_name),
        Rule(),
    ]
    qr = _lookup_qr(data)
    if qr is not None:
        blocks += [qr, Rule()]
    if data.next_steps:
        blocks += [Text("后续事项", bold=True), Text(data.next_steps)]
    if data.where_to_go or data.phone:
        blocks.append(Text("一次性告知", bold=True))
        if data.where_to_go:
            blocks.append(Pair("办理地点", data.where_to_go))
        if data.phone:
            blocks.append(Pair("咨询电话", data.phone))
    blocks += [Rule(), Text("请妥善保管本回执", align="center", bold=True), Feed(2)]
    return ReceiptDocument(kind="application_receipt", number=data.number, blocks=tuple(blocks))


def _lookup_qr(data: ApplicationReceiptData) -> QrCode | None:
    """The receipt's QR: central's public tracking page when it gave one (a phone opens
    it, a terminal recognises it); an older central's number as ``TONGBAN-APP:``; none
    while the number is not known yet (the note on paper says how to look it up)."""
    if data.tracking_url:
        return QrCode(data.tracking_url, caption=_QR_CAPTION)
    if data.application_number:
        return QrCode(application_lookup_code(data.application_number), caption=_OLD_QR_CAPTION)
    return None


TICKET_KINDS = {"green": "绿色通道（优先办理）", "appointment": "预约报到（优先办理）"}


def queue_ticket(
    *,
    hall_name: str,
    ticket_number: str,
    service: str,
    waiting: int | None,
    issued_at: dt.datetime,
    window: str = "",
    qr_data: str | None = None,
    zone: dt.tzinfo | None = None,
    kind: str = "normal",
    offline: bool = False,
    wait_minutes: int | None = None,
    appointment: str = "",
) -> ReceiptDocument:
    """排队取号凭条. ``waiting`` is how many people are ahead (None: not known, an offline
    ticket); ``qr_data`` (optional) is printed as a QR code, e.g. a link to follow the queue
    on a phone; 取号时间 is in the hall's ``zone``. ``kind`` green / appointment prints the
    priority it has (``TICKET_KINDS``), ``appointment`` the item and time checked in for;
    ``offline`` marks a number from the terminal's reserved block (离线取号), whose wait
    cannot be estimated."""
    if waiting is not None and waiting < 0:
        raise ValueError(f"waiting must not be negative, got {waiting}")
    blocks: list[Block] = [
        Text(hall_name, align="center", bold=True),
        Text("排队取号凭条" + ("（离线取号）" if offline else ""), align="center"),
        Rule("solid"),
        Text(ticket_number, align="center", bold=True, scale=2),
    ]
    if kind in TICKET_KINDS:
        blocks.append(Text(TICKET_KINDS[kind], align="center", bold=True))
    blocks += [Rule("solid"), Pair("办理业务", service)]
    if appointment:
        blocks.append(Pair("预约事项", appointment))
    if window:
        blocks.append(Pair("办理窗口", window))
    if offline or waiting is None:
        blocks.append(Pair("等候时间", "暂无法估算"))
        blocks.append(Text("离线取号：网络恢复后自动加入排队，请留意叫号", bold=True))
    else:
        blocks.append(Pair("等候人数", f"您前面还有 {waiting} 人"))
        if wait_minutes is not None:
            blocks.append(Pair("预计等候", f"约 {wait_minutes} 分钟"))
    blocks.append(Pair("取号时间", hall_time.minutes_text(issued_at, _zone(zone))))
    if qr_data:
        blocks += [Rule(), QrCode(qr_data, caption="扫码查看排队进度")]
    blocks += [
        Rule(),
        Text("请留意大厅叫号屏和语音提示。过号后请到服务台咨询或重新取号。"),
        Text("本凭条当日有效", align="center"),
        Feed(2),
    ]
    return ReceiptDocument(kind="queue_ticket", number=ticket_number, blocks=tuple(blocks))


# The test page shows what a technician must check by eye: GB18030 text with full-width
# punctuation and mixed Latin, how many characters fit on a line, bold/large, rules, a QR.
_SAMPLE_LINES = (
    "中文测试：政务服务“一网通办”，群众办事更便捷。",
    "全角标点：，。、；：？！“”‘’（）《》【】—…￥",
    "混排 Mixed：ABC xyz 0123456789 ID 1101**********123X",
    "金额：￥1,234.50 元；电话：0356-2196101；网址：https://example.gov.cn/a?b=1",
)
# Latin ruler: one character per column, a digit every ten, so the last full column shows
# how many half-width characters the line holds; the CJK ruler does the same for full width.
_LATIN_RULER = "".join(
    str(p // 10 % 10) if p % 10 == 0 else "+" if p % 5 == 0 else "." for p in range(1, 71)
)
_CJK_RULER = "一二三四五六七八九十" * 3


def test_page(
    printer_name: str, profile: str, state_text: str, now: dt.datetime, terminal: str,
    zone: dt.tzinfo | None = None,
) -> ReceiptDocument:
    """打印测试页 for ``printer_name`` with its ``profile`` (as configured) and its
    current state as words (``state_text``); times in the hall's ``zone``."""
    zone = _zone(zone)
    blocks: list[Block] = [
        Text("打印测试页", align="center", bold=True, scale=2),
        Rule("solid"),
        Pair("打印机", printer_name),
        Pair("配置", profile),
        Pair("状态", state_text),
        Pair("终端编号", terminal),
        Pair("打印时间", hall_time.seconds_text(now, zone)),
        Rule(),
        *(Text(line) for line in _SAMPLE_LINES),
        Text("粗体：政务服务自助终端", bold=True),
        Text("大字 A1", scale=2),
        Text("居中", align="center"),
        Text("右对齐", align="right"),
        Rule(),
        Text("字符标尺（半角）："),
        Text(_LATIN_RULER),
        Text("字符标尺（全角）："),
        Text(_CJK_RULER),
        Rule("solid"),
        QrCode(print_test_code(terminal, now, zone), caption="扫描此码核对打印质量"),
        Rule(),
        Text("测试页打印完毕", align="center"),
        Feed(2),
    ]
    number = f"TEST-{terminal}-{hall_time.compact(now, zone)}"
    return ReceiptDocument(kind="test_page", number=number, blocks=tuple(blocks))


test_page.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported
