"""Chinese text input for the on-screen keyboards: pinyin and handwriting.

This module is the contract between the engines (kiosk/ime/*) and the keyboards
(screens/common/). No Kivy here. Engines are not thread-safe: one ``PinyinInput`` per field
being edited, driven from one thread (the ``ImeWorker`` thread, never the UI thread).

Pinyin: keys go in, a ``Composition`` comes out. Selecting a candidate that covers only part
of the typed pinyin commits that part and leaves the rest composing (phrase selection in
pieces: "jinchengshichengqu" -> pick 晋城市 -> 城区 still offered). Learning is off: nothing a
citizen typed changes what the next citizen is offered.

Handwriting: a list of strokes (each a list of (x, y) points in pad coordinates, y down)
goes in, candidate characters best first come out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

Stroke = Sequence[tuple[float, float]]


@dataclass(frozen=True)
class Composition:
    """What the candidate bar shows after one key."""

    preedit: str = ""                   # the pinyin still being composed, segmented ("cheng qu")
    candidates: tuple[str, ...] = ()    # the current page of candidates, best first
    page: int = 0                       # 0-based page number
    has_prev: bool = False
    has_more: bool = False
    committed: str = ""                 # text finished by this step, to insert into the field
    selected: str = ""                  # pieces picked but not yet committed ("晋城市" while "cheng qu" composes)
    extra: dict[str, str] = field(default_factory=dict)  # engine details for diagnostics only


class PinyinInput(Protocol):
    """One composition at a time; every method returns the new state."""

    def key(self, letter: str) -> Composition: ...      # a-z, or "'" as a syllable separator
    def backspace(self) -> Composition: ...             # on an empty preedit: Composition() and the field deletes
    def select(self, index: int) -> Composition: ...    # index on the current page
    def page_down(self) -> Composition: ...
    def page_up(self) -> Composition: ...
    def commit_raw(self) -> Composition: ...            # enter: the letters as typed
    def reset(self) -> None: ...                        # drop the composition (field left, session end)
    def close(self) -> None: ...


class HandwritingRecognizer(Protocol):
    def recognize(self, strokes: Sequence[Stroke], width: float, height: float,
                  n: int = 10) -> list[str]: ...
    def close(self) -> None: ...


class ImeUnavailable(Exception):
    """An engine or its dictionaries are missing; ``str()`` is a technician's message in
    Chinese naming the package to install."""
