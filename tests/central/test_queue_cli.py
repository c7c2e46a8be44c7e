"""`kiosk-central queue ...`: JSON output and exit codes (docs/hall-day.md), both back ends."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from central_helpers import WANG_WU, ZHANG_SAN
from sqlalchemy import create_engine, select

from central.cli import main
from central.models_queue import HallStaff
from central.queue_staff import verify_password
from tests.central.queue_helpers import HALL, make_hall


def run(capsys: pytest.CaptureFixture[str], db_url: str, *args: str) -> tuple[int, Any]:
    code = main(["queue", *args, "--db", db_url, "--hall", HALL, "--json"])
    out = capsys.readouterr().out.strip()
    return code, json.loads(out) if out else None


@pytest.fixture
def hall(db_url: str) -> str:
    make_hall(db_url)
    return db_url


def test_take_call_recall_skip_finish_transfer(
    hall: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, ticket = run(capsys, hall, "take", "--category", "a")
    assert code == 0 and ticket["label"] == "A001" and ticket["people_ahead"] == 0
    assert set(ticket) >= {
        "label", "category", "category_name", "kind", "people_ahead", "estimated_wait_minutes",
        "hall", "hall_name", "day", "taken_at", "offline", "follow_url",
    }  # fmt: skip
    code, called = run(capsys, hall, "call", "--window", "1")
    assert code == 0
    assert {k: called[k] for k in ("label", "window", "window_name", "category", "kind", "calls")} == {
        "label": "A001", "window": 1, "window_name": "综合窗口", "category": "A",
        "kind": "normal", "calls": 1,
    }  # fmt: skip
    code, refused = run(capsys, hall, "skip", "--window", "1")
    assert code == 3 and refused["error"] == "too_soon"
    for expected in (2, 3):
        code, again = run(capsys, hall, "recall", "--window", "1")
        assert code == 0 and again["calls"] == expected
    code, skipped = run(capsys, hall, "skip", "--window", "1")
    assert code == 0 and skipped["status"] == "skipped"
    run(capsys, hall, "take", "--category", "A")
    run(capsys, hall, "call", "--window", "1")
    code, moved = run(capsys, hall, "transfer", "--window", "1", "--category", "C")
    assert code == 0 and moved["label"] == "C001"
    code, called = run(capsys, hall, "call", "--window", "3")
    assert called["label"] == "C001"
    code, done = run(capsys, hall, "finish", "--window", "3")
    assert code == 0 and done["status"] == "done"
    code, status = run(capsys, hall, "status")
    assert code == 0 and status["hall"] == HALL
    assert [w["current"] for w in status["windows"]] == [None, None, None]


def test_an_empty_queue_exits_3_with_error_empty(
    hall: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, body = run(capsys, hall, "call", "--window", "2")
    assert code == 3 and body["error"] == "empty" and body["message"]


def test_the_id_number_gives_the_green_channel_and_a_bad_one_exits_3(
    hall: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 王五 was born 1962-08-15: 65 from 2027-08-15; the hall's day is today's real date,
    # so only a clearly old and a clearly young person are used: 1950 and 1990.
    old = "11010119500307123X"
    from stdnum.cn import ric

    from central.ids import check_id_number

    old = old[:17] + ric.calc_check_digit(old[:17] + "0")
    assert check_id_number(old) is None
    code, ticket = run(capsys, hall, "take", "--category", "A", "--id-number", old)
    assert code == 0 and ticket["kind"] == "green"
    code, ticket = run(capsys, hall, "take", "--category", "A", "--id-number", ZHANG_SAN[0])
    assert code == 0 and ticket["kind"] == "normal"
    code, refused = run(
        capsys, hall, "take", "--category", "A", "--id-number", WANG_WU[0][:-1] + "9"
    )
    assert code == 3 and refused["error"] == "invalid_id"
    assert WANG_WU[0][:10] not in json.dumps(refused)
    code, refused = run(capsys, hall, "take", "--category", "Q")
    assert code == 3 and refused["error"] == "not_found"


def test_staff_add_reads_the_password_from_stdin(
    hall: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    code, added = run(capsys, hall, "staff-add", "--login", "clerk7", "--name", "王丽")
    assert code == 0 and added == {"hall": HALL, "login": "clerk7", "name": "王丽"}
    engine = create_engine(hall)
    with engine.connect() as conn:
        stored = conn.execute(
            select(HallStaff.password_hash).where(HallStaff.login == "clerk7")
        ).scalar()
    engine.dispose()
    assert stored and stored.startswith("scrypt$") and "correct horse" not in stored
    assert verify_password("correct horse", stored) and not verify_password("wrong", stored)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, refused = run(capsys, hall, "staff-add", "--login", "clerk8", "--name", "李")
    assert code == 3 and refused["error"] == "validation_failed"
    monkeypatch.setattr("sys.stdin", io.StringIO("another one\n"))
    code, refused = run(capsys, hall, "staff-add", "--login", "clerk7", "--name", "王丽")
    assert code == 3 and refused["error"] == "duplicate"
