"""The [central] table: declared once, typed, unknown keys rejected, TLS never switched off."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config

REPO = Path(__file__).resolve().parents[3]


def _site(tmp_path: Path, body: str) -> Path:
    site = tmp_path / "site.toml"
    site.write_text('profile = "hall"\n[terminal]\ndata_dir = "d"\n' + body, encoding="utf-8")
    return site


def test_defaults_and_the_demo_url() -> None:
    hall = load_config(REPO / "config" / "hall.toml")
    assert hall.central.url is None and hall.central.ca_bundle is None
    assert (hall.central.connect_timeout_s, hall.central.read_timeout_s) == (3, 10)
    demo = load_config(REPO / "config" / "demo.toml")
    assert demo.central.url == "http://127.0.0.1:8480"


def test_a_relative_ca_bundle_is_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    config = load_config(_site(tmp_path, '[central]\nurl = "https://zwfw-terminal.example.gov.cn/"\n'
                                          'ca_bundle = "ca.pem"\n'))
    assert config.central.ca_bundle == tmp_path / "ca.pem"
    assert config.central.url == "https://zwfw-terminal.example.gov.cn"


@pytest.mark.parametrize(("body", "key", "reason"), [
    ('[central]\nverify = false\n', "central.verify", "Extra inputs are not permitted"),
    ('[central]\nurl = "http://10.1.2.3:8480"\n', "central.url", "only allowed to this machine"),
    ('[central]\nurl = "ftp://x"\n', "central.url", "http(s) URL"),
    ('[central]\nca_bundle = "missing.pem"\n', "central.ca_bundle", "is not a file"),
    ('[central]\nread_timeout_s = 0\n', "central.read_timeout_s", "greater than 0"),
])
def test_bad_central_settings_are_named(tmp_path: Path, body: str, key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_site(tmp_path, body))
    assert err.value.key == key and reason in err.value.reason
