"""A call spoken aloud for the hall display: "请A001号到3号窗口办理" as WAV, by espeak-ng.

The voice is Debian's espeak-ng `cmn-latn-pinyin` (Mandarin). Debian 12's espeak-ng 1.51
also ships `cmn` ("latin as English"), but that voice turns the characters into pinyin and
then reads the pinyin with English rules (`espeak-ng -v cmn -x 请` gives "(en)kI55NTr'i:55"),
which no one in the hall would understand; `cmn-latn-pinyin` reads the same pinyin as
Mandarin (tS;h'i21N). The ticket's digits are read one by one (A001: "A 零零一"), the
window number as a number (3号, 12号).

Rendering is a pure function of the text, so the WAV is cached in-process (a bounded LRU):
a call and its recalls cost one espeak-ng run per worker.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

VOICE = "cmn-latn-pinyin"
SPEED = 150  # words per minute: a little slower than espeak's 175, for a hall
DIGITS = "零一二三四五六七八九"


class AudioError(RuntimeError):
    """espeak-ng is missing or failed."""


def spoken_label(label: str) -> str:
    """A001 -> "A零零一": the letter, then each digit."""
    return "".join(DIGITS[int(ch)] if ch.isdigit() else ch for ch in label)


def call_text(label: str, window: int) -> str:
    """What the display says for a call, digits already as words."""
    return f"请{spoken_label(label)}号到{window}号窗口办理"


@lru_cache(maxsize=256)
def render_wav(text: str) -> bytes:
    """`text` spoken by espeak-ng as WAV bytes (cached)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise AudioError("espeak-ng is not installed (Debian package espeak-ng)")
    # To a file, not --stdout: on a pipe espeak-ng cannot go back to fill in the RIFF
    # sizes, and some players refuse such a header.
    with tempfile.TemporaryDirectory(prefix="tongban-call-") as tmp:
        out = Path(tmp) / "call.wav"
        done = subprocess.run(
            [exe, "-v", VOICE, "-s", str(SPEED), "-w", str(out), text],
            capture_output=True,
            timeout=20,
            check=False,
        )
        audio = out.read_bytes() if out.exists() else b""
    if done.returncode != 0 or not audio.startswith(b"RIFF"):
        raise AudioError(f"espeak-ng failed: {done.stderr.decode(errors='replace')[:200]}")
    return audio
