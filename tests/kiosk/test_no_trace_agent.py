"""帮办代办 leaves nothing behind: after a session in which 李四 (the agent) filed for 张三
(the principal, seeded in central) with a 授权委托书 photographed in two pages by the
simulated document camera, neither person's ID number or name, nor the pages' SHA-256, nor
any run of the pages' JPEG bytes, is in a file under the data dir (SQLite store with its
-wal, logs, session folders) or $TMPDIR, and no file written during the session vanished.
Driven through the real Terminal with the real central (tests/kiosk/test_no_trace.py's
helpers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drivers.doccam import synth
from drivers.idcard.simulator import IdCardSimulator
from kiosk.flows.yizheng import Step, YizhengFlow
from kiosk.session import SessionState
from tests.kiosk.test_no_trace import (
    CLEAR,
    TIMEOUT,
    ZHANG_SAN,
    Kiosk,
    identified_by,
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

AGENT = CLEAR["li_si"]
CAMERA = '[devices.document_camera]\ndriver = "simulated"\n'


def byte_runs(jpeg: bytes, runs: int = 4, length: int = 48) -> list[bytes]:
    """Runs of a page's JPEG from its entropy-coded body: any one found in a file is a copy."""
    step = len(jpeg) // (runs + 1)
    return [jpeg[step * (i + 1): step * (i + 1) + length] for i in range(runs)]


def files_holding(roots: list[Path], runs: list[bytes], exclude: list[Path]) -> list[Path]:
    found = []
    for path in files_under(roots, exclude):
        try:
            data = path.read_bytes()
        except (FileNotFoundError, PermissionError):
            continue
        if any(run in data for run in runs):
            found.append(path)
    return found


@pytest.fixture
def agent_kiosk(real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path,  # noqa: F811
                private_tmp: Path):  # noqa: F811
    site = site_file(tmp_path, sim, extra=CAMERA, central_url=real_central.url,
                     offered=("identity_check", "yizheng_tongban"))
    with running(site, private_tmp, enroll_with=real_central) as kiosk:
        ready(kiosk, "id_reader", "document_camera")
        yield kiosk


def photograph(flow: YizhengFlow, camera: object, seed: int) -> None:
    camera.place(synth.synthetic_frame(-3.0, seed=seed).frame)   # type: ignore[attr-defined]
    letter = flow.letter
    assert letter is not None
    letter.take()
    wait_until(lambda: letter.state in ("review", "failed"), what="the page photographed")
    assert letter.keep(), letter.error


@needs_central
def test_no_trace_after_filing_for_a_relative_with_the_letter(agent_kiosk: Kiosk, sim: IdCardSimulator,
                                                               real_central: RealCentral) -> None:  # noqa: F811
    kiosk = agent_kiosk
    terminal = kiosk.terminal
    camera = terminal.devices["document_camera"]
    with kiosk.session() as watch:
        assert terminal.choose_service("yizheng_tongban")
        sim.place("li_si")
        wait_until(identified_by(kiosk, AGENT[0]))
        assert terminal.session.confirm()
        flow = terminal.start_flow()
        assert isinstance(flow, YizhengFlow)
        wait_until(lambda: flow.step is Step.ITEMS, what="items")
        flow.start_agent()
        sim.remove()                                    # the agent's card makes room
        wait_until(lambda: not terminal.id_card_on_reader(), what="the reader saw the card go")
        sim.place("zhang_san")                          # the principal's
        wait_until(lambda: flow.step is Step.AGENT_RELATION, what="the principal read")
        assert terminal.session.state is SessionState.ACTIVE
        flow.choose_relation("父母")
        flow.choose_authority("letter")
        photograph(flow, camera, 11)
        photograph(flow, camera, 12)
        pages = flow.pages.pages("authorization")
        jpegs = [bytes(p.jpeg) for p in pages]
        hashes = [p.sha256 for p in pages]
        flow.letter_done()
        wait_until(lambda: flow.step is Step.ITEMS, what="the principal's items")
        flow.select_item(PENSION_ITEM)
        flow.begin_form()
        assert flow.step is Step.FORM
        for key, value in PENSION_FORM.items():
            flow.set_value(key, value)
        assert flow.confirm_form()
        while flow.step is Step.MATERIALS:              # the optional 银行卡 page: skipped
            flow.next_material()
        assert flow.step is Step.CONFIRM, flow.error
        flow.submit()
        wait_until(lambda: flow.step is Step.RESULT, what="result")
        assert flow.result is not None and flow.result.delivered, flow.result
        number = flow.result.application_number
        sim.remove()
        terminal.session.finish()
        assert flow.wait_idle(TIMEOUT)
        wait_until(lambda: terminal.outbox.status().pending == 0, timeout=60, what="outbox drained")
    assert all(p.wiped for p in pages) and flow.letter is None and terminal.session.principal is None
    kiosk.assert_no_trace([*AGENT, ZHANG_SAN.name, ZHANG_SAN.id_number, *hashes], watch)
    # Central holds both people and the letter's pages (the terminal holds neither).
    [(applicant, agent, local_receipt)] = real_central.query(
        "SELECT applicant_id_number, agent, local_receipt FROM applications WHERE number = ?", number)
    agent = json.loads(agent) if isinstance(agent, str) else agent
    assert applicant == ZHANG_SAN.id_number
    assert (agent["id_number"], agent["name"], agent["relation"], agent["authority"]) == (AGENT[1], AGENT[0], "父母", "letter")
    stored = real_central.query("SELECT page, kind, sha256 FROM application_evidence WHERE local_receipt = ? "
                                "ORDER BY page", local_receipt)
    assert stored == [(1, "authorization", hashes[0]), (2, "authorization", hashes[1])]
    runs = [run for jpeg in jpegs for run in byte_runs(jpeg)]
    exclude = [kiosk.data_dir / "ime" / "jieba" / "jieba.cache"]
    assert files_holding([kiosk.data_dir, kiosk.tmpdir], runs, exclude) == []
