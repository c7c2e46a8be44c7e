"""好差评 (docs/casework.md §8): the citizen rates one completed service handling, once.

Two ways in. From the 好差评 tile (identified): the list of this citizen's handlings at
this terminal of the last 7 days (kiosk/evaluation/handlings.py, found by a keyed hash of
the ID number) and their applications from central (``mine``), those not rated yet; one is
chosen. After a completed service (the terminal's offer, kiosk/evaluation/offer.py): the
flow starts on the rate step with that handling, and 跳过 ends the session.

Rating is one tap on one of five levels; the two lowest ask for at least one reason (and an
optional comment, ≤ 200 characters). The evaluation is committed to the outbox (kind
``evaluation``) with the handling marked rated in the same transaction, then delivered while
the citizen waits a few seconds: sent, kept for later (central out of reach), or central's
"already rated" (409 ``duplicate``), each said on the thanks screen.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from enum import StrEnum
from typing import ClassVar

from kiosk.central_api import tracking
from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralError
from kiosk.evaluation.handlings import Handlings, application_handling_id
from kiosk.evaluation.sending import (
    COMMENT_MAX,
    LEVELS,
    LOW_LEVELS,
    REASONS,
    AlreadyRated,
    Outcome,
    Rateable,
)
from kiosk.flows.base import Flow, Handling, Runner, thread_runner
from kiosk.flows.deps import FlowDeps
from kiosk.session import Session

log = logging.getLogger(__name__)

SERVICE_ID = "evaluation"
DELIVER_WAIT_S = 8.0


class Step(StrEnum):
    LOADING = "loading"
    LIST = "list"          # what the identified citizen may rate
    RATE = "rate"          # five levels, one tap
    REASONS = "reasons"    # levels 1-2: reasons (at least one) and a comment
    SENDING = "sending"
    THANKS = "thanks"      # outcome says sent / queued / duplicate / failed
    ERROR = "error"


class EvaluationFlow(Flow):
    SERVICE_ID = SERVICE_ID
    FIRST = Step.LOADING
    ERROR_STEP = Step.ERROR
    KEEPS_ERROR = frozenset({Step.ERROR})
    TRANSITIONS: ClassVar = {
        Step.LOADING: frozenset({Step.LIST, Step.RATE}),
        Step.LIST: frozenset({Step.RATE, Step.LOADING}),
        Step.RATE: frozenset({Step.LIST, Step.REASONS, Step.SENDING}),
        Step.REASONS: frozenset({Step.RATE, Step.SENDING}),
        Step.SENDING: frozenset({Step.THANKS}),
        Step.THANKS: frozenset({Step.LOADING}),
        Step.ERROR: frozenset({Step.LOADING}),
    }

    def __init__(self, session: Session, handlings: Handlings, central: CentralClient | None,
                 runner: Runner = thread_runner, offered: Rateable | None = None,
                 person_key: str | None = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__(session, runner)
        if handlings.sender is None:
            raise ValueError("the evaluation flow needs Handlings with the outbox")
        self._handlings = handlings
        self._sender = handlings.sender
        self._central = central
        self._clock = clock
        self.offered = offered            # the offer after a service: rate this one, or skip
        self._person_key = person_key     # a keyed hash, never the number
        self._clear()

    def _clear(self) -> None:
        self.choices: tuple[Rateable, ...] = ()
        self.central_missing = False      # central's applications could not be read
        self.chosen: Rateable | None = self.offered
        self.level: int | None = None
        self.reasons: tuple[str, ...] = ()
        self.comment = ""
        self.outcome: Outcome | None = None

    # -- intents ---------------------------------------------------------------------------
    def load(self) -> None:
        if self.offered is not None:
            with self._lock:
                self.chosen = self.offered
            self._set(Step.RATE)
            return
        self._require_card()
        self._set(Step.LOADING)

        def work() -> None:
            gen = self._generation
            card = self._card_now(gen)
            if card is None:
                return
            key = self._handlings.person_key(card["id_number"])
            kept = self._handlings.recent(key)
            apps, missing = self._applications(card["id_number"], card["name"])
            del card
            known = {h.handling_id for h in kept}
            choices = [Rateable(h.handling_id, Handling(h.service_id, h.title, h.item_code,
                                                        h.application_number, h.local_receipt),
                                h.handled_at) for h in kept if not h.rated]
            choices += [a for a in apps if a.handling_id not in known]
            choices.sort(key=lambda r: r.handled_at, reverse=True)

            def done() -> None:
                self._person_key = key
                self.choices, self.central_missing = tuple(choices), missing
                self._set(Step.LIST)

            self._apply(gen, done)

        self._background(work)

    def _applications(self, id_number: str, name: str) -> tuple[list[Rateable], bool]:
        """The citizen's applications from central as things to rate (once each)."""
        if self._central is None:
            return [], False
        try:
            found = tracking.mine(self._central, id_number, name).applications
        except CentralError as err:
            log.warning("evaluation: the applications could not be read (%s)", err.code)
            return [], True
        now = dt.datetime.fromtimestamp(self._clock(), dt.UTC)
        return [Rateable(application_handling_id(a.application_number),
                         Handling(SERVICE_YIZHENG, a.item_name, a.item_code, a.application_number),
                         a.submitted_at or now, kept=False) for a in found], False

    def choose(self, handling_id: str) -> None:
        if self.step is not Step.LIST:
            return
        chosen = next((c for c in self.choices if c.handling_id == handling_id), None)
        if chosen is None:
            return
        self._touch()
        with self._lock:
            self.chosen, self.level, self.reasons, self.comment = chosen, None, (), ""
        self._set(Step.RATE)

    def rate(self, level: int) -> None:
        """One tap: levels 3-5 are sent at once, 1-2 ask for reasons first."""
        if self.step is not Step.RATE or level not in LEVELS:
            return
        self._touch()
        with self._lock:
            self.level = level
        if level in LOW_LEVELS:
            self._set(Step.REASONS)
        else:
            with self._lock:
                self.reasons, self.comment = (), ""
            self._send()

    def toggle_reason(self, code: str) -> None:
        if self.step is not Step.REASONS or code not in REASONS:
            return
        self._touch()
        with self._lock:
            chosen = set(self.reasons) ^ {code}
            self.reasons = tuple(r for r in REASONS if r in chosen)
            self.error = ""
        self._changed()

    def set_comment(self, text: str) -> None:
        if self.step is not Step.REASONS:
            return
        self._touch()
        with self._lock:
            self.comment = text[:COMMENT_MAX]
        self._changed()

    def send(self) -> None:
        """Levels 1-2: send with the reasons chosen (at least one)."""
        if self.step is not Step.REASONS:
            return
        if not self.reasons:
            self._set_error("reason_required")
            return
        self._send()

    def back(self) -> None:
        self._touch()
        if self.step is Step.REASONS:
            self._set(Step.RATE)
        elif self.step is Step.RATE and self.offered is None:
            self._set(Step.LIST)

    def again(self) -> None:
        """After thanks (from the tile): the list again, without what was just rated."""
        if self.step is not Step.THANKS or self.offered is not None:
            return
        with self._lock:
            self._clear()
        self.load()

    # -- the sending -----------------------------------------------------------------------
    def _send(self) -> None:
        chosen, level = self.chosen, self.level
        if chosen is None or level is None:
            return
        reasons, comment, key = self.reasons, self.comment, self._person_key
        self._set(Step.SENDING)

        def work() -> None:
            gen = self._generation
            rated_at = dt.datetime.fromtimestamp(self._clock(), dt.UTC)
            try:
                label = self._sender.submit(chosen, level, reasons, comment, rated_at, key)
            except AlreadyRated:
                outcome: Outcome = "duplicate"
            else:
                log.info("evaluation committed for delivery")
                outcome = self._sender.outcome(label, DELIVER_WAIT_S)

            def done() -> None:
                self.outcome = outcome
                self.comment = ""
                self._set(Step.THANKS)

            self._apply(gen, done)

        self._background(work)

    def wipe(self) -> None:
        super().wipe()
        with self._lock:
            self.offered = None
            self._person_key = None
            self._clear()


SERVICE_YIZHENG = "yizheng_tongban"


def build(deps: FlowDeps) -> EvaluationFlow:
    if deps.handlings is None:
        raise ValueError("the terminal keeps no handlings")
    return EvaluationFlow(deps.session, deps.handlings, deps.central)
