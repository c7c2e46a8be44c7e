"""What a technician should do about a device status: the table lives in kiosk/diagnostics.py
(shared with the maintenance screen); `kiosk doctor` reads it from here."""

from __future__ import annotations

from kiosk.diagnostics import ACTION_WORDS, ADVICE, advice_for

__all__ = ["ACTION_WORDS", "ADVICE", "advice_for"]
