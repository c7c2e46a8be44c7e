"""事项 list: what this person can do with the ID card alone first, then the rest, greyed,
each with its reason. A tap opens the 办事指南 (also for items that cannot be filed here)."""

from __future__ import annotations

from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.flows.yizheng import ItemView, YizhengFlow

from .. import words
from ..widgets import WrapLabel
from .base import FlowScreen, Tag


class ItemRow(ButtonBehavior, BoxLayout):
    code = StringProperty("")
    name = StringProperty("")
    department = StringProperty("")
    reason = StringProperty("")
    eligible = BooleanProperty(True)


def item_tags(view: ItemView) -> list[tuple[str, str]]:
    """(text, tone) tags of an item row: scope, visits, promised days, company."""
    tone = "primary" if view.eligible else "muted"
    tags = [(words.scope_tag(view.scope), tone),
            (words.visits_tag(view.visits), "success" if view.eligible and view.visits == 0 else tone),
            (words.promised_days(view.promised_days), tone)]
    if view.applicant_kind == "company":
        tags.append((words.COMPANY_TAG, "notice" if view.eligible else "muted"))
    return [(text, t) for text, t in tags if text]


def item_reason(view: ItemView, offline: bool) -> str:
    if view.eligible:
        return ""
    return words.COMPANY_OFFLINE if view.applicant_kind == "company" and offline else words.ITEM_NOT_ELIGIBLE


class ItemsScreen(FlowScreen):
    notice = StringProperty("")
    scrollable = BooleanProperty(False)
    _flow: YizhengFlow | None = None
    _shown: tuple[object, ...] | None = None

    def show_flow(self, flow: YizhengFlow | None) -> None:
        self._flow = flow
        if flow is None:
            self.clear_flow()
            return
        views = flow.items()
        notes = [words.OFFLINE_NOTICE] if flow.offline else []
        if flow.catalogue_cached:
            notes.append(words.CATALOGUE_CACHED)
        self.notice = "\n".join(notes)
        key = (tuple(views), flow.offline)
        if key == self._shown:
            return
        self._shown = key
        rows = self.ids.rows
        rows.clear_widgets()
        eligible = [v for v in views if v.eligible]
        others = [v for v in views if not v.eligible]
        if eligible:
            rows.add_widget(_section("可凭身份证直接办理" if not flow.offline else "可查看办事指南、提交申请的事项"))
            rows.add_widget(self._grid(eligible, flow.offline))
        if others:
            rows.add_widget(_section("以下事项暂不能在本机办理（可查看办事指南）"))
            rows.add_widget(self._grid(others, flow.offline))
        if not views:
            rows.add_widget(_section("本机暂无可办理的事项，请到窗口咨询"))
        self.ids.scroll.scroll_y = 1

    def _grid(self, views: list[ItemView], offline: bool) -> GridLayout:
        # Two tiles a row: a citizen sees twice as many items before having to scroll.
        grid = GridLayout(cols=2, spacing=dp(12), size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        tiles = [self._row(view, offline) for view in views]
        for n in range(0, len(tiles), 2):
            _same_height(tiles[n:n + 2])
        for tile in tiles:
            grid.add_widget(tile)
        if len(tiles) == 1:
            grid.add_widget(Widget())  # a lone tile keeps half the width, like the others
        return grid

    def on_kv_post(self, base_widget: object) -> None:
        self.ids.rows.bind(height=self._update_scrollable)
        self.ids.scroll.bind(height=self._update_scrollable)

    def _update_scrollable(self, *_: object) -> None:
        self.scrollable = self.ids.rows.height > self.ids.scroll.height + 1

    def _row(self, view: ItemView, offline: bool) -> ItemRow:
        row = ItemRow(code=view.code, name=view.name, department=view.department,
                      eligible=view.eligible, reason=item_reason(view, offline))
        for text, tone in item_tags(view):
            row.ids.tags.add_widget(Tag(text=text, tone=tone))
        row.bind(on_release=self._tapped)
        return row

    def _tapped(self, row: ItemRow) -> None:
        if self._flow is not None:
            self._flow.select_item(row.code)

    def clear_flow(self) -> None:
        self._flow = None
        self._shown = None
        self.notice = ""
        self.ids.rows.clear_widgets()


def _same_height(pair: list[ItemRow]) -> None:
    """Both tiles of a grid row as high as the taller one needs."""

    def fit(*_: object) -> None:
        height = max(tile.minimum_height for tile in pair)
        for tile in pair:
            tile.height = height

    for tile in pair:
        tile.bind(minimum_height=fit)
    fit()


def _section(text: str) -> WrapLabel:
    return WrapLabel(text=text, style="m", tone="primary", bold=True)
