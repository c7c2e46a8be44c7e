"""Playing a prompt: one aplay process per prompt, fed the WAV on its stdin, stopped by its
own Popen handle when the next prompt (or a screen change) cuts it off."""

from __future__ import annotations

import logging
import shutil
import subprocess
from typing import Protocol

from kiosk.voice.render import VoiceError

log = logging.getLogger(__name__)

STOP_WAIT_S = 2.0


class Playback(Protocol):
    def wait(self) -> None:
        """Feed the sound and block until it has played or was stopped (voice thread)."""

    def stop(self) -> None:
        """Cut it off now; must not block (any thread)."""


class Player(Protocol):
    def start(self, wav: bytes) -> Playback:
        """Start playing ``wav``; the sound is fed by ``Playback.wait`` (voice thread)."""


_warned: set[int] = set()


def _warned_once(code: int | None) -> bool:
    """Whether this exit code was already reported: a terminal without a sound card would
    otherwise log the same line on every screen."""
    seen = code in _warned
    _warned.add(code or 0)
    return seen


class AplayPlayback:
    def __init__(self, proc: subprocess.Popen[bytes], wav: bytes) -> None:
        self.proc, self._wav = proc, wav
        self.stopped = False

    def wait(self) -> None:
        stdin = self.proc.stdin
        try:
            if stdin is not None:
                stdin.write(self._wav)
                stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass   # stopped while feeding it: aplay is gone
        try:
            self.proc.wait(timeout=max(30.0, 4 * len(self._wav) / 16000))
        except subprocess.TimeoutExpired:
            log.warning("aplay did not finish; stopping it")
            self.stop()
            self.proc.wait(timeout=STOP_WAIT_S)
        if self.proc.returncode not in (0, None) and not self.stopped and not _warned_once(self.proc.returncode):
            log.warning("aplay exited with %s (ALSA device missing or busy? see [voice] device)",
                        self.proc.returncode)

    def errors(self) -> str:
        """What aplay said on stderr (with ``keep_errors``), after ``wait``."""
        if self.proc.stderr is None:
            return ""
        return self.proc.stderr.read().decode("utf-8", "replace").strip()

    def stop(self) -> None:
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.terminate()   # a signal to our own child, by its handle: never waits


class AplayPlayer:
    """aplay (alsa-utils) on one ALSA device: "default", "plughw:1,0", or "null" in CI."""

    def __init__(self, device: str = "default", program: str = "aplay", keep_errors: bool = False) -> None:
        self.device, self.program = device, program
        self.keep_errors = keep_errors   # `kiosk say` shows aplay's complaint; the kiosk does not

    def start(self, wav: bytes) -> AplayPlayback:
        program = shutil.which(self.program)
        if program is None:
            raise VoiceError("player_missing", "无法播放语音：找不到 aplay。请安装：apt-get install alsa-utils。")
        try:
            proc = subprocess.Popen([program, "-q", "-D", self.device, "-"], stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE if self.keep_errors else subprocess.DEVNULL)
        except OSError as err:
            raise VoiceError("player_missing", f"无法启动 aplay：{err.strerror}。请重新安装 alsa-utils。") from None
        return AplayPlayback(proc, wav)
