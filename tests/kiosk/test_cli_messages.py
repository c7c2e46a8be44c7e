"""Every technician-facing error of the `kiosk` commands in one style (issue 11 §4): Chinese
first, then the cause, then the fix; no traceback, no log record. Each row runs the real
command into one of its error paths, as a technician would meet it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from drivers.idcard.simulator import IdCardSimulator

KIOSK = shutil.which("kiosk", path=os.path.dirname(sys.executable)) or "kiosk"
REPO = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
# A fix is something to do: the verbs our messages (and the shared advice table) use.
FIX_WORDS = ("请", "检查", "联系", "执行", "运行", "修改方法", "稍后")
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ", re.M)


@dataclass
class Case:
    name: str
    argv: Callable[[Path, Path, IdCardSimulator], list[str]]   # (tmp, site file, sim) -> args
    exit_code: int
    stream: str = "stderr"                                      # where the message goes


def _site(tmp: Path, body: str = "") -> Path:
    site = tmp / "site.toml"
    site.write_text(f'profile = "hall"\n[terminal]\ndata_dir = "data"\n{body}', encoding="utf-8")
    return site


def _blank_png(tmp: Path) -> str:
    path = tmp / "blank.png"
    Image.new("L", (64, 64), 255).save(path)
    return str(path)


def _not_an_image(tmp: Path) -> str:
    path = tmp / "notes.png"
    path.write_text("not a picture", encoding="utf-8")
    return str(path)


def _bad_config(tmp: Path) -> str:
    path = tmp / "bad.toml"
    path.write_text('profile = "hall"\n[ui]\nfullscreen = "yes"\nwidth = 1\n', encoding="utf-8")
    return str(path)


CASES = [
    Case("read-id: the port is missing",
         lambda tmp, site, sim: ["read-id", "--port", str(tmp / "ttyGONE"), "--timeout", "2"], 3),
    Case("read-id: no card in time",
         lambda tmp, site, sim: ["read-id", "--port", str(sim.link_path), "--timeout", "1"], 2),
    Case("read-card: pcscd is not running",
         lambda tmp, site, sim: ["read-card", "--timeout", "1"], 3),
    Case("scan-image: no such file", lambda tmp, site, sim: ["scan-image", str(tmp / "none.png")], 2),
    Case("scan-image: not an image", lambda tmp, site, sim: ["scan-image", _not_an_image(tmp)], 2),
    Case("scan-image: no code in the image", lambda tmp, site, sim: ["scan-image", _blank_png(tmp)], 1),
    Case("config check: wrong types and ranges", lambda tmp, site, sim: ["config", "check", _bad_config(tmp)], 1),
    Case("config check: unknown profile",
         lambda tmp, site, sim: ["config", "check", str(_write(tmp, "p.toml", 'profile = "airport"\n'))], 1),
    Case("print-test: a printer URL that is no URL",
         lambda tmp, site, sim: ["--config", str(site), "print-test", "receipt", "--printer", "lpt://1"], 1),
    Case("print-test: no receipt printer configured",
         lambda tmp, site, sim: ["--config", str(site), "print-test", "receipt"], 1),
    Case("print-test: a CUPS queue name that cannot be",
         lambda tmp, site, sim: ["--config", str(site), "print-test", "a4", "--queue", "no such queue"], 1),
    Case("print-test: the printer is not there",
         lambda tmp, site, sim: ["--config", str(site), "print-test", "receipt", "--printer",
                                 "tcp://127.0.0.1:9"], 3),
    Case("enroll: no central URL",
         lambda tmp, site, sim: ["--config", str(site), "enroll", "--code", "ABC"], 1),
    Case("enroll: plain http over the network",
         lambda tmp, site, sim: ["--config", str(site), "enroll", "--code", "ABC",
                                 "--central", "http://central.example.cn"], 1),
    Case("enroll: central unreachable",
         lambda tmp, site, sim: ["--config", str(site), "enroll", "--code", "ABC",
                                 "--central", "http://127.0.0.1:9"], 4),
    Case("outbox drain: not enrolled",
         lambda tmp, site, sim: ["--config", str(site), "outbox", "drain", "--timeout", "2"], 1),
    Case("logs prints: the look-up by ID number needs central",
         lambda tmp, site, sim: ["--config", str(site), "logs", "prints", "--id-number",
                                 "11010519491231002X"], 3),
    Case("read-id: --port left out", lambda tmp, site, sim: ["read-id"], 2),
    Case("read-card: a PIN that is no PIN", lambda tmp, site, sim: ["read-card", "--pin", "12ab"], 2),
    Case("kiosk run: configuration missing",
         lambda tmp, site, sim: ["--config", str(tmp / "absent.toml"), "run"], 1),
]


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_technician_style(text: str) -> None:
    """Chinese first (after the `kiosk COMMAND:` it comes from), then the cause, then a fix."""
    first = text.splitlines()[0]
    body = re.sub(r"^kiosk[\w\s-]*: ", "", first)
    assert CJK.match(body), f"not Chinese first: {first}"
    assert any(word in text for word in FIX_WORDS), f"no fix: {text}"
    assert "Traceback" not in text and not LOG_RECORD.search(text), text


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_error_path_speaks_chinese_first_with_cause_and_fix(
    case: Case, tmp_path: Path, sim: IdCardSimulator
) -> None:
    site = _site(tmp_path)
    result = subprocess.run([KIOSK, *case.argv(tmp_path, site, sim)], capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == case.exit_code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    # Progress lines (the waiting prompt, a printer's state) may come first; the error is last.
    message = result.stderr.strip().splitlines()
    assert message, f"nothing said: {result.stdout}"
    errors = [line for line in message if line.startswith("kiosk")]
    assert errors, result.stderr
    assert_technician_style("\n".join(message[message.index(errors[0]):]))


def test_doctor_advice_is_chinese_first_with_a_fix(site_config: Path, sim: IdCardSimulator) -> None:
    sim.unplug()
    result = subprocess.run([KIOSK, "--config", str(site_config), "doctor", "--json", "--wait", "1"],
                            capture_output=True, text=True, timeout=60)
    for row in json.loads(result.stdout)["devices"]:
        if not row["ready"]:
            assert_technician_style(row["advice"])


def test_doctor_names_pcscd_down_with_its_fix(tmp_path: Path) -> None:
    site = _site(tmp_path, '[devices.card_reader]\ndriver = "pcsc"\n')
    # A socket nobody serves: pcscd is "down" for this process whatever the machine runs.
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}
    result = subprocess.run([KIOSK, "--config", str(site), "doctor", "--json", "--wait", "1"],
                            capture_output=True, text=True, timeout=60, env=env)
    [reader] = [row for row in json.loads(result.stdout)["devices"] if row["device"] == "card_reader"]
    assert reader["fault"] == "pcsc_unavailable"
    assert reader["advice"].startswith("读卡服务 pcscd 没有运行") and "systemctl start pcscd" in reader["advice"]
    assert_technician_style(reader["advice"])


def test_output_into_a_closed_pipe_is_no_traceback(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)                       # like `kiosk doctor | head` after head has gone
    try:
        result = subprocess.run([KIOSK, "config", "check", str(REPO / "config" / "hall.toml")],
                                stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
