"""Voice prompts: `kiosk say` renders speech a citizen can hear, a recorded prompt pack wins
over synthesis, volume scales the sound, a new prompt cuts off the playing one, personal data
is spoken masked only, and voice off means silence.

Audio is measured with the stdlib ``wave`` and numpy. Playing goes to a recording player: a
real child process that keeps what it was fed (``record_player``) or an in-process one;
nothing here waits on a clock, only on the voice's events.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
import sys
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from kiosk.privacy import forget_personal, register_personal
from kiosk.voice.player import AplayPlayback
from kiosk.voice.render import Audio, Renderer
from kiosk.voice.settings import VoiceSettings
from kiosk.voice.voice import SOUND_CHECK, Prompt, Voice, VoiceEvent

KIOSK = str(Path(sys.executable).with_name("kiosk"))
PROMPT = "请将身份证放在读卡区"
WAIT_S = 20.0          # an upper bound on a loaded machine, never a pacing delay
RMS_FLOOR = 300.0      # int16 samples; silence and dither stay far below


@pytest.fixture(autouse=True)
def _espeak() -> None:
    from tests.support.services import missing_service

    if shutil.which("espeak-ng") is None:
        missing_service("espeak-ng not found", "espeak-ng")


def measure(data: bytes) -> tuple[float, float, int]:
    """(seconds, RMS of the samples, sample rate) of a WAV file's bytes."""
    with wave.open(io.BytesIO(data), "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64)
    return len(samples) / rate, float(np.sqrt(np.mean(samples ** 2))) if len(samples) else 0.0, rate


def tone(path: Path, seconds: float = 0.5, rate: int = 16000, amplitude: int = 12000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    samples = (amplitude * np.sin(2 * math.pi * 440 * t)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def kiosk_say(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "TONGBAN_CONFIG"}
    return subprocess.run([KIOSK, "say", *args], capture_output=True, text=True, timeout=60,
                          env={**base, **(env or {})}, cwd="/")


# -- players -------------------------------------------------------------------------------

class Recorder:
    """An in-process player: keeps each WAV; a playback ends when released (hold=True) or at
    once."""

    def __init__(self, hold: bool = False) -> None:
        self.hold = hold
        self.played: list[bytes] = []

    def start(self, wav: bytes) -> _Held:
        self.played.append(wav)
        return _Held(self.hold)


class _Held:
    def __init__(self, hold: bool) -> None:
        self.done = threading.Event()
        if not hold:
            self.done.set()

    def wait(self) -> None:
        self.done.wait(WAIT_S)

    def stop(self) -> None:
        self.done.set()


class ProcessRecorder:
    """A real player process per prompt, like aplay: it reads the WAV from its stdin into a
    file and then keeps 'playing' until it is stopped. Stopping goes through the production
    AplayPlayback (the Popen handle)."""

    SCRIPT = ("import os, sys, signal; data = sys.stdin.buffer.read(); "
              "open(sys.argv[1] + '.part', 'wb').write(data); os.replace(sys.argv[1] + '.part', sys.argv[1]); "
              "signal.pause()")

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.playbacks: list[AplayPlayback] = []

    def start(self, wav: bytes) -> AplayPlayback:
        out = self.folder / f"played-{len(self.playbacks)}.wav"
        proc = subprocess.Popen([sys.executable, "-c", self.SCRIPT, str(out)], stdin=subprocess.PIPE)
        playback = AplayPlayback(proc, wav)
        self.playbacks.append(playback)
        return playback


def wait_for_file(path: Path) -> None:
    done = threading.Event()
    for _ in range(int(WAIT_S / 0.02)):
        if path.exists():
            return
        done.wait(0.02)   # polling a condition, bounded by WAIT_S
    raise AssertionError(f"{path} never appeared")


class Events:
    def __init__(self, voice: Voice) -> None:
        self.seen: list[VoiceEvent] = []
        self._cond = threading.Condition()
        voice.subscribe(self._add)

    def _add(self, event: VoiceEvent) -> None:
        with self._cond:
            self.seen.append(event)
            self._cond.notify_all()

    def wait(self, kind: str, prompt_id: str) -> VoiceEvent:
        def found() -> VoiceEvent | None:
            return next((e for e in self.seen if e.kind == kind and e.prompt.prompt_id == prompt_id), None)

        with self._cond:
            assert self._cond.wait_for(lambda: found() is not None, WAIT_S), (kind, prompt_id, self.seen)
            event = found()
        assert event is not None
        return event


def voice_with(player: object, **settings: object) -> Voice:
    return Voice(VoiceSettings(**settings), elderly=True, player=player)   # type: ignore[arg-type]


# -- kiosk say -------------------------------------------------------------------------------

def test_kiosk_say_renders_speech_length_audio_that_is_not_silent(tmp_path: Path) -> None:
    out = tmp_path / "x.wav"
    result = kiosk_say(PROMPT, "--out", str(out))
    assert result.returncode == 0, result.stderr
    seconds, rms, rate = measure(out.read_bytes())
    per_char = seconds / len(PROMPT)
    print(f"kiosk say {PROMPT!r}: {seconds:.2f} s ({per_char:.3f} s/char), RMS {rms:.0f}, {rate} Hz")
    assert 0.15 <= per_char <= 1.0
    assert rms > RMS_FLOOR


def test_kiosk_say_without_espeak_names_the_package(tmp_path: Path) -> None:
    result = kiosk_say(PROMPT, "--out", str(tmp_path / "x.wav"), env={"PATH": str(tmp_path)})
    assert result.returncode == 1
    assert "espeak-ng" in result.stderr and "apt-get install espeak-ng" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x.wav").exists()


def test_kiosk_say_to_an_unwritable_file_says_why_and_what_to_do(tmp_path: Path) -> None:
    result = kiosk_say(PROMPT, "--out", str(tmp_path / "no" / "such" / "x.wav"))
    assert result.returncode == 1
    assert result.stderr.startswith("kiosk say: 无法写入") and "请换一个可写的路径" in result.stderr
    assert "Traceback" not in result.stderr


def test_kiosk_say_plays_to_an_alsa_device_or_says_it_cannot() -> None:
    from tests.support.services import missing_service

    if shutil.which("aplay") is None:
        missing_service("aplay not found", "alsa-utils")
    assert kiosk_say("声音测试", "--device", "null").returncode == 0
    result = kiosk_say("声音测试", "--device", "nosuchcard")
    assert result.returncode == 1
    assert "无法播放" in result.stderr and "'nosuchcard'" in result.stderr and "aplay -L" in result.stderr
    assert "Traceback" not in result.stderr


def test_kiosk_say_uses_the_recorded_prompt_of_the_pack(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    tone(pack / "identity.wav", seconds=0.5)
    out = tmp_path / "x.wav"
    assert kiosk_say(PROMPT, "--voice-pack", str(pack), "--id", "identity", "--out", str(out)).returncode == 0
    seconds, _, rate = measure(out.read_bytes())
    assert rate == 16000 and seconds == pytest.approx(0.5, abs=0.01)   # the recording, not espeak-ng
    # No recording for this id: synthesized.
    assert kiosk_say(PROMPT, "--voice-pack", str(pack), "--id", "home", "--out", str(out)).returncode == 0
    seconds, _, rate = measure(out.read_bytes())
    assert rate != 16000 and seconds > 0.15 * len(PROMPT)


# -- the voice -------------------------------------------------------------------------------

def test_the_pack_is_preferred_when_it_has_the_prompt(tmp_path: Path) -> None:
    tone(tmp_path / "identity.wav", seconds=0.4)
    renderer = Renderer(pack=tmp_path)
    assert renderer.render("identity", PROMPT).seconds == pytest.approx(0.4, abs=0.01)
    assert renderer.render("home", PROMPT).seconds > 0.15 * len(PROMPT)
    assert renderer.render("../identity", PROMPT).seconds > 0.15 * len(PROMPT)   # never a path


def test_volume_scales_the_amplitude() -> None:
    recorder = Recorder()
    voice = voice_with(recorder, volume=100)
    events = Events(voice)
    voice.say("loud", PROMPT)
    events.wait("played", "loud")
    voice.volume = 40
    assert voice.volume == 40
    voice.say("soft", PROMPT)
    events.wait("played", "soft")
    voice.close()
    (_, loud, _), (_, soft, _) = measure(recorder.played[0]), measure(recorder.played[1])
    assert soft / loud == pytest.approx(0.4, abs=0.01)
    with pytest.raises(ValueError):
        voice.volume = 101


def test_a_new_prompt_stops_the_playing_player_process(tmp_path: Path) -> None:
    players = ProcessRecorder(tmp_path)
    voice = voice_with(players)
    events = Events(voice)
    voice.say("identity", PROMPT)
    events.wait("played", "identity")
    first = players.playbacks[0]
    wait_for_file(tmp_path / "played-0.wav")  # the player took the whole prompt ...
    assert first.proc.poll() is None          # ... and is still playing: it ends when stopped

    voice.say("identity.error", "未能读取身份证，请重新放置")
    events.wait("stopped", "identity")
    events.wait("played", "identity.error")
    assert first.proc.wait(timeout=WAIT_S) == -15      # SIGTERM, through its own handle
    assert players.playbacks[1].proc.poll() is None
    assert voice.last_prompt == Prompt("identity.error", "未能读取身份证，请重新放置")

    voice.stop()
    events.wait("stopped", "identity.error")
    assert players.playbacks[1].proc.wait(timeout=WAIT_S) == -15
    voice.close()
    played, _, _ = measure((tmp_path / "played-0.wav").read_bytes())
    assert played > 0.15 * len(PROMPT)


def test_say_returns_while_the_prompt_is_still_being_rendered() -> None:
    release = threading.Event()

    class SlowRenderer(Renderer):
        def render(self, prompt_id: str, text: str) -> Audio:
            release.wait(WAIT_S)
            return super().render(prompt_id, text)

    recorder = Recorder()
    voice = Voice(VoiceSettings(), elderly=True, player=recorder, renderer=SlowRenderer())
    events = Events(voice)
    def two_prompts() -> None:
        voice.say("a", PROMPT)
        voice.say("b", PROMPT)

    caller = threading.Thread(target=two_prompts)
    caller.start()
    caller.join(WAIT_S)
    assert not caller.is_alive() and not recorder.played      # returned before anything rendered
    release.set()
    events.wait("played", "b")
    assert voice.wait_idle(WAIT_S)
    voice.close()
    assert [e.prompt.prompt_id for e in events.seen if e.kind == "played"] == ["b"]   # "a" was replaced


def test_personal_data_is_spoken_masked_only() -> None:
    name, id_number, address = "王小明", "11010519491231002X", "北京市东城区景山前街4号"
    token = register_personal({"name": name, "id_number": id_number, "address": address})
    rendered: list[str] = []

    class Spy(Renderer):
        def render(self, prompt_id: str, text: str) -> Audio:
            rendered.append(text)
            return super().render(prompt_id, text)

    try:
        recorder = Recorder()
        voice = Voice(VoiceSettings(), elderly=True, player=recorder, renderer=Spy())
        events = Events(voice)
        voice.say("identity_read", f"{name}您好，请核对身份证号{id_number}，住址{address}")
        events.wait("played", "identity_read")
        voice.close()
    finally:
        forget_personal(token)
    assert voice.last_prompt is not None
    spoken = voice.last_prompt.text
    for clear in (name, id_number, address, "小明", "景山前街"):
        assert clear not in spoken and clear not in rendered[0]
    assert spoken.startswith("王某您好") and "*" not in spoken
    assert "1101" in spoken and "002X" in spoken            # the masked number's ends only


def test_voice_off_plays_nothing_but_the_sound_check() -> None:
    recorder = Recorder()
    voice = voice_with(recorder, mode="off")
    events = Events(voice)
    voice.say("home", PROMPT)
    assert voice.wait_idle(WAIT_S)
    assert recorder.played == [] and events.seen == [] and voice.last_prompt is None
    voice.sound_check()
    events.wait("played", SOUND_CHECK[0])
    voice.close()
    assert len(recorder.played) == 1 and voice.last_prompt == Prompt(*SOUND_CHECK)


def test_elderly_mode_speaks_only_while_it_is_on_and_always_speaks_always() -> None:
    recorder = Recorder()
    voice = Voice(VoiceSettings(mode="elderly"), elderly=False, player=recorder)
    events = Events(voice)
    voice.say("home", PROMPT)
    assert voice.wait_idle(WAIT_S) and recorder.played == []
    voice.elderly = True
    voice.say("identity", PROMPT)
    events.wait("played", "identity")
    voice.close()
    assert [e.prompt.prompt_id for e in events.seen if e.kind == "played"] == ["identity"]

    always = Voice(VoiceSettings(mode="always"), elderly=False, player=Recorder())
    seen = Events(always)
    always.say("home", PROMPT)
    seen.wait("played", "home")
    always.close()


def test_a_missing_player_is_reported_not_raised(tmp_path: Path) -> None:
    from kiosk.voice.player import AplayPlayer

    voice = voice_with(AplayPlayer(program=str(tmp_path / "no-aplay")))
    events = Events(voice)
    voice.say("home", PROMPT)
    assert events.wait("failed", "home").detail == "player_missing"
    voice.close()


def test_aplay_plays_to_the_null_sink() -> None:
    from tests.support.services import missing_service

    if shutil.which("aplay") is None:
        missing_service("aplay not found", "alsa-utils")
    voice = Voice(VoiceSettings(device="null"), elderly=True)
    events = Events(voice)
    voice.say("home", "请选择要办理的业务")
    events.wait("played", "home")
    assert voice.wait_idle(WAIT_S)
    voice.close()
    assert not [e for e in events.seen if e.kind == "failed"]


def test_the_configured_voice_reads_chinese_as_mandarin_not_as_english(_espeak: None) -> None:
    """espeak-ng's phonemes (-x) for the screens' words: the default voice must not switch
    to English for them. Debian 12's `cmn` does ((en)kI55N... for 请): the reason the
    default is cmn-latn-pinyin."""
    voice = VoiceSettings().espeak_voice

    def phonemes(name: str) -> str:
        done = subprocess.run(["espeak-ng", "-q", "-v", name, "-x", "请到三号窗口办理，请刷身份证"],
                              capture_output=True, text=True, timeout=30, check=True)
        return done.stdout

    assert "(en)" not in phonemes(voice)
    assert phonemes(voice).count("_|") >= 8   # a word boundary per word: it read them all
