"""Printing through the real screens (tests/ui/scenarios_printing.py).

Proofs: 张三 prints a proof on the simulated A4 printer (a private cupsd with a cups-pdf
queue), runs out of paper mid-job and reprints after the refill; 一证通办 results print
their receipt on the simulated ESC/POS printer; a real seeded central issues the proofs.
Staff: the printed-output log behind a hidden gesture and a PIN, seeded through the real
PrintLog in the terminal's data directory and delivered to a real central (which does the
look-up by ID number), exported as CSV to a folder standing in for the
USB stick. Screenshots: tests/artifacts/ui-printing-{proofs,staff}-<step>.png.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from printers_control import PrintersForUi
from ui_helpers import AppRun, RunApp

from kiosk import hall_time
from kiosk.central_api.client import CentralClient
from kiosk.central_api.signing import load_identity
from kiosk.outbox import Outbox
from kiosk.printing.printlog import FAILED, PRINTED, PrintLog, PrintRecord
from kiosk.staff import hash_pin
from kiosk.store import open_store

pytestmark = [pytest.mark.ui, pytest.mark.slow]

STAFF_PIN = "246810"
LOOKUP_ID = "110101199003071233"
OTHER_ID = "110105197001011241"
CLEAR = ["张建国", LOOKUP_ID, OTHER_ID]
DAY = 86400.0


def seed_print_log(data_dir: Path, central_url: str | None = None) -> None:
    """Five attempts: two today (a receipt, a proof that ran out of paper), a test page 3
    days ago, a notice 20 days ago, a proof 60 days ago. With ``central_url`` (the terminal
    enrolled there) each finished entry is delivered, sealed, as the outbox does: finding a
    citizen's prints by number is central's."""
    now = time.time()
    hall = hall_time.default_zone()   # "today" on the staff screen is the hall's day
    midnight = hall_time.day_start(hall_time.today(hall), hall).timestamp()
    today = max(midnight + 5, now - 60)
    moments = iter([today, today + 1, today + 20, today + 21, now - 3 * DAY, now - 3 * DAY + 5,
                    now - 20 * DAY, now - 20 * DAY + 5, now - 60 * DAY, now - 60 * DAY + 5])
    entries = [
        ("application_receipt", "14050020261123000001", "receipt_printer", LOOKUP_ID, PRINTED, ""),
        ("proof", "140500-SB-20261123-000001", "a4_printer", LOOKUP_ID, FAILED, "paper_out"),
        ("test_page", "TEST-UI-TEST-20261120", "a4_printer", None, PRINTED, ""),
        ("notice", "GZ-140500-000017", "receipt_printer", OTHER_ID, PRINTED, ""),
        ("proof", "140500-HJ-20260901-000003", "a4_printer", OTHER_ID, PRINTED, ""),
    ]
    # Oldest first, as they would have been written.
    ordered = sorted(zip(entries, [(next(moments), next(moments)) for _ in entries], strict=True),
                     key=lambda pair: pair[1][0])
    store = open_store(data_dir)
    box = None
    if central_url is not None:
        identity = load_identity(data_dir)
        box = Outbox(store, lambda: CentralClient(central_url, identity))
        assert box.refresh_seal_key(CentralClient(central_url, identity))
    try:
        for (kind, number, printer, id_number, result, reason), (sent, done) in ordered:
            clock = iter([sent, done])
            log = PrintLog(store, box, clock=lambda clock=clock: next(clock))
            entry = log.begin(doc_type=kind, doc_number=number, printer=printer,
                              content=number.encode(), pages=1, id_number=id_number)
            log.finish(entry, result=result, job_id="J-1", reason=reason)
            if box is not None:
                assert box.deliver_now(f"PL-{entry}", timeout=20).delivered
    finally:
        if box is not None:
            box.stop()
        store.close()


@pytest.fixture(scope="module")
def usb_stick(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("usb-stick")


@pytest.fixture(scope="module")
def staff_run(run_scenario: RunApp, usb_stick: Path) -> AppRun:
    site = (f'[staff]\npin_hash = "{hash_pin(STAFF_PIN)}"\nmax_attempts = 3\n'
            f'export_dir = "{usb_stick}"\n')
    run = run_scenario("printing-staff", timeout=120, site_extra=site, central=True,
                       demo_cards=False,
                       central_ready=lambda hub: seed_print_log(hub.socket.parent / "data", hub.url))
    assert run.returncode == 0 and run.results.get("ok"), run.describe()
    return run


def _inside_window(step: dict) -> None:
    width, height = step["window"]
    for item in step["texts"]:
        x, y = item["pos"]
        w, h = item["size"]
        assert x >= -1 and y >= -1 and x + w <= width + 1 and y + h <= height + 1, item


def _inside_window_or_list_view(step: dict, view: list[float]) -> None:
    """Texts in the window, except a scrolled list's rows out of its view (drawn clipped).
    The view itself must be in the window."""
    width, height = step["window"]
    vx, vy, vw, vh = view
    assert vx >= -1 and vy >= -1 and vx + vw <= width + 1 and vy + vh <= height + 1, view
    for item in step["texts"]:
        x, y = item["pos"]
        w, h = item["size"]
        if x >= -1 and y >= -1 and x + w <= width + 1 and y + h <= height + 1:
            continue
        in_column = x >= vx - 1 and x + w <= vx + vw + 1
        assert in_column and (y < vy or y + h > vy + vh), (item, view)


def test_five_taps_on_the_hall_name_open_the_pin_screen(staff_run: AppRun) -> None:
    step = staff_run.step("01-pin")
    assert step["screen"] == "staff_pin"
    assert "工作人员登录" in staff_run.shown("01-pin")


def test_a_wrong_pin_says_how_many_attempts_are_left(staff_run: AppRun) -> None:
    assert "密码错误，还可尝试2次" in staff_run.shown("02-pin-wrong")
    assert staff_run.step("02-pin-wrong")["screen"] == "staff_pin"


def test_the_log_shows_todays_prints_and_the_chain_intact(staff_run: AppRun) -> None:
    texts = staff_run.shown("03-log-today")
    assert staff_run.step("03-log-today")["screen"] == "staff_log"
    assert any(t.startswith("打印记录完整，共5条") for t in texts)   # attempts, not table rows
    rows = staff_run.results["data"]["today"]
    assert [r["kind"] for r in rows] == ["证明", "受理回执"]
    assert rows[0]["result"] == "失败（缺纸）" and rows[0]["tone"] == "danger"
    assert rows[0]["id_masked"] == "1101**********1233"
    assert "失败（缺纸）" in texts and "共2条" in texts


def test_filters_narrow_by_period_and_type(staff_run: AppRun) -> None:
    assert [r["number"] for r in staff_run.results["data"]["proofs_30d"]] == ["140500-SB-20261123-000001"]
    assert [r["number"] for r in staff_run.results["data"]["proofs_all"]] == [
        "140500-SB-20261123-000001", "140500-HJ-20260901-000003"]


def test_a_citizen_is_found_by_id_number_after_a_checked_entry(staff_run: AppRun) -> None:
    assert "身份证号码校验未通过，请核对" in staff_run.shown("05-lookup-invalid")
    rows = staff_run.results["data"]["by_id"]
    assert {r["number"] for r in rows} == {"14050020261123000001", "140500-SB-20261123-000001"}
    shown = staff_run.shown("06-by-id")
    assert "1101**********1233" in shown and LOOKUP_ID not in shown   # the chip shows it masked


def test_export_writes_the_shown_records_as_csv_to_the_stick(staff_run: AppRun, usb_stick: Path) -> None:
    files = list(usb_stick.glob("*.csv"))
    assert len(files) == 1 and files[0].name.startswith("打印记录-UI-TEST-")
    with files[0].open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["文书编号"] for r in rows} == {"14050020261123000001", "140500-SB-20261123-000001"}
    assert all(r["证件号码"] == "1101**********1233" for r in rows)
    assert any(t.startswith("已导出2条打印记录到U盘") and files[0].name in t
               for t in staff_run.shown("07-exported"))
    content = files[0].read_text(encoding="utf-8-sig")
    assert LOOKUP_ID not in content and OTHER_ID not in content


def test_the_log_screen_fits_in_elderly_mode(staff_run: AppRun) -> None:
    step = staff_run.step("08-log-elderly")
    assert step["elderly"] and step["screen"] == "staff_log"
    _inside_window(step)


def test_a_citizens_card_closes_the_staff_screen(staff_run: AppRun) -> None:
    data = staff_run.results["data"]
    assert staff_run.step("10-card-closed-staff")["screen"] == "identity_read"
    assert data["staff_mode_after_card"] == "closed" and data["pin_after_card"] == ""
    assert data["login_refused_during_session"] is False


def test_an_untouched_staff_screen_closes_by_itself(staff_run: AppRun) -> None:
    assert staff_run.results["data"]["idle_closed_after_s"] < 5


def test_repeated_wrong_pins_lock_the_login(staff_run: AppRun) -> None:
    assert "已锁定，请 5 分钟后再试" in staff_run.shown("11-locked")
    assert staff_run.results["data"]["right_pin_while_locked"] == "staff_pin"


def test_no_clear_id_number_or_name_in_the_logs(staff_run: AppRun) -> None:
    for clear in CLEAR:
        assert clear not in staff_run.stdout and clear not in staff_run.stderr


# -- proofs and receipts -----------------------------------------------------------------------

ZHANG_SAN = ("张三", "110101199003071233")


@pytest.fixture(scope="module")
def proofs_run(run_scenario: RunApp, ui_artifacts: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppRun]:
    printers = PrintersForUi(tmp_path_factory.mktemp("printers"))
    try:
        run = run_scenario("printing-proofs", central=True, timeout=300,
                           session={"idle_timeout_s": 90, "idle_warning_s": 15},
                           site_extra=printers.site(),
                           extra_args=["--printers", str(printers.socket)])
        run.extra["pdfs"] = [_pdf_facts(pdf, ui_artifacts, n) for n, pdf in enumerate(printers.pdfs(), 1)]
        run.extra["receipts"] = printers.receipts()
        for n, png in enumerate(run.extra["receipts"], 1):  # for a human to look at
            shutil.copyfile(png, ui_artifacts / f"ui-printing-proofs-receipt-{n}.png")
        yield run
    finally:
        printers.close()


def _pdf_facts(pdf: Path, artifacts: Path, n: int) -> dict[str, object]:
    """Pages and text of a printed PDF (read before the simulated printer's dir goes), and
    page one as a PNG beside the screenshots."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, timeout=30).stdout
    pages = text.count("\f") or 1
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(artifacts / f"ui-printing-proofs-printed-{n}")], capture_output=True, timeout=30)
    return {"pages": pages, "text": text}


def _records(run: AppRun) -> list[PrintRecord]:
    store = open_store(run.data_dir)
    try:
        return PrintLog(store, None).records()
    finally:
        store.close()


def test_proofs_run_completed(proofs_run: AppRun) -> None:
    assert proofs_run.returncode == 0 and proofs_run.results.get("ok"), proofs_run.describe()


def test_the_list_shows_his_proofs_as_large_tiles(proofs_run: AppRun) -> None:
    texts = proofs_run.shown("01-list")
    assert proofs_run.step("01-list")["screen"] == "pf_list"
    assert "请选择要打印的证明" in texts and "社会保险参保证明" in texts
    assert "晋城市社会保险事业服务中心" in texts
    assert any("张*" in t and "1101**********1233" in t for t in texts)


def test_the_preview_shows_page_one_with_number_and_page_count(proofs_run: AppRun) -> None:
    step = proofs_run.step("02-preview")
    texts = proofs_run.shown("02-preview")
    assert step["screen"] == "pf_preview"
    number = proofs_run.results["data"]["document"]
    assert number in texts and "共2页" in texts and "打印" in texts and "返回" in texts
    width, height = proofs_run.results["data"]["preview_texture"]
    assert width >= 800 and height > width  # an A4 page, readable


def test_printing_shows_progress_then_done_and_the_pdf_comes_out(proofs_run: AppRun) -> None:
    assert "正在打印，请稍候…" in proofs_run.shown("03-printing")
    assert any("共2页" in t for t in proofs_run.shown("03-printing"))
    assert "打印完成，请在出纸口取走证明" in proofs_run.shown("04-done")
    assert proofs_run.results["data"]["pdfs_after_first"] == 1
    first = proofs_run.extra["pdfs"][0]
    assert first["pages"] == 2 and proofs_run.results["data"]["document"] in first["text"]


def test_paper_out_mid_job_fails_plainly_and_the_reprint_prints_once(proofs_run: AppRun) -> None:
    data = proofs_run.results["data"]
    failed = proofs_run.step("07-paper-out-elderly")
    assert failed["screen"] == "pf_failed" and failed["elderly"]
    assert "打印机缺纸，请联系工作人员" in proofs_run.shown("07-paper-out-elderly")
    assert {"重新打印", "返回", "完成"} <= set(proofs_run.shown("07-paper-out-elderly"))
    assert data["same_document"] == data["document"]       # chosen again: the same document
    assert data["pdfs_after_paper_out"] == 1                # the stopped job was cancelled
    assert data["pdfs_after_reprint"] == 2 and len(proofs_run.extra["pdfs"]) == 2
    assert proofs_run.step("08-reprinted-elderly")["screen"] == "pf_done"
    for step in ("06-preview-elderly", "07-paper-out-elderly", "08-reprinted-elderly"):
        _inside_window(proofs_run.step(step))


def test_the_proof_list_scrolls_its_rows_into_its_view_in_elderly_mode(proofs_run: AppRun) -> None:
    from tests.ui.scenarios_printing import ROW_BELOW

    data = proofs_run.results["data"]
    listed = proofs_run.step("05-list-elderly")
    assert listed["screen"] == "pf_list" and listed["elderly"]
    _inside_window_or_list_view(listed, data["list_view_05"])
    below = [t for t in listed["texts"] if t["text"] == ROW_BELOW]
    assert below and below[0]["pos"][1] + below[0]["size"][1] <= data["list_view_05"][1], below
    scrolled = proofs_run.step("05b-list-scrolled-elderly")
    vx, vy, vw, vh = data["list_view_05b"]
    assert data["list_view_05b"] == data["list_view_05"]    # the list moves, not its view
    _inside_window_or_list_view(scrolled, data["list_view_05b"])
    row = [t for t in scrolled["texts"] if t["text"] == ROW_BELOW]
    assert row, scrolled["texts"]
    (x, y), (w, h) = row[0]["pos"], row[0]["size"]
    assert vx <= x and x + w <= vx + vw and vy <= y and y + h <= vy + vh, (row[0], data["list_view_05b"])


def test_without_paper_the_service_is_unavailable_on_the_home_screen(proofs_run: AppRun) -> None:
    assert "A4打印机缺纸" in proofs_run.shown("09-home-paper-out")


def test_a_filed_application_prints_its_receipt(proofs_run: AppRun) -> None:
    assert "受理回执已打印，请在出纸口取走" in proofs_run.shown("10-receipt-printed")
    assert proofs_run.results["data"]["receipts_after_auto"] == 1
    assert proofs_run.extra["receipts"][0].stat().st_size > 1000


def test_a_receipt_that_could_not_print_says_why_and_prints_again(proofs_run: AppRun) -> None:
    up_front = proofs_run.shown("11-receipt-not-printed")
    assert "回执未能打印：打印机缺纸，请联系工作人员" in up_front and "重新打印回执" in up_front
    _inside_window(proofs_run.step("12-receipt-paper-out-elderly"))
    # 排队取号 prints its tickets there: the banner names it as paused.
    assert "凭条打印机缺纸，排队取号暂停，请联系工作人员" in proofs_run.step("12-receipt-paper-out-elderly")["banner"]
    failed = proofs_run.shown("12-receipt-paper-out-elderly")
    assert "回执未能打印：打印机缺纸，请联系工作人员" in failed and "重新打印回执" in failed
    assert "受理回执已打印，请在出纸口取走" in proofs_run.shown("13-receipt-reprinted")
    assert proofs_run.results["data"]["receipts_after_reprint"] == 2


def test_with_central_down_the_proof_service_says_so(proofs_run: AppRun) -> None:
    assert proofs_run.step("14-central-down")["screen"] == "pf_error"
    assert any("暂时无法连接政务服务平台" in t for t in proofs_run.shown("14-central-down"))


def test_without_a_staff_pin_the_login_says_it_is_not_configured(proofs_run: AppRun) -> None:
    assert "未配置工作人员密码" in proofs_run.shown("15-staff-not-configured")


def test_every_print_is_in_the_print_log_with_the_citizen_masked(proofs_run: AppRun) -> None:
    records = _records(proofs_run)
    proofs = [(r.doc_type, r.result, r.reason) for r in records if r.doc_type == "proof"]
    receipts = [(r.result, r.reason) for r in records if r.doc_type == "application_receipt"]
    assert sorted(proofs) == [("proof", "failed", "paper_out"), ("proof", "printed", ""),
                              ("proof", "printed", "")]
    # Out of paper, the receipt was refused before anything was sent: not an attempt.
    assert sorted(receipts) == [("printed", ""), ("printed", "")]
    assert all(r.id_masked == "1101**********1233" for r in records)


def test_no_clear_name_or_id_number_reaches_the_app_logs(proofs_run: AppRun) -> None:
    for clear in ZHANG_SAN:
        assert clear not in proofs_run.stdout and clear not in proofs_run.stderr
