"""The 办件 timeline as a row of steps: done ones (with their time) in green, the steps still
to come in grey."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk import hall_time

# The steps of an application in order (docs/central-api.md); 代收 and 流转 only for
# applications handled in another region. 归档 is the office's business, not shown.
ORDER = ("申请", "代收", "受理", "流转", "办理", "办结", "送达")
REMOTE_ONLY = ("代收", "流转")
# 异地代收's chain of custody (docs/casework.md §3): an application that has a 收件 step.
CUSTODY = ("申请", "收件", "形式审查", "寄递", "属地受理", "办结", "送达")


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
        steps = steps_to_show(done)
        for n, (name, at, is_done) in enumerate(steps):
            self.add_widget(StepCell(step=name, at=at, done=is_done, first=n == 0, last=n == len(steps) - 1))

    def clear(self) -> None:
        self.clear_widgets()


def steps_to_show(done: list[tuple[str, str]]) -> list[tuple[str, str, bool]]:
    """The steps done (name, time) followed by those still to come (greyed): a 异地代收
    application's chain of custody, else the usual steps (代收 and 流转 only when remote)."""
    names = {name for name, _ in done}
    order = CUSTODY if "收件" in names else ORDER
    remote = order is CUSTODY or any(name in REMOTE_ONLY for name in names)
    reached = max((order.index(n) for n in names if n in order), default=-1)
    todo = [name for name in order
            if name not in names and (remote or name not in REMOTE_ONLY) and order.index(name) > reached]
    return [(name, at, True) for name, at in done] + [(name, "", False) for name in todo]


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
