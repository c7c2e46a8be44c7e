"""No trace of the citizen after 办件查询 (the progress-query session): 张三's ID card placed on
the start screen is lent to the flow, his applications (filed at the real central before) are
listed, one is opened and its 办件受理回执 reprinted on the simulated receipt printer, the
card is let go on 返回, then a look-up by number and 查询码 shows the masked public view, and
the session ends. His name and ID number are then searched for in the data dir, the logs
and $TMPDIR (every encoding, tests/support/traces.py): none may be found, and no file written
during the session may have vanished. The printer's pictures are the paper he took away and
are not searched."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.idcard.simulator import IdCardSimulator
from drivers.receipt.simulator import PrinterSimulator
from kiosk.central_api.models import Applicant, Application, ApplicationRequest, MaterialRef
from kiosk.flows.progress_query import ProgressQueryFlow, Step
from tests.kiosk.appointment_fixtures import enrolled
from tests.kiosk.test_no_trace import (
    TIMEOUT,
    ZHANG_SAN,
    Kiosk,
    needs_central,
    private_tmp,
    ready,
    running,
    site_file,
    wait_until,
)
from tests.support.central_fixtures import real_central
from tests.support.real_central import PENSION_FORM, PENSION_ITEM, RealCentral

__all__ = ["private_tmp", "real_central"]   # fixtures


def filed_for_zhang_san(central: RealCentral) -> Application:
    with enrolled(central) as client:
        request = ApplicationRequest(
            item_code=PENSION_ITEM, local_receipt=f"NT-{uuid.uuid4().hex[:10]}",
            applicant=Applicant(kind="person", id_number=ZHANG_SAN.id_number, name=ZHANG_SAN.name),
            form=dict(PENSION_FORM),
            materials=[MaterialRef(code="M01", source="licence", ref=ZHANG_SAN.licences["hukou"])],
            submitted_at=dt.datetime.now(dt.UTC))
        return client.submit_application(request, str(uuid.uuid4()))


@pytest.fixture
def tracking_kiosk(real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path,  # noqa: F811
                   private_tmp: Path) -> Iterator[Kiosk]:  # noqa: F811
    printer = PrinterSimulator(tmp_path / "receipts", paper="80mm", speed_mm_s=0)
    printer.start()
    host, port = printer.address
    site = site_file(tmp_path, sim, central_url=real_central.url,
                     offered=("identity_check", "progress_query"),
                     extra=f'[devices.receipt_printer]\ndriver = "escpos"\nurl = "tcp://{host}:{port}"\n')
    try:
        with running(site, private_tmp, enroll_with=real_central) as kiosk:
            ready(kiosk, "id_reader", "receipt_printer")
            yield kiosk
    finally:
        printer.stop()


@needs_central
def test_no_trace_after_an_identified_progress_query_with_a_reprint(
        tracking_kiosk: Kiosk, sim: IdCardSimulator, real_central: RealCentral) -> None:  # noqa: F811
    app = filed_for_zhang_san(real_central)
    kiosk = tracking_kiosk
    terminal = kiosk.terminal
    with kiosk.session() as watch:
        assert terminal.choose_service("progress_query")
        flow = terminal.flow
        assert isinstance(flow, ProgressQueryFlow) and flow.step is Step.START
        sim.place("zhang_san")
        wait_until(lambda: flow.step is Step.LIST, what="his applications")
        assert app.application_number in [a.number for a in flow.applications]
        flow.open(app.application_number)
        flow.reprint()
        wait_until(lambda: flow.step is Step.DETAIL and flow.printed, what="the receipt reprinted")
        flow.back()
        flow.back()
        assert flow.step is Step.START and terminal.session.card is None   # let go on 返回
        flow.enter_number()
        flow.lookup(app.application_number, app.check_code)
        wait_until(lambda: flow.step is Step.PUBLIC, what="the public view")
        sim.remove()
        terminal.session.finish()
        assert flow.wait_idle(TIMEOUT)
        assert flow.applications == () and flow.public_app is None and flow.selected is None
        wait_until(lambda: terminal.outbox.status().pending == 0, what="outbox drained")
    kiosk.assert_no_trace([ZHANG_SAN.name, ZHANG_SAN.id_number], watch)
