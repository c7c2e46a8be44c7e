"""The schema central checks configuration documents with is the terminal's own, kept
current, and its problems name the key to fix (docs/fleet.md §3). No database needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from central.config_check import ConfigInvalid, check_document
from kiosk.cli import main as kiosk_main
from kiosk.cli.config_schema import schema_text

KEPT = Path(__file__).resolve().parents[2] / "central" / "config_schema.json"


def problems(body: Any) -> tuple[str, list[str]]:
    with pytest.raises(ConfigInvalid) as caught:
        check_document(body)
    return caught.value.error, caught.value.problems


def _keys_named(node: Any, name: str) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == name:
                yield value
            yield from _keys_named(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from _keys_named(item, name)


def test_the_kept_schema_is_the_one_kiosk_config_schema_prints() -> None:
    assert KEPT.read_text(encoding="utf-8") == schema_text(), (
        "central/config_schema.json differs from the terminal's models: run "
        "`kiosk config schema --out central/config_schema.json` and review the diff")


def test_kiosk_config_schema_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "schema.json"
    assert kiosk_main(["config", "schema", "--out", str(out)]) == 0
    schema = json.loads(out.read_text(encoding="utf-8"))
    assert "central" not in schema["properties"] and "sources" not in schema["properties"]
    assert "data_dir" not in schema["$defs"]["TerminalSettings"]["properties"]
    assert not list(_keys_named(schema, "required"))   # a layer sets only what it changes
    assert kiosk_main(["config", "schema", "--out", str(tmp_path / "no" / "such" / "dir.json")]) == 1
    assert "无法写入" in capsys.readouterr().err


def test_a_layer_that_sets_a_few_keys_is_valid() -> None:
    check_document({})
    check_document({"ui": {"elderly_mode": True}, "services": {"offered": ["identity_check"]}})
    check_document({"devices": {"receipt_printer": {"url": "tcp://127.0.0.1:9100"},
                                "code_scanner": {"repeat_window_s": 1.5},
                                "a4_printer": None}})
    check_document({"staff": {"pin_hash": "scrypt$16384$8$1$salt$hash"}})


@pytest.mark.parametrize(("body", "path"), [
    ({"central": {"url": "https://evil.example"}}, "central"),
    ({"terminal": {"data_dir": "/tmp/x", "title": "t"}}, "terminal.data_dir"),
])
def test_central_and_the_data_dir_are_forbidden(body: dict[str, Any], path: str) -> None:
    error, lines = problems(body)
    assert error == "forbidden_section"
    assert lines[0].startswith(f"{path}: forbidden_section")


def test_every_problem_is_listed_with_its_path() -> None:
    error, lines = problems({
        "session": {"idle_timeout_s": "60", "bogus": 1},
        "ui": {"width": 10},
        "devices": {"receipt_printer": {"driver": "cups"},
                    "code_scanner": {"driver": "laser"}},
        "nonsense": {},
    })
    assert error == "config_invalid"
    assert lines == sorted(lines)
    assert "session.idle_timeout_s: '60' is not of type 'number'" in lines
    assert "session.bogus: unknown setting" in lines
    assert "nonsense: unknown setting" in lines
    assert any(line.startswith("ui.width: 10 is less than the minimum of 640") for line in lines)
    assert "devices.receipt_printer.driver: 'escpos' was expected" in lines
    assert any(line.startswith("devices.code_scanner.driver: must be one of camera,") for line in lines)


def test_a_document_that_is_not_an_object_is_refused() -> None:
    assert problems(["ui"]) == ("config_invalid",
                                ["(document): must be a JSON object of configuration sections"])
