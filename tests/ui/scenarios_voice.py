"""Voice prompts through the real screens (run by harness.py; asserted in test_voice_ui.py).

The terminal's voice plays to a recording player: it keeps what each prompt handed it and
"plays" until it is cut off, like a long prompt on a real speaker, so a screen change must
stop it. Everything waits on the voice's own events, never on time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from scenarios import _home_ready, _remove

WAIT_S = 10.0


class _Held:
    def __init__(self) -> None:
        self.done = threading.Event()

    def wait(self) -> None:
        self.done.wait(60)

    def stop(self) -> None:
        self.done.set()


class RecordingPlayer:
    """Keeps every WAV it is given; a playback lasts until it is stopped."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def start(self, wav: bytes) -> _Held:
        self.sizes.append(len(wav))
        return _Held()


class Heard:
    """The voice's events as [kind, prompt id, text], in order, for the results file."""

    def __init__(self, ui: Any) -> None:
        self.ui = ui
        self.events: list[list[str]] = []
        self._cond = threading.Condition()
        self.player = RecordingPlayer()
        voice = ui.app.terminal.voice
        voice.player = self.player
        voice.subscribe(self._add)

    def _add(self, event: Any) -> None:
        with self._cond:
            self.events.append([event.kind, event.prompt.prompt_id, event.prompt.text])
            self._cond.notify_all()

    def count(self, kind: str, prompt_id: str) -> int:
        with self._cond:
            return sum(1 for k, i, _ in self.events if k == kind and i == prompt_id)

    def wait(self, kind: str, prompt_id: str, times: int = 1) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: sum(1 for k, i, _ in self.events
                                                 if k == kind and i == prompt_id) >= times, WAIT_S)
        self.ui.note(f"voice {kind} {prompt_id} x{times}: {ok}")
        if not ok:
            raise AssertionError(f"no {kind} {prompt_id!r} x{times}; heard {self.events}")

    def settled(self) -> None:
        """Every prompt asked for so far is done with (it is asked for on the UI thread a frame
        after the screen change: two UI calls let that frame pass). Only while nothing is
        held playing."""
        self.ui.call(lambda: None)
        self.ui.call(lambda: None)
        if not self.ui.app.terminal.voice.wait_idle(WAIT_S):
            raise AssertionError(f"voice still busy; heard {self.events}")

    def save(self, step: str) -> None:
        with self._cond:
            self.ui.results["data"][step] = [list(e) for e in self.events]
            self.ui.results["data"]["player_sizes"] = list(self.player.sizes)
        self.ui.save()


def voice(ui: Any) -> None:
    heard = Heard(ui)
    _home_ready(ui)

    # Normal mode ([voice] mode = "elderly"): screens change, nothing is spoken.
    ui.tap("身份核验")
    ui.wait_screen("identity")
    heard.settled()
    ui.tap("返回")
    ui.wait_screen("home")
    heard.settled()
    heard.save("normal")

    # 适老化 on: the screen shown is read at once, and every screen after it.
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly, 3, "elderly mode")
    heard.wait("played", "home")
    ui.call(ui.app.toast.hide)
    ui.shot("01-home-elderly")

    ui.tap("身份核验")
    ui.wait_screen("identity")
    heard.wait("stopped", "home")
    heard.wait("played", "identity")
    ui.shot("02-waiting-elderly")

    # 朗读 reads the screen again (cutting off the first reading).
    ui.tap("朗读")
    heard.wait("played", "identity", times=2)
    heard.wait("stopped", "identity")

    # A flow: the card is read, the citizen confirms, the result screen speaks.
    ui.sim("place resident")
    ui.wait_screen("identity_read")
    heard.wait("played", "identity_read")
    ui.tap("确认是本人")
    ui.wait_screen("result")
    heard.wait("stopped", "identity_read")
    heard.wait("played", "result")
    ui.shot("03-result-elderly")
    heard.save("elderly")

    # 适老化 off: what plays stops, and screens are silent again.
    ui.tap("适老化")
    ui.wait_until(lambda: not ui.app.theme.elderly, 3, "elderly mode off")
    heard.wait("stopped", "result")
    played_before = heard.count("played", "home")
    ui.call(ui.app.finish_session)
    ui.wait_screen("home")
    heard.settled()
    ui.results["data"]["home_played_after_off"] = heard.count("played", "home") - played_before
    ui.results["data"]["read_aloud_hidden"] = ui.call(
        lambda: (ui.app.top_bar.ids.read_aloud.width, ui.app.top_bar.ids.read_aloud.disabled))
    _remove(ui)
    heard.save("all")
    ui.record("end")


SCENARIOS: dict[str, Callable[[Any], None]] = {"voice": voice}
