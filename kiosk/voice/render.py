"""From a prompt to WAV bytes: a recorded prompt pack where it has the prompt, espeak-ng's
Mandarin voice otherwise; volume applied by scaling the samples.

Everything stays in memory: espeak-ng reads the text on stdin and writes the WAV to stdout,
so no prompt text or audio is ever put in a file or on a command line.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import struct
import subprocess
import threading
import wave
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

RENDER_TIMEOUT_S = 15.0
CACHE_SIZE = 64          # rendered prompts kept in memory (screens repeat their prompts)
_PACK_ID = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")   # a file name, never a path


class VoiceError(Exception):
    """A prompt could not be made into sound. ``code`` is stable; ``str()`` is Chinese first,
    then the cause, then the fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Audio:
    """16-bit signed PCM."""

    rate: int
    channels: int
    samples: bytes

    @property
    def seconds(self) -> float:
        return len(self.samples) / (2 * self.channels * self.rate)

    def scaled(self, volume: int) -> Audio:
        """The samples at ``volume`` percent (0-100)."""
        if volume >= 100:
            return self
        data = np.frombuffer(self.samples, dtype="<i2").astype(np.int32) * volume // 100
        return Audio(self.rate, self.channels, data.astype("<i2").tobytes())

    def wav(self) -> bytes:
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(self.channels)
            w.setsampwidth(2)
            w.setframerate(self.rate)
            w.writeframes(self.samples)
        return out.getvalue()


def read_wav(data: bytes, where: str) -> Audio:
    """A WAV file's audio as 16-bit PCM (8-, 16- and 32-bit integer PCM are accepted)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as err:
        raise VoiceError("bad_wav", f"语音文件无法读取：{where}（{err}）。请换成 16 位 PCM 的 WAV 文件。") from None
    if width == 2:
        pcm = frames
    elif width == 1:
        pcm = ((np.frombuffer(frames, dtype=np.uint8).astype(np.int16) - 128) << 8).astype("<i2").tobytes()
    elif width == 4:
        pcm = (np.frombuffer(frames, dtype="<i4") >> 16).astype("<i2").tobytes()
    else:
        raise VoiceError("bad_wav", f"语音文件格式不支持：{where}（{8 * width} 位）。请换成 16 位 PCM 的 WAV 文件。")
    return Audio(rate, channels, pcm)


def _stream_wav(data: bytes) -> Audio:
    """espeak-ng's --stdout WAV: its header gives the format, but its sizes are placeholders
    for a stream (0x7ffff000), so the samples are whatever follows the data chunk header."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise VoiceError("engine_failed", "语音合成失败：espeak-ng 没有输出 WAV。请运行 espeak-ng --version 检查安装。")
    pos, rate, channels, width = 12, 0, 0, 0
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if chunk == b"fmt ":
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[pos + 8:pos + 24])
            width = bits // 8
        elif chunk == b"data":
            samples = data[pos + 8:]
            if width != 2 or not rate or not channels:
                break
            return Audio(rate, channels, samples[: len(samples) - len(samples) % (2 * channels)])
        pos += 8 + size
    raise VoiceError("engine_failed", "语音合成失败：espeak-ng 的输出格式不对。请重新安装 espeak-ng（apt-get install espeak-ng）。")


def pack_file(pack: Path | None, prompt_id: str) -> Path | None:
    """The recorded prompt for ``prompt_id`` in the pack, when there is one."""
    if pack is None or not _PACK_ID.match(prompt_id):
        return None
    path = pack / f"{prompt_id}.wav"
    return path if path.is_file() else None


class Renderer:
    """Text to audio; the pack first, then espeak-ng. Thread-safe; a small in-memory cache
    of synthesized prompts (their texts are the screens' words, personal data masked)."""

    def __init__(self, pack: Path | None = None, voice: str = "cmn-latn-pinyin", rate: int = 150, pitch: int = 50,
                 program: str = "espeak-ng") -> None:
        self.pack, self.voice, self.rate, self.pitch = pack, voice, rate, pitch
        self.program = program
        self._cache: OrderedDict[str, Audio] = OrderedDict()
        self._lock = threading.Lock()

    def render(self, prompt_id: str, text: str) -> Audio:
        recorded = pack_file(self.pack, prompt_id)
        if recorded is not None:
            try:
                return read_wav(recorded.read_bytes(), str(recorded))
            except OSError as err:
                log.warning("voice pack file %s unreadable (%s); synthesizing", recorded, err.strerror)
            except VoiceError as err:
                log.warning("voice pack: %s; synthesizing", err)
        return self.synthesize(text)

    def synthesize(self, text: str) -> Audio:
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        audio = self._espeak(text)
        with self._lock:
            self._cache[text] = audio
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return audio

    def _espeak(self, text: str) -> Audio:
        program = shutil.which(self.program)
        if program is None:
            raise VoiceError("engine_missing", "无法合成语音：找不到 espeak-ng。请安装：apt-get install espeak-ng。")
        command = [program, "-v", self.voice, "-s", str(self.rate), "-p", str(self.pitch), "--stdout", "--stdin"]
        try:
            done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True,
                                  timeout=RENDER_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise VoiceError("engine_failed", f"语音合成超时：espeak-ng 超过 {RENDER_TIMEOUT_S:g} 秒没有完成。"
                             "请检查系统负载或重新安装 espeak-ng。") from None
        except OSError as err:
            raise VoiceError("engine_missing", f"无法启动 espeak-ng：{err.strerror}。请重新安装：apt-get install espeak-ng。") from None
        if done.returncode != 0:
            why = done.stderr.decode("utf-8", "replace").strip()[:200]
            raise VoiceError("engine_failed", f"语音合成失败：espeak-ng 退出码 {done.returncode}（{why}）。"
                             f"请检查语音 {self.voice!r} 是否安装：espeak-ng --voices=zh。")
        return _stream_wav(done.stdout)
