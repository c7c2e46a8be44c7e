"""The 好差评 offer after every completed service (docs/casework.md §8).

When the citizen taps 完成 (``Terminal.finish_service``), the running flow says what it
completed (``Flow.completed_handling``). If it completed something and ``[evaluation]
offer_after_service`` is on, the handling is kept (with the citizen's keyed hash, or none
in an open session such as 排队取号) and the session goes on with the evaluation flow on
its rate step: one tap rates, one tap (跳过) ends the session. Otherwise the session ends
as it always did. An idle timeout during the offer ends the session like any other: the
handling stays kept, unrated, and nothing is sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from kiosk.evaluation.handlings import Handlings
from kiosk.evaluation.sending import KIND_EVALUATION, Rateable
from kiosk.events import FlowChanged
from kiosk.flows.evaluation import SERVICE_ID, EvaluationFlow
from kiosk.outbox import Outbox
from kiosk.session import EndReason, SessionState
from kiosk.store import Store

if TYPE_CHECKING:
    from kiosk.terminal import Terminal

log = logging.getLogger(__name__)


def handlings_for(store: Store, outbox: Outbox) -> Handlings:
    """The terminal's handlings, their evaluations delivered by ``outbox`` (kind
    ``evaluation``); rows past the 7 days go now."""
    handlings = Handlings(store, outbox=outbox)
    assert handlings.sender is not None
    outbox.register(KIND_EVALUATION, handlings.sender.deliver)
    handlings.prune()
    return handlings


def finish(terminal: Terminal) -> bool:
    """The citizen is done: offer 好差评 for what the flow completed (True), else end the
    session (False)."""
    if not _offer(terminal):
        terminal.session.finish(EndReason.FINISHED)
        return False
    return True


def _offer(terminal: Terminal) -> bool:
    session, flow, handlings = terminal.session, terminal.flow, terminal.handlings
    if (flow is None or handlings is None or isinstance(flow, EvaluationFlow)
            or not terminal.config.evaluation.offer_after_service
            or SERVICE_ID not in terminal.config.services.offered
            or session.state is not SessionState.ACTIVE):
        return False
    handling = flow.completed_handling()
    if handling is None:
        return False
    if session.open:
        session.drop_identity()      # a card lent to 排队取号 is not the rater's: anonymous
    card = session.card
    person_key = handlings.person_key(card.id_number) if card is not None else None
    handling_id = handlings.record(handling, person_key)
    offered = Rateable(handling_id, handling, dt.datetime.now(dt.UTC))
    evaluation = EvaluationFlow(session, handlings, terminal.central, offered=offered,
                                person_key=person_key)
    flow.wipe()
    evaluation.subscribe(lambda: terminal.events.publish(FlowChanged(SERVICE_ID, str(evaluation.step))))
    terminal.flow = evaluation
    evaluation.load()
    if not session.switch(SERVICE_ID, keep_open=True):
        terminal.flow = None
        evaluation.wipe()
        return False
    log.info("好差评 offered after %s", handling.service_id)
    terminal.events.publish(FlowChanged(SERVICE_ID, str(evaluation.step)))
    return True
