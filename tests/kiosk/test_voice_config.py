"""The [voice] section: every profile speaks in 适老化 mode, a site file can change the mode,
volume, pack and device, and wrong values are refused with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


def site(tmp_path: Path, voice: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "{tmp_path / "data"}"\n[voice]\n{voice}\n',
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("profile", ["hall", "bank", "community"])
def test_every_profile_speaks_in_elderly_mode(profile: str) -> None:
    voice = load_config(ROOT / "config" / f"{profile}.toml").voice
    assert voice.mode == "elderly" and 0 < voice.volume <= 100 and voice.engine == "espeak-ng"


def test_a_site_file_sets_mode_volume_pack_and_device(tmp_path: Path) -> None:
    (tmp_path / "pack").mkdir()
    voice = load_config(site(tmp_path, 'mode = "always"\nvolume = 35\npack = "pack"\ndevice = "plughw:1,0"')).voice
    assert (voice.mode, voice.volume, voice.pack, voice.device) == ("always", 35, tmp_path / "pack", "plughw:1,0")


@pytest.mark.parametrize(("setting", "key"), [
    ('mode = "sometimes"', "voice.mode"),
    ("volume = 101", "voice.volume"),
    ('volume = "80"', "voice.volume"),
    ('pack = "no-such-folder"', "voice.pack"),
    ('device = "hw:0 ; rm -rf /"', "voice.device"),
    ("speed = 2", "voice.speed"),
])
def test_wrong_voice_settings_are_refused_naming_the_key(tmp_path: Path, setting: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(site(tmp_path, setting))
    assert key in str(err.value)
