"""Page one of the issued proof, large enough to read, beside its title, number and page
count, with 打印 and 返回. The image comes from memory (RenderedDocument.preview_png): a
proof carries the holder's identity and is never written to disk for showing.

The page is rendered at twice the pane's width (kiosk/printing/jobs.py, 1800 px): 放大查看
shows it at that size, its text about twice as large, and the citizen slides it both ways."""

from __future__ import annotations

from io import BytesIO

from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.flows.proofs import ProofFlow, RenderedDocument

from .. import printing_words as print_words
from .base import ProofScreen


class ProofPreviewScreen(ProofScreen):
    title = StringProperty("")
    issuer = StringProperty("")
    number = StringProperty("")
    pages = StringProperty("")
    texture = ObjectProperty(None, allownone=True)
    scrollable = BooleanProperty(False)
    zoomed = BooleanProperty(False)
    _shown: RenderedDocument | None = None

    def toggle_zoom(self) -> None:
        self.zoomed = not self.zoomed
        self.ids.scroll.scroll_x = 0
        self.ids.scroll.scroll_y = 1

    def on_kv_post(self, base_widget: object) -> None:
        self.ids.page.bind(height=self._update_scrollable)
        self.ids.scroll.bind(height=self._update_scrollable)

    def _update_scrollable(self, *_: object) -> None:
        self.scrollable = self.ids.page.height > self.ids.scroll.height + 1

    def show_flow(self, flow: ProofFlow | None) -> None:
        super().show_flow(flow)
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
        self.pages = print_words.pages(document.pages)
        self.texture = _texture(document.preview_png)
        self.zoomed = False
        self.ids.scroll.scroll_y = 1

    def print(self) -> None:
        if self._flow is not None:
            self._flow.print()

    def clear_flow(self) -> None:
        super().clear_flow()
        self._shown = None
        self.title = self.issuer = self.number = self.pages = ""
        self.zoomed = False
        self.texture = None  # the page shows the holder's name and number


def _texture(png: bytes) -> object | None:
    if not png:
        return None
    try:
        return CoreImage(BytesIO(png), ext="png").texture
    except Exception:  # a bad preview must not stop the citizen from printing
        return None
