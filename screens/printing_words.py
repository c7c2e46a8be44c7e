"""Printing in words: print failures, proofs, the receipt line, and the staff log."""

from __future__ import annotations

import math

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
    "appointment_slip": "预约凭条",
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


# The look-up by ID number is central's (the terminal keeps no hash of the number).
ID_LOOKUP_UNAVAILABLE = {
    "id_lookup_offline": "按证件号码查询需要连接政务服务平台",
    "id_lookup_failed": "政务服务平台未能完成查询，请稍后重试",
}


def id_lookup_unavailable(code: str) -> str:
    return ID_LOOKUP_UNAVAILABLE.get(code, ID_LOOKUP_UNAVAILABLE["id_lookup_offline"])


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


