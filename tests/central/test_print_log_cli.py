"""Hall staff list what their terminals printed, and operations look up what a verification
code was issued for: `kiosk-central print-log list` and `kiosk-central document verify`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from central_bodies import new_key
from central_helpers import LI_SI, ZHANG_SAN, SignedApi
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from test_print_log import enroll_in, entry, send

from central.cli import main
from central.models import IssuedDocument

HALL = "晋城市政务服务中心"
BANK = "晋城银行泽州支行"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def printed(client: TestClient, app: FastAPI) -> tuple[SignedApi, SignedApi]:
    """Two terminals, one in the hall and one in a bank branch, and what they printed."""
    hall = enroll_in(client, app, HALL)
    bank = enroll_in(client, app, BANK, region="140525")
    for terminal, seq, at, number in [
        (hall, 1, "2026-11-20T09:00:00+08:00", "HALL-OLD"),
        (hall, 2, "2026-11-23T10:00:00+08:00", "HALL-MORNING"),
        (hall, 3, "2026-11-23T23:30:00+08:00", "HALL-NIGHT"),
        (bank, 1, "2026-11-22T15:00:00+08:00", "BANK-ONE"),
    ]:
        assert send(terminal, entry(seq=seq, at=at, doc_number=number)).status_code == 201
    return hall, bank


def _numbers(out: str) -> list[str]:
    return [
        word
        for line in out.splitlines()[1:]
        for word in line.split()
        if "-" in word and word.split("-")[0] in ("HALL", "BANK")
    ]


def test_a_hall_lists_only_its_own_terminals_newest_first(
    db_url: str, printed: tuple[SignedApi, SignedApi], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = cli(capsys, "print-log", "list", "--db", db_url, "--hall", HALL)
    assert status == 0
    header = out.splitlines()[0].split()
    assert header[:2] == ["TIME", "TERMINAL"] and header[-1] == "HALL"
    assert _numbers(out) == ["HALL-NIGHT", "HALL-MORNING", "HALL-OLD"]
    assert "2026-11-23 23:30:00" in out and "1101**********1233" in out
    assert "110101199003071233" not in out


def test_a_terminal_and_a_day_narrow_the_list(
    db_url: str, printed: tuple[SignedApi, SignedApi], capsys: pytest.CaptureFixture[str]
) -> None:
    hall, bank = printed
    _, out, _ = cli(capsys, "print-log", "list", "--db", db_url, "--terminal", bank.terminal_id)
    assert _numbers(out) == ["BANK-ONE"]
    _, out, _ = cli(
        capsys,
        "print-log",
        "list",
        "--db",
        db_url,
        "--since",
        "2026-11-23",
        "--until",
        "2026-11-23",
    )
    assert _numbers(out) == ["HALL-NIGHT", "HALL-MORNING"]  # --until takes the whole day
    _, out, _ = cli(
        capsys, "print-log", "list", "--db", db_url, "--since", "2026-11-22T12:00", "--limit", "2"
    )
    assert _numbers(out) == ["HALL-NIGHT", "HALL-MORNING"]


def test_the_list_as_json_carries_every_field(
    db_url: str, printed: tuple[SignedApi, SignedApi], capsys: pytest.CaptureFixture[str]
) -> None:
    hall, _ = printed
    status, out, _ = cli(capsys, "print-log", "list", "--db", db_url, "--hall", HALL, "--json")
    assert status == 0
    rows = json.loads(out)
    assert [r["doc_number"] for r in rows] == ["HALL-NIGHT", "HALL-MORNING", "HALL-OLD"]
    first = rows[0]
    assert first["terminal_id"] == hall.terminal_id and first["hall_name"] == HALL
    assert first["at"] == "2026-11-23T23:30:00+08:00"
    assert set(first) >= {
        "entry_id",
        "seq",
        "printer",
        "pages",
        "content_sha256",
        "result",
        "reason",
        "id_masked",
        "id_hash",
        "chain_hash",
        "received_at",
    }


def test_nothing_to_list_is_said_on_stderr(
    db_url: str, api: SignedApi, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(capsys, "print-log", "list", "--db", db_url, "--hall", "无此大厅")
    assert (status, out) == (0, "")
    assert "no print-log entries" in err


@pytest.mark.parametrize(
    "args", [["--since", "yesterday"], ["--until", "2026-13-01"], ["--limit", "0"]]
)
def test_a_bad_filter_is_one_line(
    db_url: str, api: SignedApi, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    status, out, err = cli(capsys, "print-log", "list", "--db", db_url, *args)
    assert status == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("kiosk-central: error: --")


def _issue(api: SignedApi, person: tuple[str, str] = ZHANG_SAN) -> dict[str, Any]:
    body = {"proof_code": "shebao_canbao", "id_number": person[0], "name": person[1]}
    response = api.post("/api/v1/proofs/issue", body, headers={"Idempotency-Key": new_key()})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_document_verify_shows_what_was_issued_masked(
    db_url: str, api: SignedApi, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _issue(api)
    typed = "-".join(doc["verification_code"].lower()[i : i + 5] for i in range(0, 20, 5))
    status, out, _ = cli(capsys, "document", "verify", typed, "--db", db_url)
    assert status == 0
    assert doc["document_number"] in out and "社会保险参保证明" in out
    assert f"by terminal {api.terminal_id}" in out
    assert "张*  1101**********1233" in out and "matches the stored content" in out
    assert "2023-11 | 4200.00" in out  # the table, row by row
    assert ZHANG_SAN[0] not in out and ZHANG_SAN[1] not in out
    status, out, _ = cli(
        capsys, "document", "verify", doc["verification_code"], "--db", db_url, "--json"
    )
    answer = json.loads(out)
    assert answer["content_intact"] is True
    assert answer["document"]["holder"] == {"name": "张*", "id_number": "1101**********1233"}


def test_document_verify_of_an_unknown_code_is_one_line(
    db_url: str, api: SignedApi, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(capsys, "document", "verify", "K7Q2M9XD4TPLH3VA8WQE", "--db", db_url)
    assert (status, out) == (1, "")
    assert err.strip() == (
        "kiosk-central: error: no document with verification code 'K7Q2M9XD4TPLH3VA8WQE'"
    )


def test_document_verify_notices_a_changed_document(
    db_url: str, api: SignedApi, app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _issue(api, LI_SI)
    with app.state.sessions() as session:
        session.execute(
            update(IssuedDocument)
            .where(IssuedDocument.verification_code == doc["verification_code"])
            .values(content={**doc, "title": "篡改"})
        )
        session.commit()
    status, out, err = cli(capsys, "document", "verify", doc["verification_code"], "--db", db_url)
    assert status == 1
    assert "MISMATCH" in out and "does not match its content hash" in err


@pytest.mark.parametrize("url", ["ftp://zwfw.example", "zwfw.example", "https://x.example/?a=1"])
def test_serve_refuses_a_bad_public_url_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setattr("central.cli._migrate", lambda _db: pytest.fail("must not get this far"))
    status, out, err = cli(capsys, "serve", "--db", "sqlite://", "--public-url", url)
    assert status == 1 and out == ""
    assert err.strip().startswith("kiosk-central: error: bad public URL")
