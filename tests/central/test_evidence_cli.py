"""`kiosk-central application show|evidence` (docs/casework.md §5), on both back ends:
the application masked with its pages by hash, and a page written out (mode 0600) with an
`evidence.view` entry in the audit log naming who looked. Run through the CLI's `main`,
as the command line does."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from central_bodies import pension
from central_helpers import ZHANG_SAN, SignedApi
from fastapi import FastAPI
from ops_helpers import audit_rows
from tracking_helpers import EVIDENCE, jpeg, page_body, ref, submit

from central.cli import main

RECEIPT = "DEMO-0001-20261123-0007"


@pytest.fixture
def filed(app: FastAPI, api: SignedApi) -> tuple[str, bytes]:
    """An application with one bank-card page, received."""
    data = jpeg("bank card")
    body = pension(ZHANG_SAN)
    body["evidence"] = [ref(1, data)]
    number = submit(api, body)
    assert api.post(EVIDENCE, page_body(RECEIPT, 1, data)).status_code == 201
    return number, data


def test_show_prints_the_application_masked_with_its_pages(
    db_url: str, filed: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    number, data = filed
    assert main(["application", "show", number, "--db", db_url, "--json"]) == 0
    out = capsys.readouterr().out
    case = json.loads(out)
    assert case["application_number"] == number and case["applicant_masked"] == "张*"
    assert case["evidence"][0]["received"] and case["evidence"][0]["matches"]
    assert "jpeg" not in out.lower() and ZHANG_SAN[0] not in out and "张三" not in out
    assert main(["application", "show", number, "--db", db_url]) == 0
    text = capsys.readouterr().out
    assert "applicant 张*" in text and "page 1 material M02" in text and "received" in text


def test_show_of_an_unknown_number_exits_2(
    db_url: str, filed: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    number, _ = filed
    unknown = str(int(number) + 1)
    assert main(["application", "show", unknown, "--db", db_url, "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"] == "not_found" and unknown in captured.err
    assert main(["application", "show", "12ab", "--db", db_url]) == 2
    assert "not an application number" in capsys.readouterr().err


def test_evidence_writes_the_page_0600_and_audits_the_view(
    app: FastAPI, db_url: str, filed: tuple[str, bytes], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    number, data = filed
    out = tmp_path / "page1.jpg"
    out.write_bytes(b"old")
    out.chmod(0o644)
    assert main(["application", "evidence", number, "--page", "1", "--out", str(out),
                 "--actor", "王审核", "--db", db_url]) == 0  # fmt: skip
    assert out.read_bytes() == data
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    views = audit_rows(app, "evidence.view")
    assert [(v.actor, v.target, v.detail["page"], v.detail["via"]) for v in views] == [
        ("王审核", number, 1, "cli")]
    assert "audit log" in capsys.readouterr().err


def test_evidence_of_an_unknown_page_or_number_exits_2_and_audits_nothing(
    app: FastAPI, db_url: str, filed: tuple[str, bytes], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    number, _ = filed
    out = tmp_path / "page.jpg"
    base = ["--out", str(out), "--actor", "王审核", "--db", db_url]
    assert main(["application", "evidence", number, "--page", "2", *base]) == 2
    assert "no received page 2" in capsys.readouterr().err
    assert main(["application", "evidence", str(int(number) + 1), "--page", "1", *base]) == 2
    assert "no application" in capsys.readouterr().err
    assert main(["application", "evidence", number, "--page", "0", *base]) == 2
    missing_dir = ["--out", str(tmp_path / "nowhere" / "p.jpg"), "--actor", "x", "--db", db_url]
    assert main(["application", "evidence", number, "--page", "1", *missing_dir]) == 2
    assert "no directory" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:   # --actor is required: argparse's exit 2
        main(["application", "evidence", number, "--page", "1", "--out", str(out), "--db", db_url])
    assert usage.value.code == 2
    assert not out.exists() and audit_rows(app, "evidence.view") == []
