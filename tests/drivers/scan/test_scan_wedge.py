"""The keyboard-wedge scanner: US keymap, telling a scanner's bursts from a person's typing
on recorded key timings, and the driver over a stand-in evdev device."""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Iterator

import pytest
from driver_helpers import EventRecorder
from evdev import InputEvent, ecodes
from scan_helpers import KeyEvent, human_types, scanner_types

from drivers.events import CodeScanned
from drivers.scan.wedge import ENTER, Burst, BurstDetector, UsKeymap, WedgeScanner
from drivers.status import DeviceState

CODE = "TB-20261123-0042"
URL = "https://zwfw.example.gov.cn/q?id=A42&t=Z"  # shifted symbols and capitals


def play(recording: list[KeyEvent], detector: BurstDetector | None = None) -> list[Burst]:
    """Run recorded key events through the keymap and the burst detector."""
    keymap, detector = UsKeymap(), detector or BurstDetector()
    bursts = []
    for code, value, t in recording:
        key = keymap.feed(code, value)
        if key is not None and (burst := detector.feed(key, t)) is not None:
            bursts.append(burst)
    return bursts


# -- keymap ---------------------------------------------------------------------------------


def test_keymap_types_shifted_characters_while_shift_is_held() -> None:
    keymap = UsKeymap()
    typed = [
        keymap.feed(code, value)
        for code, value in [
            (ecodes.KEY_A, 1), (ecodes.KEY_A, 0), (ecodes.KEY_RIGHTSHIFT, 1), (ecodes.KEY_A, 1),
            (ecodes.KEY_1, 1), (ecodes.KEY_SLASH, 1), (ecodes.KEY_RIGHTSHIFT, 0),
            (ecodes.KEY_1, 1), (ecodes.KEY_KP7, 1), (ecodes.KEY_KPENTER, 1),
        ]
    ]
    assert [k for k in typed if k is not None] == ["a", "A", "!", "?", "1", "7", ENTER]


def test_caps_lock_changes_letters_only() -> None:
    keymap = UsKeymap()
    keymap.feed(ecodes.KEY_CAPSLOCK, 1)
    assert keymap.feed(ecodes.KEY_B, 1) == "B"
    assert keymap.feed(ecodes.KEY_2, 1) == "2"
    keymap.feed(ecodes.KEY_LEFTSHIFT, 1)
    assert keymap.feed(ecodes.KEY_B, 1) == "b"


def test_key_repeat_and_unmapped_keys_type_nothing() -> None:
    keymap = UsKeymap()
    assert keymap.feed(ecodes.KEY_A, 2) is None
    assert keymap.feed(ecodes.KEY_F5, 1) is None


# -- bursts on recorded timings ------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_scanner_burst_is_a_code(seed: int) -> None:
    [burst] = play(scanner_types(URL, seed=seed))
    assert (burst.text, burst.from_scanner) == (URL, True)
    assert 0.004 <= burst.median_gap_s <= 0.015


@pytest.mark.parametrize("seed", range(5))
def test_person_typing_the_same_text_is_not_a_code(seed: int) -> None:
    [burst] = play(human_types(URL, seed=seed))
    assert not burst.from_scanner
    assert burst.text == URL
    assert burst.median_gap_s > 0.08


def test_person_typing_then_scanner_then_person() -> None:
    recording = (
        human_types("1234", start=100.0)
        + scanner_types(CODE, start=103.0)
        + human_types("hello", start=104.0)
    )
    bursts = play(recording)
    assert [(b.text, b.from_scanner) for b in bursts] == [
        ("1234", False), (CODE, True), ("hello", False),
    ]


def test_stray_key_just_before_a_scan_is_cut_off_the_code() -> None:
    # A person touches a key 150 ms before the scanner starts typing (no Enter between).
    recording = human_types("x", start=100.0)[:-2] + scanner_types(CODE, start=100.15)
    [burst] = play(sorted(recording, key=lambda e: e[2]))
    assert (burst.text, burst.from_scanner, burst.dropped_keys) == (CODE, True, 1)


def test_steady_fast_typing_is_not_a_code_by_its_median() -> None:
    # Every gap under max_gap_s (a very fast typist, 45 ms a key), median over 35 ms.
    detector = BurstDetector()
    bursts = [detector.feed(key, 1.0 + 0.045 * i) for i, key in enumerate([*"abcdefgh", ENTER])]
    assert bursts[:-1] == [None] * 8
    assert bursts[-1] is not None and not bursts[-1].from_scanner


def test_fast_but_short_burst_is_not_a_code() -> None:
    [burst] = play(scanner_types("ab"))
    assert not burst.from_scanner


def test_thresholds_are_configurable() -> None:
    slow_scanner = BurstDetector(max_median_gap_s=0.4, max_gap_s=0.5, min_length=1)
    [burst] = play(human_types("1234"), slow_scanner)
    assert burst.from_scanner


def test_enter_alone_is_nothing() -> None:
    assert BurstDetector().feed(ENTER, 1.0) is None


# -- the driver over a stand-in evdev device ---------------------------------------------------


class FakeInputDevice:
    """Looks like evdev.InputDevice to the driver: a pollable fd and read()."""

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        self._pending: list[InputEvent] = []
        self._lock = threading.Lock()
        self.grabbed = False
        self.closed = False
        self.gone = False

    def fileno(self) -> int:
        return self._r

    def grab(self) -> None:
        self.grabbed = True

    def play(self, recording: list[KeyEvent]) -> None:
        with self._lock:
            for code, value, t in recording:
                sec = int(t)
                self._pending.append(InputEvent(sec, round((t - sec) * 1e6), ecodes.EV_KEY, code, value))
                self._pending.append(InputEvent(sec, round((t - sec) * 1e6), ecodes.EV_SYN, 0, 0))
        os.write(self._w, b"x")

    def unplug(self) -> None:
        self.gone = True
        os.write(self._w, b"x")

    def read(self) -> list[InputEvent]:
        if self.gone:
            raise OSError(errno.ENODEV, "No such device")
        try:
            os.read(self._r, 4096)
        except BlockingIOError:
            raise
        with self._lock:
            events, self._pending = self._pending, []
        return events

    def close(self) -> None:
        self.closed = True
        os.close(self._r)
        os.close(self._w)


@pytest.fixture
def devices() -> list[FakeInputDevice]:
    return []


@pytest.fixture
def wedge(devices: list[FakeInputDevice]) -> Iterator[tuple[WedgeScanner, EventRecorder]]:
    def open_device(path: str) -> FakeInputDevice:
        assert path == "/dev/input/by-id/usb-scanner-event-kbd"
        devices.append(FakeInputDevice())
        return devices[-1]

    scanner = WedgeScanner("wedge", "/dev/input/by-id/usb-scanner-event-kbd",
                           reconnect_interval=0.05, open_device=open_device)
    events = EventRecorder(scanner.events)
    scanner.open()
    try:
        events.wait_state(DeviceState.ONLINE)
        yield scanner, events
    finally:
        scanner.close()
        events.close()


def test_scanned_code_is_published_and_typing_is_dropped(
    wedge: tuple[WedgeScanner, EventRecorder], devices: list[FakeInputDevice]
) -> None:
    scanner, events = wedge
    assert devices[0].grabbed  # its keys must not reach the UI
    devices[0].play(human_types("1234", start=10.0))
    devices[0].play(scanner_types(URL, start=12.0))
    event = events.wait_for(CodeScanned)
    assert (event.device, event.text, event.symbology) == ("wedge", URL, "unknown")
    time.sleep(0.1)
    assert len(events.of(CodeScanned)) == 1
    assert scanner.typed_bursts_dropped == 1


def test_unplugged_wedge_is_reported_and_reopened(
    wedge: tuple[WedgeScanner, EventRecorder], devices: list[FakeInputDevice]
) -> None:
    _, events = wedge
    devices[0].unplug()
    lost = events.wait_state(DeviceState.NO_DEVICE)
    assert "No such device" in lost.status.detail
    assert devices[0].closed
    events.wait_state(DeviceState.ONLINE, since=events.events.index(lost) + 1)
    devices[-1].play(scanner_types(CODE, start=20.0))
    assert events.wait_for(CodeScanned).text == CODE
