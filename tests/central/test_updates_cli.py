"""`kiosk-central updates|release|rollout|pin` as docs/fleet.md §4 names them: JSON keys,
refusals as exit 3 with {"error": reason}, every change in the audit log (actor "cli")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rollout_helpers import add_terminals
from sqlalchemy import create_engine, select
from update_helpers import make_bundle

from central.cli import main
from central.models_fleet import AuditEntry


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out.strip()
    return code, json.loads(out) if out else None


def test_the_release_and_rollout_commands(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    updates = str(tmp_path / "srv" / "updates")
    db = ["--db", db_url]
    engine = create_engine(db_url)
    with engine.begin() as conn:
        add_terminals(conn, 20)
    code, init = run(capsys, "updates", "init", "--updates-dir", updates, *db, "--json")
    assert code == 0 and init["created"] is True
    assert init["root_key"] == str(tmp_path / "srv" / "updates-offline" / "root.pem")
    bundle = str(make_bundle(tmp_path, "0.3.0"))
    code, out = run(
        capsys,
        "release",
        "publish",
        bundle,
        "--version",
        "0.3.0",
        "--notes",
        "n",
        "--updates-dir",
        updates,
        *db,
        "--json",
    )
    assert code == 0 and set(out) == {"version", "target", "sha256", "length", "targets_version"}
    code, out = run(
        capsys,
        "release",
        "publish",
        bundle,
        "--version",
        "0.3.0",
        "--updates-dir",
        updates,
        *db,
        "--json",
    )
    assert (code, out["error"]) == (3, "version_exists")
    code, out = run(
        capsys,
        "release",
        "publish",
        bundle,
        "--version",
        "0.3.1",
        "--updates-dir",
        updates,
        *db,
        "--json",
    )
    assert (code, out["error"]) == (3, "version_mismatch")
    code, out = run(capsys, "release", "list", *db, "--json")
    assert [r["version"] for r in out] == ["0.3.0"]
    code, out = run(
        capsys,
        "rollout",
        "start",
        "0.3.0",
        "--waves",
        "10,50,100",
        "--threshold",
        "0.2",
        "--region",
        "140500",
        *db,
        "--json",
    )
    assert code == 0 and out["state"] == "running" and out["current_wave"] == 1
    assert [w["terminals"] for w in out["waves"]] == [2, 8, 10]
    assert set(out["waves"][0]) >= {
        "wave",
        "percent",
        "terminals",
        "committed",
        "failed",
        "pending",
    }
    rid = str(out["id"])
    code, out = run(capsys, "rollout", "pause", rid, "--reason", "hold", *db, "--json")
    assert (code, out["state"], out["pause_reason"]) == (0, "paused", "hold")
    code, out = run(capsys, "rollout", "pause", rid, *db, "--json")
    assert (code, out["error"]) == (3, "not_running")
    code, out = run(capsys, "rollout", "resume", rid, *db, "--json")
    assert out["state"] == "running"
    code, out = run(capsys, "rollout", "status", "99", *db, "--json")
    assert (code, out["error"]) == (3, "unknown_rollout")
    code, out = run(capsys, "pin", "set", "--hall", "JC-ZWZX", "--version", "0.3.0", *db, "--json")
    assert code == 0
    code, out = run(capsys, "pin", "list", *db, "--json")
    assert [(p["scope"], p["key"], p["version"]) for p in out] == [("hall", "JC-ZWZX", "0.3.0")]
    code, out = run(capsys, "pin", "clear", "--hall", "JC-ZWZX", *db, "--json")
    assert out["cleared"] is True
    code, out = run(capsys, "rollout", "abort", rid, *db, "--json")
    assert out["state"] == "aborted"
    code, out = run(capsys, "updates", "refresh", "--updates-dir", updates, *db, "--json")
    assert code == 0 and out["signed"]["timestamp"] >= 3
    new_key = str(tmp_path / "offline2" / "root.pem")
    code, out = run(
        capsys,
        "updates",
        "rotate-root",
        "--root-key",
        init["root_key"],
        "--new-root-key",
        new_key,
        "--updates-dir",
        updates,
        *db,
        "--json",
    )
    assert code == 0 and out["root_version"] == 2
    with engine.connect() as conn:
        audited = list(conn.execute(select(AuditEntry.actor, AuditEntry.action)))
    engine.dispose()
    assert {a for _actor, a in audited} >= {
        "release_publish",
        "rollout_start",
        "rollout_pause",
        "rollout_resume",
        "rollout_abort",
        "pin_set",
        "pin_clear",
        "root_rotate",
        "updates_init",
        "updates_refresh",
    }
    assert {actor for actor, a in audited if a != "rollout_auto_pause"} == {"cli"}


def test_the_fleet_clock_moves_only_on_a_demo_database(
    db_url: str, backend: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TONGBAN_CENTRAL_DEMO", raising=False)
    code, out = run(capsys, "updates", "clock", "set", "2025-12-08T22:00", "--db", db_url, "--json")
    if backend == "sqlite":
        assert code == 0 and out["now"].startswith("2025-12-08T22:00:00+08:00")
        code, out = run(capsys, "updates", "clock", "reset", "--db", db_url, "--json")
        assert out["offset_seconds"] == 0
    else:
        assert (code, out["error"]) == (3, "not_demo")
