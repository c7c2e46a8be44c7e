"""Operations make codes for tests and the demo: `kiosk-central appointment issue`, `eid
issue` and `code-key list|rotate|retire`. Each issue command prints only the code on
stdout, and the code works: it verifies with the published key, or resolves once."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from central_bodies import new_key
from central_helpers import ZHANG_SAN, SignedApi
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, delete
from sqlalchemy.orm import Session
from test_codes import verify_by_contract

from central.cli import main
from central.models import Appointment, CodeSigningKey, IdentityToken
from central.models_hall import Booking

PENSION = "11140500MB1947036N4000111001"
HALL = "晋城市政务服务中心"


@pytest.fixture(autouse=True)
def no_codes_yet(db_url: str) -> None:
    """The PostgreSQL database is shared between tests: start without keys or codes."""
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            for model in (IdentityToken, Booking, Appointment, CodeSigningKey):
                session.execute(delete(model))
            session.commit()
    finally:
        engine.dispose()


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_an_appointment_code_from_the_cli_verifies_with_the_published_key(
    db_url: str, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(
        capsys, "appointment", "issue", "--db", db_url, "--item", PENSION, "--hall", HALL,
        "--start", "2026-11-24T09:30", "--minutes", "20", "--person", ZHANG_SAN[0],
    )  # fmt: skip
    assert status == 0, err
    [code] = out.splitlines()
    payload = verify_by_contract(code, client.get("/api/v1/keys/codes").json())
    assert (payload["hall"], payload["start"], payload["end"]) == (
        HALL,
        "2026-11-24T09:30:00+08:00",
        "2026-11-24T09:50:00+08:00",
    )
    assert payload["id"] in err and "城乡居民基本养老保险参保登记" in err
    assert ZHANG_SAN[0] not in out + err


def test_an_electronic_id_code_from_the_cli_resolves_once(
    db_url: str, api: SignedApi, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(capsys, "eid", "issue", "--db", db_url, "--id-number", ZHANG_SAN[0])
    assert status == 0, err
    [code] = out.splitlines()
    assert code.startswith("TONGBAN-EID:") and "1101**********1233" in err
    assert ZHANG_SAN[0] not in err and ZHANG_SAN[1] not in err
    resolve = "/api/v1/identity/resolve"
    first = api.post(resolve, {"code": code}, headers={"Idempotency-Key": new_key()})
    assert first.json()["name"] == ZHANG_SAN[1]
    again = api.post(resolve, {"code": code}, headers={"Idempotency-Key": new_key()})
    assert again.status_code == 410


def test_a_social_security_card_code_has_its_own_prefix(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("eid", "issue", "--db", db_url, "--id-number", ZHANG_SAN[0], "--kind", "essc")
    status, out, _ = cli(capsys, *args)
    assert status == 0 and out.startswith("TONGBAN-ESSC:")


def test_keys_are_listed_rotated_and_retired(
    db_url: str, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = cli(capsys, "code-key", "list", "--db", db_url)
    assert status == 0 and "no code signing key yet" in err
    first = client.get("/api/v1/keys/codes").json()["keys"][0]["kid"]
    status, out, _ = cli(capsys, "code-key", "rotate", "--db", db_url)
    second = out.strip()
    assert status == 0 and len(second) == 16 and second != first
    status, out, _ = cli(capsys, "code-key", "list", "--db", db_url)
    lines = out.splitlines()
    assert lines[1].split()[:2] == [second, "current"] and lines[2].split()[:2] == [first, "live"]

    assert cli(capsys, "code-key", "retire", "--db", db_url, first)[0] == 0
    assert [k["kid"] for k in client.get("/api/v1/keys/codes").json()["keys"]] == [second]
    status, _, err = cli(capsys, "code-key", "retire", "--db", db_url, first)
    assert status == 1 and "no live code signing key" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("appointment", "issue", "--item", "NOPE", "--hall", HALL, "--start", "2026-11-24T09:30"),
         "no item 'NOPE' in the current catalogue"),
        (("appointment", "issue", "--item", PENSION, "--hall", HALL, "--start", "tomorrow"),
         "--start: expected a date"),
        (("eid", "issue", "--id-number", "110101199003071234"), "no person with this ID number"),
        (("eid", "issue", "--id-number", ZHANG_SAN[0], "--minutes", "600"), "validity"),
    ],
)  # fmt: skip
def test_a_command_that_cannot_be_done_says_why_in_one_line(
    db_url: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    status, out, err = cli(capsys, *args, "--db", db_url)
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_the_installed_command_prints_only_the_code(db_url: str, tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "kiosk-central"
    done = subprocess.run(
        [str(exe), "eid", "issue", "--db", db_url, "--id-number", ZHANG_SAN[0]],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().removeprefix("TONGBAN-EID:")
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 24
    assert json.dumps(done.stdout).count("\\n") == 1
