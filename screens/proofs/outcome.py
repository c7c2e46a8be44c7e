"""How a proof print ended: printed (take it from the tray), failed (the reason in words, a
reprint of the same document once the printer is ready), or the service could not run at
all (central unreachable ...)."""

from __future__ import annotations

from kivy.lang import Builder
from kivy.properties import BooleanProperty, OptionProperty, StringProperty
from kivy.uix.label import Label

from kiosk.flows.proofs import ProofFlow

from .. import words
from .base import ProofScreen

Builder.load_string(
    """
#:import dp kivy.metrics.dp

# The round mark of the 一证通办 result screen, in the outcome's colour.
<ProofMark>:
    size_hint: None, None
    size: dp(76), dp(76)
    font_size: app.theme.font_xl
    bold: True
    color: 1, 1, 1, 1
    canvas.before:
        Color:
            rgba: app.theme.success if self.tone == 'success' else app.theme.danger
        Ellipse:
            pos: self.pos
            size: self.size

<ProofOutcome@BoxLayout>:
    orientation: 'vertical'
    padding: dp(100), dp(30), dp(100), dp(24)
    spacing: dp(22)

<ProofDoneScreen>:
    name: 'pf_done'
    ProofOutcome:
        Widget:
        ProofMark:
            tone: 'success'
            text: '✓'
            pos_hint: {'center_x': .5}
        WrapLabel:
            text: '打印完成，请在出纸口取走证明'
            style: 'xl'
            bold: True
            tone: 'success'
            halign: 'center'
        WrapLabel:
            text: root.document
            tone: 'muted'
            halign: 'center'
        WrapLabel:
            text: '办理结束后请取走您的身份证'
            tone: 'primary'
            bold: True
            halign: 'center'
        Widget:
        BoxLayout:
            size_hint_y: None
            height: done.height
            spacing: dp(32)
            BigButton:
                text: '打印其他证明'
                kind: 'secondary'
                on_release: root.back()
            BigButton:
                id: done
                text: '完成'
                on_release: app.finish_session()

<ProofFailedScreen>:
    name: 'pf_failed'
    ProofOutcome:
        Widget:
        ProofMark:
            tone: 'danger'
            text: '!'
            pos_hint: {'center_x': .5}
        WrapLabel:
            text: '证明未能打印'
            style: 'xl'
            bold: True
            tone: 'danger'
            halign: 'center'
        DangerNotice:
            text: root.message
            halign: 'center'
        WrapLabel:
            text: root.document
            tone: 'muted'
            halign: 'center'
        Widget:
        BoxLayout:
            size_hint_y: None
            height: retry.height
            spacing: dp(24)
            BigButton:
                text: '返回'
                kind: 'secondary'
                size_hint_x: .3
                on_release: root.back()
            BigButton:
                text: '完成'
                kind: 'secondary'
                size_hint_x: .3
                on_release: app.finish_session()
            BigButton:
                id: retry
                text: '重新打印'
                size_hint_x: .4
                on_release: root.reprint()

<ProofErrorScreen>:
    name: 'pf_error'
    ProofOutcome:
        Widget:
        WrapLabel:
            text: '暂时无法打印证明'
            style: 'xl'
            bold: True
            halign: 'center'
        DangerNotice:
            text: root.message
            halign: 'center'
        WrapLabel:
            text: '您也可以到人工窗口办理，或咨询现场工作人员'
            tone: 'muted'
            halign: 'center'
        Widget:
        BoxLayout:
            size_hint_y: None
            height: home.height
            spacing: dp(32)
            BigButton:
                id: home
                text: '完成'
                kind: 'secondary' if root.can_retry else 'primary'
                on_release: app.finish_session()
            BigButton:
                text: '重试'
                opacity: 1 if root.can_retry else 0
                disabled: not root.can_retry
                on_release: root.retry()
"""
)


class ProofMark(Label):
    tone = OptionProperty("success", options=["success", "danger"])


def _document_line(flow: ProofFlow | None) -> str:
    document = flow.document if flow is not None else None
    if document is None:
        return ""
    return f"{document.title}　{words.pages(document.pages)}\n证明编号 {document.document_number}"


class ProofDoneScreen(ProofScreen):
    document = StringProperty("")
    _flow: ProofFlow | None = None

    def show_flow(self, flow: ProofFlow | None) -> None:
        self._flow = flow
        self.document = _document_line(flow)

    def back(self) -> None:
        if self._flow is not None:
            self._flow.back()

    def clear_flow(self) -> None:
        self._flow = None
        self.document = ""


class ProofFailedScreen(ProofScreen):
    message = StringProperty("")
    document = StringProperty("")
    _flow: ProofFlow | None = None

    def show_flow(self, flow: ProofFlow | None) -> None:
        self._flow = flow
        self.message = words.print_failed(flow.error) if flow is not None else ""
        self.document = _document_line(flow)

    def reprint(self) -> None:
        if self._flow is not None:
            self._flow.print()

    def back(self) -> None:
        if self._flow is not None:
            self._flow.back()

    def clear_flow(self) -> None:
        self._flow = None
        self.message = self.document = ""


class ProofErrorScreen(ProofScreen):
    message = StringProperty("")
    can_retry = BooleanProperty(False)
    _flow: ProofFlow | None = None

    def show_flow(self, flow: ProofFlow | None) -> None:
        self._flow = flow
        # No flow: the terminal could not start one (not enrolled with a central).
        self.message = words.proof_error(flow.error if flow is not None else "not_enrolled")
        self.can_retry = flow is not None

    def retry(self) -> None:
        if self._flow is not None:
            self._flow.load()

    def clear_flow(self) -> None:
        self._flow = None
        self.message = ""
        self.can_retry = False
