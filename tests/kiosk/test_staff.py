"""Staff PIN: kept as a hash, locked after repeated wrong PINs, lock survives a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.staff import PinFormatError, StaffGate, hash_pin, pin_matches


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_hash_checks_the_pin_and_does_not_contain_it() -> None:
    stored = hash_pin("246810")
    assert stored.startswith("scrypt$") and "246810" not in stored
    assert pin_matches("246810", stored)
    assert not pin_matches("246811", stored)
    assert not pin_matches("246810", "scrypt$garbage")


@pytest.mark.parametrize("pin", ["123", "12345678901234", "12a4", "１２３４", ""])
def test_pins_are_four_to_twelve_ascii_digits(pin: str) -> None:
    with pytest.raises(PinFormatError):
        hash_pin(pin)


def test_wrong_pins_lock_the_screen_and_the_lock_survives_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    stored = hash_pin("4321")
    gate = StaffGate(stored, tmp_path, max_attempts=3, lockout_s=60, clock=clock)
    assert gate.check("0000").attempts_left == 2
    assert gate.check("0000").reason == "wrong_pin"
    locked = gate.check("0000")
    assert (locked.ok, locked.reason, locked.locked_for_s) == (False, "locked", 60)
    # Even the right PIN is refused while locked, also by a freshly started kiosk.
    again = StaffGate(stored, tmp_path, max_attempts=3, lockout_s=60, clock=clock)
    assert again.check("4321").reason == "locked"
    clock.now += 61
    assert again.check("4321").ok
    # A success resets the count.
    assert again.check("0000").attempts_left == 2


def test_without_a_configured_pin_nobody_gets_in(tmp_path: Path) -> None:
    gate = StaffGate(None, tmp_path)
    assert not gate.configured
    assert gate.check("1234").reason == "no_pin_configured"
