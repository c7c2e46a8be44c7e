"""What 办事指南 says, in Chinese: the item's guide in sections, and the printer's state."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.central_api.models import Item

from .. import printing_words as print_words

TITLE = "办事指南"
LIST_HINT = "点按事项查看办理条件、所需材料、时限和地点，可打印一次性告知单"
CACHED = "网络暂时不通：显示的是本机保存的办事指南，可能不是最新版本"
PRINT = "打印一次性告知单"
PRINTING = "正在打印一次性告知单…"
PRINTED = "一次性告知单已打印，请从出纸口取走"
ERRORS = {
    "no_catalogue": "暂时无法获取办事指南，请稍后再试，或到服务台咨询。",
    "internal": "系统出现问题，请到服务台咨询。",
    "not_enrolled": "本机尚未接入政务服务平台，无法查看办事指南。请到服务台咨询。",
}
OTHER_ERROR = "暂时无法查看办事指南，请到服务台咨询。"
SOURCE = {"licence": "免提交（电子证照）", "shared": "免提交（部门共享数据）", "paper": "需提交（纸质材料）"}
FIELD_TYPE = {"phone": "电话", "id_number": "证件号码", "uscc": "统一社会信用代码", "date": "日期",
              "number": "数字", "text": "文字", "choice": "选择"}
MODE_TEXT = {
    "全程网办": "全程网办：在本机提交，无需到现场",
    "异地代收": "异地代收：本机收取申请和材料，寄递至办理地受理，结果邮寄或到本大厅领取",
    "多地联办": "多地联办：一次提交，由多个部门分别办理，全部办结后本件办结",
}
AGENT_YES = "可以代办：代办人持本人身份证，另需授权委托书或申请人本人到场"
AGENT_NO = "不可代办，须申请人本人办理"


def days(n: int) -> str:
    return "即办" if n == 0 else f"{n}个工作日"


def print_line(state: str, reason: str) -> tuple[str, str]:
    """The line under the item (words, tone) for the notice's print state."""
    if state == "printing":
        return PRINTING, "notice"
    if state == "printed":
        return PRINTED, "notice"
    if state == "failed":
        return "告知单未能打印：" + print_words.print_failed(reason), "danger"
    return "", "notice"


def not_ready(reason: str) -> str:
    return "暂不能打印：" + print_words.print_failed(reason)


def sections(item: Item, mode: str, region_name: Callable[[str], str]) -> list[tuple[str, str]]:
    """The item's guide as (heading, text) sections, in the 一次性告知单's order."""
    out = [("基本信息", "\n".join([
        f"实施部门：{item.department}（{item.region_name} {item.level}）",
        f"通办范围：{item.scope}",
        f"办理方式：{MODE_TEXT.get(mode, mode)}",
        f"帮办代办：{AGENT_YES if item.agent_allowed else AGENT_NO}",
    ]))]
    if item.joint:
        out.append(("联办部门", "\n".join(
            f"{i}. {region_name(p.region_code)} {p.department}：{p.task}" for i, p in enumerate(item.joint, 1))))
    out.append(("受理条件", "\n".join(f"{i}. {c}" for i, c in enumerate(item.conditions, 1)) or "无特别条件"))
    out.append((f"申请材料（共{len(item.materials)}项）", "\n".join(
        f"{i}. {m.name}（{'必需' if m.required else '非必需'}）：{SOURCE.get(m.source, m.source)}"
        + (f"。{m.note}" if m.note else "")
        for i, m in enumerate(item.materials, 1)) or "无需提交材料"))
    if item.fields:
        out.append(("需填写的信息", "、".join(
            f"{f.label}（{'必填' if f.required else '选填'}）" for f in item.fields)))
    out.append(("时限与收费", "\n".join([
        f"法定办结时限：{days(item.legal_days)}　承诺办结时限：{days(item.promised_days)}",
        f"收费标准：{item.fee or '不收费'}",
        f"到现场次数：{'0次（不用跑腿）' if item.visits == 0 else f'最多{item.visits}次'}",
    ])))
    out.append(("办理地点与咨询", "\n".join([
        f"办理地点：{item.where_to_go or ('无需到现场' if item.visits == 0 else '请咨询')}",
        f"咨询电话：{item.phone or '12345（政务服务便民热线）'}",
    ])))
    return out
