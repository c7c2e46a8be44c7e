"""Strict types and every error at once (issue 11 §4): a string is never read as a boolean
or a number, `kiosk config check` lists every problem (one `file: key: reason` line each,
sorted by file then key), and an unknown profile names the profile and where it was looked
for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

import kiosk.config as config_module
import kiosk.config_devices as devices_module
from kiosk.config import ConfigError, load_config
from kiosk.config_devices import Strict

REPO = Path(__file__).resolve().parents[2]
KIOSK = shutil.which("kiosk", path=os.path.dirname(sys.executable)) or "kiosk"


def _site(tmp_path: Path, body: str, name: str = "site.toml") -> Path:
    site = tmp_path / name
    site.write_text('profile = "hall"\n' + body, encoding="utf-8")
    return site


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KIOSK, "config", "check", str(path)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[devices.card_reader]\ndriver = "pcsc"\nssse_pin_required = "yes"\n', "devices.card_reader.ssse_pin_required"),
        ('[ui]\nelderly_mode = "true"\n', "ui.elderly_mode"),
        ('[ui]\nfullscreen = 1\n', "ui.fullscreen"),
        ('[session]\nidle_timeout_s = "30"\n', "session.idle_timeout_s"),
        ('[ui]\nwidth = "1280"\n', "ui.width"),
        ('[ui]\nwidth = 1280.0\n', "ui.width"),
        ('[staff]\nmax_attempts = true\n', "staff.max_attempts"),
        ('[terminal]\nregion_code = 140500\n', "terminal.region_code"),
    ],
)
def test_a_value_of_the_wrong_toml_type_is_refused_not_coerced(tmp_path: Path, body: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_site(tmp_path, body))
    assert caught.value.key == key, caught.value.problems
    assert "应为" in caught.value.reason


def test_toml_native_values_and_paths_still_load(tmp_path: Path) -> None:
    site = _site(tmp_path, '[session]\nidle_timeout_s = 30\n[ui]\nelderly_mode = true\n'
                           '[terminal]\ndata_dir = "data"\n[staff]\nexport_dir = "/media/usb"\n')
    config = load_config(site)
    assert config.session.idle_timeout_s == 30.0 and isinstance(config.session.idle_timeout_s, float)
    assert config.ui.elderly_mode is True
    assert config.terminal.data_dir == tmp_path / "data" and isinstance(config.terminal.data_dir, Path)
    assert config.staff.export_dir == Path("/media/usb")


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "config").glob("*.toml")))
def test_every_shipped_configuration_loads_under_strict_types(name: str) -> None:
    assert load_config(REPO / "config" / name).services.offered


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _settings_models() -> list[type[BaseModel]]:
    """Every model reachable from KioskConfig, sections added by anyone included."""
    seen: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = [config_module.KioskConfig]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.append(model)
        for field in model.model_fields.values():
            todo.extend(_models_in(field.annotation))
    return seen


def test_every_settings_model_is_strict_by_inheritance() -> None:
    models = _settings_models()
    assert devices_module.PcscReaderSettings in models and len(models) > 10
    for model in models:
        assert issubclass(model, Strict), model
        assert model.model_config.get("strict") is True, model
        assert model.model_config.get("extra") == "forbid", model


def test_every_error_is_reported_sorted_by_file_then_key(tmp_path: Path) -> None:
    site = _site(tmp_path, '[session]\nidle_timeout_s = 1\nidle_warning_s = 0\n'
                           '[ui]\nwidth = 10\nheight = 99999\nfullscreen = "yes"\n'
                           '[devices.card_reader]\ndriver = "pcsc"\nssse_pin_required = "yes"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(site)
    keys = [p.key for p in caught.value.problems]
    assert keys == sorted(keys) == [
        "devices.card_reader.ssse_pin_required", "session.idle_timeout_s", "session.idle_warning_s",
        "ui.fullscreen", "ui.height", "ui.width",
    ]
    assert {p.file for p in caught.value.problems} == {str(site)}

    result = _check(site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("kiosk: 配置有误，共 6 处")
    assert [line.split(": ")[1] for line in lines[1:-1]] == keys
    assert all(line.startswith(f"{site}: ") for line in lines[1:-1])
    assert "应大于 5" in lines[2] and "应不大于 4320" in lines[5]
    assert lines[-1].startswith("修改方法")
    assert result.stdout == ""


def test_errors_in_two_files_name_each_file(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    shutil.copy(REPO / "config" / "hall.toml", profiles / "broken.toml")
    with (profiles / "broken.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[staff]\nmax_attempts = 0\n')
    site = tmp_path / "site.toml"
    site.write_text('profile = "broken"\n[ui]\nwidth = 1\n', encoding="utf-8")
    env = {**os.environ, "TONGBAN_PROFILE_DIR": str(profiles)}
    result = subprocess.run([KIOSK, "config", "check", str(site)], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 1
    body = result.stderr.splitlines()[1:-1]
    assert body[0].startswith(f"{profiles / 'broken.toml'}: staff.max_attempts: ")
    assert body[1].startswith(f"{site}: ui.width: ")


def test_an_unknown_profile_names_the_profile_and_the_files_looked_for(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('profile = "airport"\n', encoding="utf-8")
    result = _check(site)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()[1:-1]
    assert line.startswith(f"{site}: profile: ") and "airport" in line
    assert str(REPO / "config" / "airport.toml") in line
    with pytest.raises(ConfigError) as caught:
        config_module.find_profile("airport")
    assert caught.value.file and "airport" in caught.value.file


def test_a_device_setting_is_named_by_its_key_in_the_file(tmp_path: Path) -> None:
    # pydantic's location of a driver-specific field carries the driver's tag; the
    # technician's file has no such level.
    site = _site(tmp_path, '[devices.code_scanner]\ndriver = "camera"\nwidth = "wide"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(site)
    assert [p.key for p in caught.value.problems] == ["devices.code_scanner.width"]
    assert caught.value.file == str(site)
