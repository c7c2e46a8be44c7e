"""The times of the chosen day, grouped (上午, 午间错时服务, 下午, 傍晚错时服务, 无休服务
时段), each with its places left; a slot that cannot be booked is greyed with why (已约满,
时间太近), and a tap on it says so in full with what to do instead."""

from __future__ import annotations

from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.central_api.booking import Slot
from kiosk.flows.appointment import AppointmentFlow

from ..common.tiles import same_height
from ..widgets import WrapLabel
from . import words as ap_words
from .base import AppointmentScreen


class ApSlotTile(ButtonBehavior, BoxLayout):
    code = StringProperty("")       # the slot's start, HH:MM
    label = StringProperty("")      # 09:00—09:30
    session = StringProperty("")    # 错时服务 / 无休服务 / ""
    status = StringProperty("")
    bookable = BooleanProperty(True)


def tile_of(slot: Slot) -> ApSlotTile:
    bookable = slot.bookable and slot.remaining > 0
    status = ap_words.places(slot.remaining) if bookable else ap_words.short_reason(slot.reason or "full")
    session = ap_words.session_name(slot.session) if slot.session != "regular" else ""
    return ApSlotTile(code=slot.time, label=ap_words.time_range(slot.time, slot.end), session=session,
                    status=status, bookable=bookable)


def groups(slots: tuple[Slot, ...]) -> list[tuple[str, list[Slot]]]:
    """Slots under their headings, in order; a heading again only when it changes."""
    out: list[tuple[str, list[Slot]]] = []
    for slot in slots:
        heading = ap_words.slot_group(slot.session, slot.time)
        if not out or out[-1][0] != heading:
            out.append((heading, []))
        out[-1][1].append(slot)
    return out


def _grid(tiles: list[ApSlotTile], cols: int = 4) -> GridLayout:
    """The slots ``cols`` a row, each row as high as its tallest tile."""
    grid = GridLayout(cols=cols, spacing=dp(10), size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))
    for n in range(0, len(tiles), cols):
        same_height(tiles[n:n + cols])
    for tile in tiles:
        grid.add_widget(tile)
    for _ in range(-len(tiles) % cols):
        grid.add_widget(Widget(size_hint_y=None, height=0))
    return grid


class ApSlotsScreen(AppointmentScreen):
    place_line = StringProperty("")
    day_line = StringProperty("")
    notice = StringProperty("")
    _shown: object = None

    def show_flow(self, flow: AppointmentFlow | None) -> None:
        super().show_flow(flow)
        if flow is None or flow.day is None:
            self.clear_flow()
            return
        self.place_line = self.place(flow)
        self.day_line = ap_words.day_text(flow.day.date)
        hall = flow.hall
        self.notice = ap_words.refusal(flow.error, hall.rules if hall else None,
                                       hall.phone if hall else "") if flow.error else ""
        if flow.slots == self._shown:
            return
        self._shown = flow.slots
        rows = self.ids.rows
        rows.clear_widgets()
        if not flow.slots:
            rows.add_widget(WrapLabel(text=ap_words.NO_SLOTS, style="l", tone="notice", bold=True))
        for heading, slots in groups(flow.slots):
            rows.add_widget(WrapLabel(text=heading, style="m", tone="primary", bold=True))
            tiles = [tile_of(slot) for slot in slots]
            for tile in tiles:
                tile.bind(on_release=lambda t: self.choose(t.code))
            rows.add_widget(_grid(tiles))
        self.ids.scroll.scroll_y = 1

    def choose(self, time: str) -> None:
        if self._flow is not None:
            self._flow.choose_slot(time)

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.place_line = self.day_line = self.notice = ""
        self.ids.rows.clear_widgets()
