"""一次性告知单: everything a citizen needs to apply for one 事项, printed once and complete.

The point of 一次性告知 is that nothing is asked for later that the notice did not list, so
every material, condition, form field, fee and time limit of the catalogue item is printed,
whatever its length; the driver wraps.
"""

from __future__ import annotations

import datetime as dt

from drivers.receipt.model import Block, Feed, Pair, ReceiptDocument, Rule, Text
from kiosk import hall_time
from kiosk.casework import application_mode
from kiosk.central_api.models import Item, Material

_SOURCE_TEXT: dict[str, str] = {
    "licence": "电子证照，免提交",
    "shared": "部门共享数据，免提交",
    "paper": "纸质材料，请携带或在自助终端扫描提交",
}
_AGENT_YES = "可由他人代办：代办人持本人身份证，并提供申请人签署的授权委托书或申请人本人到场"
_AGENT_NO = "不可代办，须申请人本人办理"
_APPLICANT_TEXT: dict[str, str] = {"person": "自然人", "company": "法人（企业）"}
_FIELD_TYPE_HINT: dict[str, str] = {
    "phone": "手机或固定电话",
    "id_number": "身份证件号码",
    "uscc": "统一社会信用代码",
    "date": "日期",
    "number": "数字",
}


def _days(days: int) -> str:
    return "即办" if days == 0 else f"{days}个工作日"


def _visits(visits: int) -> str:
    return "0次（不用跑腿）" if visits == 0 else f"最多{visits}次"


def _material_blocks(index: int, material: Material) -> list[Block]:
    need = "必需" if material.required else "非必需"
    blocks: list[Block] = [
        Text(f"{index}. {material.name}（{need}）", bold=material.required),
        Pair("提交方式", _SOURCE_TEXT.get(material.source, material.source)),
    ]
    if material.note:
        blocks.append(Pair("说明", material.note))
    return blocks


def _handling_region(item: Item) -> str:
    if item.handling_region_code == item.region_code:
        return f"{item.region_name}（{item.region_code}）"
    # The catalogue names only the item's own region; the handling one is known by its code.
    return f"行政区划代码 {item.handling_region_code}"


def _joint_blocks(item: Item, region_names: dict[str, str]) -> list[Block]:
    """多地联办: the departments the application is split into, in order."""
    blocks: list[Block] = [Text(
        f"本事项为多地联办：一次提交，由以下{len(item.joint)}个部门分别办理，全部办结后本件办结。")]
    for i, part in enumerate(item.joint, 1):
        where = region_names.get(part.region_code, f"行政区划代码 {part.region_code}")
        blocks.append(Text(f"{i}. {where} {part.department}：{part.task}"))
    return blocks


def notice(
    item: Item,
    *,
    terminal_region_code: str | None = None,
    printed_at: dt.datetime | None = None,
    zone: dt.tzinfo | None = None,
    region_names: dict[str, str] | None = None,
) -> ReceiptDocument:
    """一次性告知单 of ``item``. With ``terminal_region_code`` the notice says when the item
    is handled in another region (异地代收代办); ``printed_at`` adds the time it was printed,
    as the wall time of the hall's ``zone`` (Asia/Shanghai when not given). Whether another
    person may file it (帮办代办) is always said; a 多地联办 item lists its departments
    (``region_names``: the catalogue's place names by code)."""
    blocks: list[Block] = [
        Text("一次性告知单", align="center", bold=True, scale=2),
        Text(item.name, align="center", bold=True),
        Rule("solid"),
        Pair("事项编码", item.code),
        Pair("实施部门", item.department),
        Pair("实施层级", f"{item.region_name} {item.level}"),
        Pair("通办范围", item.scope),
        Pair("办理方式", "、".join(item.modes) if item.modes else "窗口办理"),
        Pair("一证通办", "是，凭身份证即可办理" if item.one_id else "否"),
        Pair("服务对象", _APPLICANT_TEXT.get(item.applicant_kind, item.applicant_kind)),
        Pair("帮办代办", _AGENT_YES if item.agent_allowed else _AGENT_NO),
        Rule(),
        Text("一、受理条件", bold=True),
    ]
    if item.conditions:
        blocks += [Text(f"{i}. {c}") for i, c in enumerate(item.conditions, 1)]
    else:
        blocks.append(Text("无特别条件。"))

    blocks.append(Text(f"二、申请材料（共{len(item.materials)}项）", bold=True))
    if item.materials:
        for i, material in enumerate(item.materials, 1):
            blocks += _material_blocks(i, material)
    else:
        blocks.append(Text("无需提交材料。"))

    if item.fields:
        blocks.append(Text("三、需填写的信息", bold=True))
        for i, f in enumerate(item.fields, 1):
            hint = _FIELD_TYPE_HINT.get(f.type, "")
            choices = f"，可选：{'、'.join(f.options)}" if f.options else ""
            extra = f"（{'必填' if f.required else '选填'}{'，' + hint if hint else ''}{choices}）"
            blocks.append(Text(f"{i}. {f.label}{extra}"))

    blocks += [
        Text("四、时限与收费", bold=True),
        Pair("法定办结时限", _days(item.legal_days)),
        Pair("承诺办结时限", _days(item.promised_days)),
        Pair("收费标准", item.fee or "不收费"),
        Pair("到现场次数", _visits(item.visits)),
        Text("五、办理地点与咨询", bold=True),
    ]
    if item.where_to_go:
        blocks.append(Pair("办理地点", item.where_to_go))
    elif item.visits == 0:
        blocks.append(Pair("办理地点", "无需到现场"))
    blocks += [
        # 12345 is the national 政务服务便民热线: the answer when an item names no phone.
        Pair("咨询电话", item.phone or "12345（政务服务便民热线）"),
        Pair("办理地区", _handling_region(item)),
    ]
    if item.joint:
        blocks += _joint_blocks(item, region_names or {})
    if terminal_region_code and application_mode(item, terminal_region_code) == "异地代收":
        blocks.append(Text(
            "本事项为异地办理：本终端代收申请和材料，由办理地部门受理、审批，"
            "办理结果通过邮寄或网络送达。"
        ))
    blocks += [
        Rule(),
        Text("以上为办理本事项的全部条件和材料，请按本告知单一次性准备。"),
    ]
    if printed_at is not None:
        zone = hall_time.default_zone() if zone is None else zone
        blocks.append(Pair("打印时间", hall_time.minutes_text(printed_at, zone)))
    blocks.append(Feed(2))
    return ReceiptDocument(kind="notice", number=item.code, blocks=tuple(blocks))
