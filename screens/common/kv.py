"""Load every screen's layout: the ``.kv`` file next to each screen module, once, in a
fixed order, before the first widget is built.

Kivy applies the rules that match a widget in the order they were loaded, so the rules
other rules build on load first (``<Label>``, ``WrapLabel``, ``BigButton`` ...), then the
shared widgets of screens/common/, then every other file by path. The module beside each
file is imported first: the classes its rules name are then known to Kivy's Factory.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

log = logging.getLogger(__name__)

SCREENS = Path(__file__).resolve().parent.parent
FIRST = ("widgets.kv", "common/keyboard.kv", "common/flow.kv", "common/busy.kv",
         "common/outcome.kv", "common/tiles.kv", "common/pin.kv", "common/ime_entry.kv")

_loaded: list[str] = []


def kv_files() -> list[Path]:
    """Every .kv file under screens/, in load order."""
    first = [SCREENS / name for name in FIRST]
    rest = sorted(p for p in SCREENS.rglob("*.kv") if p not in first)
    return [p for p in first if p.is_file()] + rest


def load_kv() -> list[str]:
    """Load every layout once (a file already loaded is skipped). Returns the files loaded."""
    from kivy.lang import Builder

    from screens import kv_guard

    kv_guard.install()   # a rule of a widget collected in a cycle must not end the kiosk

    for path in kv_files():
        if str(path) in _loaded:
            continue
        module = path.with_suffix(".py")
        if module.is_file():
            importlib.import_module(_module_name(module))
        Builder.load_file(str(path))
        _loaded.append(str(path))
    log.debug("%d layout files loaded", len(_loaded))
    return list(_loaded)


def _module_name(module: Path) -> str:
    parts = module.relative_to(SCREENS.parent).with_suffix("").parts
    return ".".join(parts)
