"""The 办件 timeline as a row of steps: done ones (with their time) in green, the steps still
to come in grey."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk import hall_time

# The steps of an application in order (docs/central-api.md); 代收 and 流转 only for
# applications handled in another region. 归档 is the office's business, not shown.
ORDER = ("申请", "代收", "受理", "流转", "办理", "办结", "送达")
REMOTE_ONLY = ("代收", "流转")

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<StepCell>:
    orientation: 'vertical'
    spacing: dp(4)
    size_hint_y: None
    height: self.minimum_height
    pos_hint: {'top': 1}
    Widget:
        size_hint_y: None
        height: dp(44)
        canvas:
            Color:
                rgba: app.theme.border
            Line:
                points: (self.x if not root.first else self.center_x), self.center_y, (self.right if not root.last else self.center_x), self.center_y
                width: dp(2)
            Color:
                rgba: app.theme.success if root.done else app.theme.disabled_bg
            Ellipse:
                pos: self.center_x - dp(20), self.center_y - dp(20)
                size: dp(40), dp(40)
        Label:
            center: self.parent.center
            size: self.parent.size
            text: '✓' if root.done else ''
            font_size: app.theme.font_m
            bold: True
            color: 1, 1, 1, 1
    Label:
        text: root.step
        size_hint_y: None
        height: self.texture_size[1]
        font_size: app.theme.font_s
        bold: root.done
        color: app.theme.success if root.done else app.theme.disabled_text
    Label:
        text: root.at or ' '
        size_hint_y: None
        height: self.texture_size[1]
        font_size: app.theme.font_xs
        color: app.theme.text_muted

<Timeline>:
    size_hint_y: None
    height: self.minimum_height
"""
)


class StepCell(BoxLayout):
    step = StringProperty("")
    at = StringProperty("")
    done = BooleanProperty(False)
    first = BooleanProperty(False)
    last = BooleanProperty(False)


class Timeline(BoxLayout):
    def fill(self, timeline: Iterable[tuple[Any, Any, Any]], zone: dt.tzinfo | None = None) -> None:
        """The steps, their times in the hall's ``zone`` (Asia/Shanghai when not given)."""
        self.clear_widgets()
        zone = hall_time.default_zone() if zone is None else zone
        done = [(str(step), when(at, zone)) for step, at, _note in timeline]
        names = {name for name, _ in done}
        remote = any(name in REMOTE_ONLY for name in names)
        todo = [(name, "") for name in ORDER
                if name not in names and (remote or name not in REMOTE_ONLY)
                and ORDER.index(name) > max((ORDER.index(n) for n in names if n in ORDER), default=-1)]
        steps = [(name, at, True) for name, at in done] + [(name, at, False) for name, at in todo]
        for n, (name, at, is_done) in enumerate(steps):
            self.add_widget(StepCell(step=name, at=at, done=is_done, first=n == 0, last=n == len(steps) - 1))

    def clear(self) -> None:
        self.clear_widgets()


def when(at: Any, zone: dt.tzinfo, clock: hall_time.Clock = time.time) -> str:
    """A step's time in the hall's ``zone``: HH:MM (today there) or MM-DD HH:MM; "" when
    unknown (or without an offset: central always sends one)."""
    if isinstance(at, str) and at:
        try:
            at = dt.datetime.fromisoformat(at)
        except ValueError:
            return ""
    if not isinstance(at, dt.datetime) or at.tzinfo is None:
        return ""
    return hall_time.step_text(at, zone, clock)
