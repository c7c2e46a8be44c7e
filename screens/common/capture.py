"""The capture screen every service that photographs paper subclasses (代办's 授权委托书,
异地代收's materials): the straightened page the camera just took, its quality verdict in
words with what to do, 拍摄 / 重拍 / 使用此页 / 完成, and the pages kept so far as
thumbnails with 删除; tapping a thumbnail shows it enlarged.

A subclass names the CaptureStep it shows (``step_of(flow)``) and what 完成 does
(``finish()``); title and hint are its properties. The screen only reads the step and
sends its intents: the camera works on the flow's background runner, never here.

Pages are shown from memory: a texture is decoded from the page's JPEG through a BytesIO
that is zeroed after (kivy.core.image with ``nocache`` so Kivy's image cache keeps no copy);
never a file. Textures are blanked when the screen lets them go (the session ended or the
page was removed) so no copy lingers in video memory either.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from kivy.app import App
from kivy.core.image import Image as CoreImage
from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image

from kiosk.capture.pages import Page
from kiosk.capture.step import CaptureStep

from ..dialogs import Modal, _attach
from . import capture_words as words
from .flow import F, FlowScreenBase


class CaptureThumb(BoxLayout):
    """One kept page: its picture (tap: enlarge) and 删除."""

    texture = ObjectProperty(None, allownone=True)
    number = NumericProperty(0)
    screen = ObjectProperty(None, allownone=True)


class ThumbImage(ButtonBehavior, Image):
    """A kept page's picture; a tap enlarges it."""


class CapturePreview(Modal):
    """A kept page enlarged over everything (a modal layer of the app's root, like the
    dialogs: nothing underneath takes a touch while it shows) until 关闭."""

    texture = ObjectProperty(None, allownone=True)
    number = NumericProperty(0)
    screen = ObjectProperty(None, allownone=True)


class CaptureScreen(FlowScreenBase[F]):
    title = StringProperty("拍摄材料")
    hint = StringProperty("")                 # what to lay on the platen, in the subclass's words
    state = StringProperty("idle")            # the step's: idle | taking | review | failed
    verdict = StringProperty(words.READY)
    verdict_tone = StringProperty("muted")
    straightened = StringProperty("")
    candidate = ObjectProperty(None, allownone=True)     # texture of the shot under review
    can_keep = BooleanProperty(False)
    kept_count = NumericProperty(0)
    kept_text = StringProperty(words.kept(0))
    done_text = StringProperty(words.done(0))
    min_pages = NumericProperty(1)            # 完成 needs at least this many kept pages
    preview = ObjectProperty(None, allownone=True)       # the kept page shown enlarged
    preview_number = NumericProperty(0)

    _shown_candidate: Page | None = None
    _thumbs: dict[int, tuple[Page, Any]]

    def __init__(self, **kwargs: Any) -> None:
        self._thumbs = {}
        super().__init__(**kwargs)

    # -- for subclasses -------------------------------------------------------------------
    def step_of(self, flow: F) -> CaptureStep | None:
        """The CaptureStep this screen shows, of ``flow`` (None: nothing to photograph)."""
        raise NotImplementedError

    def finish(self) -> None:
        """完成: the flow's intent for "these are all the pages"."""
        raise NotImplementedError

    # -- reading the step -----------------------------------------------------------------
    def show_flow(self, flow: F | None) -> None:
        super().show_flow(flow)
        step = self.step_of(flow) if flow is not None else None
        if step is None:
            self._blank()
            return
        self.state = step.state
        self.can_keep = step.can_keep
        self.verdict, self.verdict_tone = words.verdict(step.state, step.error, self.can_keep)
        candidate = step.candidate if step.state == "review" else None
        if candidate is not self._shown_candidate:
            self._drop_texture(self.candidate)
            self.candidate = _texture(candidate) if candidate is not None else None
            self._shown_candidate = candidate
        self.straightened = (words.STRAIGHTENED if candidate is not None
                             and not {"no_page", "cut_off"} & set(candidate.quality.problems)
                             else "")
        self._show_kept(step.pages())

    def _show_kept(self, pages: list[Page]) -> None:
        alive = {id(p) for p in pages}
        for key in [k for k in self._thumbs if k not in alive]:
            _, texture = self._thumbs.pop(key)
            if self.preview is texture:
                self.close_preview()
            self._drop_texture(texture)
        for page in pages:
            if id(page) not in self._thumbs:
                self._thumbs[id(page)] = (page, _texture(page))
        box = self.ids.get("thumbs")
        if box is not None and [c.texture for c in reversed(box.children)] != [
                self._thumbs[id(p)][1] for p in pages]:
            box.clear_widgets()
            for number, page in enumerate(pages, start=1):
                box.add_widget(CaptureThumb(texture=self._thumbs[id(page)][1], number=number,
                                            screen=self))
        self.kept_count = len(pages)
        self.kept_text = words.kept(len(pages))
        self.done_text = words.done(len(pages))

    # -- intents --------------------------------------------------------------------------
    def _step(self) -> CaptureStep | None:
        return self.step_of(self._flow) if self._flow is not None else None

    def take(self) -> None:
        step = self._step()
        if step is not None:
            step.take()

    def retake(self) -> None:
        step = self._step()
        if step is not None:
            step.retake()

    def keep(self) -> None:
        step = self._step()
        if step is not None:
            step.keep()

    def remove(self, number: int) -> None:
        """删除 under thumbnail ``number`` (1-based)."""
        step = self._step()
        if step is not None and 0 < number <= len(step.pages()):
            step.remove(number - 1)

    def open_preview(self, number: int) -> None:
        step = self._step()
        pages = step.pages() if step is not None else []
        if 0 < number <= len(pages) and id(pages[number - 1]) in self._thumbs:
            self.preview = self._thumbs[id(pages[number - 1])][1]
            self.preview_number = number
            layer = _preview_layer()
            layer.texture, layer.number, layer.screen = self.preview, number, self
            layer.shown = True

    def close_preview(self) -> None:
        layer = getattr(App.get_running_app(), "capture_preview", None)
        if layer is not None and layer.screen is self:
            layer.shown = False
            layer.texture, layer.screen = None, None
        self.preview = None
        self.preview_number = 0

    # -- the end --------------------------------------------------------------------------
    def clear_flow(self) -> None:
        super().clear_flow()
        self._blank()

    def _blank(self) -> None:
        self.close_preview()
        self._drop_texture(self.candidate)
        self.candidate = None
        self._shown_candidate = None
        for _, texture in self._thumbs.values():
            self._drop_texture(texture)
        self._thumbs.clear()
        box = self.ids.get("thumbs")
        if box is not None:
            box.clear_widgets()
        self.state, self.can_keep = "idle", False
        self.verdict, self.verdict_tone, self.straightened = words.READY, "muted", ""
        self.kept_count, self.kept_text, self.done_text = 0, words.kept(0), words.done(0)

    @staticmethod
    def _drop_texture(texture: Any) -> None:
        """Blank a page's texture in video memory before letting it go."""
        if texture is None:
            return
        try:
            size = texture.width * texture.height * len(texture.colorfmt)
            texture.blit_buffer(bytes(size), colorfmt=texture.colorfmt, bufferfmt="ubyte")
        except Exception:  # a texture already released: nothing left to blank
            pass


def _preview_layer() -> CapturePreview:
    return _attach("capture_preview", CapturePreview())  # type: ignore[no-any-return]


def _texture(page: Page) -> Any:
    """The page's texture, decoded in memory; the BytesIO is zeroed after (never a file)."""
    size = len(page.jpeg)
    if not size:
        return None
    buffer = BytesIO()
    buffer.write(page.jpeg)
    buffer.seek(0)
    try:
        return CoreImage(buffer, ext="jpg", nocache=True).texture
    except Exception:  # a page that does not show must not stop the citizen
        return None
    finally:
        buffer.seek(0)
        buffer.write(bytes(size))
        buffer.close()
