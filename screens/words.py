"""The words a citizen reads: stable codes from kiosk/ and drivers/ in, plain Chinese out.

Tables, not if-chains; an unknown code gets a safe general sentence, never the code itself.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable

from kiosk import hall_time
from kiosk.events import CodeNotice

DEVICE_NAMES = {
    "id_reader": "身份证阅读器",
    "card_reader": "读卡器",
    "code_scanner": "扫码器",
    "receipt_printer": "凭条打印机",
    "a4_printer": "A4打印机",
    "document_camera": "高拍仪",
}

# Device state -> how the problem reads after the device name.
DEVICE_STATE_WORDS = {
    "no_device": "未连接",
    "offline": "无响应",
    "hardware_error": "故障",
    "user_error": "需要工作人员处理",
    "busy": "正忙",
    "supplies": "耗材不足",
    # faults of a user_error state (kiosk/services.py names them)
    "paper_out": "缺纸",
    "paper_jam": "卡纸",
    "cover_open": "机盖未关好",
}

READ_FAILED = {
    "invalid_card_data": "证件信息校验未通过，请到人工窗口办理",
    "read_failed": "读卡失败，请将身份证平放在感应区重试",
    "card_auth": "证件认证未通过，请使用有效的身份证件，或到人工窗口办理",
    "unknown_card": "无法识别此卡片，请放置居民身份证或居住证",
    "timeout": "读卡超时，请将身份证平放在感应区，读卡时不要移动",
    "no_content": "未能读取证件信息，请将身份证平放在感应区重试",
    "select_failed": "未能读取证件信息，请将身份证平放在感应区重试",
    "checksum": "读卡器通信异常，请将身份证重新放置",
    "frame_length": "读卡器通信异常，请将身份证重新放置",
    "frame_garbled": "读卡器通信异常，请将身份证重新放置",
    "device_io": "读卡器通信异常，请稍后重试或联系工作人员",
    "no_device": "身份证阅读器未连接，请联系工作人员",
    "sam_failure": "身份证阅读器故障，请联系工作人员",
    # smart cards (social security card in the card reader)
    "card_removed": "卡片被移开，请将社保卡重新插入后不要移动",
    # The read has ended by then: trying again means inserting the card again.
    "pin_wrong": "社保卡密码错误。如需重试，请重新插入社保卡",
    "cancelled": "已取消读取社保卡。如需办理，请重新插入社保卡",
    "pin_blocked": "社保卡密码已锁定，请到社保窗口办理解锁",
    "pin_required": "此社保卡需要输入密码",
    "pcsc_unavailable": "读卡器服务暂不可用，请联系工作人员",
}
READ_FAILED_DEFAULT = "读卡失败，请将身份证重新放在感应区"

# {card}: what the citizen identified with (CARD_WORDS).
ENDED = {
    "idle_timeout": "长时间未操作，已返回首页，您的信息已清除",
    "card_removed": "{card}已移开，本次服务已结束，您的信息已清除",
    "finished": "服务已完成，您的信息已清除，请取走{card}",
    "cancelled": "已退出本次服务，您的信息已清除",
}
# An electronic ID code leaves nothing in the terminal to take away.
ENDED_NO_CARD = {"finished": "服务已完成，您的信息已清除"}

# kiosk.session.IdentitySource value -> the card a citizen puts in and takes out.
CARD_WORDS = {"id_card": "身份证", "social_security": "社保卡"}
CARD_PUT_BACK = {
    "id_card": "如需继续，请将身份证放回感应区",
    "social_security": "如需继续，请将社保卡重新插入",
}
# At the end of a session, when the ID card still lies on the reader.
TAKE_ID_CARD = "请取走您的身份证"
# Under "请将身份证放在感应区", by the profile's [session] card_presence.
PLACE_CARD_HINT = {
    "required": "请平放在感应区上，办理期间请勿取走身份证",
    "may_leave": "请平放在感应区上，读卡时请勿移动",
}
# On the identity check screen: the card must stay (card_presence "required") or not.
KEEP_CARD_HINT = {"required": "办理期间请勿取走身份证", "may_leave": ""}
CONTINUE = "继续办理"

WEEKDAYS = "一二三四五六日"


def clock(zone: dt.tzinfo, now: Callable[[], float] = time.time) -> str:
    """The top bar's clock in the hall's ``zone`` (not the host's): "09:30" over "11月23日 星期一"."""
    moment = hall_time.now(zone, now)
    return f"{moment:%H:%M}\n{moment.month}月{moment.day}日 星期{WEEKDAYS[moment.weekday()]}"


def device_name(device: str) -> str:
    return DEVICE_NAMES.get(device, "设备")


def service_reason(reason: str) -> str:
    """A ServiceView.reason code as a short phrase ("暂未开通", "身份证阅读器未连接")."""
    kind, _, rest = reason.partition(":")
    if kind == "not_in_version":
        return "暂未开通"
    if kind == "central_not_enrolled":
        return "本机未接入政务服务平台"
    if kind == "device_missing":
        return f"本机未配置{device_name(rest)}"
    if kind == "device_not_ready":
        device, _, state = rest.partition(":")
        return f"{device_name(device)}{DEVICE_STATE_WORDS.get(state, '暂不可用')}"
    return "暂不可用"


def unavailable_notice(title: str, reason: str) -> str:
    return f"“{title}”暂不可用：{service_reason(reason)}。\n请到人工窗口办理，或咨询现场工作人员。"


def device_banner(device: str, state: str) -> str:
    name = device_name(device)
    if state == "busy":
        return f"{name}正忙，请稍候"
    return f"{name}{DEVICE_STATE_WORDS.get(state, '暂不可用')}，相关服务暂停，请联系工作人员"


def read_failed(code: str) -> str:
    return READ_FAILED.get(code, READ_FAILED_DEFAULT)


def card_word(source: str) -> str:
    return CARD_WORDS.get(source, CARD_WORDS["id_card"])


def ended(reason: str, source: str = "id_card", take_card: bool | None = None) -> str:
    """``take_card``: whether an ID card still lies on the reader (None: not known); when
    it does, the citizen is reminded to take it, and when it is known to be gone, an ID
    card session's end does not ask for it."""
    if reason in ENDED_NO_CARD and (source not in CARD_WORDS
                                    or (source == "id_card" and take_card is not None)):
        text = ENDED_NO_CARD[reason]
    else:
        text = ENDED.get(reason, ENDED["cancelled"]).format(card=card_word(source))
    return f"{text}\n{TAKE_ID_CARD}" if take_card else text


def place_card_hint(card_required: bool) -> str:
    return PLACE_CARD_HINT["required" if card_required else "may_leave"]


def keep_card_hint(card_required: bool) -> str:
    return KEEP_CARD_HINT["required" if card_required else "may_leave"]


def card_removed(source: str, seconds_left: int) -> tuple[str, str]:
    """Headline and detail of the notice while a removed card's grace runs."""
    put_back = CARD_PUT_BACK.get(source, CARD_PUT_BACK["id_card"])
    return f"{card_word(source)}已移开", f"{seconds_left} 秒后结束本次服务\n{put_back}"


def take_away(source: str) -> str:
    """The reminder under a result: "" when nothing was put into the terminal."""
    return f"办理结束后请取走您的{CARD_WORDS[source]}" if source in CARD_WORDS else ""


def card_back(source: str) -> str:
    return f"已检测到{card_word(source)}，请继续办理"


def card_returned(source: str) -> tuple[str, str]:
    """Headline and detail of the notice when the card came back within the grace."""
    return f"已检测到{card_word(source)}", f"请点击“{CONTINUE}”，办理期间请勿再取走{card_word(source)}"


def seconds(value: float) -> int:
    """Whole seconds for a countdown: 0.2 s left still reads 1."""
    return max(0, math.ceil(value))


def countdown(value: float) -> str:
    return f"剩余 {seconds(value)} 秒"


# -- 一证通办 --------------------------------------------------------------------------------

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


# -- printing (证明打印, receipts) --------------------------------------------------------------

# Why a print did not happen: PrintResult.reason (an ErrorCode value or no_printer), or the
# reason a4_ready()/receipt_ready() gives (a status fault or a device state).
PRINT_FAILED = {
    "paper_out": "打印机缺纸，请联系工作人员",
    "paper_jam": "打印机卡纸，请联系工作人员",
    "cover_open": "打印机机盖未关好，请联系工作人员",
    "cutter_error": "打印机切纸故障，请联系工作人员",
    "printer_offline": "打印机未就绪，请联系工作人员",
    "offline": "打印机无响应，请稍后重试，或联系工作人员",
    "no_device": "打印机未连接，请联系工作人员",
    "hardware_error": "打印机故障，请联系工作人员",
    "user_error": "打印机需要工作人员处理，请联系工作人员",
    "busy": "打印机正忙，请稍后重试",
    # The job may still come out: look before printing again.
    "timeout": "打印超时。如出纸口没有纸张，请稍后重试，或联系工作人员",
    "job_failed": "打印未能完成，请稍后重试，或联系工作人员",
    "device_io": "打印机通信异常，请稍后重试，或联系工作人员",
    "no_printer": "本机未配置打印机，请到人工窗口办理",
    "cancelled": "打印已取消，请重新打印",
}
PRINT_FAILED_DEFAULT = "打印未能完成，请联系工作人员，或到人工窗口办理"

# ProofFlow.error: the list could not be loaded (ERROR) or a proof could not be issued (LIST).
PROOF_ERRORS = {
    "central_unavailable": "暂时无法连接政务服务平台，请稍后重试，或到人工窗口办理",
    "server_error": "政务服务平台暂时无法处理，请稍后重试，或到人工窗口办理",
    "not_found": "政务服务平台未查询到此证明的记录，请到人工窗口咨询",
    "not_enrolled": "本机尚未接入政务服务平台，请到人工窗口办理",
    "central_not_enrolled": "本机尚未接入政务服务平台，请到人工窗口办理",
    "validation_failed": "证件信息未通过政务服务平台核验，请到人工窗口办理",
}
PROOF_ERROR_DEFAULT = "暂时无法出具证明，请稍后重试，或到人工窗口办理"
NO_PROOFS = "未查询到您可在本机打印的证明，请到人工窗口咨询"

# YizhengFlow.receipt_state -> the line under the result ("failed" adds the reason).
RECEIPT_STATE = {
    "printing": "正在打印受理回执…",
    "printed": "受理回执已打印，请在出纸口取走",
}


def print_failed(code: str) -> str:
    return PRINT_FAILED.get(code, PRINT_FAILED_DEFAULT)


def proof_error(code: str) -> str:
    return PROOF_ERRORS.get(code, PROOF_ERROR_DEFAULT)


def receipt_line(state: str, error: str) -> str:
    if state == "failed":
        return f"回执未能打印：{print_failed(error)}"
    return RECEIPT_STATE.get(state, "")


def pages(count: int) -> str:
    return f"共{count}页" if count > 0 else ""


# -- staff: the printed-output log ---------------------------------------------------------

STAFF_PIN = {
    "wrong_pin": "密码错误，还可尝试{attempts}次",
    "locked": "已锁定，请 {minutes} 分钟后再试",
    "no_pin_configured": "未配置工作人员密码",
    "citizen_session": "正在为群众办理业务，请办理结束后再登录",
}
STAFF_PIN_DEFAULT = "登录未成功，请重试"

EXPORT_FAILED = {
    "export_not_configured": "本机未配置导出位置，请联系技术人员",
    "no_usb_stick": "未插入U盘",
    "export_failed": "导出失败，请检查U盘后重试",
}
EXPORT_FAILED_DEFAULT = "导出失败，请重试"

CHAIN_PROBLEMS = {
    "altered": "第{seq}条记录被改动",
    "removed": "第{seq}条之前有记录被删除",
    "inserted": "第{seq}条记录不属于原始记录",
    "truncated": "末尾的记录被删除",
}
CHAIN_PROBLEM_DEFAULT = "记录校验未通过"

# Short names for the table and the type filter (kiosk.printing.printlog doc_type codes).
DOC_TYPES = {
    "application_receipt": "受理回执",
    "queue_ticket": "排队号票",
    "notice": "告知单",
    "test_page": "测试页",
    "proof": "证明",
    "licence": "证照",
}
PRINT_RESULTS = {"printed": "已打印", "failed": "失败", "sending": "未完成"}
# The failure reasons staff read in the table: short, the code itself when unknown.
PRINT_REASONS_SHORT = {
    "paper_out": "缺纸", "paper_jam": "卡纸", "cover_open": "机盖未关", "cutter_error": "切刀故障",
    "printer_offline": "脱机", "offline": "无响应", "no_device": "未连接", "timeout": "超时",
    "job_failed": "作业失败", "device_io": "通信异常", "no_printer": "未配置", "cancelled": "已取消",
}

# Filters of the staff screen: (value, button text).
STAFF_DAYS: tuple[tuple[int | None, str], ...] = ((1, "今天"), (7, "近7天"), (30, "近30天"), (None, "全部"))
STAFF_DOC_FILTERS: tuple[tuple[str, str], ...] = (
    ("", "全部类型"), ("application_receipt", "回执"), ("proof", "证明"), ("test_page", "测试页"),
    ("notice", "告知单"),
)


def staff_pin(reason: str, attempts_left: int = 0, locked_for_s: float = 0) -> str:
    template = STAFF_PIN.get(reason, STAFF_PIN_DEFAULT)
    return template.format(attempts=attempts_left, minutes=max(1, math.ceil(locked_for_s / 60)))


def export_done(file_name: str, count: int) -> str:
    return f"已导出{count}条打印记录到U盘\n文件：{file_name}"


def export_failed(reason: str) -> str:
    return EXPORT_FAILED.get(reason, EXPORT_FAILED_DEFAULT)


def chain_status(ok: bool, rows: int, problem: str = "", seq: int | None = None) -> str:
    if ok:
        return f"打印记录完整，共{rows}条"
    text = CHAIN_PROBLEMS.get(problem, CHAIN_PROBLEM_DEFAULT).format(seq=seq if seq is not None else "?")
    return f"打印记录异常：{text}，请联系技术人员"


def doc_type(code: str) -> str:
    return DOC_TYPES.get(code, code or "其他")


def print_result(result: str, reason: str) -> str:
    text = PRINT_RESULTS.get(result, result)
    if reason:
        text += f"（{PRINT_REASONS_SHORT.get(reason, reason)}）"
    return text


# -- scanned codes and smart cards ------------------------------------------------------------

CODE_REFUSED = {
    "malformed": "二维码不完整或已损坏，请重新出示",
    "forged": "二维码校验未通过，不是政务服务平台签发的有效码",
    "expired": "二维码已过期，请重新获取",
    "used": "此电子证照码已使用，请在手机上刷新后重新出示",
    "unsupported": "不支持此二维码，请出示政务服务回执、预约码或电子证照码",
    "unverifiable": "暂时无法核验此二维码，请稍后再试或到服务台咨询",
    "central_unavailable": "暂时无法连接政务服务平台，请稍后再试，或使用身份证办理",
    "central_not_enrolled": "本机未接入政务服务平台，请使用身份证办理",
}
CODE_REFUSED_DEFAULT = "二维码未能识别，请重新出示或到服务台咨询"


def code_message(notice: CodeNotice) -> str:
    """What the citizen is told about a scanned code (kiosk/identify/arrivals.py's notice)."""
    kind, reason = notice.kind, notice.reason
    if kind == "appointment" and reason in ("", "wrong_hall", "expired"):
        when = f"{notice.item_name}，{notice.start}"
        if reason == "wrong_hall":
            return f"此预约在“{notice.hall}”办理（{when}），请前往该服务大厅"
        if reason == "expired":
            return f"此预约已过期（{when}），请重新预约"
        return f"预约已核验：{when}，请按时到窗口办理"
    if kind == "application_receipt" and not reason:
        return f"已识别办件编号 {notice.application_number}，可到服务台查询办理进度"
    if kind == "print_test" and not reason:
        return "这是打印测试页上的二维码，打印机工作正常"
    return CODE_REFUSED.get(reason, CODE_REFUSED_DEFAULT)


CARD_REFUSED = {
    ("bank", "not_for_identity"): "银行卡不能用于身份核验，请使用身份证或社会保障卡",
    ("staff", "citizen_session"): "工作人员卡：请在当前群众办理结束后使用",
}


def card_refused(kind: str, reason: str) -> str:
    return CARD_REFUSED.get((kind, reason), "无法识别此卡片，请使用身份证或社会保障卡")


# -- social security card PIN, and the other ways to identify -------------------------------

PIN_PROMPT = "请输入社保卡密码"
PIN_HINT = "输入密码时请用手遮挡键盘"
PIN_CHECKING = "正在核验密码…"
PIN_TRIES = "密码错误，还可尝试{tries}次"
PIN_WRONG = "密码错误，请重新输入"

# Device -> how a citizen identifies with it besides the ID card (in this order).
OTHER_WAYS = {"card_reader": "插入社保卡", "code_scanner": "出示电子证照码"}


def pin_message(tries_left: int | None, again: bool = False) -> str:
    """The line over the PIN pad: nothing on the first ask, the tries left after a wrong PIN."""
    if tries_left is not None:
        return PIN_TRIES.format(tries=tries_left)
    return PIN_WRONG if again else ""


def other_ways(devices: set[str] | frozenset[str], lead: str = "也可") -> str:
    """"也可插入社保卡，或出示电子证照码" for the devices that are ready; "" for none."""
    ways = [text for device, text in OTHER_WAYS.items() if device in devices]
    return lead + "，或".join(ways) if ways else ""
