"""异地代收 and paper materials in 一证通办 (docs/casework.md §5, §7): the MATERIALS and
DELIVERY steps and the pending application of the same item (仍要提交); the 收件交接单 is
printed by yizheng_printing.py.

A mixin of YizhengFlow, as yizheng_agent.py is: its steps share the flow's lock, table and
wipe. What to do at each step is decided by yizheng_collect.Collect; these are the intents
the screens call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.flows import yizheng_collect as collect
from kiosk.flows.base import Flow
from kiosk.flows.yizheng_collect import Collect, PartLine, PendingNotice
from kiosk.flows.yizheng_steps import Step

if TYPE_CHECKING:
    from kiosk.capture.step import CaptureStep
    from kiosk.central_api.models import Item, Material
    from kiosk.flows.yizheng_ports import ReceiptsLike
    from kiosk.flows.yizheng_views import Context, ResultView


class CollectSteps(Flow):
    """The 异地代收 intents. Attributes below are YizhengFlow's (declared for the type checker)."""

    _catalogue: dict[str, Item]
    _ctx: Context
    _receipts: ReceiptsLike | None
    item: Item | None
    result: ResultView | None
    collect: Collect
    submit: Callable[[], None]

    def mode(self) -> str:
        return self.collect.mode(self.item) if self.item is not None else ""

    def item_mode(self, code: str) -> str:
        """An item's mode for its row in the list (异地代收 / 多地联办 / 全程网办)."""
        item = self._catalogue.get(code)
        return self.collect.mode(item) if item is not None else ""

    def mode_text(self) -> str:
        return self.collect.mode_text(self.item) if self.item is not None else ""

    def parts(self) -> list[PartLine]:
        return self.collect.parts(self.item) if self.item is not None else []

    def pending_notice(self) -> PendingNotice | None:
        return self.collect.pending(self.item, self._ctx.pending)

    def pending_text(self) -> str:
        notice = self.pending_notice()
        return notice.text(self.collect.zone) if notice is not None else ""

    def material_step(self) -> tuple[Material, CaptureStep] | None:
        return self.collect.current()

    def next_material(self) -> None:
        """下一项 (or on to the delivery / confirm page after the last material)."""
        if self.step is not Step.MATERIALS or self.item is None:
            return
        self._touch()
        target, error = self.collect.next_material(self.item)
        if error:
            self._set_error(error)
        else:
            self._back_to(Step(target), "")

    def choose_delivery(self, method: str) -> None:
        self._touch()
        self.collect.choose(method)
        self._set_error("")

    def set_address(self, text: str) -> None:
        self._touch()
        self.collect.address = text[: collect.ADDRESS_MAX + 20]
        self._set_error("")

    def use_card_address(self) -> None:
        """The card's address as a suggestion for the post address (then edited as typed)."""
        self._touch()
        self.collect.address = self._card().get("address", "")[: collect.ADDRESS_MAX]
        self.collect.choose("post")
        self._set_error("")

    def confirm_delivery(self) -> None:
        if self.step is not Step.DELIVERY:
            return
        self._touch()
        error = self.collect.check_delivery()
        if error:
            self._set_error(error)
        else:
            self._set(Step.CONFIRM)

    def submit_anyway(self) -> None:
        """仍要提交: the citizen saw the pending application of this item and files again."""
        if self.step is not Step.CONFIRM:
            return
        self.collect.duplicate_ack = True
        self.submit()
