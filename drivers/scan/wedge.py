"""Keyboard-wedge code scanner: a USB scanner that types each code as key presses + Enter.

The scanner's input device is grabbed (EVIOCGRAB) so its keystrokes reach only us, not
the UI. Key events become characters through a US layout (:class:`UsKeymap`: Shift and
Caps Lock); a burst of characters ending in Enter is a code.

Telling a scanner from a person (:class:`BurstDetector`) is a matter of timing. A scanner
types a code with key-down gaps of a few milliseconds (4-15 ms on the models we have seen,
jitter included); a person takes 80-300 ms per key, and even a fast typist's rolled keys
do not keep a median under ``max_median_gap_s`` over a whole line. Keys that come more
than ``max_gap_s`` apart cannot belong to one scan, so a stray key pressed before a scan
is cut off the code instead of being glued to its front. A burst that is too slow or too
short is not a code: it is returned flagged and the scanner drops it (counting it).

Only what a US keymap can type comes through; Chinese text needs a serial or camera
scanner.
"""

from __future__ import annotations

import logging
import os
import select
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from evdev import ecodes

from ..errors import DeviceUnavailable, ErrorCode
from .aim import UNKNOWN, split_aim
from .base import POLL_SECONDS, ScannerBase

log = logging.getLogger(__name__)

ENTER = "\n"
KEY_DOWN, KEY_UP, KEY_REPEAT = 1, 0, 2
MAX_BURST = 4096  # keys without Enter kept at most: a stuck key must not fill memory

_SHIFTED_ROW = {
    "1": "!", "2": "@", "3": "#", "4": "$", "5": "%", "6": "^", "7": "&", "8": "*",
    "9": "(", "0": ")",
}
_SYMBOL_KEYS = {  # key name -> (plain, with Shift) on a US keyboard
    "MINUS": ("-", "_"), "EQUAL": ("=", "+"), "LEFTBRACE": ("[", "{"),
    "RIGHTBRACE": ("]", "}"), "BACKSLASH": ("\\", "|"), "SEMICOLON": (";", ":"),
    "APOSTROPHE": ("'", '"'), "GRAVE": ("`", "~"), "COMMA": (",", "<"), "DOT": (".", ">"),
    "SLASH": ("/", "?"), "SPACE": (" ", " "), "TAB": ("\t", "\t"),
    "KPDOT": (".", "."), "KPMINUS": ("-", "-"), "KPPLUS": ("+", "+"),
    "KPASTERISK": ("*", "*"), "KPSLASH": ("/", "/"),
}


def _us_layout() -> dict[int, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = dict(_SYMBOL_KEYS)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        names[letter.upper()] = (letter, letter.upper())
    for digit, shifted in _SHIFTED_ROW.items():
        names[digit] = (digit, shifted)
        names[f"KP{digit}"] = (digit, digit)  # keypad: Num Lock on, as scanners assume
    return {ecodes.ecodes[f"KEY_{name}"]: chars for name, chars in names.items()}


US_LAYOUT = _us_layout()
SHIFT_KEYS = frozenset({ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT})
ENTER_KEYS = frozenset({ecodes.KEY_ENTER, ecodes.KEY_KPENTER})


class UsKeymap:
    """Key events (code, value) -> characters, ENTER, or None for keys that type nothing."""

    def __init__(self) -> None:
        self._shift_down: set[int] = set()
        self._caps = False

    def feed(self, code: int, value: int) -> str | None:
        if code in SHIFT_KEYS:
            if value == KEY_UP:
                self._shift_down.discard(code)
            else:
                self._shift_down.add(code)
            return None
        if value != KEY_DOWN:  # releases and auto-repeat type nothing a scanner meant
            return None
        if code == ecodes.KEY_CAPSLOCK:
            self._caps = not self._caps
            return None
        if code in ENTER_KEYS:
            return ENTER
        chars = US_LAYOUT.get(code)
        if chars is None:
            return None
        plain, shifted = chars
        shift = bool(self._shift_down)
        if plain.isalpha():
            shift ^= self._caps
        return shifted if shift else plain


@dataclass(frozen=True)
class Burst:
    """Keys that ended in Enter."""

    text: str               # the code (scanner) or everything typed since the last Enter
    from_scanner: bool
    median_gap_s: float     # over the keys judged (the code's keys and its Enter)
    dropped_keys: int = 0   # stray keys before a scanner's code, cut off


class BurstDetector:
    """Characters with their times in, bursts out (see the module docstring)."""

    def __init__(
        self, max_median_gap_s: float = 0.035, max_gap_s: float = 0.06, min_length: int = 4
    ) -> None:
        self.max_median_gap_s = max_median_gap_s
        self.max_gap_s = max_gap_s
        self.min_length = min_length
        self._keys: list[tuple[str, float]] = []

    def feed(self, key: str, timestamp: float) -> Burst | None:
        """One key-down: a character or ENTER, with its time in seconds."""
        if key != ENTER:
            if len(self._keys) < MAX_BURST:
                self._keys.append((key, timestamp))
            return None
        keys, self._keys = self._keys + [(ENTER, timestamp)], []
        if len(keys) == 1:
            return None  # Enter alone
        times = [t for _, t in keys]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        # The scan, if any, is what follows the last gap no scanner would leave.
        start = max((i + 1 for i, gap in enumerate(gaps) if gap > self.max_gap_s), default=0)
        code = "".join(k for k, _ in keys[start:-1])
        judged = gaps[start:]
        median = statistics.median(judged) if judged else float("inf")
        if len(code) >= self.min_length and median <= self.max_median_gap_s:
            return Burst(code, True, median, dropped_keys=start)
        everything = "".join(k for k, _ in keys[:-1])
        return Burst(everything, False, statistics.median(gaps))

    def reset(self) -> None:
        self._keys.clear()


class InputDeviceLike(Protocol):
    """What the wedge scanner uses of evdev.InputDevice (tests pass a fake)."""

    def fileno(self) -> int: ...

    def grab(self) -> None: ...

    def read(self) -> Iterable[object]: ...

    def close(self) -> None: ...


def _open_evdev(path: str) -> InputDeviceLike:
    from evdev import InputDevice

    return InputDevice(path)  # type: ignore[no-any-return]


class WedgeScanner(ScannerBase):
    """CodeScanner on a keyboard-wedge scanner's evdev device (e.g. /dev/input/by-id/...-kbd).

    ``grab=False`` leaves the keystrokes to other readers too (for trying a scanner out
    on a desktop); a kiosk grabs, or the scanner would type into whatever has focus.
    """

    def __init__(
        self,
        name: str,
        device: str,
        grab: bool = True,
        max_median_gap_s: float = 0.035,
        max_gap_s: float = 0.06,
        min_length: int = 4,
        aim_prefix: bool = False,
        repeat_window_s: float = 2.0,
        reconnect_interval: float = 1.0,
        open_device: Callable[[str], InputDeviceLike] = _open_evdev,
    ) -> None:
        super().__init__(name, repeat_window_s, reconnect_interval)
        self.device = device
        self.grab = grab
        self.aim_prefix = aim_prefix
        self._open_device = open_device
        self._input: InputDeviceLike | None = None
        self._keymap = UsKeymap()
        self._bursts = BurstDetector(max_median_gap_s, max_gap_s, min_length)
        self.typed_bursts_dropped = 0

    def _connect(self) -> None:
        try:
            device = self._open_device(self.device)
        except OSError as err:
            raise DeviceUnavailable(f"cannot open {self.device}: {err}", ErrorCode.NO_DEVICE) from err
        if self.grab:
            try:
                device.grab()
            except OSError as err:  # EBUSY: someone else holds it (another kiosk instance?)
                device.close()
                raise DeviceUnavailable(f"cannot grab {self.device}: {err}",
                                        ErrorCode.NO_DEVICE) from err
        self._input = device
        self._keymap = UsKeymap()
        self._bursts.reset()

    def _io_step(self) -> None:
        device = self._input
        if device is None:  # pragma: no cover - _connect sets it
            raise DeviceUnavailable(f"{self.device} is not open", ErrorCode.NO_DEVICE)
        try:
            readable, _, _ = select.select([device.fileno()], [], [], POLL_SECONDS)
            events = list(device.read()) if readable else []
        except BlockingIOError:
            return
        except OSError as err:  # ENODEV when unplugged
            raise DeviceUnavailable(f"{self.device}: {os.strerror(err.errno or 0)}",
                                    ErrorCode.NO_DEVICE) from err
        for event in events:
            self._key_event(event)

    def _key_event(self, event: object) -> None:
        if getattr(event, "type", None) != ecodes.EV_KEY:
            return
        key = self._keymap.feed(event.code, event.value)  # type: ignore[attr-defined]
        if key is None:
            return
        burst = self._bursts.feed(key, event.timestamp())  # type: ignore[attr-defined]
        if burst is None:
            return
        if not burst.from_scanner:
            # Typed by a person (or too short to be a code): not shown, not logged in clear.
            self.typed_bursts_dropped += 1
            log.info("%s: ignored typed input (%d keys, median gap %.0f ms)", self.name,
                     len(burst.text), burst.median_gap_s * 1000)
            return
        text, symbology = split_aim(burst.text) if self.aim_prefix else (burst.text, UNKNOWN)
        if text:
            self._found(text, symbology)

    def _disconnect(self) -> None:
        device, self._input = self._input, None
        if device is not None:
            try:
                device.close()  # closing also releases the grab
            except OSError:
                pass
