"""How an application is handled, decided from its item and the receiving terminal's region
(docs/casework.md §2; the terminal decides the same way in kiosk/casework.py)."""

from __future__ import annotations

from central.schemas import Item, Mode


def application_mode(item: Item, terminal_region: str) -> Mode:
    """异地代收 when the item is collected here for another city's department, 多地联办
    when it is split into several departments' sub-cases, else 全程网办."""
    if "异地代收代办" in item.modes and item.handling_region_code[:4] != terminal_region[:4]:
        return "异地代收"
    if item.joint:
        return "多地联办"
    return "全程网办"
