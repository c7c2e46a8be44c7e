"""`kiosk-central application advance` (central/cli_applications.py): its output, --json,
and refusals as exit 2 with the reason (one line on stderr, or a JSON error object)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from casework_helpers import collect, filed, hukou_proof
from central_helpers import ZHANG_SAN, SignedApi

from central.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["application", "advance", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_advance_prints_the_number_and_the_new_status(
    api: SignedApi, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    number = filed(api, collect(ZHANG_SAN))["application_number"]
    assert _run(capsys, number, "--db", db_url) == (0, f"{number} 形式审查\n", "")
    status, out, err = _run(capsys, number, "--db", db_url, "--tracking-number", "SF42", "--json")
    assert (status, err) == (0, "")
    body: dict[str, Any] = json.loads(out)
    assert body["status"] == "寄递" and body["timeline"][-1]["tracking_number"] == "SF42"
    assert body["check_code"] and body["mode"] == "异地代收"


def test_a_refusal_exits_2_naming_the_reason(
    api: SignedApi, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    number = filed(api, collect(ZHANG_SAN))["application_number"]
    _run(capsys, number, "--db", db_url)
    status, out, err = _run(capsys, number, "--db", db_url)
    assert (status, out) == (2, "")
    assert err.startswith("kiosk-central: error: tracking_number_required: ")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    status, out, err = _run(capsys, number, "--db", db_url, "--json")
    assert (status, err) == (2, "")
    refusal = json.loads(out)
    assert refusal["error"] == "tracking_number_required" and "--tracking-number" in refusal["message"]
    status, out, _ = _run(capsys, "14050020990101000001", "--db", db_url, "--json")
    assert status == 2 and json.loads(out)["error"] == "not_found"


def test_parts_by_seq_and_parts_pending(
    api: SignedApi, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    number = filed(api, hukou_proof(ZHANG_SAN))["application_number"]
    assert _run(capsys, number, "--db", db_url, "--part", "2") == (
        0, f"{number} 受理 part 2 办理\n", ""
    )
    status, out, _ = _run(capsys, number, "--db", db_url, "--json")
    assert status == 2 and json.loads(out)["error"] == "parts_pending"
    status, _, err = _run(capsys, number, "--db", db_url, "--part", "9")
    assert status == 2 and "unknown_part" in err
