"""The text entry's logic without a window: which keyboard a field opens with, how many
candidates fit the bar, and the link to the engines (ime_bridge): calls go to the worker,
results come back in order, a result from before a reset is dropped, a backspace on an
empty composition deletes from the field, an engine failure says so and keeps typing
possible. A small fake engine stands in for kiosk/ime here; tests/ui/test_ime_ui.py uses
the real engines through the real Terminal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kiosk.ime import Composition
from screens.common.ime_bridge import UNAVAILABLE, ImeBridge
from screens.common.ime_entry import default_mode, fit

WORDS = {"jinchengshi": "晋城市", "jincheng": "晋城", "chengqu": "城区", "cheng": "城", "jin": "进"}


class FakePinyin:
    """Phrase selection in pieces, as the contract describes (not a real engine)."""

    def __init__(self) -> None:
        self.letters = ""
        self.selected = ""
        self.closed = False

    def _state(self, committed: str = "") -> Composition:
        found = [w for p, w in sorted(WORDS.items(), key=lambda i: -len(i[0])) if self.letters.startswith(p)]
        return Composition(preedit=self.letters, candidates=tuple(found), selected=self.selected,
                           committed=committed)

    def key(self, letter: str) -> Composition:
        self.letters += letter
        return self._state()

    def backspace(self) -> Composition:
        if not self.letters:
            return Composition()
        self.letters = self.letters[:-1]
        return self._state()

    def select(self, index: int) -> Composition:
        word = self._state().candidates[index]
        prefix = next(p for p, w in WORDS.items() if w == word)
        self.letters = self.letters[len(prefix):]
        self.selected += word
        if self.letters:
            return self._state()
        done, self.selected = self.selected, ""
        return self._state(committed=done)

    def page_down(self) -> Composition:
        return self._state()

    page_up = commit_raw = page_down

    def reset(self) -> None:
        self.letters = self.selected = ""

    def close(self) -> None:
        self.closed = True


class FakeHand:
    def recognize(self, strokes: Any, width: float, height: float, n: int = 10) -> list[str]:
        return ["张", "弓", "长"][: len(strokes)]

    def close(self) -> None:
        pass


@dataclass
class QueueWorker:
    """Holds calls until run(): lets a test reset while results are on their way."""

    calls: list[tuple[Callable[[], Any], Callable[[Any], None]]] = field(default_factory=list)

    def submit(self, call: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.calls.append((call, done))

    def run(self) -> None:
        while self.calls:
            call, done = self.calls.pop(0)
            done(call())


@dataclass
class FakeService:
    worker: QueueWorker = field(default_factory=QueueWorker)
    engines: list[FakePinyin] = field(default_factory=list)
    broken: bool = False

    def pinyin(self) -> FakePinyin:
        if self.broken:
            raise RuntimeError("librime1 missing")
        self.engines.append(FakePinyin())
        return self.engines[-1]

    def handwriting(self) -> FakeHand:
        return FakeHand()


class Screen:
    """What the entry does with results: the field's value and the bar's state."""

    def __init__(self) -> None:
        self.value = ""
        self.composition = Composition()
        self.errors: list[str] = []

    def apply(self, composition: Composition, delete: bool) -> None:
        if delete:
            self.value = self.value[:-1]
        self.value += composition.committed
        self.composition = composition


def _bridge(service: FakeService | None = None) -> tuple[ImeBridge, FakeService, Screen]:
    service = service or FakeService()
    return ImeBridge(service, lambda fn: fn()), service, Screen()


def _type(bridge: ImeBridge, screen: Screen, letters: str) -> None:
    for letter in letters:
        bridge.pinyin("key", letter, apply=screen.apply, failed=screen.errors.append)


def test_phrase_chosen_in_pieces_commits_when_all_is_chosen() -> None:
    bridge, service, screen = _bridge()
    _type(bridge, screen, "jinchengshichengqu")
    assert bridge.pending == 18 and screen.composition == Composition()  # nothing ran on the UI thread
    service.worker.run()
    assert bridge.pending == 0
    assert screen.composition.candidates[0] == "晋城市"
    bridge.pinyin("select", 0, apply=screen.apply, failed=screen.errors.append)
    service.worker.run()
    assert screen.composition.selected == "晋城市" and screen.composition.preedit == "chengqu"
    assert screen.value == ""  # 城区 still composing
    bridge.pinyin("select", 0, apply=screen.apply, failed=screen.errors.append)
    service.worker.run()
    assert screen.value == "晋城市城区" and not screen.composition.preedit


def test_results_from_before_a_reset_are_dropped_and_the_engine_closed() -> None:
    bridge, service, screen = _bridge()
    _type(bridge, screen, "jin")
    bridge.reset()                      # the field is left before the worker ran
    service.worker.run()
    assert screen.composition == Composition() and bridge.pending == 0
    assert service.engines[0].closed
    _type(bridge, screen, "cheng")       # the next field: a fresh engine
    service.worker.run()
    assert len(service.engines) == 2 and screen.composition.preedit == "cheng"


def test_backspace_deletes_from_the_composition_first_then_from_the_field() -> None:
    bridge, service, screen = _bridge()
    screen.value = "晋城"
    _type(bridge, screen, "ji")
    for _ in range(3):
        bridge.pinyin("backspace", apply=screen.apply, failed=screen.errors.append)
    service.worker.run()
    assert screen.value == "晋" and screen.composition == Composition()


def test_a_broken_engine_says_so_and_keeps_the_count_right() -> None:
    bridge, service, screen = _bridge(FakeService(broken=True))
    _type(bridge, screen, "a")
    service.worker.run()
    assert screen.errors == [UNAVAILABLE] and bridge.pending == 0


def test_no_service_at_all_is_unavailable_too() -> None:
    bridge, screen = ImeBridge(None, lambda fn: fn()), Screen()
    _type(bridge, screen, "a")
    assert screen.errors == [UNAVAILABLE] and bridge.pending == 0


def test_handwriting_results_come_back_per_stroke() -> None:
    bridge, service, _ = _bridge()
    seen: list[list[str]] = []
    bridge.recognize([[(1, 1), (2, 2)]], 300, 300, seen.append, seen.append)  # type: ignore[arg-type]
    bridge.recognize([[(1, 1)], [(3, 3)]], 300, 300, seen.append, seen.append)  # type: ignore[arg-type]
    service.worker.run()
    assert seen == [["张"], ["张", "弓"]]


@pytest.mark.parametrize(
    ("kind", "elderly", "mode"),
    [("name", True, "handwriting"), ("name", False, "pinyin"), ("address", True, "pinyin"),
     ("text", False, "pinyin"), ("number", False, "number"), ("id_number", True, "id_number"),
     ("phone", False, "phone"), ("date", False, "date"), ("uscc", False, "uscc"),
     ("select", False, ""), ("", False, "")],
)
def test_the_keyboard_a_field_opens_with(kind: str, elderly: bool, mode: str) -> None:
    assert default_mode(kind, elderly) == mode


def test_candidates_that_do_not_fit_wait_for_the_next_window() -> None:
    words = ["晋城市", "晋城", "进", "金", "今天", "近"]
    # char 34 px, min 72 px: 晋城市 126, 晋城 92, 进 72, 金 72 ...
    assert fit(words, 0, 290, 34, 72) == 3
    assert fit(words, 3, 290, 34, 72) == 3
    assert fit(words, 0, 50, 34, 72) == 1   # one always shows, even in a narrow bar
    assert fit(words, 6, 310, 34, 72) == 0
