"""Company items: the legal representative types the company's 统一社会信用代码 on an
on-screen keyboard (digits and the capital letters GB 32100 allows); central then checks
that this card's holder is its legal representative."""

from __future__ import annotations

from kivy.lang import Builder
from kivy.properties import StringProperty

from kiosk.flows.yizheng import YizhengFlow

from .. import words
from .base import FlowScreen
from .keyboard import USCC_LENGTH, edit

Builder.load_string(
    """
#:import dp kivy.metrics.dp
#:import hexcolor kivy.utils.get_hex_from_color

<CompanyScreen>:
    name: 'yz_company'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(36), dp(18), dp(36), dp(20)
        spacing: dp(14)
        FlowHeader:
            title: root.item_name
            style: 'l'
            applicant: root.applicant
        BoxLayout:
            spacing: dp(30)
            BoxLayout:
                orientation: 'vertical'
                size_hint_x: .48
                spacing: dp(12)
                WrapLabel:
                    text: '请输入企业的统一社会信用代码'
                    tone: 'primary'
                    bold: True
                WrapLabel:
                    text: '企业办事须由法定代表人本人办理。代码共18位，见营业执照'
                    style: 's'
                    tone: 'muted'
                Label:
                    id: code
                    markup: True
                    # what is typed, then grey blanks for the characters still to come
                    text: root.code + '[color=' + hexcolor(app.theme.disabled_text) + ']' + '_' * (18 - len(root.code)) + '[/color]'
                    size_hint_y: None
                    height: self.texture_size[1] + dp(28)
                    font_size: app.theme.font_l
                    bold: True
                    color: app.theme.text
                    text_size: self.width - dp(24), None
                    halign: 'center'
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
                WrapLabel:
                    text: '已输入 {} / 18 位'.format(len(root.code))
                    style: 's'
                    tone: 'muted'
                DangerNotice:
                    text: root.error_text
                Widget:
            Keyboard:
                id: keyboard
                kind: 'uscc'
                size_hint_x: .52
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
                on_release: root.back()
            BigButton:
                text: '确认'
                size_hint_x: .6
                disabled: len(root.code) != 18
                opacity: 1 if len(root.code) == 18 else .4
                on_release: root.submit()
"""
)


class CompanyScreen(FlowScreen):
    code = StringProperty("")
    item_name = StringProperty("")
    error_text = StringProperty("")
    _flow: YizhengFlow | None = None
    _dismissed = ""  # the flow error the citizen has since typed over

    def show_flow(self, flow: YizhengFlow | None) -> None:
        self._flow = flow
        if flow is None:
            self.clear_flow()
            return
        self.item_name = flow.item.name if flow.item is not None else ""
        error = flow.error if flow.error != self._dismissed else ""
        self.error_text = words.company_error(error)

    def key(self, key: str) -> None:
        self.code = edit(self.code, key, "uscc")
        if self._flow is not None and self._flow.error:
            self._dismissed = self._flow.error
        self.error_text = ""

    def submit(self) -> None:
        if self._flow is not None and len(self.code) == USCC_LENGTH:
            self._dismissed = ""
            self._flow.submit_company(self.code)

    def back(self) -> None:
        if self._flow is not None:
            self._flow.back()

    def clear_flow(self) -> None:
        self._flow = None
        self._dismissed = ""
        self.code = self.item_name = self.error_text = ""
