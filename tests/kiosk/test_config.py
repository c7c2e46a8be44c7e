"""Configuration: profiles load, site files override, bad files are named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, effective_toml, load_config

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("profile", ["hall", "bank", "community"])
def test_every_shipped_profile_is_valid(profile: str) -> None:
    config = load_config(REPO / "config" / f"{profile}.toml")
    assert config.terminal.profile == profile
    assert config.devices.id_reader is not None
    assert config.services.default in config.services.offered


def test_site_file_overrides_profile_and_resolves_relative_paths(tmp_path: Path) -> None:
    site = tmp_path / "kiosk.toml"
    site.write_text('profile = "community"\n[terminal]\ndata_dir = "data"\n[session]\nidle_timeout_s = 30\n'
                    '[devices.id_reader]\nport = "./reader"\n', encoding="utf-8")
    config = load_config(site)
    assert config.session.idle_timeout_s == 30
    assert config.session.idle_warning_s == 20          # kept from the community profile
    assert config.ui.elderly_mode is True
    assert config.terminal.data_dir == tmp_path / "data"
    assert config.devices.id_reader is not None and config.devices.id_reader.port == str(tmp_path / "reader")
    assert config.sources[-1] == str(site)


def _site(tmp_path: Path, body: str) -> Path:
    site = tmp_path / "site.toml"
    site.write_text('profile = "hall"\n' + body, encoding="utf-8")
    return site


def test_unknown_key_is_rejected_with_file_and_key(tmp_path: Path) -> None:
    site = _site(tmp_path, "[session]\nidle_timeout = 30\n")
    with pytest.raises(ConfigError) as err:
        load_config(site)
    assert err.value.file == str(site)
    assert err.value.key == "session.idle_timeout"
    assert "Extra inputs are not permitted" in err.value.reason


def test_wrong_type_is_rejected_with_reason(tmp_path: Path) -> None:
    site = _site(tmp_path, '[devices.id_reader]\nbaud = "fast"\n')
    with pytest.raises(ConfigError) as err:
        load_config(site)
    assert err.value.key == "devices.id_reader.baud"
    assert str(site) in str(err.value)


def test_warning_longer_than_timeout_is_rejected(tmp_path: Path) -> None:
    site = _site(tmp_path, "[session]\nidle_timeout_s = 20\nidle_warning_s = 30\n")
    with pytest.raises(ConfigError, match="idle_warning_s must be shorter"):
        load_config(site)


def test_broken_toml_and_missing_profile_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[terminal\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="no profile 'airport'"):
        load_config(_write(tmp_path, "profile = \"airport\"\n"))
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.toml")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_effective_configuration_lists_every_section() -> None:
    text = effective_toml(load_config(REPO / "config" / "demo.toml"))
    for section in ("[terminal]", "[session]", "[ui]", "[devices.id_reader]", "[services]"):
        assert section in text
    assert "idle_timeout_s = 60.0" in text
