"""Sample data for the document layout tests: catalogue items, receipts, issued documents,
and a plain-text view of a ReceiptDocument's blocks for content checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drivers.receipt.model import Feed, Pair, QrCode, ReceiptDocument, Rule, Text
from kiosk.central_api.models import Item

BEIJING = dt.timezone(dt.timedelta(hours=8))
SUBMITTED = dt.datetime(2026, 11, 23, 9, 30, 12, tzinfo=BEIJING)
LONG_LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 3
LONG_NAME = "城乡居民基本养老保险参保登记暨个人账户转移接续及待遇领取资格认证" * 4


def item_dict(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "11140500MB1947036N4000111001",
        "name": "城乡居民基本养老保险参保登记",
        "department": "晋城市社会保险中心",
        "region_code": "140500", "region_name": "晋城市", "level": "市级", "scope": "全省",
        "modes": ["全程网办", "异地代收代办"], "one_id": True, "visits": 0,
        "legal_days": 20, "promised_days": 1, "fee": "不收费", "applicant_kind": "person",
        "conditions": ["年满16周岁（不含在校学生）",
                       "非国家机关、事业单位工作人员，且未参加职工基本养老保险"],
        "materials": [
            {"code": "M01", "name": "居民户口簿", "required": True, "source": "licence",
             "licence_type": "hukou", "note": "免提交，系统自动调取电子证照"},
            {"code": "M02", "name": "社保参保信息", "required": True, "source": "shared",
             "licence_type": "social_insurance", "note": ""},
            {"code": "M03", "name": "银行卡复印件", "required": False, "source": "paper",
             "licence_type": None, "note": "用于养老金发放，可在终端扫描"},
        ],
        "fields": [
            {"key": "phone", "label": "联系电话", "type": "phone", "required": True},
            {"key": "insure_grade", "label": "缴费档次", "type": "select", "required": True,
             "options": ["200元", "300元", "500元"]},
        ],
        "where_to_go": "晋城市政务服务中心二楼社保窗口", "phone": "0356-2196101",
        "handling_region_code": "140500",
    }
    data.update(overrides)
    return data


def make_item(**overrides: Any) -> Item:
    return Item.model_validate(item_dict(**overrides))


def thirty_materials() -> list[dict[str, Any]]:
    sources = ("licence", "shared", "paper")
    return [
        {"code": f"M{n:02d}", "name": f"材料{n:02d}号{'证明' * (n % 4)}", "required": n % 2 == 1,
         "source": sources[n % 3], "licence_type": None, "note": f"说明{n:02d}" if n % 5 else ""}
        for n in range(1, 31)
    ]


def issued_mapping(rows: int = 30, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "document_number": "ZM140500-20261123-000123",
        "verification_code": "K7Q2M9XP4T8WB3NZ",
        "verify_url": "https://zwfw.example.gov.cn/verify/ZM140500-20261123-000123?c=K7Q2M9XP4T8WB3NZ",
        "kind": "proof", "proof_code": "social_insurance_record",
        "title": "城乡居民基本养老保险个人参保缴费证明",
        "issuer": "晋城市社会保险中心",
        "issued_at": "2026-11-23T09:30:00+08:00", "valid_until": "2027-02-23",
        "holder": {"name": "张三丰", "id_number": "11010519491231002X"},
        "fields": [{"label": "参保状态", "value": "正常参保"},
                   {"label": "参保地", "value": "晋城市城区"},
                   {"label": "首次参保日期", "value": "2012年07月"},
                   {"label": "累计缴费月数", "value": "160个月"}],
        "paragraphs": [
            "兹证明上述人员参加城乡居民基本养老保险，缴费情况如下表所示。"
            "本证明仅用于证明其参保缴费情况，不作其他用途。",
            "本证明经自助终端打印，与窗口出具的纸质证明具有同等效力，"
            "可扫描页脚二维码或登录政务服务网核验真伪。",
        ],
        "table": {"title": "缴费明细",
                  "columns": ["缴费年度", "缴费档次", "个人缴费（元）", "政府补贴（元）", "到账日期"],
                  "rows": [[str(1996 + i), "500元", "500.00", "60.00", f"{1996 + i}-03-15"]
                           for i in range(rows)]},
        "notes": ["本证明自出具之日起三个月内有效。", "如对缴费记录有疑问，请致电 0356-2196101 咨询。"],
    }
    data.update(overrides)
    return data


def block_lines(doc: ReceiptDocument) -> list[str]:
    """Each block as one line of text, roughly as it prints (before wrapping)."""
    lines: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Text):
            lines.append(block.text)
        elif isinstance(block, Pair):
            lines.append(f"{block.label}：{block.value}")
        elif isinstance(block, QrCode):
            lines.append(f"[QR {block.data}] {block.caption}")
        elif isinstance(block, Rule):
            lines.append("-" * 8)
        elif isinstance(block, Feed):
            lines.append("")
    return lines


def pairs(doc: ReceiptDocument) -> dict[str, str]:
    return {b.label: b.value for b in doc.blocks if isinstance(b, Pair)}


def qr_codes(doc: ReceiptDocument) -> list[QrCode]:
    return [b for b in doc.blocks if isinstance(b, QrCode)]


def printed_text(doc: ReceiptDocument) -> str:
    return "\n".join(block_lines(doc))
