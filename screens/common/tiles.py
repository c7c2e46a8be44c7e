"""A list of large tiles, two a row, each row as high as its taller tile; a tap chooses.
One screen class for every flow's list (一证通办 items, 证明打印 proofs): a header, a notice
above the list, the list scrolling when it must, 返回首页 and a hint below."""

from __future__ import annotations

from collections.abc import Sequence

from kivy.metrics import dp
from kivy.properties import BooleanProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from .flow import F, FlowScreenBase


class Tile(ButtonBehavior, BoxLayout):
    """A bold name with a ›; a subclass's rule adds the lines under it. Greyed when not
    ``eligible`` (it still answers a tap)."""

    code = StringProperty("")
    name = StringProperty("")
    eligible = BooleanProperty(True)


def tile_grid(tiles: Sequence[Tile], cols: int = 2) -> GridLayout:
    """The tiles ``cols`` a row: a citizen sees more before having to scroll, and a lone
    tile keeps the width of the others."""
    grid = GridLayout(cols=cols, spacing=dp(12), size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))
    for n in range(0, len(tiles), cols):
        same_height(tiles[n:n + cols])
    for tile in tiles:
        grid.add_widget(tile)
    for _ in range(-len(tiles) % cols):
        grid.add_widget(Widget())
    return grid


def same_height(row: Sequence[BoxLayout]) -> None:
    """Every tile of a grid row as high as the tallest one needs."""

    def fit(*_: object) -> None:
        height = max(tile.minimum_height for tile in row)
        for tile in row:
            tile.height = height

    for tile in row:
        tile.bind(minimum_height=fit)
    fit()


class TileListScreen(FlowScreenBase[F]):
    """The list screen of a flow. A service fills ``rows`` through ``fill`` and says what
    a tap on a tile does (``choose``)."""

    title = StringProperty("")
    notice = StringProperty("")
    notice_tone = OptionProperty("notice", options=["notice", "danger"])
    footer = StringProperty("")        # always under the list
    scroll_hint = StringProperty("")   # added while the list is longer than the screen
    scrollable = BooleanProperty(False)
    _shown: object = None              # what the rows show now: unchanged, nothing is rebuilt

    def on_kv_post(self, base_widget: object) -> None:
        self.ids.rows.bind(height=self._update_scrollable)
        self.ids.scroll.bind(height=self._update_scrollable)

    def _update_scrollable(self, *_: object) -> None:
        self.scrollable = self.ids.rows.height > self.ids.scroll.height + 1

    def fill(self, shown: object, widgets: Sequence[Widget]) -> None:
        """Show ``widgets`` (sections, grids) from the top; ``shown`` is what they show."""
        self._shown = shown
        rows = self.ids.rows
        rows.clear_widgets()
        for widget in widgets:
            rows.add_widget(widget)
        self.ids.scroll.scroll_y = 1

    def tile(self, tile: Tile) -> Tile:
        """``tile``, answering a tap with ``choose(code)``."""
        tile.bind(on_release=lambda t: self.choose(t.code))
        return tile

    def choose(self, code: str) -> None:
        raise NotImplementedError

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.notice = ""
        self.ids.rows.clear_widgets()
