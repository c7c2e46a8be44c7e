"""`kiosk-central config put|publish|list|diff|effective` as an operator runs them
(docs/fleet.md §3): exit codes, --json bodies, one clean line per problem."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from central_helpers import SignedApi
from test_central_cli import _exe, run_here

HALL = "JC-ZWZX"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_put_publish_list_diff_effective(db_url: str, api: SignedApi, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    first = write(tmp_path, "hall.toml", '[ui]\nelderly_mode = true\n\n[voice]\nvolume = 40\n')
    status, out, _ = run_here("config", "put", first, "--scope", "hall", "--key", HALL,
                              "--note", "适老化", "--json", "--db", db_url, capsys=capsys)
    assert status == 0 and json.loads(out) == {"scope": "hall", "key": HALL, "version": 1}
    second = write(tmp_path, "hall.json", json.dumps({"ui": {"elderly_mode": True},
                                                      "voice": {"volume": 60}}))
    status, out, _ = run_here("config", "put", second, "--scope", "hall", "--key", HALL,
                              "--db", db_url, capsys=capsys)
    assert status == 0 and "version 2" in out

    status, out, _ = run_here("config", "effective", api.terminal_id, "--json", "--db", db_url,
                              capsys=capsys)
    assert status == 0 and json.loads(out) is None          # nothing published yet

    status, out, _ = run_here("config", "publish", "--scope", "hall", "--key", HALL,
                              "--version", "2", "--json", "--db", db_url, capsys=capsys)
    assert status == 0 and json.loads(out)["version"] == 2

    status, out, _ = run_here("config", "list", "--json", "--db", db_url, capsys=capsys)
    rows = json.loads(out)
    assert [(r["scope"], r["key"], r["version"], r["current"], r["note"]) for r in rows] == [
        ("hall", HALL, 2, True, ""), ("hall", HALL, 1, False, "适老化")]
    assert rows[0]["created_by"].startswith("cli")

    status, out, _ = run_here("config", "diff", "--scope", "hall", "--key", HALL, "1", "2",
                              "--db", db_url, capsys=capsys)
    assert status == 0 and '-    "volume": 40' in out and '+    "volume": 60' in out

    status, out, _ = run_here("config", "effective", api.terminal_id, "--json", "--db", db_url,
                              capsys=capsys)
    body = json.loads(out)
    assert body["document"] == {"ui": {"elderly_mode": True}, "voice": {"volume": 60}}
    assert body["layers"] == [{"scope": "hall", "key": HALL, "version": 2}]
    assert body["version"].startswith("cfg-") and len(body["version"]) == 16


def test_refusals_exit_3_with_the_problems(db_url: str, api: SignedApi, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "bad.toml", '[devices.receipt_printer]\nurl = 9100\n\n[ui]\nwidth = "x"\n')
    status, out, err = run_here("config", "put", bad, "--scope", "all", "--json",
                                "--db", db_url, capsys=capsys)
    assert status == 3
    assert json.loads(out) == {"error": "config_invalid", "problems": [
        "devices.receipt_printer.url: 9100 is not of type 'string'",
        "ui.width: 'x' is not of type 'integer'"]}
    assert err.count("kiosk-central: config_invalid: ") == 2 and "Traceback" not in err

    central = write(tmp_path, "central.toml", '[central]\nurl = "https://elsewhere.example"\n')
    status, out, _ = run_here("config", "put", central, "--scope", "all", "--json",
                              "--db", db_url, capsys=capsys)
    assert status == 3 and json.loads(out)["error"] == "forbidden_section"

    not_toml = write(tmp_path, "x.toml", "[ui\n")
    status, out, _ = run_here("config", "put", not_toml, "--scope", "all", "--json",
                              "--db", db_url, capsys=capsys)
    assert status == 3 and json.loads(out)["error"] == "bad_file"
    status, out, _ = run_here("config", "put", str(tmp_path / "none.toml"), "--scope", "all",
                              "--json", "--db", db_url, capsys=capsys)
    assert status == 3 and "cannot read" in json.loads(out)["problems"][0]

    ok = write(tmp_path, "ok.toml", "[ui]\nfullscreen = false\n")
    status, out, _ = run_here("config", "put", ok, "--scope", "hall", "--key", "NOPE",
                              "--json", "--db", db_url, capsys=capsys)
    assert status == 3 and json.loads(out)["error"] == "bad_scope"
    status, out, _ = run_here("config", "publish", "--scope", "all", "--version", "4",
                              "--json", "--db", db_url, capsys=capsys)
    assert status == 3 and json.loads(out)["error"] == "not_found"
    status, out, _ = run_here("config", "effective", "T-99999", "--json", "--db", db_url,
                              capsys=capsys)
    assert status == 3 and json.loads(out)["error"] == "unknown_terminal"


def test_the_installed_command_reads_json_from_stdin(db_url: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [_exe(), "config", "put", "-", "--scope", "profile", "--key", "community", "--json",
         "--db", db_url],
        input=json.dumps({"ui": {"elderly_mode": True}}), capture_output=True, text=True,
        timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"scope": "profile", "key": "community", "version": 1}
    refused = subprocess.run(
        [_exe(), "config", "put", "-", "--scope", "profile", "--key", "community", "--db", db_url],
        input="{", capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert refused.returncode == 3 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("kiosk-central: bad_file: -: not valid JSON")
