"""Result of the identity check (身份核验), the service this version implements."""

from __future__ import annotations

from kivy.lang import Builder
from kivy.properties import StringProperty

from kiosk.session import SessionSnapshot

from .. import words
from ..widgets import KioskScreen

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<ResultScreen>:
    name: 'result'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(120), dp(20), dp(120), dp(24)
        spacing: dp(14)
        BoxLayout:
            size_hint_y: None
            height: dp(86) * app.theme.scale
            spacing: dp(22)
            Widget:
                size_hint_x: None
                width: self.height
                canvas:
                    Color:
                        rgba: app.theme.success
                    Ellipse:
                        pos: self.pos
                        size: self.size
                    Color:
                        rgba: 1, 1, 1, 1
                    Line:
                        points: self.x + self.width * .26, self.y + self.height * .52, self.x + self.width * .43, self.y + self.height * .34, self.x + self.width * .75, self.y + self.height * .68
                        width: dp(5)
                        cap: 'round'
                        joint: 'round'
            Label:
                text: '身份核验完成'
                font_size: app.theme.font_xl * 1.1
                bold: True
                color: app.theme.success
                text_size: self.size
                halign: 'left'
                valign: 'middle'
        WrapLabel:
            text: '证件信息已通过校验，核验结果如下'
            tone: 'muted'
        IdentityPanel:
            id: panel
        Widget:
        WrapLabel:
            text: root.take_away
            halign: 'center'
            tone: 'primary'
            bold: True
        BoxLayout:
            size_hint_y: None
            height: done.height
            Widget:
            BigButton:
                id: done
                text: '完成'
                size_hint_x: None
                width: dp(360)
                on_release: app.finish_session()
            Widget:
"""
)


class ResultScreen(KioskScreen):
    take_away = StringProperty(words.take_away("id_card"))

    def show(self, snapshot: SessionSnapshot) -> None:
        self.ids.panel.fill(snapshot.identity)
        if snapshot.identity is not None:
            self.take_away = words.take_away(snapshot.identity.source)

    def clear_identity(self) -> None:
        self.ids.panel.clear()
