"""The house rules of ARCHITECTURE.md, enforced: arrows only point down.

    screens -> kiosk -> drivers        central stands apart

Every .py file under kiosk/, drivers/, screens/ and central/ is parsed (not imported) and
each import is checked against FORBIDDEN. Relative imports are resolved, and so are
``importlib.import_module("...")`` / ``__import__("...")`` calls with a literal name.
Imports under ``if TYPE_CHECKING:`` count too: a type-only import is still a wrong arrow.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# layer -> top-level packages it must not import
FORBIDDEN: dict[str, frozenset[str]] = {
    "drivers": frozenset({"kivy", "kiosk", "screens", "central"}),
    "kiosk": frozenset({"kivy", "screens", "central"}),
    # screens reach devices, the central and the store only through kiosk/
    "screens": frozenset(
        {"drivers", "central", "sqlalchemy", "requests", "serial", "smartcard", "escpos"}
    ),
    "central": frozenset({"kivy", "screens", "kiosk", "drivers"}),
}
LAYERS = tuple(FORBIDDEN)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    layer: str
    imported: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.layer}/ must not import {self.imported}"


def _module_name(rel_path: Path) -> str:
    parts = list(rel_path.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(module: str | None, level: int, current: str, is_package: bool) -> str:
    """Absolute name of ``from <level dots><module> import ...`` inside ``current``."""
    package = current.split(".") if is_package else current.split(".")[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)]
    base = ".".join(package)
    if module:
        return f"{base}.{module}" if base else module
    return base


def imported_modules(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in ``source``."""
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _resolve_relative(node.module, node.level, module, is_package)
                # `from . import drivers` names submodules: check each imported name too
                found.append((node.lineno, base))
                if not node.module:
                    found.extend(
                        (node.lineno, f"{base}.{a.name}" if base else a.name) for a in node.names
                    )
            else:
                found.append((node.lineno, node.module or ""))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else None
            )
            arg = node.args[0]
            if name in ("import_module", "__import__") and isinstance(arg, ast.Constant):
                if isinstance(arg.value, str):
                    found.append((node.lineno, arg.value))
    return found


def check_source(source: str, rel_path: str) -> list[Violation]:
    """Violations in one file, given its path relative to the repository root."""
    path = Path(rel_path)
    layer = path.parts[0]
    forbidden = FORBIDDEN.get(layer)
    if not forbidden:
        return []
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    violations = []
    for line, name in imported_modules(source, module, is_package):
        top = name.split(".")[0]
        if top in forbidden:
            violations.append(Violation(rel_path, line, layer, name))
    return violations


def python_files() -> list[Path]:
    files: list[Path] = []
    for layer in LAYERS:
        base = REPO_ROOT / layer
        if base.is_dir():
            files.extend(p for p in sorted(base.rglob("*.py")) if "__pycache__" not in p.parts)
    return files


def test_no_forbidden_imports() -> None:
    files = python_files()
    assert files, f"no Python files found under {', '.join(LAYERS)} in {REPO_ROOT}"
    violations: list[Violation] = []
    for path in files:
        rel = path.relative_to(REPO_ROOT).as_posix()
        violations.extend(check_source(path.read_text(encoding="utf-8"), rel))
    assert not violations, "imports against the layering rules (ARCHITECTURE.md):\n" + "\n".join(
        str(v) for v in violations
    )


# --- the checker checks itself -------------------------------------------------------


@pytest.mark.parametrize(
    ("rel_path", "source", "expected"),
    [
        ("drivers/idcard/reader.py", "import os\nimport kivy.clock\n", [(2, "kivy.clock")]),
        ("drivers/x.py", "from kiosk.session import Session\n", [(1, "kiosk.session")]),
        ("kiosk/app.py", "from kivy.app import App\n", [(1, "kivy.app")]),
        ("kiosk/flows/proof.py", "from ...screens import home\n", [(1, "screens")]),
        ("kiosk/flows/proof.py", "from ... import screens\n", [(1, "screens")]),
        ("screens/home.py", "import serial\n", [(1, "serial")]),
        ("screens/home.py", "\n\nfrom drivers.idcard import frames\n", [(3, "drivers.idcard")]),
        (
            "screens/home.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sqlalchemy.orm\n",
            [(3, "sqlalchemy.orm")],
        ),
        (
            "screens/__init__.py",
            "import importlib\nm = importlib.import_module('escpos.printer')\n",
            [(2, "escpos.printer")],
        ),
        ("central/api.py", "def f():\n    import drivers\n", [(2, "drivers")]),
    ],
)
def test_checker_catches_violation(
    rel_path: str, source: str, expected: list[tuple[int, str]]
) -> None:
    got = [(v.line, v.imported) for v in check_source(source, rel_path)]
    assert got == expected
    assert all(rel_path in str(v) for v in check_source(source, rel_path))


@pytest.mark.parametrize(
    ("rel_path", "source"),
    [
        ("screens/home.py", "from kivy.uix.label import Label\nfrom kiosk.session import S\n"),
        ("kiosk/session.py", "from drivers.status import DeviceState\nimport serial\n"),
        ("kiosk/flows/proof.py", "from ..session import Session\nfrom . import steps\n"),
        ("drivers/idcard/frames.py", "from ..errors import DriverError\nimport serial\n"),
        ("drivers/idcard/__init__.py", "from .frames import Frame\n"),
        ("central/app.py", "import sqlalchemy\nimport requests\n"),
        ("bench/idcard.py", "import kivy\nimport central\n"),  # not a layer: unchecked
        ("screens/serial_port_view.py", "import kiosk.serial_ports\n"),  # names, not packages
    ],
)
def test_checker_accepts_allowed_imports(rel_path: str, source: str) -> None:
    assert check_source(source, rel_path) == []


def test_violation_message_names_file_and_line() -> None:
    (v,) = check_source("import os\n\nimport requests\n", "screens/x.py")
    assert str(v) == "screens/x.py:3: screens/ must not import requests"
