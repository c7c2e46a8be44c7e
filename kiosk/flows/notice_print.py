"""打印一次性告知单: one small intent two flows share (办事指南 and the 一证通办 item page).

Nobody needs to identify and nothing personal is printed. The button asks ``ready()`` first
(shown disabled with the printer's reason when it cannot print); ``print(item)`` runs on the
flow's background runner; ``state`` is "" | ``printing`` | ``printed`` | ``failed`` with
``reason`` (a printer's code) when it failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from kiosk.central_api.models import Item
from kiosk.printing.printers import PrintResult

Run = Callable[[Callable[[], None]], None]


class NoticeReceiptsLike(Protocol):
    def ready(self) -> tuple[bool, str]: ...
    def print_notice(self, item: Item, region_names: dict[str, str] | None = None) -> PrintResult: ...


class NoticePrinting:
    def __init__(self, receipts: NoticeReceiptsLike | None, run: Run, changed: Callable[[], None],
                 touch: Callable[[], None] = lambda: None) -> None:
        self._receipts = receipts
        self._run = run
        self._changed = changed
        self._touch = touch
        self.state = ""
        self.reason = ""
        self.item_code = ""      # the item whose notice the state is about

    def ready(self) -> tuple[bool, str]:
        if self._receipts is None:
            return False, "no_printer"
        return self._receipts.ready()

    def print(self, item: Item, region_names: dict[str, str] | None = None) -> None:
        if self.state == "printing":
            return
        self._touch()
        ready, reason = self.ready()
        receipts = self._receipts
        self.item_code = item.code
        if not ready or receipts is None:
            self.state, self.reason = "failed", reason or "no_printer"
            self._changed()
            return
        self.state, self.reason = "printing", ""
        self._changed()

        def work() -> None:
            result = receipts.print_notice(item, region_names)
            self.state = "printed" if result.ok else "failed"
            self.reason = "" if result.ok else (result.reason or "job_failed")

        self._run(work)

    def status_for(self, item_code: str) -> tuple[str, str]:
        """The state and reason for ``item_code`` (another item's last print says nothing)."""
        return (self.state, self.reason) if item_code == self.item_code else ("", "")

    def reset(self) -> None:
        self.state = self.reason = self.item_code = ""
