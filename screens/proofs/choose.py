"""The proofs central can issue for this person, as large tiles: name, issuing body, what
it proves. A tap has central issue it; if that fails the reason shows above the tiles."""

from __future__ import annotations

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
