"""The one line-breaking rule (drivers/linebreak.py, written for receipts) handed on to
screens/, which reach drivers only through kiosk/: closing punctuation (，。、；：？！）」』》…)
never starts a line, an opening bracket never ends one."""

from __future__ import annotations

from drivers.linebreak import CLOSING, OPENING, Measure, wrap

__all__ = ["CLOSING", "OPENING", "Measure", "wrap"]
