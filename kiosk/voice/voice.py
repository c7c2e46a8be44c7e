"""``Terminal.voice``: speaks the screens' instructions and errors on its own thread.

``say`` returns at once: the newest prompt replaces any waiting one and cuts off the one
playing (its player process is stopped by its handle), so a prompt never outlives its
screen. Rendering (the pack or espeak-ng) and playing happen on the voice thread; the UI
thread never waits for either.

Personal data: before anything is rendered, cached or played, the text goes through the
log filter's masking (kiosk.privacy.redact): the current citizen's registered name, address
and numbers, and anything shaped like an ID, bank card or mobile number, are spoken only
in their masked form.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.privacy import redact
from kiosk.voice.player import AplayPlayer, Playback, Player
from kiosk.voice.render import Renderer, VoiceError
from kiosk.voice.settings import VoiceSettings

log = logging.getLogger(__name__)

SOUND_CHECK = ("sound_check", "语音测试。您好，这是通办自助终端的语音提示。")
# What a masked form sounds like: 张* -> 张某; a masked run of digits is a short pause.
_STAR_AFTER_HAN = re.compile(r"(?<=[\u4e00-\u9fff])\*+")
_STARS = re.compile(r"\*+")


@dataclass(frozen=True)
class Prompt:
    prompt_id: str
    text: str   # as spoken: personal data already masked


@dataclass(frozen=True)
class VoiceEvent:
    """What the voice did, for diagnostics and tests: "played" (sent to the player),
    "stopped" (cut off), "failed" (not renderable or not playable: ``detail`` says why)."""

    kind: str
    prompt: Prompt
    detail: str = ""


def spoken_form(text: str) -> str:
    """The text with personal data masked, the stars said as a Chinese speaker would."""
    masked = redact(text)
    return _STARS.sub("，", _STAR_AFTER_HAN.sub("某", masked))


class Voice:
    def __init__(self, settings: VoiceSettings, elderly: bool = False, player: Player | None = None,
                 renderer: Renderer | None = None) -> None:
        self.settings = settings
        self.elderly = elderly           # the 适老化 mode; the UI sets it when a citizen switches
        self.player: Player = player or AplayPlayer(settings.device)
        self.renderer = renderer or Renderer(settings.pack, settings.espeak_voice, settings.rate, settings.pitch)
        self._volume = settings.volume
        self._lock = threading.Condition()
        self._pending: tuple[int, Prompt] | None = None
        self._generation = 0
        self._current: tuple[Prompt, Playback] | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._busy = False               # the voice thread is rendering or playing
        self._listeners: list[Callable[[VoiceEvent], None]] = []
        self.last_prompt: Prompt | None = None

    # -- what the screens call -------------------------------------------------------------
    @property
    def speaking(self) -> bool:
        """Whether prompts are spoken now: mode "always", or "elderly" in the 适老化 mode."""
        mode = self.settings.mode
        return mode == "always" or (mode == "elderly" and self.elderly)

    def say(self, prompt_id: str, text: str) -> None:
        """Speak ``text`` (cutting off what is playing); nothing when voice is off for the
        current mode. Never blocks."""
        if not self.speaking:
            return
        self._queue(Prompt(prompt_id, spoken_form(text)))

    def sound_check(self) -> None:
        """The fixed test prompt, whatever the mode (the technician's sound check)."""
        self._queue(Prompt(*SOUND_CHECK))

    def stop(self) -> None:
        """Cut off what is playing and drop what waits."""
        with self._lock:
            self._generation += 1
            self._pending = None
            current, self._current = self._current, None
        if current is not None:
            self._stopped(*current)

    @property
    def volume(self) -> int:
        return self._volume

    @volume.setter
    def volume(self, value: int) -> None:
        if not 0 <= int(value) <= 100:
            raise ValueError("volume is 0-100")
        self._volume = int(value)

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing waits, renders or plays (tests, `kiosk say`); False on timeout.
        Never call it on the UI thread."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending is None and not self._busy, timeout)

    def subscribe(self, listener: Callable[[VoiceEvent], None]) -> None:
        """listener(event) is called on the voice thread (or the caller's, for "stopped");
        it must not block."""
        self._listeners.append(listener)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # -- the voice thread ------------------------------------------------------------------
    def _queue(self, prompt: Prompt) -> None:
        with self._lock:
            if self._closed:
                return
            self._generation += 1
            self._pending = (self._generation, prompt)
            current, self._current = self._current, None
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="voice", daemon=True)
                self._thread.start()
            self._lock.notify_all()
        if current is not None:
            self._stopped(*current)

    def _stopped(self, prompt: Prompt, playback: Playback) -> None:
        playback.stop()
        self._tell(VoiceEvent("stopped", prompt))

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._pending is None and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                assert self._pending is not None
                generation, prompt = self._pending
                self._pending = None
                self._busy = True
            try:
                self._play(generation, prompt)
            except VoiceError as err:
                log.warning("voice prompt %s not played: %s", prompt.prompt_id, err.code)
                self._tell(VoiceEvent("failed", prompt, err.code))
            except Exception:  # the voice thread must outlive any bug
                log.exception("voice prompt %s failed", prompt.prompt_id)
                self._tell(VoiceEvent("failed", prompt, "bug"))
            finally:
                with self._lock:
                    self._busy = False
                    self._lock.notify_all()

    def _play(self, generation: int, prompt: Prompt) -> None:
        wav = self.renderer.render(prompt.prompt_id, prompt.text).scaled(self._volume).wav()
        with self._lock:
            if generation != self._generation:
                return   # a newer prompt came while this one was rendered
        playback = self.player.start(wav)   # outside the lock: say() never waits for a fork
        with self._lock:
            superseded = generation != self._generation
            if not superseded:
                self._current = (prompt, playback)
                self.last_prompt = prompt
        if superseded:
            playback.stop()
            playback.wait()
            return
        log.debug("voice prompt %s", prompt.prompt_id)
        self._tell(VoiceEvent("played", prompt))
        playback.wait()
        with self._lock:
            if self._current is not None and self._current[1] is playback:
                self._current = None

    def _tell(self, event: VoiceEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("voice listener failed")
