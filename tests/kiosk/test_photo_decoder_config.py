"""``photo_decoder`` in the config is wired to the ID reader, or refused with a clear error
naming the key; never a silent no-op."""

from __future__ import annotations

import logging
import os
import queue
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.events import DeviceEvent, IdentityRead
from drivers.idcard.photo import BGR_SIZE
from drivers.idcard.reader import SamSerialReader
from drivers.idcard.simulator import IdCardSimulator, pseudo_blob
from kiosk.config import ConfigError, load_config
from kiosk.config_devices import SamSerialReaderSettings
from kiosk.devices import build_devices, build_id_reader

KIOSK = shutil.which("kiosk", path=os.path.dirname(sys.executable)) or "kiosk"

PLUGIN = f'''
BGR_SIZE = {BGR_SIZE}


class Decoder:
    """Stands in for a vendor's libwlt2bmp wrapper: one byte of the WLT, repeated."""

    def decode(self, wlt):
        return bytes([wlt[0]]) * BGR_SIZE


def failing(wlt):
    raise OSError("libwlt2bmp.so: licence check failed")
'''


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "tb_test_wlt.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    sys.modules.pop("tb_test_wlt", None)


def _site(tmp_path: Path, decoder: str, port: str = "/dev/null") -> Path:
    site = tmp_path / "site.toml"
    site.write_text(
        f'profile = "hall"\n[terminal]\ndata_dir = "data"\n'
        f'[devices.id_reader]\nport = "{port}"\nphoto_decoder = "{decoder}"\n',
        encoding="utf-8",
    )
    return site


@pytest.mark.parametrize(
    ("decoder", "reason"),
    [
        ("no_such_wlt_module:decode", "cannot import no_such_wlt_module"),
        ("tb_test_wlt:missing", "has no missing"),
        ("tb_test_wlt", "expected 'module:callable'"),
    ],
)
def test_a_decoder_that_cannot_be_loaded_is_a_config_error(
    plugin_dir: Path, tmp_path: Path, decoder: str, reason: str
) -> None:
    site = _site(tmp_path, decoder)
    with pytest.raises(ConfigError) as caught:
        load_config(site)
    assert caught.value.key == "devices.id_reader.photo_decoder"
    assert caught.value.file == str(site)
    assert reason in caught.value.reason and decoder in caught.value.reason


def test_config_check_names_the_key_and_the_reason(tmp_path: Path) -> None:
    site = _site(tmp_path, "no_such_wlt_module:decode")
    result = subprocess.run([KIOSK, "config", "check", str(site)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert f"{site}: devices.id_reader.photo_decoder: " in result.stderr
    assert "cannot import no_such_wlt_module" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_decoder_gone_since_the_config_was_loaded_fails_the_build_by_key() -> None:
    settings = SamSerialReaderSettings.model_construct(
        driver="sam_serial", port="/dev/null", baud=115200, timeout_s=1.0, poll_interval_s=0.05,
        reconnect_interval_s=1.0, fingerprint=False, photo_decoder="no_such_wlt_module:decode",
    )
    with pytest.raises(ConfigError, match="devices.id_reader.photo_decoder: .*no_such_wlt_module"):
        build_id_reader(settings)


def test_a_configured_decoder_is_wired_to_the_reader(plugin_dir: Path, tmp_path: Path) -> None:
    config = load_config(_site(tmp_path, "tb_test_wlt:Decoder"))
    reader = build_devices(config.devices)["id_reader"]
    assert isinstance(reader, SamSerialReader) and reader.photo_decoder is not None
    plain = build_devices(load_config(_site(tmp_path, "")).devices)["id_reader"]
    assert isinstance(plain, SamSerialReader) and plain.photo_decoder is None


def _read_one(reader: SamSerialReader, sim: IdCardSimulator, key: str) -> IdentityRead:
    seen: queue.Queue[DeviceEvent] = queue.Queue()
    reader.events.subscribe(seen.put)
    reader.open()
    try:
        sim.place(key)
        while True:
            event = seen.get(timeout=10)
            if isinstance(event, IdentityRead):
                return event
    finally:
        reader.close()


def test_the_reader_decodes_the_photo_with_the_plugin(
    plugin_dir: Path, tmp_path: Path, sim: IdCardSimulator
) -> None:
    config = load_config(_site(tmp_path, "tb_test_wlt:Decoder", port=str(sim.link_path)))
    assert config.devices.id_reader is not None
    card = _read_one(build_id_reader(config.devices.id_reader), sim, "zhang_san").card
    wlt = pseudo_blob("zhang_san", "wlt", 1024)
    assert card.photo_wlt == wlt
    assert card.photo_bgr == bytes([wlt[0]]) * BGR_SIZE
    card.wipe()
    assert card.photo_bgr == bytearray()


def test_a_decoder_failing_on_a_card_leaves_the_identity_without_photo(
    plugin_dir: Path, tmp_path: Path, sim: IdCardSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(_site(tmp_path, "tb_test_wlt:failing", port=str(sim.link_path)))
    assert config.devices.id_reader is not None
    with caplog.at_level(logging.WARNING, logger="drivers.idcard.reader"):
        card = _read_one(build_id_reader(config.devices.id_reader), sim, "li_si").card
    assert card.id_number and card.photo_bgr == bytearray()
    assert any("WLT photo decoder failed (OSError)" in r.getMessage() for r in caplog.records)
