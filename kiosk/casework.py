"""How an application is handled, decided from its item and this terminal's region
(docs/casework.md §2; central decides the same way in central/casework_mode.py)."""

from __future__ import annotations

from typing import Literal

from kiosk.central_api.models import Item

Mode = Literal["全程网办", "异地代收", "多地联办"]


def application_mode(item: Item, terminal_region: str) -> Mode:
    """异地代收 when the item is collected here for another city's department, 多地联办
    when it is split into several departments' sub-cases, else 全程网办."""
    if "异地代收代办" in item.modes and item.handling_region_code[:4] != terminal_region[:4]:
        return "异地代收"
    if item.joint:
        return "多地联办"
    return "全程网办"
