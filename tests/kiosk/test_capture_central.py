"""Photographed pages delivered to the real reference central (`kiosk-central serve`,
SQLite): a terminal enrolled through `kiosk enroll` submits an application with three
pages through its outbox; each page arrives sealed at POST /applications/evidence, central
stores exactly the bytes photographed (its SHA-256 is the one the application names) once
though page 1 is sent twice, the application names the same hashes, and the terminal keeps
no payload once delivered."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from drivers.doccam import samples
from drivers.doccam.page import process_frame
from kiosk.capture.pages import Page, PageSet
from kiosk.capture.quality import Quality
from kiosk.central_api import Applicant, ApplicationRequest, MaterialRef, connect
from kiosk.central_api.evidence import deliver_evidence
from kiosk.config import KioskConfig, load_config
from kiosk.outbox import KIND_EVIDENCE, open_outbox
from kiosk.store import open_store
from kiosk.store.crypto import is_sealed
from kiosk.store.schema import DELIVERED
from kiosk.store.schema import outbox as outbox_table
from tests.support.central_fixtures import real_central  # noqa: F401 - fixture
from tests.support.real_central import (
    KIOSK,
    PENSION_FORM,
    PENSION_ITEM,
    RealCentral,
    central_available,
    seed_person,
)

pytestmark = pytest.mark.skipif(not central_available(), reason="central/ (kiosk-central) is not installed")


@pytest.fixture
def terminal(real_central: RealCentral, tmp_path: Path) -> KioskConfig:  # noqa: F811
    site = tmp_path / "kiosk.toml"
    site.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "data"\n[central]\nurl = "{real_central.url}"\n',
                    encoding="utf-8")
    done = subprocess.run([KIOSK, "--config", str(site), "enroll", "--code", real_central.add_terminal()],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return load_config(site)


def photographed() -> PageSet:
    pages = PageSet()
    for name, kind, code in (("letter", "authorization", None), ("letter2", "authorization", None),
                             ("contract", "material", "M02")):
        pages.add(Page.of(process_frame(samples.shot(name)), kind, code, Quality()))  # type: ignore[arg-type]
    return pages


def test_pages_reach_central_sealed_exactly_once_and_leave_the_terminal(
        terminal: KioskConfig, real_central: RealCentral) -> None:  # noqa: F811
    citizen = seed_person()
    pages = photographed()
    hashes = [p.sha256 for p in pages.pages()]
    request = ApplicationRequest(
        item_code=PENSION_ITEM,
        applicant=Applicant(kind="person", id_number=citizen.id_number, name=citizen.name),
        form=dict(PENSION_FORM),
        materials=[MaterialRef(code="M01", source="licence", ref=citizen.licences["hukou"])],
        evidence=pages.refs(),
    )
    with open_store(terminal.terminal.data_dir) as store:
        box = open_outbox(terminal, store)
        try:
            assert box.can_seal()
            submission = box.submit_application(request, evidence=pages.pages())
            with store.read() as conn:
                rows = conn.execute(select(outbox_table).where(outbox_table.c.kind == KIND_EVIDENCE)
                                    .order_by(outbox_table.c.id)).all()
            assert len(rows) == 3 and all(is_sealed(r.payload_encrypted) for r in rows)
            # Page 1 sent once by hand as the outbox sends it (the answer then "lost"): the
            # outbox's own delivery below is a resend of the same bytes under the same key.
            client, reason = connect(terminal, store)
            assert client is not None, reason
            with client:
                envelope = json.dumps({"sealed": base64.b64encode(rows[0].payload_encrypted).decode()})
                deliver_evidence(client, envelope.encode(), rows[0].idempotency_key)
            for n in (1, 2, 3):
                done = box.deliver_now(f"{submission.local_receipt}/p{n}", timeout=20)
                assert done.delivered, done.error_code
            stored = real_central.query(
                "SELECT page, kind, material_code, sha256, size, content, local_receipt "
                "FROM application_evidence ORDER BY page")
            mine = [r for r in stored if r[6] == submission.local_receipt]
            assert [(r[0], r[1], r[2]) for r in mine] == [
                (1, "authorization", None), (2, "authorization", None), (3, "material", "M02")]
            for row, page, sha in zip(mine, pages.pages(), hashes, strict=True):
                content = row[5]
                assert isinstance(content, bytes)
                assert row[3] == sha == hashlib.sha256(content).hexdigest()
                assert content == bytes(page.jpeg) and row[4] == len(content)
            with store.read() as conn:
                left = conn.execute(select(outbox_table.c.state, outbox_table.c.payload_encrypted)
                                    .where(outbox_table.c.kind == KIND_EVIDENCE)).all()
            assert all(state == DELIVERED and payload is None for state, payload in left)
            application = box.deliver_now(submission.local_receipt, timeout=20)
            assert application.delivered, application.error_code
            [(named,)] = real_central.query(
                "SELECT evidence FROM applications WHERE local_receipt = ?", submission.local_receipt)
            assert [e["sha256"] for e in json.loads(str(named))] == hashes
        finally:
            box.stop()
            pages.wipe()
    count = real_central.query("SELECT COUNT(*) FROM application_evidence WHERE local_receipt = ?",
                               submission.local_receipt)
    assert count == [(3,)]
