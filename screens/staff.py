"""Staff access: the PIN screen of staff mode (kiosk/flows/staff.py).

Five taps on the hall name in the top bar within three seconds, on the home screen with no
citizen being served, open staff mode; the right PIN opens the printed-output log
(screens/staff_log.py). The flow checks the PIN off the UI thread and keeps the lockout; this
screen keeps only the digits being typed and shows what the flow says.
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.staff import StaffFlow, StaffStep
from kiosk.staff import MAX_PIN, MIN_PIN

from . import words
from .staff_widgets import StaffChip  # noqa: F401  (kv)
from .widgets import KioskScreen
from .yizheng.keyboard import Keyboard, edit  # noqa: F401  (kv: Keyboard)

log = logging.getLogger(__name__)

PIN_DOT, PIN_BLANK = "●", "○"


Builder.load_string(
    """
#:import dp kivy.metrics.dp

<StaffPinScreen>:
    name: 'staff_pin'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(48), dp(20), dp(48), dp(20)
        spacing: dp(16)
        BoxLayout:
            spacing: dp(40)
            BoxLayout:
                orientation: 'vertical'
                size_hint_x: .5
                spacing: dp(16)
                WrapLabel:
                    text: '工作人员登录'
                    style: 'xl'
                    bold: True
                WrapLabel:
                    text: '请输入工作人员密码，查看本机打印记录'
                    tone: 'muted'
                Label:
                    id: dots
                    text: root.dots
                    size_hint_y: None
                    height: self.texture_size[1] + dp(28)
                    font_size: app.theme.font_l
                    color: app.theme.primary
                    canvas.before:
                        Color:
                            rgba: app.theme.surface
                        RoundedRectangle:
                            pos: self.pos
                            size: self.size
                            radius: [dp(12)]
                        Color:
                            rgba: app.theme.primary
                        Line:
                            rounded_rectangle: (self.x + 1, self.y + 1, self.width - 2, self.height - 2, dp(12))
                            width: app.theme.border_width * 1.4
                DangerNotice:
                    text: root.message
                Widget:
            Keyboard:
                id: keyboard
                kind: 'number'
                size_hint_x: .5
                on_key: root.key(args[1])
        BoxLayout:
            size_hint_y: None
            height: back.height
            spacing: dp(32)
            BigButton:
                id: back
                text: '返回'
                kind: 'secondary'
                size_hint_x: .4
                on_release: app.close_staff()
            BigButton:
                text: '正在验证…' if root.checking else '确定'
                size_hint_x: .6
                disabled: root.checking or len(root.pin) < root.min_pin
                opacity: .4 if self.disabled else 1
                on_release: root.submit()
"""
)


class StaffPinScreen(KioskScreen):
    pin = StringProperty("")
    dots = StringProperty(" ".join(PIN_BLANK * MIN_PIN))  # the PIN as dots, blanks up to the minimum
    message = StringProperty("")
    checking = BooleanProperty(False)
    min_pin = MIN_PIN

    def show_staff(self, staff: StaffFlow) -> None:
        self.checking = staff.step is StaffStep.CHECKING
        result = staff.pin_result
        if not staff.configured:
            self.message = words.staff_pin("no_pin_configured")
        elif result is not None and not result.ok:
            self.message = words.staff_pin(result.reason, result.attempts_left, result.locked_for_s)
        elif staff.locked_for > 0:
            self.message = words.staff_pin("locked", locked_for_s=staff.locked_for)
        else:
            self.message = ""

    def key(self, key: str) -> None:
        if self.checking:
            return
        value = edit(self.pin, key, "number")
        if len(value) <= MAX_PIN:
            self.pin = value

    def submit(self) -> None:
        if self.checking or len(self.pin) < MIN_PIN:
            return
        pin, self.pin = self.pin, ""
        App.get_running_app().terminal.staff.enter_pin(pin)

    def on_pin(self, *_: Any) -> None:
        blank = PIN_BLANK * max(0, MIN_PIN - len(self.pin))
        self.dots = " ".join(PIN_DOT * len(self.pin) + blank)

    def on_enter(self, *_: Any) -> None:
        self.reset()

    def on_leave(self, *_: Any) -> None:
        self.reset()   # the digits typed go with the screen

    def reset(self) -> None:
        self.pin = ""
