"""The lines 异地代收 and paper materials add to the item page (mode, 联办's parts, the pending
application of the same item) and to the confirm page (pages per material, the delivery with
the address masked). Kept here so the shared detail/confirm screens change by a call each."""

from __future__ import annotations

from kivy.uix.widget import Widget

from kiosk.flows.yizheng import YizhengFlow

from ..widgets import WrapLabel
from . import collect_words as words


def add_item_lines(box: Widget, flow: YizhengFlow) -> None:
    """Top of the item page's left column: the pending application first (it may change the
    citizen's mind), then what the mode means, then the departments of a 联办."""
    pending = flow.pending_text()
    if pending:
        box.add_widget(WrapLabel(text=pending, tone="danger", bold=True))
    mode = flow.mode_text()
    if mode:
        box.add_widget(WrapLabel(text=mode, tone="primary", bold=True))
    parts = flow.parts()
    if parts:
        box.add_widget(WrapLabel(text=words.PARTS_TITLE, style="s", tone="muted"))
        for p in parts:
            box.add_widget(WrapLabel(text=words.PART_LINE.format(
                seq=p.seq, region=p.region, department=p.department, task=p.task), style="s"))


def confirm_lines(flow: YizhengFlow) -> list[tuple[str, str]]:
    """(caption, value) rows of the confirm page: the mode when not plain, each photographed
    material with its page count, and how the result comes back (address masked)."""
    lines: list[tuple[str, str]] = []
    mode = flow.mode()
    if mode and mode != "全程网办":
        lines.append((words.CONFIRM_MODE, mode))
    for material, pages in flow.collect.pages_by_material():
        value = words.CONFIRM_PAGES.format(pages=pages) if pages else words.CONFIRM_NO_PAGES
        lines.append((material.name, value))
    delivery = flow.collect.delivery_text() if mode == "异地代收" else ""
    if delivery:
        lines.append((words.CONFIRM_DELIVERY, delivery))
    return lines


def handover_line(flow: YizhengFlow) -> str:
    """The 收件交接单's printing, said under the receipt's line ("" when there is none)."""
    state = flow.collect.handover_state
    if flow.collect.handover is None or not state:
        return ""
    return words.HANDOVER_FAILED if state == "failed" else words.HANDOVER.get(state, "")


def paper_how(flow: YizhengFlow, source: str) -> str:
    """How a paper material is given here: photographed when a camera is configured."""
    return words.MATERIAL_CAPTURE if source == "paper" and flow.collect.camera is not None else ""
