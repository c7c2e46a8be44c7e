"""Printing against the real central: a proof central issued goes through CUPS, the QR on the
printed page leads back to central, which vouches for the document; the print log's entries
reach central through the outbox and are listed per terminal and hall."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from drivers.a4.cups_printer import CupsPrinter
from drivers.a4.sim_cups import SimulatedCups
from kiosk.central_api import connect
from kiosk.config import KioskConfig, load_config
from kiosk.outbox import open_outbox
from kiosk.printing.jobs import ProofRenderer
from kiosk.printing.printers import Printing
from kiosk.printing.printlog import PrintLog
from kiosk.store import open_store
from tests.support.cups import (
    decode_qr,
    render_pages,
)
from tests.support.real_central import (
    KIOSK,
    KIOSK_CENTRAL,
    RealCentral,
    central_available,
    seed_person,
)

pytestmark = pytest.mark.skipif(not central_available(), reason="central/ (kiosk-central) is not installed")




@pytest.fixture
def config(real_central: RealCentral, cups_sim: SimulatedCups, tmp_path: Path) -> KioskConfig:
    site = tmp_path / "kiosk.toml"
    site.write_text(
        f'profile = "hall"\n[terminal]\ndata_dir = "data"\nterminal_code = "T-PRINT"\n'
        f'[central]\nurl = "{real_central.url}"\n'
        f'[devices.a4_printer]\ndriver = "cups"\nqueue = "{cups_sim.queue}"\nserver = "{cups_sim.server}"\n',
        encoding="utf-8")
    done = subprocess.run([KIOSK, "--config", str(site), "enroll", "--code", real_central.add_terminal()],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return load_config(site)


def test_a_printed_proof_is_verified_by_central_from_its_qr(
    config: KioskConfig, cups_sim: SimulatedCups, tmp_path: Path
) -> None:
    citizen = seed_person()
    cups_sim.skip_printed()
    with open_store(config.terminal.data_dir) as store:
        client, _ = connect(config, store)
        assert client is not None
        with client:
            proofs = client.available_proofs(citizen.id_number, citizen.name)
            assert "社会保险参保证明" in [p.name for p in proofs]
            proof = next(p for p in proofs if p.name == "社会保险参保证明")
            issued = client.issue_proof(proof.code, citizen.id_number, citizen.name, str(uuid.uuid4()))
            rendered = ProofRenderer(config)(issued)
            assert rendered.pages >= 2            # the contribution table runs onto page two
            printer = CupsPrinter(name="a4_printer", queue=cups_sim.queue, server=cups_sim.server)
            printer.open()
            try:
                result = Printing({"a4_printer": printer}, PrintLog(store, None)).print_document(
                    rendered.pdf, doc_type="proof", doc_number=rendered.document_number,
                    title=rendered.title, pages=rendered.pages, id_number=citizen.id_number)
            finally:
                printer.close()
            assert result.ok, result.reason
            pages = render_pages(cups_sim.wait_pdf(60), tmp_path)
            assert len(pages) == rendered.pages
            [url] = [c for c in decode_qr(pages[0]) if "/documents/" in c]
            code = urlsplit(url).path.rsplit("/", 1)[-1]
            verified = client.verify_document(code)
    assert verified.valid and verified.document.document_number == rendered.document_number
    assert verified.document.holder.id_number != citizen.id_number        # masked for the checker
    assert verified.document.holder.id_number[-4:] == citizen.id_number[-4:]


def test_print_log_entries_reach_central_and_are_listed_by_hall(
    config: KioskConfig, real_central: RealCentral
) -> None:
    citizen = seed_person()
    with open_store(config.terminal.data_dir) as store:
        outbox = open_outbox(config, store)
        plog = PrintLog(store, outbox)
        entry = plog.begin(doc_type="application_receipt", doc_number="14050020261123000042",
                           printer="receipt_printer", content=b"receipt bytes", pages=1,
                           id_number=citizen.id_number)
        plog.finish(entry, result="failed", job_id="R-1", reason="paper_out")
        outbox.start()
        try:
            deadline = time.monotonic() + 30
            while outbox.status().pending and time.monotonic() < deadline:
                time.sleep(0.1)
            assert outbox.status().pending == 0 and outbox.status().failed == 0
        finally:
            outbox.stop()
    listed = subprocess.run(
        [KIOSK_CENTRAL, "print-log", "list", "--db", real_central.db_url, "--hall", "晋城市政务服务中心",
         "--json"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    entries = [e for e in json.loads(listed.stdout) if e["entry_id"] == entry]
    assert len(entries) == 1
    assert (entries[0]["result"], entries[0]["reason"]) == ("failed", "paper_out")
    assert citizen.id_number not in listed.stdout
