"""A 异地代收 visit driven through the real Terminal (tests/kiosk/test_collect_e2e.py and
test_no_trace_collect.py): 张三 files the 焦作 item 住房公积金提取（异地购房） at a 晋城
terminal, photographs its 购房合同 with the simulated document camera (a blurred shot first,
refused), has the result posted to an address typed for the purpose, and gets the 受理回执
and the 收件交接单 from the simulated receipt printer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from drivers.doccam import samples
from drivers.doccam.sim import SimulatedDocumentCamera
from drivers.idcard.simulator import IdCardSimulator
from drivers.receipt.simulator import PrinterSimulator
from kiosk.flows.yizheng import Step, YizhengFlow
from tests.kiosk.test_no_trace import Kiosk, identified_by, ready, running, site_file, wait_until
from tests.support.real_central import RealCentral, seed_person

FUND_ITEM = "11410800MB1C21746K8000221001"      # 住房公积金提取（异地购房）, 焦作市
FUND_FORM = {"phone": "13912345678", "bank_account": "6222020200112233", "amount": "80000"}
ADDRESS = "山西省晋城市城区凤台东街示例小区3号楼"   # typed for the post, not the card's
ZHANG_SAN = seed_person(0)


@contextmanager
def collect_kiosk(real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path,
                  private_tmp: Path) -> Iterator[tuple[Kiosk, PrinterSimulator]]:
    """An enrolled 晋城 terminal with a receipt printer and a document camera (simulated)."""
    printer = PrinterSimulator(tmp_path / "receipts", paper="80mm", speed_mm_s=0)
    printer.start()
    host, port = printer.address
    site = site_file(tmp_path, sim, central_url=real_central.url,
                     offered=("identity_check", "yizheng_tongban"),
                     extra=f'[devices.receipt_printer]\ndriver = "escpos"\nurl = "tcp://{host}:{port}"\n'
                           '[devices.document_camera]\ndriver = "simulated"\n')
    try:
        with running(site, private_tmp, enroll_with=real_central) as kiosk:
            ready(kiosk, "id_reader", "receipt_printer", "document_camera")
            yield kiosk, printer
    finally:
        printer.stop()


def camera_of(kiosk: Kiosk) -> SimulatedDocumentCamera:
    camera = kiosk.terminal.devices["document_camera"]
    assert isinstance(camera, SimulatedDocumentCamera)
    return camera


def photograph(flow: YizhengFlow, camera: SimulatedDocumentCamera, fault: str = "",
               seed: int = 0) -> Any:
    """拍摄 a sample 购房合同 (with ``fault``); the step, in review."""
    now = flow.material_step()
    assert now is not None
    _, step = now
    camera.place(samples.shot("contract", fault, seed=seed))
    step.take()
    wait_until(lambda: step.state in ("review", "failed"), what="the shot")
    assert step.state == "review", step.error
    return step


def file_fund_application(kiosk: Kiosk, sim: IdCardSimulator) -> YizhengFlow:
    """Home -> 一证通办 -> card -> the 焦作 item -> form -> 购房合同 (blurred refused, then two
    pages) -> post to ADDRESS -> confirm -> submit -> the result; both slips printed."""
    terminal = kiosk.terminal
    camera = camera_of(kiosk)
    assert terminal.choose_service("yizheng_tongban")
    sim.place("zhang_san")
    wait_until(identified_by(kiosk, ZHANG_SAN.name))
    assert terminal.session.confirm()
    flow = terminal.start_flow()
    assert isinstance(flow, YizhengFlow)
    wait_until(lambda: flow.step is Step.ITEMS, what="items")
    flow.select_item(FUND_ITEM)
    assert flow.mode() == "异地代收" and "焦作" in flow.mode_text()
    assert flow.can_apply()
    flow.begin_form()
    assert flow.step is Step.FORM
    for key, value in FUND_FORM.items():
        flow.set_value(key, value)
    assert flow.confirm_form(), [(f.key, f.error) for f in flow.fields if f.error]
    assert flow.step is Step.MATERIALS
    step = photograph(flow, camera, "blurred")
    assert step.error == "blurred" and not step.keep()          # never silently kept
    step = photograph(flow, camera)
    assert step.keep()
    step = photograph(flow, camera, seed=7)
    assert step.keep()
    camera.clear()
    flow.next_material()
    assert flow.step is Step.DELIVERY, flow.error
    flow.choose_delivery("post")
    flow.set_address(ADDRESS)
    flow.confirm_delivery()
    assert flow.step is Step.CONFIRM, flow.error
    if flow.pending_text():      # an earlier test filed it on this central already
        flow.submit_anyway()
    else:
        flow.submit()
    wait_until(lambda: flow.step is Step.RESULT, what="result")
    wait_until(lambda: flow.collect.handover_state in ("printed", "failed"), what="the handover slip")
    return flow
