"""The calendar: today and the next two weeks, a week a row (Monday first), each day with
what kind of day it is (a holiday's name, 无休 on a rest day the hall serves, 调休上班),
and either the places left or, greyed, why it cannot be booked (时间太近, 暂未开放, 已约满,
安排未公布 ...). A tap on a grey day says why in full, with what to do instead."""

from __future__ import annotations

import datetime as dt

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.central_api.booking import BookingDay
from kiosk.flows.appointment import AppointmentFlow

from ..common.tiles import same_height
from . import words as ap_words
from .base import AppointmentScreen


class ApDayCell(ButtonBehavior, BoxLayout):
    """One day of the calendar; greyed when it cannot be booked (still answers a tap)."""

    date = ObjectProperty(None, allownone=True)
    label = StringProperty("")      # 8日 / 12月1日
    kind = StringProperty("")       # 元旦 / 无休服务 / 周末 / 调休上班
    status = StringProperty("")     # 余12个 / 已约满 / 时间太近 ...
    bookable = BooleanProperty(True)
    wuxiu = BooleanProperty(False)
    today = BooleanProperty(False)


def cell_of(day: BookingDay, first: bool, today: dt.date) -> ApDayCell:
    return ApDayCell(
        date=day.date, label=ap_words.day_cell(day.date, first),
        kind=ap_words.day_kind(day.kind, day.name, day.sessions),
        status=ap_words.places(day.remaining) if day.bookable else ap_words.short_reason(day.reason),
        bookable=day.bookable, wuxiu="wuxiu" in day.sessions, today=day.date == today,
    )


def _blank() -> Widget:
    return Widget(size_hint_y=None, height=0)


class ApDaysScreen(AppointmentScreen):
    place_line = StringProperty("")
    notice = StringProperty("")
    span = StringProperty("")       # 2026年12月 / 2026年12月—2027年1月
    _shown: object = None

    def show_flow(self, flow: AppointmentFlow | None) -> None:
        super().show_flow(flow)
        if flow is None:
            self.clear_flow()
            return
        self.place_line = self.place(flow)
        hall = flow.hall
        self.notice = ap_words.refusal(flow.error, hall.rules if hall else None,
                                       hall.phone if hall else "") if flow.error else ""
        key = (flow.days, flow.today())
        if key == self._shown:
            return
        self._shown = key
        self._fill(flow.days, flow.today())

    def on_kv_post(self, base_widget: object) -> None:
        for name in ap_words.WEEKDAY_SHORT:
            self.ids.weekdays.add_widget(Factory.ApWeekday(text=name))

    def _fill(self, days: tuple[BookingDay, ...], today: dt.date) -> None:
        grid = self.ids.grid
        grid.clear_widgets()
        if not days:
            self.span = ""
            return
        first, last = days[0].date, days[-1].date
        self.span = f"{first.year}年{first.month}月"
        if (last.year, last.month) != (first.year, first.month):
            self.span += f"—{last.year}年{last.month}月" if last.year != first.year else f"—{last.month}月"
        cells: list[Widget] = [_blank() for _ in range(first.weekday())]
        for n, day in enumerate(days):
            cell = cell_of(day, n == 0, today)
            cell.bind(on_release=lambda c: self.choose(c.date))
            cells.append(cell)
        cells += [_blank() for _ in range(-len(cells) % 7)]
        for week in range(0, len(cells), 7):
            same_height([c for c in cells[week:week + 7] if isinstance(c, ApDayCell)])
        for cell in cells:
            grid.add_widget(cell)

    def choose(self, date: dt.date) -> None:
        if self._flow is not None:
            self._flow.choose_day(date)

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.place_line = self.notice = self.span = ""
        self.ids.grid.clear_widgets()
