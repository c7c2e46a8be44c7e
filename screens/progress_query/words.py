"""What 办件查询 says, in Chinese, from the flow's stable codes and central's statuses."""

from __future__ import annotations

from .. import printing_words as print_words

TITLE = "办件查询"
HOW_CARD = "请刷身份证、社保卡，或出示电子证照码"
HOW_CARD_DETAIL = "可查看本人的全部办件、办理进度和需要您做的事，并可补打回执"
HOW_QR = "或将办件受理回执上的二维码对准扫码口"
HOW_NUMBER = "没有带证件？输入回执上的办件编号和查询码"
ENTER_NUMBER = "输入办件编号"
NUMBER_LABEL = "编号"
CHECK_LABEL = "查询码"
PUBLIC_NOTE = "未核验身份：仅显示办理进度，申请人信息已隐藏。刷身份证可查看全部信息并补打回执。"
NO_APPLICATIONS = "没有查到您的办件。代他人办理的办件，请用代办时使用的证件查询。"
REPRINT = "补打回执"
REPRINTED = "回执已打印，请从出纸口取走"
ROLE = {"applicant": "本人申请", "agent": "代他人办理"}

# Central's status (the last step) as the citizen reads it (the receipt's words).
STATUS = {
    "申请": "已提交，待受理", "代收": "已代收，待办理地受理", "受理": "已受理",
    "流转": "已受理，材料流转至办理地", "办理": "办理中", "办结": "已办结",
    "送达": "已办结，结果已送达", "归档": "已办结",
    "收件": "已收件，待形式审查", "形式审查": "形式审查中", "寄递": "材料寄递中",
    "属地受理": "办理地已受理",
}
FINISHED = {"办结", "送达", "归档"}

ERRORS = {
    "not_found": "没有查到该办件，请核对办件编号和查询码。",
    "rate_limited": "查询过于频繁，请稍后再试，或刷身份证查询。",
    "malformed": "无法识别该二维码，请扫描完整的办件受理回执二维码，或输入办件编号和查询码。",
    "central_unavailable": "暂时无法连接政务服务平台，请稍后再试，或到服务台查询。",
    "central_error": "暂时无法查询，请稍后再试，或到服务台查询。",
    "refused": "暂时无法查询该办件，请到服务台咨询。",
    "number_missing": "请输入办件编号（见办件受理回执）。",
    "check_invalid": "查询码为6位数字和字母，请对照回执输入。",
    "internal": "系统出现问题，请到服务台查询。",
    "not_enrolled": "本机尚未接入政务服务平台，无法查询。请到服务台查询。",
}
OTHER_ERROR = "暂时无法查询，请到服务台咨询。"


def error(code: str) -> str:
    if not code:
        return ""
    if code in ERRORS:
        return ERRORS[code]
    return "回执未能打印：" + print_words.print_failed(code)


def status(value: str) -> str:
    return STATUS.get(value, value)


def status_tone(value: str) -> str:
    return "success" if value in FINISHED else "primary"
