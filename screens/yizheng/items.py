"""事项 list: what this person can do with the ID card alone first, then the rest, greyed,
each with its reason. A tap opens the 办事指南 (also for items that cannot be filed here)."""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.widget import Widget

from kiosk.flows.yizheng import ItemView, YizhengFlow

from ..common.flow import Tag
from ..common.tiles import Tile, TileListScreen, tile_grid
from ..widgets import WrapLabel
from . import words as yz_words
from .agent_bar import agent_bar, agent_key, refused_here
from .base import FlowScreen


class ItemRow(Tile):
    department = StringProperty("")
    reason = StringProperty("")


def item_tags(view: ItemView, mode: str = "") -> list[tuple[str, str]]:
    """(text, tone) tags of an item row: how it is handled here (异地代收 / 多地联办), scope,
    visits, promised days, company."""
    tone = "primary" if view.eligible else "muted"
    handled = [(mode, "notice" if view.eligible else "muted")] if mode in ("异地代收", "多地联办") else []
    tags = [*handled, (yz_words.scope_tag(view.scope), tone),
            (yz_words.visits_tag(view.visits), "success" if view.eligible and view.visits == 0 else tone),
            (yz_words.promised_days(view.promised_days), tone)]
    if view.applicant_kind == "company":
        tags.append((yz_words.COMPANY_TAG, "notice" if view.eligible else "muted"))
    return [(text, t) for text, t in tags if text]


def item_reason(view: ItemView, offline: bool) -> str:
    if view.eligible:
        return ""
    return yz_words.COMPANY_OFFLINE if view.applicant_kind == "company" and offline else yz_words.ITEM_NOT_ELIGIBLE


class ItemsScreen(TileListScreen[YizhengFlow], FlowScreen):
    def show_flow(self, flow: YizhengFlow | None) -> None:
        if flow is None:
            self.clear_flow()
            return
        super().show_flow(flow)
        views = flow.items()
        notes = [yz_words.OFFLINE_NOTICE] if flow.offline else []
        if flow.catalogue_cached:
            notes.append(yz_words.CATALOGUE_CACHED)
        if flow.error:
            notes.insert(0, yz_words.agent_error(flow.error))   # 帮办代办: a refused item
        self.notice = "\n".join(notes)
        self.notice_tone = "danger" if flow.error else "notice"
        key = (tuple(views), flow.offline, agent_key(flow))
        if key == self._shown:
            return
        eligible = [v for v in views if v.eligible and not refused_here(flow, v)]
        others = [v for v in views if v not in eligible]
        rows: list[Widget] = [agent_bar(flow, self.agent)]
        if eligible:
            rows.append(_section("可凭身份证直接办理" if not flow.offline else "可查看办事指南、提交申请的事项"))
            rows.append(tile_grid([self._row(view, flow.offline) for view in eligible]))
        if others:
            rows.append(_section("以下事项暂不能在本机办理（可查看办事指南）"))
            rows.append(tile_grid([self._row(view, flow.offline) for view in others]))
        if not views:
            rows.append(_section("本机暂无可办理的事项，请到窗口咨询"))
        self.fill(key, rows)

    def _row(self, view: ItemView, offline: bool) -> ItemRow:
        refused = self._flow is not None and refused_here(self._flow, view)
        row = ItemRow(code=view.code, name=view.name, department=view.department,
                      eligible=view.eligible and not refused,
                      reason=yz_words.AGENT_NOT_ALLOWED if refused else item_reason(view, offline))
        mode = self._flow.item_mode(view.code) if self._flow is not None else ""
        for text, tone in item_tags(view, mode):
            row.ids.tags.add_widget(Tag(text=text, tone=tone))
        return self.tile(row)

    def choose(self, code: str) -> None:
        if self._flow is not None:
            self._flow.select_item(code)

    def agent(self, action: str) -> None:
        """帮办代办: ``start`` (为他人代办 / 更换被代办人) or ``stop`` (结束代办)."""
        if self._flow is not None:
            (self._flow.start_agent if action == "start" else self._flow.cancel_agent)()


def _section(text: str) -> WrapLabel:
    return WrapLabel(text=text, style="m", tone="primary", bold=True)
