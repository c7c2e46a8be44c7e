"""After a session in which paper was photographed, nothing of it is left on this machine.

The real Terminal with a simulated document camera (its platen file outside the data dir:
that file is the paper on the desk, not the terminal's) and the real central: the citizen
identifies with the ID card and starts 一证通办 (the flow gets the configured camera as
FlowDeps.camera), two pages are photographed through a CaptureStep — one refused for glare
and retaken —, the application is filed with them through the outbox and delivered, the
session ends. Then the pages' bytes (their JPEG header, runs of their image data, the same
in base64) are searched in the data dir (the SQLite store with its -wal/-journal, logs,
session folders) and $TMPDIR, as are the citizen's name and ID number
(tests/kiosk/test_no_trace.py's search); every file written during the session must still
exist (no written-and-deleted copy), and the pages in memory are zeroed.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import threading
from pathlib import Path
from typing import Any

import cv2
import pytest

from drivers.doccam import samples
from drivers.idcard.simulator import IdCardSimulator
from kiosk.capture.pages import PageSet
from kiosk.capture.step import CaptureStep
from kiosk.central_api import Applicant, ApplicationRequest, MaterialRef
from kiosk.flows.base import thread_runner
from kiosk.flows.deps import FlowDeps
from kiosk.registry import SERVICES
from tests.kiosk.test_no_trace import (
    TIMEOUT,
    ZHANG_SAN,
    fill_in_pension_application,
    needs_central,
    private_tmp,  # noqa: F401 - a fixture
    ready,
    running,
    site_file,
    wait_until,
)
from tests.support.central_fixtures import real_central  # noqa: F401 - a fixture
from tests.support.real_central import PENSION_FORM, PENSION_ITEM, RealCentral
from tests.support.traces import files_under


def lay(platen: Path, name: str, fault: str = "") -> None:
    part = platen.with_name(platen.name + ".part.png")
    assert cv2.imwrite(str(part), samples.shot(name, fault))
    os.replace(part, platen)


def take(step: CaptureStep, changed: threading.Event) -> None:
    changed.clear()
    step.take()
    wait_until(lambda: step.state in ("review", "failed"), what="the capture")


@needs_central
def test_no_trace_of_photographed_pages_after_the_session(
        real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path,  # noqa: F811
        private_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    desk = tmp_path / "desk"
    desk.mkdir()
    platen = desk / "platen.png"
    extra = f'[devices.document_camera]\ndriver = "simulated"\nplaten = "{platen}"\n'
    site = site_file(tmp_path, sim, extra=extra, central_url=real_central.url,
                     offered=("identity_check", "yizheng_tongban"))
    given: list[FlowDeps] = []
    spec = SERVICES["yizheng_tongban"]
    build = spec.flow
    assert build is not None

    def recording(deps: FlowDeps) -> Any:
        given.append(deps)
        return build(deps)

    monkeypatch.setitem(SERVICES, "yizheng_tongban", dataclasses.replace(spec, flow=recording))
    needles: list[bytes] = []
    with running(site, private_tmp, enroll_with=real_central) as kiosk:
        terminal = kiosk.terminal
        ready(kiosk, "id_reader", "document_camera")
        with kiosk.session() as watch:
            flow = fill_in_pension_application(kiosk, sim)
            camera = terminal.devices["document_camera"]
            assert given and given[-1].camera is camera
            pages = PageSet()
            changed = threading.Event()
            step = CaptureStep(given[-1].camera, pages, "material", "M02", terminal.config.capture,
                               run=thread_runner, changed=changed.set)
            lay(platen, "contract")
            take(step, changed)
            assert step.state == "review" and step.error == "" and step.keep()
            lay(platen, "letter", "glare")
            take(step, changed)
            assert step.error == "glare" and not step.keep()
            refused = step.candidate
            lay(platen, "letter")
            take(step, changed)
            assert refused is not None and refused.wiped
            assert step.error == "" and step.keep()
            kept = pages.pages()
            for page in kept:
                needles += [bytes(page.jpeg[:20]), bytes(page.jpeg[2000:2032]),
                            base64.b64encode(bytes(page.jpeg[3000:3048]))]
            request = ApplicationRequest(
                item_code=PENSION_ITEM,
                applicant=Applicant(kind="person", id_number=ZHANG_SAN.id_number,
                                    name=ZHANG_SAN.name),
                form=dict(PENSION_FORM),
                materials=[MaterialRef(code="M01", source="licence",
                                       ref=ZHANG_SAN.licences["hukou"])],
                evidence=pages.refs(),
            )
            submission = terminal.outbox.submit_application(request, evidence=kept)
            assert terminal.outbox.deliver_now(submission.local_receipt, TIMEOUT).delivered
            platen.unlink()                       # the citizen takes the paper back
            sim.remove()
            terminal.session.finish()
            step.wipe()
            pages.wipe()
            assert flow.wait_idle(TIMEOUT)
            wait_until(lambda: terminal.outbox.status().pending == 0, what="outbox drained")
        assert all(page.wiped for page in kept) and len(pages) == 0
        stored = real_central.query(
            "SELECT COUNT(*) FROM application_evidence WHERE local_receipt = ?",
            submission.local_receipt)
        assert stored == [(2,)]
    kiosk.assert_no_trace([ZHANG_SAN.name, ZHANG_SAN.id_number], watch)
    searched = files_under([kiosk.data_dir, kiosk.tmpdir])
    assert any(p.name.endswith((".db", ".db-wal")) for p in searched)
    for path in searched:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"page bytes in {path}"
