"""一证通办 in words: item tags, materials, form and company errors, refusals."""

from __future__ import annotations

SCOPE_TAGS = {"跨省": "跨省通办", "全省": "全省通办", "市域": "市域通办"}
VISITS = {0: "零跑动", 1: "最多跑一次"}
COMPANY_TAG = "企业办事（需法定代表人）"
ITEM_NOT_ELIGIBLE = "所需电子证照未找到，请到窗口办理"
COMPANY_OFFLINE = "企业事项需联网核验，网络恢复后可办理"
OFFLINE_NOTICE = "暂时无法连接政务服务平台：可以查看办事指南；提交的申请将保存在本机，网络恢复后自动提交"
CATALOGUE_CACHED = "办事指南为本机缓存版本"

# Why "开始办理" is not offered on a 办事指南 (yizheng_screens.detail.blocker).
CANNOT_APPLY = {
    "company_offline": "企业事项需联网核验企业信息，暂时无法办理，请稍后再试或到窗口办理",
    "not_eligible": "您名下未找到本事项所需的电子证照，无法在本机直接办理，请到窗口办理",
    "materials": "本事项还需提交纸质材料，无法在本机直接办理，请到窗口办理",
}

# A 办事指南 material: 免提交 (how it is obtained) or what the citizen still has to bring.
MATERIAL_EXEMPT = {"licence": "电子证照自动调取", "shared": "共享数据自动获取"}
MATERIAL_PAPER = "需提交纸质材料：到窗口办理"
MATERIAL_PAPER_OPTIONAL = "非必需的纸质材料：在本机办理可不提交"
MATERIAL_NOT_FOUND = "未找到电子证照：需到窗口提交"
# The tag beside a material's name: an optional one never says 需提交.
MATERIAL_TAG_EXEMPT = "免提交"
MATERIAL_TAG_REQUIRED = "需提交"
MATERIAL_TAG_OPTIONAL = "可不提交"


def material_tag(required: bool, exempt: bool) -> tuple[str, str]:
    """(text, tone) of a material's tag."""
    if exempt:
        return MATERIAL_TAG_EXEMPT, "success"
    if required:
        return MATERIAL_TAG_REQUIRED, "notice"
    return MATERIAL_TAG_OPTIONAL, "muted"

FIELD_ERRORS = {
    "required": "此项必须填写",
    "not_a_number": "只能填写数字",
    "invalid_phone": "请填写11位手机号码，或带区号的固定电话（如 0356-1234567）",
    "invalid_id_number": "身份证号码校验未通过，请核对",
    "invalid_uscc": "统一社会信用代码校验未通过，请核对",
    "invalid_date": "日期不正确，请按“年-月-日”填写，如 2026-01-31",
    "not_an_option": "请在选项中选择一项",
    "pattern": "填写格式不正确，请核对",
}
FIELD_ERROR_DEFAULT = "填写内容有误，请核对"
DIGIT_FIELDS = frozenset({"number", "phone", "id_number", "uscc", "date"})

COMPANY_ERRORS = {
    "invalid_uscc": "统一社会信用代码校验未通过，请核对",
    "validation_failed": "统一社会信用代码校验未通过，请核对",
    "company_unknown": "未查询到该统一社会信用代码对应的企业，请核对后重新输入",
    "not_representative": "您不是该企业登记的法定代表人，不能在本机代表企业办理。请由法定代表人本人办理，或到窗口办理",
    "company_not_eligible": "该企业的电子证照未能覆盖本事项所需材料，请到窗口办理",
    "central_unavailable": "暂时无法连接政务服务平台，无法核验企业信息，请稍后再试",
}
COMPANY_ERROR_DEFAULT = "企业信息核验未通过，请到窗口办理"

FLOW_ERRORS = {
    "central_unavailable_no_catalogue": "暂时无法连接政务服务平台，本机也没有可用的办事指南。请稍后再试，或到窗口办理",
    "not_enrolled": "本机尚未接入政务服务平台，请到窗口办理",
    "central_not_enrolled": "本机尚未接入政务服务平台，请到窗口办理",
}
FLOW_ERROR_DEFAULT = "系统暂时无法办理此业务，请稍后再试，或到窗口办理"

# Central refused a filed application (ResultView.error).
REFUSED = {
    "validation_failed": "填写的内容未通过政务服务平台校验，请到窗口办理",
    "not_found": "该事项已调整，暂不能在本机办理，请到窗口咨询",
}
REFUSED_DEFAULT = "政务服务平台未受理此申请，请到窗口咨询"


def scope_tag(scope: str) -> str:
    return SCOPE_TAGS.get(scope, f"{scope}通办" if scope else "")


def visits_tag(visits: int) -> str:
    return VISITS.get(visits, f"到现场{visits}次")


def promised_days(days: int) -> str:
    return "当场办结" if days <= 0 else f"承诺{days}个工作日办结"


def time_limits(legal_days: int, promised: int) -> str:
    legal = f"法定{legal_days}个工作日" if legal_days > 0 else "法定即办"
    return f"{legal}，{'当场办结' if promised <= 0 else f'承诺{promised}个工作日'}"


def field_error(code: str, kind: str = "text") -> str:
    """A kiosk.forms error code ("too_short:16" ...) as a sentence for a field of type kind."""
    name, _, arg = code.partition(":")
    unit = "位" if kind in DIGIT_FIELDS else "个字"
    if name == "too_short":
        return f"至少需要填写{arg}{unit}"
    if name == "too_long":
        return f"最多只能填写{arg}{unit}"
    if name == "below_min":
        return f"不能小于{arg}"
    if name == "above_max":
        return f"不能大于{arg}"
    return FIELD_ERRORS.get(name, FIELD_ERROR_DEFAULT)


def company_error(code: str) -> str:
    return COMPANY_ERRORS.get(code, COMPANY_ERROR_DEFAULT) if code else ""


def flow_error(code: str) -> str:
    return FLOW_ERRORS.get(code, FLOW_ERROR_DEFAULT)


def refused(code: str) -> str:
    return REFUSED.get(code, REFUSED_DEFAULT)




# -- 帮办代办 (screens/yizheng/agent_*.py; kiosk/flows/yizheng_agent.py) --------------------------
AGENT_BUTTON = "为他人代办"
AGENT_CHANGE = "更换被代办人"
AGENT_STOP = "结束代办"
AGENT_PRINCIPAL_TITLE = "为他人代办：读取被代办人证件"
AGENT_PRINCIPAL_ASK = "请被代办人放置身份证，或出示其电子证照码"
AGENT_PRINCIPAL_HINT = "您本人的证件已读取，可以取走；读卡器上请放被代办人的身份证"
AGENT_RELATION_TITLE = "请选择您与被代办人的关系"
AGENT_AUTHORITY_TITLE = "请选择授权方式"
AGENT_LETTER_CHOICE = "授权委托书拍照"
AGENT_LETTER_DESC = "将被代办人签字的授权委托书逐页放在高拍仪下拍摄"
AGENT_PRESENT_CHOICE = "被代办人本人在场"
AGENT_PRESENT_DESC = "已读取被代办人的身份证，本人在场确认"
AGENT_PRESENT_NEEDS_CARD = "需先在读卡器上读取被代办人的身份证（电子证照码不能证明本人在场）"
AGENT_LETTER_TITLE = "请拍摄授权委托书"
AGENT_LETTER_ASK = "请将授权委托书逐页放在高拍仪下，每页拍摄后确认清晰再使用；全部拍完后点击“完成”"
AGENT_NOT_ALLOWED = "本事项须本人办理，不可代办"
AGENT_ACTING = "正在为 {principal} 代办（{relation}）"
AGENT_ERRORS = {
    "principal_is_agent": "这是您本人的证件。请放置被代办人的身份证，或出示被代办人的电子证照码",
    "present_needs_id_card": AGENT_PRESENT_NEEDS_CARD,
    "authorization_missing": "请至少拍摄一页授权委托书",
    "agent_not_allowed": "该事项须本人办理，不可代办。请选择其他事项",
}
AGENT_ERROR_DEFAULT = "代办信息有误，请重新操作"


def agent_error(code: str) -> str:
    return AGENT_ERRORS.get(code, AGENT_ERROR_DEFAULT) if code else ""


def principal_line(principal: str, source: str) -> str:
    """被代办人：张*（身份证） for the screens after the principal's read."""
    how = {"id_card": "身份证", "social_security": "社会保障卡", "electronic_id": "电子证照码"}.get(source, "")
    return f"被代办人：{principal}（{how}）" if how else f"被代办人：{principal}"
