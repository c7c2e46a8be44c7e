"""drivers/ stands on its own: no Kivy, no application, no central service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DRIVERS = Path(__file__).resolve().parents[2] / "drivers"
FORBIDDEN = ("kivy", "kiosk", "screens", "central")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(DRIVERS.rglob("*.py")), ids=lambda p: str(p.relative_to(DRIVERS)))
def test_driver_module_imports_nothing_above_it(path: Path) -> None:
    wrong = {m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN}
    assert not wrong, f"{path.name} imports {sorted(wrong)}"
