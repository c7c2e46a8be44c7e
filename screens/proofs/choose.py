"""The proofs central can issue for this person, as large tiles: name, issuing body, what
it proves. A tap has central issue it; if that fails the reason shows above the tiles."""

from __future__ import annotations

from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.flows.proofs import ProofFlow, ProofView

from .. import words
from ..widgets import WrapLabel
from .base import ProofScreen

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<ProofTile>:
    orientation: 'vertical'
    size_hint_y: None
    padding: dp(24), dp(16)
    spacing: dp(8)
    canvas.before:
        Color:
            rgba: app.theme.primary_soft if self.state == 'down' else app.theme.surface
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(14)]
        Color:
            rgba: app.theme.primary
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
        Label:
            text: '›'
            size_hint_x: None
            width: dp(30)
            font_size: app.theme.font_xl
            color: app.theme.primary
    WrapLabel:
        text: root.issuer
        style: 's'
        tone: 'primary'
    WrapLabel:
        text: root.description
        style: 's'
        tone: 'muted'

<ProofListScreen>:
    name: 'pf_list'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(36), dp(18), dp(36), dp(20)
        spacing: dp(12)
        FlowHeader:
            title: '请选择要打印的证明'
            applicant: root.applicant
        DangerNotice:
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
            spacing: dp(24)
            BigButton:
                id: home
                text: '返回首页'
                kind: 'secondary'
                size_hint_x: None
                width: dp(300)
                on_release: app.cancel_session()
            WrapLabel:
                text: '证明将以A4纸打印，打印前可先预览' + ('；上下滑动可查看更多证明' if root.scrollable else '')
                style: 's'
                tone: 'muted'
                halign: 'right'
                pos_hint: {'center_y': .5}
"""
)


class ProofTile(ButtonBehavior, BoxLayout):
    code = StringProperty("")
    name = StringProperty("")
    issuer = StringProperty("")
    description = StringProperty("")


class ProofListScreen(ProofScreen):
    notice = StringProperty("")
    scrollable = BooleanProperty(False)
    _flow: ProofFlow | None = None
    _shown: tuple[ProofView, ...] | None = None

    def on_kv_post(self, base_widget: object) -> None:
        self.ids.rows.bind(height=self._update_scrollable)
        self.ids.scroll.bind(height=self._update_scrollable)

    def _update_scrollable(self, *_: object) -> None:
        self.scrollable = self.ids.rows.height > self.ids.scroll.height + 1

    def show_flow(self, flow: ProofFlow | None) -> None:
        self._flow = flow
        if flow is None:
            self.clear_flow()
            return
        # In LIST the error is why the last proof chosen was not issued.
        self.notice = words.proof_error(flow.error) if flow.error else ""
        views = tuple(flow.proofs)
        if views == self._shown:
            return
        self._shown = views
        rows = self.ids.rows
        rows.clear_widgets()
        if not views:
            rows.add_widget(WrapLabel(text=words.NO_PROOFS, style="l", tone="notice", bold=True))
        else:
            rows.add_widget(self._grid(list(views)))
        self.ids.scroll.scroll_y = 1

    def _grid(self, views: list[ProofView]) -> GridLayout:
        # Two tiles a row, as high as the taller of the pair: tidy rows, more in view.
        grid = GridLayout(cols=2, spacing=dp(12), size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        tiles = [self._tile(view) for view in views]
        for n in range(0, len(tiles), 2):
            _same_height(tiles[n:n + 2])
        for tile in tiles:
            grid.add_widget(tile)
        if len(tiles) == 1:
            grid.add_widget(Widget())
        return grid

    def _tile(self, view: ProofView) -> ProofTile:
        tile = ProofTile(code=view.code, name=view.name, issuer=view.issuer,
                         description=view.description)
        tile.bind(on_release=self._tapped)
        return tile

    def _tapped(self, tile: ProofTile) -> None:
        if self._flow is not None:
            self._flow.choose(tile.code)

    def clear_flow(self) -> None:
        self._flow = None
        self._shown = None
        self.notice = ""
        self.ids.rows.clear_widgets()


def _same_height(pair: list[ProofTile]) -> None:
    def fit(*_: object) -> None:
        height = max(tile.minimum_height for tile in pair)
        for tile in pair:
            tile.height = height

    for tile in pair:
        tile.bind(minimum_height=fit)
    fit()
