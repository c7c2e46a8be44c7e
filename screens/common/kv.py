"""Layouts (.kv files beside their modules), loaded once, explicitly, at start-up."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

ROOT = Path(__file__).resolve().parent.parent
_loaded: list[str] = []


def load_kv() -> list[str]:
    """Load every .kv file under screens/ once, in a fixed order (by path)."""
    for path in sorted(ROOT.rglob("*.kv")):
        name = str(path)
        if name not in _loaded:
            Builder.load_file(name)
            _loaded.append(name)
    return list(_loaded)
