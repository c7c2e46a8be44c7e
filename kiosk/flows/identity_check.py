"""身份核验: the citizen sees their identity as read (masked) and ends the visit.

Nothing to load and nothing kept: the session's masked snapshot is all the screen shows.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from kiosk.flows.base import Flow, Handling, Runner, thread_runner
from kiosk.flows.deps import FlowDeps
from kiosk.session import Session


class Step(StrEnum):
    SHOWN = "shown"


class IdentityCheckFlow(Flow):
    SERVICE_ID = "identity_check"
    FIRST = Step.SHOWN
    TRANSITIONS: ClassVar = {Step.SHOWN: frozenset()}

    def __init__(self, session: Session, runner: Runner = thread_runner) -> None:
        super().__init__(session, runner)

    def completed_handling(self) -> Handling:
        return Handling(self.SERVICE_ID, "身份核验")


def build(deps: FlowDeps) -> IdentityCheckFlow:
    return IdentityCheckFlow(deps.session)
