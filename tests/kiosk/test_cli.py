"""The `kiosk` technician commands, run as a technician runs them: the real console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from drivers.idcard.simulator import IdCardSimulator

KIOSK = shutil.which("kiosk", path=os.path.dirname(sys.executable)) or "kiosk"


def kiosk(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=timeout)


def place_soon(sim: IdCardSimulator, key: str, delay: float = 0.8) -> None:
    threading.Timer(delay, sim.place, args=(key,)).start()


def test_read_id_prints_the_card_masked(sim: IdCardSimulator) -> None:
    place_soon(sim, "li_si")
    result = kiosk("read-id", "--port", str(sim.link_path), "--timeout", "10")
    assert result.returncode == 0, result.stderr
    assert "李*" in result.stdout and "3101**********006X" in result.stdout
    assert "李四" not in result.stdout and "31010419880512006X" not in result.stdout
    assert "居民身份证" in result.stdout


def test_read_id_json_unmasked_has_the_documented_keys(sim: IdCardSimulator) -> None:
    place_soon(sim, "chen_hk")
    result = kiosk("read-id", "--port", str(sim.link_path), "--timeout", "10", "--json", "--unmask")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["card_type"] == "hmt_permit"
    assert data["name"] == "陈美玲" and data["id_number"] == "810000199208150043"
    assert data["pass_number"] == "H60123456" and data["issue_count"] == "01"
    assert "nation" not in data


@pytest.mark.parametrize(
    ("key", "card_type", "extra"),
    [("wang_wu", "resident", {"valid_until": "长期", "nation": "回"}),
     ("smith_2017", "foreign_2017", {"nationality": "USA"}),
     ("mary_2023", "foreign_2023", {"nationality": "USA"})],
)
def test_read_id_json_for_each_card_type(sim: IdCardSimulator, key: str, card_type: str, extra: dict[str, str]) -> None:
    place_soon(sim, key)
    result = kiosk("read-id", "--port", str(sim.link_path), "--timeout", "10", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["card_type"] == card_type
    for field, value in extra.items():
        assert data[field] == value
    if card_type.startswith("foreign"):
        assert data["name_en"] and "*" in data["name_en"]


def test_read_id_exits_2_when_no_card_comes(sim: IdCardSimulator) -> None:
    result = kiosk("read-id", "--port", str(sim.link_path), "--timeout", "1.5")
    assert result.returncode == 2
    assert "没有检测到卡片" in result.stderr and str(sim.link_path) in result.stderr
    assert "--timeout" in result.stderr   # the fix: wait longer


def test_read_id_exits_3_naming_port_and_cause(sim: IdCardSimulator, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-reader"
    result = kiosk("read-id", "--port", str(missing), "--timeout", "5")
    assert result.returncode == 3
    assert str(missing) in result.stderr and "no_device" in result.stderr
    assert "Traceback" not in result.stderr

    place_soon(sim, "bad_checksum")
    result = kiosk("read-id", "--port", str(sim.link_path), "--timeout", "10")
    assert result.returncode == 3
    assert "invalid_card_data" in result.stderr and "赵" not in result.stdout + result.stderr


def test_read_id_exits_3_on_sam_failure(sim: IdCardSimulator) -> None:
    sim.inject("sam")
    result = kiosk("read-id", "--port", str(sim.link_path), "--timeout", "5")
    assert result.returncode == 3
    assert "sam_failure" in result.stderr


def test_doctor_reports_each_device(site_config: Path, sim: IdCardSimulator) -> None:
    result = kiosk("--config", str(site_config), "doctor", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    reader = report["devices"][0]
    assert reader["device"] == "id_reader" and reader["state"] == "online" and reader["ready"]

    sim.unplug()
    result = kiosk("--config", str(site_config), "doctor", "--wait", "1")
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "no_device" in result.stdout
    assert "设备未连接" in result.stdout


def test_config_check_prints_effective_config_or_names_the_error(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    result = kiosk("config", "check", str(repo / "config" / "bank.toml"))
    assert result.returncode == 0
    assert 'hall_name = "山西银行晋城分行营业部"' in result.stdout

    bad = tmp_path / "bad.toml"
    bad.write_text('profile = "hall"\n[ui]\nfullscren = true\n', encoding="utf-8")
    result = kiosk("config", "check", str(bad))
    assert result.returncode == 1
    assert f"\n{bad}: ui.fullscren: 没有这个设置项" in result.stderr
    assert "Extra inputs are not permitted" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_without_any_configuration_says_where_it_looked(tmp_path: Path) -> None:
    env = {**os.environ, "TONGBAN_CONFIG": str(tmp_path / "absent.toml")}
    result = subprocess.run([KIOSK, "run"], capture_output=True, text=True, timeout=30, env=env)
    assert result.returncode == 1
    assert "absent.toml" in result.stderr and "no configuration" in result.stderr
