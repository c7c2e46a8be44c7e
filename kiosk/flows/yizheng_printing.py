"""What 一证通办 prints once an application is filed: the 办件受理回执 and, for 异地代收, the
收件交接单 after it; both at once when the printer is ready, and again on request.

A mixin of YizhengFlow, as yizheng_agent.py and yizheng_collect_steps.py are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.flows.base import Flow, keeping_alive
from kiosk.flows.yizheng_collect import Collect
from kiosk.flows.yizheng_steps import Step

if TYPE_CHECKING:
    from kiosk.central_api.models import Item
    from kiosk.flows.yizheng_agent import AgentView
    from kiosk.flows.yizheng_ports import ReceiptsLike
    from kiosk.flows.yizheng_views import ResultView
    from kiosk.printing.printers import PrintResult


class PrintingSteps(Flow):
    """The printing intents. Attributes below are YizhengFlow's (declared for the type checker)."""

    _receipts: ReceiptsLike | None
    item: Item | None
    result: ResultView | None
    collect: Collect
    receipt_state: str   # the 办件受理回执: "" (not printed), printing, printed, failed
    receipt_error: str
    agent_view: Callable[[], AgentView]
    _applicant_now: Callable[[int], dict[str, str] | None]

    @property
    def can_print_receipt(self) -> bool:
        return (self._receipts is not None and self.result is not None and not self.result.error
                and self.receipt_state != "printing")

    def print_receipt(self) -> None:
        """Print the 办件受理回执 (again: after a failure, or a second copy)."""
        if self.step is not Step.RESULT or not self.can_print_receipt:
            return
        self._require_card()
        self._touch()

        def work() -> None:
            self._print_receipt(self._generation)
            if self.collect.handover_state != "printed":
                self._print_handover(self._generation)   # 异地代收: the 收件交接单 again too

        self._background(work)

    def _print_receipt(self, gen: int) -> None:
        result, item = self.result, self.item
        if self._receipts is None or result is None:
            return
        card = self._applicant_now(gen)   # the name and ID number go on the paper (masked)
        if card is None:
            return
        agent = self.agent_view().label   # 帮办代办: 代办人 李*（子女）
        self._print(gen, self._receipt,   # card goes with this frame, once printed
                    lambda receipts: (receipts.print_receipt(result, card, item, agent_masked=agent) if agent
                                      else receipts.print_receipt(result, card, item)))

    def _receipt(self, state: str, error: str) -> None:
        self.receipt_state, self.receipt_error = state, error
        self._changed()

    def print_handover(self) -> None:
        """Print the 收件交接单 again (after a failure, or a second copy)."""
        if self.step is not Step.RESULT or self.collect.handover is None or self.result is None:
            return
        self._touch()
        gen = self._generation
        self._background(lambda: self._print_handover(gen))

    def _print_handover(self, gen: int) -> None:
        result, draft = self.result, self.collect.handover
        if result is None or draft is None or result.error:
            return
        self._print(gen, self._handover, lambda receipts: receipts.print_handover(result, draft))

    def _print(self, gen: int, mark: Callable[[str, str], None],
               job: Callable[[ReceiptsLike], PrintResult]) -> None:
        """One slip on the receipt printer, its state shown through ``mark``: failed with the
        printer's reason when it is not ready, else printing, then printed or failed."""
        receipts = self._receipts
        if receipts is None:
            return
        ready, reason = receipts.ready()
        if not ready:
            self._apply(gen, lambda: mark("failed", reason))
            return
        self._apply(gen, lambda: mark("printing", ""))
        with keeping_alive(self._touch):
            outcome = job(receipts)
        self._apply(gen, lambda: mark("printed" if outcome.ok else "failed", outcome.reason))

    def _handover(self, state: str, error: str) -> None:
        self.collect.handover_state, self.collect.handover_error = state, error
        self._changed()

