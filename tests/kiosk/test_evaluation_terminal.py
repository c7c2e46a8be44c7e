"""好差评 through the real Terminal and the real central (kiosk-central, seeded): the offer
after a completed 身份核验 and 一证通办 (完成 → the rate step, 跳过 ends the session), the
evaluations delivered by the outbox to POST /evaluations (a 差评 opening its rectification
case), the 好差评 tile listing only what is not rated, an application rated at another
terminal answered "already rated" (409 duplicate, said, not a failure), an idle timeout
during the offer sending nothing, and the offer switched off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from drivers.idcard.simulator import IdCardSimulator
from kiosk.flows.evaluation import EvaluationFlow
from kiosk.flows.evaluation import Step as EvStep
from kiosk.flows.identity_check import IdentityCheckFlow
from kiosk.flows.yizheng import Step as YizhengStep
from kiosk.session import SessionState
from kiosk.terminal import Terminal
from tests.kiosk.test_no_trace import (
    TIMEOUT,
    ZHANG_SAN,
    Kiosk,
    fill_in_pension_application,
    identified_by,
    needs_central,
    private_tmp,
    ready,
    running,
    site_file,
    wait_until,
)
from tests.support.central_fixtures import real_central
from tests.support.real_central import RealCentral

__all__ = ["private_tmp", "real_central"]   # fixtures

OFFERED = ("identity_check", "yizheng_tongban", "evaluation")
pytestmark = needs_central


@contextmanager
def started(central: RealCentral, sim: IdCardSimulator, folder: Path, tmpdir: Path,
            **site: Any) -> Iterator[Kiosk]:
    """A terminal of its own (enrolled with central when given) on the simulated reader."""
    folder.mkdir()
    path = site_file(folder, sim, central_url=central.url, offered=OFFERED, **site)
    with running(path, tmpdir, enroll_with=central) as kiosk:
        ready(kiosk, "id_reader")
        yield kiosk


def identify(kiosk: Kiosk, sim: IdCardSimulator, service: str) -> None:
    terminal = kiosk.terminal
    assert terminal.choose_service(service)
    sim.place("zhang_san")
    wait_until(identified_by(kiosk, ZHANG_SAN.name), what="identified")
    assert terminal.confirm_identity() is not None


def leave(kiosk: Kiosk, sim: IdCardSimulator) -> None:
    assert not kiosk.terminal.finish_service()   # nothing more to rate: the session ends
    assert kiosk.terminal.session.state is SessionState.IDLE
    sim.remove()
    wait_until(lambda: not kiosk.terminal.id_card_on_reader(), what="card taken")


def offered(terminal: Terminal) -> EvaluationFlow:
    flow = terminal.flow
    assert isinstance(flow, EvaluationFlow), flow
    assert flow.step is EvStep.RATE and flow.chosen is not None
    assert terminal.snapshot().service_id == "evaluation"
    return flow


def thanked(flow: EvaluationFlow) -> str:
    wait_until(lambda: flow.step is EvStep.THANKS, what="thanks")
    assert flow.outcome is not None
    return flow.outcome


def evaluations(central: RealCentral, handling_id: str) -> list[tuple[object, ...]]:
    return central.query(
        "SELECT service_id, level, reasons, comment, application_number, item_code "
        "FROM evaluations WHERE handling_id = ?", handling_id)


def test_the_offer_after_services_the_tile_and_one_evaluation_each(
        sim: IdCardSimulator, real_central: RealCentral, tmp_path: Path, private_tmp: Path) -> None:
    with started(real_central, sim, tmp_path / "one", private_tmp) as kiosk:
        check_id, app_id = _rate_here(kiosk, sim, real_central)
    # 4. Another terminal: 张三's application is listed there (from central) and rated
    # already: central's 409 duplicate is said, and the row is done, not failed.
    with started(real_central, sim, tmp_path / "two", private_tmp) as other:
        identify(other, sim, "evaluation")
        there = other.terminal.flow
        assert isinstance(there, EvaluationFlow)
        wait_until(lambda: there.step is EvStep.LIST, what="the list there")
        assert app_id in {c.handling_id for c in there.choices}
        assert check_id not in {c.handling_id for c in there.choices}   # another terminal's
        there.choose(app_id)
        there.rate(4)
        assert thanked(there) == "duplicate"
        status = other.terminal.outbox.status()
        assert (status.pending, status.failed, status.delivered) == (0, 0, 1)
    assert [r[1] for r in evaluations(real_central, app_id)] == [2]   # the first one stands


def _rate_here(kiosk: Kiosk, sim: IdCardSimulator, real_central: RealCentral) -> tuple[str, str]:
    terminal = kiosk.terminal
    # 1. 身份核验, 完成: the offer; 非常满意 is one tap and reaches central.
    identify(kiosk, sim, "identity_check")
    assert isinstance(terminal.flow, IdentityCheckFlow)
    assert terminal.finish_service()
    flow = offered(terminal)
    check_id = flow.chosen.handling_id   # type: ignore[union-attr]
    assert flow.chosen.handling.title == "身份核验"   # type: ignore[union-attr]
    flow.rate(5)
    assert thanked(flow) == "sent"
    [row] = evaluations(real_central, check_id)
    assert row[:2] == ("identity_check", 5) and row[4] is None
    leave(kiosk, sim)

    # 2. 一证通办: the application filed, 完成, 不满意 with a reason and a comment.
    yizheng = fill_in_pension_application(kiosk, sim)
    yizheng.submit()
    wait_until(lambda: yizheng.step is YizhengStep.RESULT, what="result")
    assert yizheng.result is not None and yizheng.result.delivered
    number = yizheng.result.application_number
    assert terminal.finish_service()
    flow = offered(terminal)
    app_id = flow.chosen.handling_id   # type: ignore[union-attr]
    assert flow.chosen.handling.application_number == number   # type: ignore[union-attr]
    flow.rate(2)
    assert flow.step is EvStep.REASONS
    flow.toggle_reason("slow")
    flow.set_comment("等了很久")
    flow.send()
    assert thanked(flow) == "sent"
    [row] = evaluations(real_central, app_id)
    assert row[0] == "yizheng_tongban" and row[1] == 2 and json.loads(str(row[2])) == ["slow"]
    assert row[3] == "等了很久" and row[4] == number
    cases = real_central.query(
        "SELECT c.state FROM rectification_cases c JOIN evaluations e ON e.id = c.evaluation_id "
        "WHERE e.handling_id = ?", app_id)
    assert cases == [("待回访",)]
    leave(kiosk, sim)

    # 3. The tile: both are rated, nothing of them is offered again (一次一评).
    identify(kiosk, sim, "evaluation")
    tile = terminal.flow
    assert isinstance(tile, EvaluationFlow)
    wait_until(lambda: tile.step is EvStep.LIST, what="the list")
    listed = {c.handling_id for c in tile.choices}
    assert check_id not in listed and app_id not in listed and not tile.central_missing
    terminal.session.finish()
    sim.remove()
    wait_until(lambda: not terminal.id_card_on_reader(), what="card taken")
    assert terminal.outbox.status().failed == 0

    return check_id, app_id


def test_skip_and_an_idle_timeout_during_the_offer_send_nothing(
        real_central: RealCentral, sim: IdCardSimulator, tmp_path: Path, private_tmp: Path) -> None:
    with started(real_central, sim, tmp_path / "one", private_tmp, idle_timeout=6) as kiosk:
        terminal = kiosk.terminal
        identify(kiosk, sim, "identity_check")
        assert terminal.finish_service()
        flow = offered(terminal)
        kept = flow.chosen.handling_id   # type: ignore[union-attr]
        wait_until(lambda: terminal.session.state is SessionState.IDLE, timeout=TIMEOUT,
                   what="the idle timeout")
        assert terminal.flow is None and flow.chosen is None
        sim.remove()
        wait_until(lambda: not terminal.id_card_on_reader(), what="card taken")
        # 跳过 (the screen's finish_session): the session ends, nothing sent either.
        identify(kiosk, sim, "identity_check")
        assert terminal.finish_service()
        assert not terminal.finish_service() and terminal.session.state is SessionState.IDLE
        sim.remove()
        assert terminal.outbox.status().pending == terminal.outbox.status().delivered == 0
        key = terminal.handlings.person_key(ZHANG_SAN.id_number)
        recent = terminal.handlings.recent(key)
        assert len(recent) == 2 and not any(h.rated for h in recent)   # kept, rateable later
        assert kept in {h.handling_id for h in recent}
        assert evaluations(real_central, kept) == []


def test_the_offer_can_be_switched_off(sim: IdCardSimulator, tmp_path: Path, private_tmp: Path) -> None:
    site = site_file(tmp_path, sim, offered=("identity_check", "evaluation"),
                     extra="[evaluation]\noffer_after_service = false\n")
    with running(site, private_tmp) as kiosk:
        ready(kiosk, "id_reader")
        identify(kiosk, sim, "identity_check")
        assert not kiosk.terminal.finish_service()
        assert kiosk.terminal.session.state is SessionState.IDLE
        sim.remove()
