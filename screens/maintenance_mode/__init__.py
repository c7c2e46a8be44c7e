"""设备维护中: what the terminal shows while central holds it in maintenance mode
(docs/fleet.md §2, kiosk/fleet/maintenance.py), between sessions only — a citizen's running
session finishes first (screens/routing.py decides). ``build_screens()`` makes the screen;
``SCREEN`` is its name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .screen import SCREEN, MaintenanceModeScreen

if TYPE_CHECKING:
    from ..widgets import KioskScreen

__all__ = ["SCREEN", "MaintenanceModeScreen", "build_screens"]


def build_screens() -> list[KioskScreen]:
    return [MaintenanceModeScreen()]
