"""Helpers of the code-scanning tests: generated codes and key recordings."""

from __future__ import annotations

import random

import numpy as np
from evdev import ecodes

from drivers.scan import synth
from drivers.scan.wedge import US_LAYOUT

CHINESE = "晋城市政务服务中心 预约号 A0042"
CODE128 = "TB-20261123-0042"


def qr_on_white(data: str | bytes, size: int | None = 240, **place: object) -> np.ndarray:
    """A QR code held up on a white 640x480 page."""
    return synth.place(synth.blank(640, 480), synth.qr_image(data), size=size, **place)  # type: ignore[arg-type]


def code128_on_white(text: str = CODE128, **place: object) -> np.ndarray:
    """A Code 128 bar code, 3 px modules and 200 px tall, on a white page."""
    code = synth.barcode_image(text, scale=3, height=200)
    return synth.place(synth.blank(800, 800), code, **place)  # type: ignore[arg-type]


# -- key recordings ----------------------------------------------------------------------------

# character -> (key code, needs shift) on a US keyboard, from the driver's own layout table
_KEYS: dict[str, tuple[int, bool]] = {}
for _code, (_plain, _shifted) in US_LAYOUT.items():
    if "KP" in ecodes.KEY[_code]:
        continue  # type the main keys, as scanners do
    _KEYS.setdefault(_plain, (_code, False))
    _KEYS.setdefault(_shifted, (_code, True))

KeyEvent = tuple[int, int, float]  # (code, value 1 down / 0 up, time in seconds)


def _type(text: str, start: float, gap: tuple[float, float], hold: tuple[float, float],
          shift_lead: tuple[float, float], rng: random.Random) -> list[KeyEvent]:
    events: list[KeyEvent] = []
    t = start
    for char in [*text, "\n"]:
        code, shift = (ecodes.KEY_ENTER, False) if char == "\n" else _KEYS[char]
        if shift:
            # Shift goes down after everything before it (the last Shift's release included).
            last = max((e[2] for e in events), default=t - 1.0)
            events.append((ecodes.KEY_LEFTSHIFT, 1, t - min(rng.uniform(*shift_lead), (t - last) / 2)))
        events.append((code, 1, t))
        up = t + rng.uniform(*hold)
        events.append((code, 0, up))
        if shift:
            events.append((ecodes.KEY_LEFTSHIFT, 0, up + 0.001))
        t += rng.uniform(*gap)
    return sorted(events, key=lambda e: e[2])


def scanner_types(text: str, start: float = 100.0, seed: int = 1) -> list[KeyEvent]:
    """A USB scanner: key-down gaps 4-15 ms, keys held 1-3 ms, Shift 1-2 ms ahead."""
    return _type(text, start, (0.004, 0.015), (0.001, 0.003), (0.001, 0.002), random.Random(seed))


def human_types(text: str, start: float = 100.0, seed: int = 2) -> list[KeyEvent]:
    """A person: key-down gaps 80-300 ms, keys held 50-75 ms, Shift 40-80 ms ahead."""
    return _type(text, start, (0.08, 0.3), (0.05, 0.075), (0.04, 0.08), random.Random(seed))
