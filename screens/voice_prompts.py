"""What each screen says aloud, and when: the screens' own words, spoken by ``terminal.voice``.

A screen's prompt comes from the screen itself, so a screen added later needs no entry
anywhere: its ``voice_prompt`` (a property or method giving the text, or ``(prompt id,
text)``) when it has one, otherwise the words it shows in large type (its headline and
instruction: ``WrapLabel`` styles huge/xl/l, or bold body text and up) and any
error it shows (tone "danger"), top to bottom. Buttons, lists (ScrollView) and the identity
panel are not read: they are choices and personal data, not the instruction. The prompt id
is the screen's name (``<name>.error`` for an error that appears on a screen already
shown), the key of a recorded prompt in a voice pack.

When: a screen change cuts off what is playing at once and speaks the new screen's prompt
on the next frame, when the screen has been filled (after the toast shown with it, if any);
an error or a toast appearing on the screen is spoken; the session notice over the screen
(idle warning, card taken away; id ``overlay.<mode>``) is spoken when it shows; switching the 适老化 mode on reads the screen, off stops. The 朗读 button in the
top bar (shown in 适老化 mode) reads the current screen again. The voice decides whether
anything is heard (``[voice] mode``); this module only says what and when.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from kivy.clock import Clock
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

log = logging.getLogger(__name__)

HEADLINE_STYLES = ("huge", "xl", "l")
MAX_PIECES, MAX_CHARS = 4, 160
_WORDS = re.compile(r"[\w\u4e00-\u9fff]")     # a mark such as ✓ alone is not words


class ReadAloudButton(ButtonBehavior, BoxLayout):
    """朗读: reads the current screen's instruction aloud again (in 适老化 mode)."""


def _skipped(widget: Widget) -> bool:
    """Choices, lists and personal data are not the instruction."""
    from .widgets import IdentityPanel

    return isinstance(widget, ButtonBehavior | ScrollView | IdentityPanel)


def _shown(widget: Widget) -> bool:
    # Opacity, not size: a label's size follows its text a frame later, and the prompt is
    # taken in the frame the screen was filled. Screens hide what is not there by opacity.
    return widget.opacity > 0


def _pieces(widget: Widget, theme: Any, out: list[tuple[str, bool]]) -> None:
    """(text, is_error) of the readable labels under ``widget``, in reading order."""
    for child in reversed(widget.children):   # children are kept last-added first
        if _skipped(child) or not _shown(child):
            continue
        if isinstance(child, Label):
            text = " ".join(child.text.split())
            if not text or not _WORDS.search(text):
                continue
            error = getattr(child, "tone", "") == "danger"
            style = getattr(child, "style", None)
            bold = bool(child.bold)
            big = (style in HEADLINE_STYLES or (bold and style == "m")) if style is not None else (
                bold and child.font_size >= getattr(theme, "font_m", 0))
            if error or big:
                out.append((text, error))
        _pieces(child, theme, out)


def instruction(screen: Screen, theme: Any = None) -> tuple[str, str] | None:
    """(prompt id, text) the screen speaks, or None when it has no words to read."""
    own = getattr(screen, "voice_prompt", None)
    if callable(own):
        own = own()
    if isinstance(own, tuple) and len(own) == 2 and own[1]:
        return str(own[0]), str(own[1])
    if isinstance(own, str) and own:
        return screen.name, own
    found: list[tuple[str, bool]] = []
    _pieces(screen, theme, found)
    texts: list[str] = []
    for text, _error in found:
        if text not in texts:
            texts.append(text)
    if not texts:
        return None
    spoken = "。".join(t.rstrip("。.！!？?") for t in texts[:MAX_PIECES])[:MAX_CHARS]
    return screen.name, spoken + "。"


def _errors(widget: Widget) -> list[Label]:
    return [w for w in widget.walk(restrict=True) if isinstance(w, Label) and getattr(w, "tone", "") == "danger"]


class VoicePrompts:
    """Speaks the current screen (see the module doc). Built once by ``attach``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.voice = app.terminal.voice
        self.voice.elderly = bool(app.theme.elderly)
        self._pending: Any = None
        app.manager.bind(current=self._screen_changed)
        app.theme.bind(elderly=self._elderly_changed)
        for screen in app.manager.screens:
            for label in _errors(screen):
                label.bind(text=lambda label, text, screen=screen: self._error_shown(screen, text))
        overlay, toast = getattr(app, "overlay", None), getattr(app, "toast", None)
        if overlay is not None:   # the idle warning, the card taken away: over any screen
            overlay.bind(shown=self._overlay_changed, mode=self._overlay_changed)
        if toast is not None:
            toast.bind(text=self._toast_shown)
        button = app.top_bar.ids.get("read_aloud")
        if button is not None:
            button.bind(on_release=lambda *_: self.read_again())
        self._speak_soon()

    def current(self) -> tuple[str, str] | None:
        """(prompt id, text) of what is in front now: the session notice over the screen,
        else the screen, after the message it shows in passing (the toast)."""
        overlay = getattr(self.app, "overlay", None)
        if overlay is not None and overlay.shown:
            text = "。".join(t for t in (overlay.headline, overlay.detail) if t)
            return (f"overlay.{overlay.mode}", text) if text else None
        manager = self.app.manager
        if not manager.has_screen(manager.current):
            return None
        prompt = instruction(manager.get_screen(manager.current), self.app.theme)
        toast = getattr(self.app, "toast", None)
        if toast is not None and toast.text and toast.opacity > 0 and prompt is not None:
            prompt = (prompt[0], f"{toast.text.rstrip('。')}。{prompt[1]}")
        return prompt

    def read_again(self) -> None:
        """The 朗读 button: the current screen's instruction, again."""
        prompt = self.current()
        if prompt is not None:
            self.voice.say(*prompt)

    def _speak_soon(self) -> None:
        # Next frame: routing fills the screen right after switching to it.
        if self._pending is not None:
            self._pending.cancel()
        self._pending = Clock.schedule_once(lambda _dt: self._speak(), 0)

    def _speak(self) -> None:
        self._pending = None
        self.read_again()

    def _screen_changed(self, _manager: Any, _name: str) -> None:
        self.voice.stop()        # a prompt never outlives its screen
        self._speak_soon()

    def _elderly_changed(self, _theme: Any, on: bool) -> None:
        self.voice.elderly = bool(on)
        if on:
            self._speak_soon()
        else:
            self.voice.stop()

    def _overlay_changed(self, overlay: Any, _value: Any) -> None:
        if overlay.shown:
            self._speak_soon()   # its words are set with it, in the same frame
        else:
            self.voice.stop()

    def _toast_shown(self, _toast: Any, text: str) -> None:
        if text and self._pending is None:
            self.voice.say("toast", text)

    def _error_shown(self, screen: Screen, text: str) -> None:
        if text and self.app.manager.current == screen.name and self._pending is None:
            self.voice.say(f"{screen.name}.error", text)


def attach(app: Any) -> VoicePrompts:
    """Speak the screens of ``app`` (a built KioskApp) through ``app.terminal.voice``."""
    return VoicePrompts(app)
