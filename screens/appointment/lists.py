"""The hall and item lists: large tiles (screens/common/tiles.py), with 我的预约 above them.

Halls show only when central gives several (a bank terminal books for one hall). An item
tile names its queue category and labels the 错时 / 无休 sessions it can be booked in."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.flows.appointment import AppointmentFlow

from ..common.flow import Tag
from ..common.tiles import Tile, TileListScreen, tile_grid
from ..widgets import WrapLabel
from . import words as ap_words
from .base import AppointmentScreen


class ApMineBar(BoxLayout):
    """我的预约 above a list (the citizen's bookings, to see or cancel); 更换大厅 too when
    the terminal books for several halls."""

    hint = StringProperty(ap_words.MINE_HINT)
    halls = BooleanProperty(False)
    __events__ = ("on_mine", "on_halls")

    def on_mine(self) -> None:
        pass

    def on_halls(self) -> None:
        pass


class ApHallTile(Tile):
    address = StringProperty("")


class ApItemTile(Tile):
    category = StringProperty("")


class _ListScreen(TileListScreen[AppointmentFlow], AppointmentScreen):
    def mine_bar(self, halls: bool = False) -> ApMineBar:
        bar = ApMineBar(halls=halls)
        bar.bind(on_mine=lambda *_: self.open_mine(), on_halls=lambda *_: self.back())
        return bar

    def open_mine(self) -> None:
        if self._flow is not None:
            self._flow.open_mine()

    def show_notice(self, flow: AppointmentFlow) -> None:
        rules = flow.hall.rules if flow.hall is not None else None
        self.notice = ap_words.refusal(flow.error, rules) if flow.error else ""


class ApHallsScreen(_ListScreen):
    def show_flow(self, flow: AppointmentFlow | None) -> None:
        if flow is None:
            self.clear_flow()
            return
        super().show_flow(flow)
        self.show_notice(flow)
        if flow.halls == self._shown:
            return
        tiles = [self.tile(ApHallTile(code=h.code, name=h.name, address=h.address)) for h in flow.halls]
        self.fill(flow.halls, [self.mine_bar(), tile_grid(tiles, cols=1)])

    def choose(self, code: str) -> None:
        if self._flow is not None:
            self._flow.choose_hall(code)


class ApItemsScreen(_ListScreen):
    hall_name = StringProperty("")

    def show_flow(self, flow: AppointmentFlow | None) -> None:
        if flow is None or flow.hall is None:
            self.clear_flow()
            return
        super().show_flow(flow)
        self.show_notice(flow)
        hall = flow.hall
        if hall == self._shown:
            return
        self.hall_name = hall.name
        categories = {c.code: c.name for c in hall.categories}
        rows: list[Widget] = [self.mine_bar(halls=len(flow.halls) > 1)]
        if not hall.items:
            rows.append(WrapLabel(text=ap_words.NO_ITEMS, style="l", tone="notice", bold=True))
        tiles = []
        for item in hall.items:
            tile = ApItemTile(code=item.code, name=item.name,
                            category=f"{categories.get(item.category, item.category)}类业务")
            for session in item.sessions:
                if session in ap_words.SESSION_TAGS:
                    tone = "success" if session == "wuxiu" else "primary"
                    tile.ids.tags.add_widget(Tag(text=f"可约{ap_words.session_name(session)}", tone=tone))
            tiles.append(self.tile(tile))
        if tiles:
            rows.append(tile_grid(tiles))
        self.fill(hall, rows)

    def choose(self, code: str) -> None:
        if self._flow is not None:
            self._flow.choose_item(code)

    def clear_flow(self) -> None:
        super().clear_flow()
        self.hall_name = ""
