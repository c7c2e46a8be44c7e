"""Page one of the issued proof, large enough to read, beside its title, number and page
count, with 打印 and 返回. The image comes from memory (RenderedDocument.preview_png): a
proof carries the holder's identity and is never written to disk for showing."""

from __future__ import annotations

from io import BytesIO

from kivy.core.image import Image as CoreImage
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.flows.proofs import ProofFlow, RenderedDocument

from .. import words
from .base import ProofScreen

Builder.load_string(
    """
#:import dp kivy.metrics.dp

<ProofPreviewScreen>:
    name: 'pf_preview'
    BoxLayout:
        orientation: 'vertical'
        padding: dp(36), dp(16), dp(36), dp(20)
        spacing: dp(12)
        FlowHeader:
            title: '请核对证明内容'
            style: 'l'
            applicant: root.applicant
        BoxLayout:
            spacing: dp(28)
            # The page, as wide as the pane: its text reads at about the size printed.
            BoxLayout:
                orientation: 'vertical'
                size_hint_x: .6
                spacing: dp(6)
                ScrollView:
                    id: scroll
                    do_scroll_x: False
                    bar_width: dp(10)
                    bar_color: app.theme.primary[:3] + [.7]
                    bar_inactive_color: app.theme.primary[:3] + [.35]
                    scroll_type: ['bars', 'content']
                    canvas.before:
                        Color:
                            rgba: app.theme.disabled_bg
                        Rectangle:
                            pos: self.pos
                            size: self.size
                    Image:
                        id: page
                        texture: root.texture
                        size_hint_y: None
                        fit_mode: 'contain'
                        # A4 when there is no image yet (the ratio of 210 x 297 mm)
                        height: (self.width * self.texture.height / self.texture.width) if self.texture else self.width * 1.414
                        canvas.after:
                            Color:
                                rgba: app.theme.border
                            Line:
                                rectangle: (self.x, self.y, self.width, self.height)
                                width: 1
                WrapLabel:
                    text: '第1页预览，上下滑动可查看整页' if root.scrollable else '第1页预览'
                    style: 'xs'
                    tone: 'muted'
                    halign: 'center'
            BoxLayout:
                orientation: 'vertical'
                size_hint_x: .4
                spacing: dp(14)
                Panel:
                    orientation: 'vertical'
                    size_hint_y: None
                    height: self.minimum_height
                    WrapLabel:
                        text: root.title
                        style: 'l'
                        bold: True
                    WrapLabel:
                        text: root.issuer
                        style: 's'
                        tone: 'muted'
                    Widget:
                        size_hint_y: None
                        height: dp(4)
                    WrapLabel:
                        text: '证明编号'
                        style: 'xs'
                        tone: 'muted'
                    WrapLabel:
                        text: root.number
                        style: 's'
                        bold: True
                        tone: 'primary'
                    BoxLayout:
                        size_hint_y: None
                        height: pages_tag.height
                        spacing: dp(10)
                        Tag:
                            id: pages_tag
                            text: root.pages
                        Tag:
                            text: 'A4纸'
                            tone: 'muted'
                        Widget:
                WrapLabel:
                    text: '核对无误后请点击“打印”，证明将从出纸口送出'
                    style: 's'
                    tone: 'muted'
                Widget:
                BigButton:
                    text: '打印'
                    on_release: root.print()
                BigButton:
                    text: '返回'
                    kind: 'secondary'
                    on_release: root.back()
"""
)


class ProofPreviewScreen(ProofScreen):
    title = StringProperty("")
    issuer = StringProperty("")
    number = StringProperty("")
    pages = StringProperty("")
    texture = ObjectProperty(None, allownone=True)
    scrollable = BooleanProperty(False)
    _flow: ProofFlow | None = None
    _shown: RenderedDocument | None = None

    def on_kv_post(self, base_widget: object) -> None:
        self.ids.page.bind(height=self._update_scrollable)
        self.ids.scroll.bind(height=self._update_scrollable)

    def _update_scrollable(self, *_: object) -> None:
        self.scrollable = self.ids.page.height > self.ids.scroll.height + 1

    def show_flow(self, flow: ProofFlow | None) -> None:
        self._flow = flow
        document = flow.document if flow is not None else None
        if document is None:
            self.clear_flow()
            return
        if document is self._shown:
            return
        self._shown = document
        self.title = document.title
        self.issuer = document.issuer
        self.number = document.document_number
        self.pages = words.pages(document.pages)
        self.texture = _texture(document.preview_png)
        self.ids.scroll.scroll_y = 1

    def print(self) -> None:
        if self._flow is not None:
            self._flow.print()

    def back(self) -> None:
        if self._flow is not None:
            self._flow.back()

    def clear_flow(self) -> None:
        self._flow = None
        self._shown = None
        self.title = self.issuer = self.number = self.pages = ""
        self.texture = None  # the page shows the holder's name and number


def _texture(png: bytes) -> object | None:
    if not png:
        return None
    try:
        return CoreImage(BytesIO(png), ext="png").texture
    except Exception:  # a bad preview must not stop the citizen from printing
        return None
