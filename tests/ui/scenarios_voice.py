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

    def wait(self, kind: str, prompt_id: str, times: int = 1, timeout: float = WAIT_S) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: sum(1 for k, i, _ in self.events
                                                 if k == kind and i == prompt_id) >= times, timeout)
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
    ui.call(ui.app.toast.hide)
    ui.shot("00-home-normal")   # no 朗读 button outside 适老化 mode

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

    # An error appearing on the screen is spoken in its own words.
    ui.sim("place bad_checksum")
    ui.wait_text("证件信息校验未通过")
    heard.wait("played", "identity.error")
    _remove(ui)

    # A flow: the card is read, the citizen confirms, the result screen speaks.
    ui.sim("place resident")
    ui.wait_screen("identity_read")
    heard.wait("played", "identity_read")
    ui.tap("确认是本人")
    ui.wait_screen("result")
    heard.wait("stopped", "identity_read")
    heard.wait("played", "result")
    ui.shot("03-result-elderly")

    # Nobody touches: the idle warning over the screen is spoken (the 适老化 timeout in
    # test_voice_ui.py: 25 s, the warning 10 s before); a touch closes it and its prompt.
    heard.wait("played", "overlay.warning", timeout=40)
    heard.wait("stopped", "result")
    ui.tap_at(640, 400)
    heard.wait("stopped", "overlay.warning")
    ui.wait_until(lambda: not ui.app.overlay.shown, 5, "the warning to close")
    heard.save("elderly")

    # 适老化 off: what plays stops, and screens are silent again.
    ui.tap("适老化")
    ui.wait_until(lambda: not ui.app.theme.elderly, 3, "elderly mode off")
    played_before = heard.count("played", "home")
    ui.call(ui.app.finish_session)
    ui.wait_screen("home")
    heard.settled()
    ui.results["data"]["home_played_after_off"] = heard.count("played", "home") - played_before
    ui.results["data"]["read_aloud_hidden"] = ui.call(
        lambda: (ui.app.top_bar.ids.read_aloud.width, ui.app.top_bar.ids.read_aloud.disabled))
    _remove(ui)
    heard.save("all")
    ui.results["data"]["later_screens"] = ui.call(_later_screens)
    ui.record("end")


def _later_screens() -> list[Any]:
    """Screens nobody listed anywhere: their prompts come from their own words."""
    from kivy.uix.boxlayout import BoxLayout

    from screens.voice_prompts import instruction
    from screens.widgets import BigButton, KioskScreen, WrapLabel

    class SignScreen(KioskScreen):
        pass

    class CountedScreen(KioskScreen):
        @property
        def voice_prompt(self) -> tuple[str, str]:
            return "counted", "请数一下现金"

    sign = SignScreen(name="sign_here")
    column = BoxLayout(orientation="vertical")
    for widget in (WrapLabel(text="请在下方签名", style="xl"), WrapLabel(text="签名仅用于本次申请", style="s"),
                   BigButton(text="确认签名"), WrapLabel(text="签名不能为空", tone="danger")):
        column.add_widget(widget)
    sign.add_widget(column)
    return [list(instruction(sign) or ()), list(instruction(CountedScreen(name="cash")) or ())]


SCENARIOS: dict[str, Callable[[Any], None]] = {"voice": voice}
