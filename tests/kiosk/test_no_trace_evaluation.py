"""No trace of the citizen after 好差评 (the evaluation session): rated after 身份核验 through
the offer (a 差评 with a reason and a comment), then from the 好差评 tile with central's
applications listed. What stays on the terminal is the handling with a keyed hash, never the
name or number in any encoding (tests/support/traces.py), and the delivered rows' payloads
are gone."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from drivers.idcard.simulator import IdCardSimulator
from kiosk.flows.evaluation import EvaluationFlow, Step
from kiosk.session import SessionState
from kiosk.store.schema import outbox
from tests.kiosk.test_evaluation_terminal import identify, started, thanked
from tests.kiosk.test_no_trace import ZHANG_SAN, needs_central, private_tmp, wait_until
from tests.support.central_fixtures import real_central
from tests.support.real_central import RealCentral

__all__ = ["private_tmp", "real_central"]   # fixtures


@needs_central
def test_no_trace_after_rating_a_service_and_the_tile(
        real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path, private_tmp: Path) -> None:
    with started(real_central, sim, tmp_path / "kiosk", private_tmp) as kiosk, kiosk.session() as watch:
        terminal = kiosk.terminal
        identify(kiosk, sim, "identity_check")
        assert terminal.finish_service()
        flow = terminal.flow
        assert isinstance(flow, EvaluationFlow) and flow.step is Step.RATE
        flow.rate(1)
        flow.toggle_reason("device")
        flow.set_comment("读卡太慢")
        flow.send()
        assert thanked(flow) == "sent"
        assert not terminal.finish_service()
        assert terminal.session.state is SessionState.IDLE and flow.comment == ""
        sim.remove()
        wait_until(lambda: not terminal.id_card_on_reader(), what="card taken")

        identify(kiosk, sim, "evaluation")    # the tile: central's applications are read
        tile = terminal.flow
        assert isinstance(tile, EvaluationFlow)
        wait_until(lambda: tile.step is Step.LIST, what="the list")
        terminal.session.finish()
        assert tile.choices == () and tile.chosen is None
        sim.remove()
        wait_until(lambda: terminal.outbox.status().pending == 0, what="outbox drained")
        with terminal.store.read() as conn:
            kept = conn.execute(select(outbox.c.kind, outbox.c.payload_encrypted)
                                .where(outbox.c.kind == "evaluation")).all()
        assert [(k, p) for k, p in kept] == [("evaluation", None)]   # delivered: payload gone
    kiosk.assert_no_trace([ZHANG_SAN.name, ZHANG_SAN.id_number], watch)
