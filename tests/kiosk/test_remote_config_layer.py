"""The remote layer in load_config (docs/fleet.md §3), without central: it wins over the
site file, a layer that fails validation is never used (the last known good, then the site
file), nothing on disk may set [central] or terminal.data_dir, and a start on trial is
counted before anything could crash."""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main as kiosk_main
from kiosk.config import ConfigError, load_config
from kiosk.config_remote import begin_start, read_state, write_document, write_state
from kiosk.fleet.remote_config import version_of

SITE = ('profile = "hall"\n[terminal]\ndata_dir = "data"\n[ui]\nwidth = 1024\nheight = 768\n'
        '[central]\nurl = "http://127.0.0.1:8480"\n'
        '[services]\noffered = ["identity_check"]\ndefault = "identity_check"\n')


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(SITE, encoding="utf-8")
    return path


def keep(site: Path, document: dict[str, Any], **state: Any) -> str:
    version = version_of(document)
    data_dir = site.parent / "data"
    write_document(data_dir, version, document)
    write_state(data_dir, {**read_state(data_dir), "current": version, **state})
    return version


def test_the_remote_layer_wins_over_the_site_file(site: Path) -> None:
    old_umask = os.umask(0)   # whatever the umask, the folders are the terminal's alone
    try:
        version = keep(site, {"ui": {"width": 1920}, "voice": {"volume": 20}})
    finally:
        os.umask(old_umask)
    remote = site.parent / "data" / "config" / "remote"
    assert [stat.S_IMODE(p.stat().st_mode) for p in (remote.parent, remote, remote / "state.json",
                                                   remote / f"{version}.json")] == [0o700, 0o700, 0o600, 0o600]
    config = load_config(site)
    assert (config.ui.width, config.ui.height, config.voice.volume) == (1920, 768, 20)
    assert config.remote_version == version
    assert config.sources[-1].endswith(f"config/remote/{version}.json")
    assert config.central.url == "http://127.0.0.1:8480"


def test_a_layer_that_fails_validation_is_never_used(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = keep(site, {"voice": {"volume": 20}})
    bad = keep(site, {"session": {"idle_timeout_s": 30, "idle_warning_s": 50}}, last_known_good=good)
    with caplog.at_level(logging.WARNING):
        config = load_config(site)
    assert config.remote_version == good and config.voice.volume == 20
    assert "远程配置" in caplog.text and f"{bad}.json: session" in caplog.text
    write_state(site.parent / "data", {**read_state(site.parent / "data"), "last_known_good": None})
    assert load_config(site).remote_version == "local"


@pytest.mark.parametrize("document", [{"central": {"url": "http://127.0.0.1:1"}},
                                      {"terminal": {"data_dir": "/elsewhere"}},
                                      {"fleet": {"heartbeat_s": 10}}])
def test_a_file_on_disk_cannot_set_what_central_may_not(site: Path, document: dict[str, Any]) -> None:
    version = keep(site, document)
    with pytest.raises(ConfigError) as caught:
        load_config(site, remote=(version, document))
    assert "远程配置不能设置" in str(caught.value)
    config = load_config(site)                  # kept on disk by hand: still not used
    assert config.remote_version == "local" and config.central.url == "http://127.0.0.1:8480"


def test_the_site_files_own_problems_are_reported_as_before(site: Path) -> None:
    keep(site, {"voice": {"volume": 20}})
    site.write_text(SITE.replace("width = 1024", "width = 10"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(site)
    assert caught.value.file == str(site) and caught.value.key == "ui.width"


def test_a_trial_that_is_invalid_at_its_start_is_given_up(site: Path) -> None:
    data_dir = site.parent / "data"
    bad = keep(site, {"services": {"offered": ["no_such_service"]}})
    write_state(data_dir, {**read_state(data_dir), "current": None, "trial": bad})
    assert load_config(site, starting=True).remote_version == "local"
    state = read_state(data_dir)
    assert (state["state"], state["reason"], state["failed"]) == ("rolled_back", "invalid", {bad: "invalid"})
    assert load_config(site, starting=True).remote_version == "local"


def test_only_kiosk_run_counts_a_start(site: Path) -> None:
    data_dir = site.parent / "data"
    version = keep(site, {"voice": {"volume": 20}})
    write_state(data_dir, {**read_state(data_dir), "current": None, "trial": version})
    for _ in range(3):
        load_config(site)                       # doctor, config check ...: no start counted
    assert read_state(data_dir)["starts"] == []
    assert begin_start(data_dir, boot="b1")["starts"] == ["b1"]


def test_a_damaged_state_file_means_the_site_file_alone(site: Path) -> None:
    keep(site, {"voice": {"volume": 20}})
    (site.parent / "data" / "config" / "remote" / "state.json").write_text("{nope", encoding="utf-8")
    assert load_config(site).remote_version == "local"


def test_kiosk_config_check_names_the_remote_version(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    version = keep(site, {"voice": {"volume": 20}})
    assert kiosk_main(["config", "check", str(site)]) == 0
    out = capsys.readouterr().out
    assert f"# remote configuration: {version}" in out and "volume = 20" in out
    assert json.loads((site.parent / "data" / "config" / "remote" / f"{version}.json")
                      .read_text(encoding="utf-8")) == {"voice": {"volume": 20}}


def test_a_fifo_for_the_state_file_never_hangs_a_start(site: Path) -> None:
    remote = site.parent / "data" / "config" / "remote"
    remote.mkdir(parents=True)
    os.mkfifo(remote / "state.json")
    result: list[str] = []
    loader = threading.Thread(target=lambda: result.append(load_config(site, starting=True).remote_version),
                              daemon=True)
    loader.start()
    loader.join(timeout=30)
    assert result == ["local"]
