"""The text entry's link to the input engines (kiosk/ime): every engine call runs on the
IME worker thread, its result comes back to the UI thread through ``post``, and a result
from before the last ``reset()`` (the field was left, the session ended) is dropped.

No widgets here: the entry (ime_entry.py) owns the widgets, this owns the engines'
state. One ``PinyinInput`` per field (created on the worker at the first key, closed on
reset); the service's handwriting recognizer, shared. The engine objects are touched
only inside worker calls, so they live on one thread as the contract asks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from kiosk.ime import Composition, Stroke

log = logging.getLogger(__name__)

# Shown in the candidate bar when an engine fails; the cause goes to the technician's log.
UNAVAILABLE = "中文输入暂不可用，请用数字、符号键盘或到窗口办理"

Submit = Callable[[Callable[[], Any], Callable[..., None]], None]
Post = Callable[[Callable[[], None]], None]


class ImeBridge:
    """``service`` is the terminal's ImeService (``pinyin()``, ``handwriting()``,
    ``worker.submit(call, done)``); ``post(fn)`` runs fn on the UI thread."""

    def __init__(self, service: Any, post: Post) -> None:
        self._service = service
        self._post = post
        self.generation = 0
        self.pending = 0          # pinyin calls submitted and not yet applied (UI thread)
        self._pinyin: Any = None  # worker thread only
        self._hand: Any = None    # worker thread only
        self._composing = False   # worker thread only: the engine holds a composition

    # -- pinyin ----------------------------------------------------------------------------
    def pinyin(self, op: str, *args: Any, apply: Callable[[Composition, bool], None],
               failed: Callable[[str], None]) -> None:
        """Run ``PinyinInput.<op>(*args)`` on the worker; ``apply(composition, delete)``
        on the UI thread, ``delete`` when a backspace found nothing to delete in the
        composition (the field deletes instead)."""

        def call() -> tuple[Composition, bool]:
            if self._pinyin is None:
                self._pinyin = self._service.pinyin()
            before = self._composing
            composition = getattr(self._pinyin, op)(*args)
            self._composing = bool(composition.preedit or composition.selected)
            return composition, op == "backspace" and not before

        def done(result: tuple[Composition, bool]) -> None:
            self.pending -= 1
            apply(*result)

        self.pending += 1
        self._submit(call, done, failed, counts=True)

    # -- handwriting -----------------------------------------------------------------------
    def recognize(self, strokes: Sequence[Stroke], width: float, height: float,
                  apply: Callable[[list[str]], None], failed: Callable[[str], None]) -> None:
        copied = [list(stroke) for stroke in strokes]

        def call() -> list[str]:
            if self._hand is None:
                self._hand = self._service.handwriting()
            return list(self._hand.recognize(copied, width, height, 10))

        self._submit(call, apply, failed)

    # -- lifetime --------------------------------------------------------------------------
    def reset(self) -> None:
        """Drop the composition: results still on their way are ignored, the field's
        pinyin engine is closed (a fresh one for the next field)."""
        self.generation += 1
        self.pending = 0

        def call() -> None:
            engine, self._pinyin = self._pinyin, None
            self._composing = False
            if engine is not None:
                engine.reset()
                engine.close()

        self._submit(call, lambda _result: None, lambda _message: None)

    def close(self) -> None:
        """The entry is gone: its pinyin engine is closed (the recognizer is the service's,
        shared, and stays)."""
        self.reset()
        self._hand = None

    # -- plumbing --------------------------------------------------------------------------
    def _submit(self, call: Callable[[], Any], apply: Callable[[Any], None],
                failed: Callable[[str], None], counts: bool = False) -> None:
        generation = self.generation

        def guarded() -> tuple[bool, Any]:
            try:
                return True, call()
            except Exception as err:  # an engine's failure must not end the worker
                log.warning("input engine call failed: %s", err)
                return False, err

        def done(outcome: tuple[bool, Any]) -> None:
            def on_ui() -> None:
                if generation != self.generation:
                    return  # stale: the field was left or the session ended
                ok, value = outcome
                if ok:
                    apply(value)
                else:
                    if counts:
                        self.pending -= 1
                    failed(UNAVAILABLE)

            self._post(on_ui)

        if self._service is None:
            self._post(lambda: self._unavailable(generation, counts, failed))
            return
        try:
            self._service.worker.submit(guarded, done)
        except RuntimeError as err:  # the worker is closed: the terminal is stopping
            log.warning("input worker refused a call: %s", err)
            self._post(lambda: self._unavailable(generation, counts, failed))

    def _unavailable(self, generation: int, counts: bool, failed: Callable[[str], None]) -> None:
        if generation != self.generation:
            return
        if counts:
            self.pending -= 1
        failed(UNAVAILABLE)
