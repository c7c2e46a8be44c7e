"""事项 list: what this person can do with the ID card alone first, then the rest, greyed,
each with its reason. A tap opens the 办事指南 (also for items that cannot be filed here)."""

from __future__ import annotations

from kivy.lang import Builder
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

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<ItemRow>:
    orientation: 'vertical'
    size_hint_y: None
    padding: dp(24), dp(14)
    spacing: dp(8)
    canvas.before:
        Color:
            rgba: (app.theme.primary_soft if self.state == 'down' else app.theme.surface) if self.eligible else app.theme.disabled_bg
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(14)]
        Color:
            rgba: app.theme.primary if self.eligible else app.theme.border
        Line:
            rounded_rectangle: (self.x + 1, self.y + 1, self.width - 2, self.height - 2, dp(14))
            width: app.theme.border_width
    BoxLayout:
        size_hint_y: None
        height: name.height
        spacing: dp(12)
        WrapLabel:
            id: name
            text: root.name
            style: 'l'
            bold: True
            tone: 'text' if root.eligible else 'disabled'
        Label:
            text: '›'
            size_hint_x: None
            width: dp(30)
            font_size: app.theme.font_xl
            color: app.theme.primary if root.eligible else app.theme.disabled_text
    WrapLabel:
        text: root.department
        style: 's'
        tone: 'muted' if root.eligible else 'disabled'
    StackLayout:
        id: tags
        size_hint_y: None
        height: self.minimum_height
        spacing: dp(10)
    WrapLabel:
        text: root.reason
        style: 's'
        tone: 'notice'
        bold: True

<ItemsScreen>:
    name: 'yz_items'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(36), dp(18), dp(36), dp(20)
        spacing: dp(12)
        FlowHeader:
            title: '请选择要办理的事项'
            applicant: root.applicant
        NoticeLabel:
            id: offline
            text: root.notice
            style: 's'
        ScrollView:
            id: scroll
            do_scroll_x: False
            bar_width: dp(10)
            bar_color: app.theme.primary[:3] + [.7]
            bar_inactive_color: app.theme.primary[:3] + [.35]
            scroll_type: ['bars', 'content']
            BoxLayout:
                id: rows
                orientation: 'vertical'
                size_hint_y: None
                height: self.minimum_height
                spacing: dp(12)
                padding: 0, 0, dp(18), 0
        BoxLayout:
            size_hint_y: None
            height: home.height
            BigButton:
                id: home
                text: '返回首页'
                kind: 'secondary'
                size_hint_x: None
                width: dp(300)
                on_release: app.cancel_session()
            WrapLabel:
                text: '上下滑动可查看更多事项' if root.scrollable else ''
                style: 's'
                tone: 'muted'
                halign: 'right'
                pos_hint: {'center_y': .5}
"""
)


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
