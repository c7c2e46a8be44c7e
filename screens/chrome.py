"""What surrounds every screen: the top bar, the device fault banner, the toast, and the
session overlay (idle warning, card removed)."""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label

from . import words


class TopBar(BoxLayout):
    title = StringProperty("")
    hall_name = StringProperty("")
    clock = StringProperty("")
    countdown = StringProperty("")


class ElderlyToggle(ButtonBehavior, BoxLayout):
    """Switches the 适老化 mode for every screen (app.theme.elderly)."""


class FaultBanner(BoxLayout):
    message = StringProperty("")


class Toast(Label):
    """A short message that fades out by itself. A tap on it dismisses it and still reaches
    what is underneath: a message must never swallow a citizen's tap."""

    anchor_top = NumericProperty(0)  # top of the screen area, below the top bar and banner
    _hide_event: Any = None

    def show(self, text: str, seconds: float = 5.0) -> None:
        Animation.cancel_all(self, "opacity")
        self.text = text
        self.opacity = 1
        if self._hide_event is not None:
            self._hide_event.cancel()
        self._hide_event = Clock.schedule_once(lambda _dt: self.hide(), seconds)

    def hide(self) -> None:
        if self._hide_event is not None:
            self._hide_event.cancel()
            self._hide_event = None
        Animation(opacity=0, duration=0.3).start(self)

    def on_opacity(self, _inst: Any, value: float) -> None:
        if value == 0:
            self.text = ""

    def on_touch_down(self, touch: Any) -> bool:
        if self.opacity > 0 and self.collide_point(*touch.pos):
            self.hide()
        return False


class SessionOverlay(FloatLayout):
    """Modal notice over the current screen.

    mode "warning": the idle countdown; any touch continues the session (the window's touch
    handler already reset the idle timer) and closes the notice.
    mode "removed": the card left the reader; only putting it back (or the button) ends it.
    mode "back": the card came back within the grace; 继续办理 (any touch) closes it.
    """

    shown = BooleanProperty(False)
    mode = OptionProperty("warning", options=["warning", "removed", "back"])
    number = StringProperty("")
    headline = StringProperty("")
    detail = StringProperty("")
    action_text = StringProperty("")

    __events__ = ("on_action", "on_dismiss")
    _source = "id_card"

    def show_warning(self, seconds_left: int) -> None:
        self.mode = "warning"
        self.headline = "即将返回首页"
        self.detail = "如需继续办理，请触摸屏幕"
        self.action_text = "继续办理"
        self.set_seconds(seconds_left)
        self.shown = True

    def show_removed(self, seconds_left: int, source: str = "id_card") -> None:
        """``source``: the kiosk.session.IdentitySource value of the card that left."""
        self.mode = "removed"
        self._source = source
        self.set_seconds(seconds_left)
        self.action_text = "立即结束"
        self.shown = True

    def show_back(self, source: str = "id_card") -> None:
        """The card is back: the session goes on once the citizen says so (继续办理)."""
        self.mode = "back"
        self._source = source
        self.number = ""
        self.headline, self.detail = words.card_returned(source)
        self.action_text = words.CONTINUE
        self.shown = True

    def set_seconds(self, seconds_left: int) -> None:
        if self.mode == "back":
            return  # nothing counts down
        self.number = str(seconds_left)
        if self.mode == "removed":
            self.headline, self.detail = words.card_removed(self._source, seconds_left)

    def hide(self) -> None:
        self.shown = False

    def on_touch_down(self, touch: Any) -> bool:
        if not self.shown:
            return False
        if self.mode in ("warning", "back"):
            self.hide()
            self.dispatch("on_dismiss")
            return True
        super().on_touch_down(touch)
        return True  # modal: nothing underneath gets the touch

    def on_touch_move(self, touch: Any) -> bool:
        return self.shown

    def on_touch_up(self, touch: Any) -> bool:
        if not self.shown:
            return False
        super().on_touch_up(touch)
        return True

    def on_action(self) -> None:
        pass

    def on_dismiss(self) -> None:
        pass
