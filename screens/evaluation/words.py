"""The 好差评 screens' words (docs/casework.md §8 names the levels and reasons)."""

from __future__ import annotations

import datetime as dt

LEVELS = ((5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意"))
LEVEL_NAMES = dict(LEVELS)
REASONS = {
    "attitude": "服务态度不好", "slow": "办理时间长", "unclear": "告知不清楚",
    "many_visits": "多次跑动", "materials": "材料要求多", "device": "设备不好用",
    "result": "对结果不满意", "other": "其他",
}

LIST_TITLE = "好差评：请选择要评价的服务"
LIST_FOOTER = "近7天在本机办理的服务和您的办件，每项只能评价一次"
LIST_EMPTY = "没有待评价的服务：近7天在本机办理的服务和您的办件都已评价过了"
CENTRAL_MISSING = "暂时无法查询您的办件，先列出在本机办理的服务"
RATE_TITLE = "请对本次服务进行评价"
RATE_HINT = "点一下即可提交评价"
OFFER_HINT = "您的评价帮助我们改进服务；不想评价可点“跳过”"
REASONS_TITLE = "请选择不满意的原因（可多选）"
COMMENT_PLACEHOLDER = "点此填写意见（选填，最多200字）"
COMMENT_TITLE = "填写意见（选填）"
SENDING = ("正在提交评价，请稍候", "")

THANKS = {
    "sent": ("感谢您的评价", "您的评价已提交，我们会认真改进。"),
    "queued": ("感谢您的评价", "评价已保存，网络恢复后自动提交。"),
    "duplicate": ("该服务已经评价过了", "每次服务只能评价一次（一次一评），感谢您的参与。"),
    "failed": ("评价未能提交", "请向大厅工作人员反映您的意见，感谢您的参与。"),
}
LOW_THANKS = "工作人员将在1个工作日内回访。"

ERRORS = {
    "reason_required": "请至少选择一项原因",
    "internal": "系统出现问题，请稍后再试",
    "not_enrolled": "本机尚未接入政务服务平台",
}


def error(code: str) -> str:
    return ERRORS.get(code, ERRORS["internal"])


def handled_line(title: str, at: dt.datetime, zone: dt.tzinfo | None, number: str | None) -> str:
    """What was done and when (the hall's time), with the 办件编号 when there is one."""
    when = at.astimezone(zone).strftime("%m月%d日 %H:%M")
    return f"{title}　{when}" + (f"\n办件编号 {number}" if number else "")
