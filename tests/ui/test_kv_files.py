"""Every screen's layout is a .kv file beside its module, loaded once, in a fixed order, by
screens.common.kv.load_all(); no layout string is registered as an import side effect."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from screens.common import kv

pytestmark = pytest.mark.ui

SCREENS = Path(kv.__file__).resolve().parent.parent


def test_no_module_registers_a_layout_string() -> None:
    for path in SCREENS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("load_string"):
                pytest.fail(f"{path.relative_to(SCREENS.parent)}:{node.lineno}: layout string")


def test_every_kv_file_is_loaded_once_base_rules_first() -> None:
    files = kv.kv_files()
    assert sorted(files) == sorted(SCREENS.rglob("*.kv"))
    assert len(set(files)) == len(files)
    assert files[0] == SCREENS / "widgets.kv"  # <Label>, WrapLabel, BigButton: every rule builds on them
    # Every shared widget's rules load before any layout that uses the widget. (Not simply
    # "all of common/ first": moving common/capture.kv ahead of the top-level layouts broke
    # the 异地代收 address entry, tests/ui/test_collect_ui.py, for reasons not yet found.)
    where = {p: n for n, p in enumerate(files)}
    for shared in (p for p in files if p.parent.name == "common"):
        rules = re.findall(r"^<(\w+)", shared.read_text(encoding="utf-8"), re.MULTILINE)
        for user in files:
            text = user.read_text(encoding="utf-8")
            used = [r for r in rules if user != shared and re.search(rf"\b{r}\b", text)]
            assert not used or where[shared] < where[user], f"{user.name} uses {used} before {shared.name}"


def test_every_kv_file_sits_beside_its_module() -> None:
    for path in kv.kv_files():
        assert path.with_suffix(".py").is_file(), f"{path.name} has no module beside it"


def test_the_layouts_parse() -> None:
    from kivy.lang import Builder

    for path in kv.kv_files():
        try:
            Builder.load_file(str(path))
        finally:
            Builder.unload_file(str(path))
