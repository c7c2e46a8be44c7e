"""收件交接单: what this hall received for another region's department (异地代收).

Printed on the receipt printer after the 办件受理回执 of a 异地代收 application
(docs/casework.md §7). It is the citizen's proof of what was handed over: each page of each
paper material with the first 16 hex digits of its SHA-256 (the hashes central records in
the chain of custody's 收件 step, so a page can be matched later), where the application
goes and how the result comes back. It leaves the terminal in a citizen's hand, and may be
left lying on the counter: the applicant, the ID number and the address are printed masked,
never in the clear; the data carries nothing else (the flow masks before building it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from drivers.receipt.model import Block, Feed, Pair, ReceiptDocument, Rule, Text
from kiosk import hall_time

HASH_PREFIX = 16   # hex digits of each page's SHA-256 printed


@dataclass(frozen=True)
class HandoverMaterial:
    """One paper material and its pages' SHA-256 (64 hex each), in page order."""

    code: str
    name: str
    hashes: tuple[str, ...]


@dataclass(frozen=True)
class HandoverData:
    item_name: str
    item_code: str
    local_receipt: str
    application_number: str             # "" while the application waits in the outbox
    applicant_masked: str               # 张*
    id_number_masked: str               # 1405**********0012
    materials: tuple[HandoverMaterial, ...]
    handling_region: str                # 河南省焦作市（410800）
    department: str
    delivery_method: str                # post | pickup
    address_masked: str                 # post: the masked address
    pickup_hall: str                    # pickup: this hall
    received_at: dt.datetime
    terminal_code: str
    hall_name: str

    @property
    def number(self) -> str:
        return self.application_number or self.local_receipt

    @property
    def page_count(self) -> int:
        return sum(len(m.hashes) for m in self.materials)

    def __post_init__(self) -> None:
        for material in self.materials:
            for digest in material.hashes:
                if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                    raise ValueError(f"not a SHA-256 hex digest: {digest[:20]!r}")


def delivery_text(data: HandoverData) -> str:
    if data.delivery_method == "post":
        return f"邮寄送达：{data.address_masked}"
    return f"到本厅领取：{data.pickup_hall}"


def handover_slip(data: HandoverData, zone: dt.tzinfo | None = None) -> ReceiptDocument:
    """The 收件交接单; 收件时间 in the hall's ``zone`` (Asia/Shanghai when not given)."""
    zone = hall_time.default_zone() if zone is None else zone
    blocks: list[Block] = [
        Text("收件交接单", align="center", bold=True, scale=2),
        Text("异地代收", align="center"),
        Text(data.hall_name, align="center"),
        Rule("solid"),
    ]
    if data.application_number:
        blocks += [Pair("办件编号", data.application_number, bold=True),
                   Pair("本机受理号", data.local_receipt)]
    else:
        blocks += [Pair("本机受理号", data.local_receipt, bold=True),
                   Text("办件编号待报送后生成，可凭本机受理号查询。")]
    blocks += [
        Pair("事项名称", data.item_name),
        Pair("事项编码", data.item_code),
        Pair("申请人", data.applicant_masked),
        Pair("证件号码", data.id_number_masked),
        Rule(),
        Text(f"收取材料（共{len(data.materials)}项，{data.page_count}页）", bold=True),
    ]
    for n, material in enumerate(data.materials, 1):
        blocks.append(Text(f"{n}. {material.name}（{len(material.hashes)}页）", bold=True))
        for page, digest in enumerate(material.hashes, 1):
            blocks.append(Pair(f"第{page}页", digest[:HASH_PREFIX]))
    if not data.materials:
        blocks.append(Text("无纸质材料。"))
    blocks += [
        Text("页面校验码为该页图像SHA-256摘要的前16位。", scale=1),
        Rule(),
        Text("材料去向", bold=True),
        Pair("办理地", data.handling_region),
        Pair("办理部门", data.department),
        Text("本终端收件，材料寄递至办理地部门受理、办理。"),
        Text("结果送达", bold=True),
        Text(delivery_text(data)),
        Rule(),
        Pair("收件时间", hall_time.minutes_text(data.received_at, zone)),
        Pair("终端编号", data.terminal_code),
        Pair("收件大厅", data.hall_name),
        Rule(),
        Text("请妥善保管本交接单", align="center", bold=True),
        Feed(2),
    ]
    return ReceiptDocument(kind="handover", number=data.number, blocks=tuple(blocks))
