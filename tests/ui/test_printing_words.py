"""The printing words and the staff gesture, without a window: stable codes in, plain
Chinese out; an unknown code gets a safe sentence, never the code."""

from __future__ import annotations

import pytest

from drivers.errors import ErrorCode
from kiosk.flows.proofs import ProofFlow, Step
from kiosk.flows.staff import TapCounter
from screens import printing_words as print_words
from screens.proofs import SCREEN_OF_STEP, screen_for

pytestmark = pytest.mark.ui

PRINTER_CODES = ["paper_out", "paper_jam", "cover_open", "printer_offline", "no_device", "timeout",
                 "job_failed", "device_io", "no_printer", "cutter_error"]


def test_a_printer_out_of_paper_reads_as_what_to_do() -> None:
    assert print_words.print_failed("paper_out") == "打印机缺纸，请联系工作人员"
    assert print_words.print_failed("paper_jam") == "打印机卡纸，请联系工作人员"


@pytest.mark.parametrize("code", PRINTER_CODES)
def test_every_print_failure_code_has_its_own_words(code: str) -> None:
    text = print_words.print_failed(code)
    assert text != print_words.PRINT_FAILED_DEFAULT and code not in text
    assert any(hint in text for hint in ("请联系工作人员", "请稍后重试", "请到人工窗口办理"))


def test_printer_error_codes_of_the_drivers_all_have_words() -> None:
    printer_codes = {ErrorCode.PAPER_OUT, ErrorCode.PAPER_JAM, ErrorCode.COVER_OPEN,
                     ErrorCode.PRINTER_OFFLINE, ErrorCode.CUTTER_ERROR, ErrorCode.JOB_FAILED,
                     ErrorCode.TIMEOUT, ErrorCode.DEVICE_IO, ErrorCode.NO_DEVICE}
    assert {c.value for c in printer_codes} <= set(print_words.PRINT_FAILED)


def test_an_unknown_failure_gets_a_safe_sentence_not_the_code() -> None:
    assert print_words.print_failed("toner_melted") == print_words.PRINT_FAILED_DEFAULT
    assert print_words.proof_error("teapot") == print_words.PROOF_ERROR_DEFAULT
    assert "toner" not in print_words.receipt_line("failed", "toner_melted")


def test_the_receipt_line_follows_the_receipt_state() -> None:
    assert print_words.receipt_line("", "") == ""
    assert print_words.receipt_line("printing", "") == "正在打印受理回执…"
    assert print_words.receipt_line("printed", "") == "受理回执已打印，请在出纸口取走"
    assert print_words.receipt_line("failed", "paper_out") == "回执未能打印：打印机缺纸，请联系工作人员"


def test_central_unreachable_while_issuing_says_to_try_later() -> None:
    assert print_words.proof_error("central_unavailable") == "暂时无法连接政务服务平台，请稍后重试，或到人工窗口办理"


@pytest.mark.parametrize(
    ("reason", "attempts", "locked_for", "text"),
    [
        ("wrong_pin", 3, 0, "密码错误，还可尝试3次"),
        ("locked", 0, 300, "已锁定，请 5 分钟后再试"),
        ("locked", 0, 61, "已锁定，请 2 分钟后再试"),
        ("locked", 0, 5, "已锁定，请 1 分钟后再试"),
        ("no_pin_configured", 0, 0, "未配置工作人员密码"),
        ("citizen_session", 0, 0, "正在为群众办理业务，请办理结束后再登录"),
        ("odd", 0, 0, "登录未成功，请重试"),
    ],
)
def test_pin_results_read_as_sentences(reason: str, attempts: int, locked_for: float, text: str) -> None:
    assert print_words.staff_pin(reason, attempts, locked_for) == text


def test_export_results_and_chain_status_read_plainly() -> None:
    assert print_words.export_failed("no_usb_stick") == "未插入U盘"
    assert print_words.export_failed("export_not_configured") == "本机未配置导出位置，请联系技术人员"
    assert print_words.export_done("打印记录-1.csv", 3) == "已导出3条打印记录到U盘\n文件：打印记录-1.csv"
    assert print_words.chain_status(True, 12) == "打印记录完整，共12条"
    assert print_words.chain_status(False, 12, "altered", 7) == "打印记录异常：第7条记录被改动，请联系技术人员"
    assert print_words.chain_status(False, 12, "truncated", None) == "打印记录异常：末尾的记录被删除，请联系技术人员"


def test_table_cells_name_types_and_results_in_chinese() -> None:
    assert print_words.doc_type("application_receipt") == "受理回执"
    assert print_words.doc_type("proof") == "证明"
    assert print_words.print_result("failed", "paper_out") == "失败（缺纸）"
    assert print_words.print_result("printed", "") == "已打印"
    assert print_words.print_result("sending", "") == "未完成"


def test_every_proof_step_has_a_screen() -> None:
    assert set(SCREEN_OF_STEP) == set(Step)
    assert screen_for(None) == "pf_error"


def test_a_flow_routes_to_the_screen_of_its_step() -> None:
    flow = ProofFlow.__new__(ProofFlow)  # no session or central needed to read a step
    flow.step = Step.PRINT_FAILED
    assert screen_for(flow) == "pf_failed"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_five_taps_within_three_seconds_open_the_staff_login() -> None:
    clock = Clock()
    gesture = TapCounter(clock=clock)
    results = []
    for _ in range(5):
        results.append(gesture.tap())
        clock.now += 0.5
    assert results == [False, False, False, False, True]
    assert not gesture.tap()  # it starts over


def test_slow_taps_do_not_open_the_staff_login() -> None:
    clock = Clock()
    gesture = TapCounter(clock=clock)
    opened = []
    for _ in range(10):
        opened.append(gesture.tap())
        clock.now += 0.8      # five taps span 3.2 s
    assert not any(opened)
