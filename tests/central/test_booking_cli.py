"""`kiosk-central hall list` and `appointment slots|book|cancel|list|sweep` (电话预约) as
staff use them: each with --json; every refusal exits 3 and prints exactly
{"error": REASON, "message": "..."}. The CLI uses the real clock, so dates are computed
from it and the years around today are made known first (booking_helpers.ensure_years)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from booking_helpers import (
    BIZ_LICENCE,
    JC,
    SOCIAL_CARD,
    autocommit,
    book_as_of,
    citizen,
    ensure_years,
    next_working_day,
)
from central_helpers import LI_SI, WANG_WU, ZHANG_SAN
from sqlalchemy import insert

from central.cli import main
from central.models_hall import BookingSuspension
from central.timeutil import to_beijing, utcnow
from tests.central.queue_helpers import HALL as QUEUE_TEST_HALL


@pytest.fixture(autouse=True)
def known_years(db_url: str) -> None:
    ensure_years(db_url, utcnow())


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def book_args(
    db_url: str,
    day: str,
    at: str = "09:00",
    who: tuple[str, str] = ZHANG_SAN,
    item: str = SOCIAL_CARD,
    hall: str = JC,
) -> list[str]:
    return [
        "appointment",
        "book",
        "--db",
        db_url,
        "--hall",
        hall,
        "--item",
        item,
        "--date",
        day,
        "--time",
        at,
        "--id-number",
        who[0],
        "--name",
        who[1],
        "--phone",
        "13800000000",
        "--json",
    ]


def refused(capsys: pytest.CaptureFixture[str], args: list[str], reason: str) -> None:
    status, out, err = cli(capsys, *args)
    assert status == 3, (out, err)
    body = json.loads(out)
    assert set(body) == {"error", "message"} and body["error"] == reason, body
    assert body["message"] and "Traceback" not in err


def test_hall_list_names_halls_items_categories_and_windows(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    status, out, _ = cli(capsys, "hall", "list", "--db", db_url, "--json")
    assert status == 0
    # The queue tests' own hall (tests/central/queue_helpers.py) stays in the shared
    # PostgreSQL database when they ran first; every other hall is the seed's.
    halls = {h["code"]: h for h in json.loads(out) if h["code"] != QUEUE_TEST_HALL}
    assert set(halls) == {"JC-ZWZX", "ZZ-ZWZX", "NC-BMZ"}
    jc = halls["JC-ZWZX"]
    assert jc["name"] == "晋城市政务服务中心" and len(jc["windows"]) == 8
    assert [c["code"] for c in jc["categories"]] == ["A", "B", "C"]
    assert {i["code"] for i in jc["items"]} >= {SOCIAL_CARD, BIZ_LICENCE}
    assert all(i["name"] and i["category"] in "ABC" for i in jc["items"])
    assert [c["code"] for c in halls["NC-BMZ"]["categories"]] == ["A"]
    status, out, _ = cli(capsys, "hall", "list", "--db", db_url)
    assert "晋城市政务服务中心" in out and "社会保障卡补领" in out


def test_a_phone_booking_is_listed_masked_and_cancelled(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    day = next_working_day(db_url, utcnow()).isoformat()
    status, out, _ = cli(
        capsys,
        "appointment",
        "slots",
        "--db",
        db_url,
        "--hall",
        JC,
        "--item",
        SOCIAL_CARD,
        "--date",
        day,
        "--json",
    )
    assert status == 0
    slots = json.loads(out)
    assert slots[0] == {
        **slots[0],
        "time": "09:00",
        "end": "09:30",
        "session": "regular",
        "capacity": 5,
        "remaining": 5,
    }
    assert [s["session"] for s in slots].count("cuoshi") == 3
    status, out, err = cli(capsys, *book_args(db_url, day))
    assert status == 0, err
    appointment = json.loads(out)
    assert appointment["code"].startswith("YY140500") and appointment["qr"].startswith(
        "TONGBAN-APPT:"
    )
    assert appointment["status"] == "booked" and appointment["name_masked"] == "张*"
    status, out, _ = cli(
        capsys, "appointment", "list", "--db", db_url, "--hall", JC, "--date", day, "--json"
    )
    listed = json.loads(out)
    assert [a["code"] for a in listed] == [appointment["code"]]
    assert ZHANG_SAN[0] not in out and ZHANG_SAN[1] not in out
    status, out, _ = cli(
        capsys, "appointment", "cancel", appointment["code"], "--db", db_url, "--json"
    )
    assert status == 0 and json.loads(out)["status"] == "cancelled"
    status, out, _ = cli(capsys, "appointment", "list", "--db", db_url, "--hall", JC, "--date", day)
    assert "cancelled" in out and "张*" in out and ZHANG_SAN[0] not in out


def test_every_refusal_exits_3_with_its_reason(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    now = utcnow()
    today = to_beijing(now).date()
    day = next_working_day(db_url, now)
    d = day.isoformat()
    refused(capsys, book_args(db_url, today.isoformat()), "too_soon")
    refused(capsys, book_args(db_url, (today + timedelta(days=40)).isoformat()), "too_far")
    refused(capsys, book_args(db_url, d, "07:30"), "closed")
    refused(capsys, book_args(db_url, "2099-03-04"), "calendar_unknown")
    refused(capsys, book_args(db_url, d, who=("110101199003071234", "张三")), "invalid_id")
    refused(capsys, book_args(db_url, d, hall="XX-NONE"), "not_found")
    refused(capsys, book_args(db_url, d, item="11140500MB1947258A4000301009"), "not_found")
    refused(
        capsys,
        ["appointment", "cancel", "YY14050020991231000999", "--db", db_url, "--json"],
        "not_found",
    )
    for n in range(2):  # the 12:00 错时 slot has 2 places
        assert cli(capsys, *book_args(db_url, d, "12:00", (citizen(n), "测试")))[0] == 0
    refused(capsys, book_args(db_url, d, "12:00", LI_SI), "full")
    assert cli(capsys, *book_args(db_url, d, "09:00", LI_SI))[0] == 0
    refused(capsys, book_args(db_url, d, "10:00", LI_SI), "duplicate")
    with autocommit(db_url) as conn:
        conn.execute(
            insert(BookingSuspension).values(
                person_id_number=WANG_WU[0],
                hall_code=JC,
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=29),
                lifted=False,
            )
        )
    refused(capsys, book_args(db_url, d, who=WANG_WU), "suspended")
    status, _out, err = cli(capsys, *book_args(db_url, d, who=WANG_WU)[:-1])
    assert status == 3 and "refused (suspended)" in err and "until" in err


def test_too_late_to_cancel_once_it_has_begun(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    past = next_working_day(db_url, utcnow(), skip=-1)
    made = datetime.combine(past - timedelta(days=3), datetime.min.time())  # naive UTC, 08:00 BJ
    appointment = book_as_of(db_url, made, past, "09:00", ZHANG_SAN)
    refused(
        capsys, ["appointment", "cancel", appointment["code"], "--db", db_url, "--json"], "too_late"
    )


def test_sweep_records_no_shows(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    past = next_working_day(db_url, utcnow(), skip=-1)
    made = datetime.combine(past - timedelta(days=3), datetime.min.time())
    for n, at in enumerate(("09:00", "09:30", "10:00")):
        book_as_of(db_url, made, past, at, (citizen(n), "测试"))
    status, out, _ = cli(capsys, "appointment", "sweep", "--db", db_url, "--hall", JC, "--json")
    assert status == 0 and json.loads(out) == {"no_shows": 3, "suspended": 0}
    status, out, _ = cli(
        capsys,
        "appointment",
        "list",
        "--db",
        db_url,
        "--hall",
        JC,
        "--date",
        past.isoformat(),
        "--json",
    )
    assert [a["status"] for a in json.loads(out)] == ["no_show"] * 3


def test_bad_input_is_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    status, _out, err = cli(
        capsys,
        "appointment",
        "slots",
        "--db",
        db_url,
        "--hall",
        JC,
        "--item",
        SOCIAL_CARD,
        "--date",
        "tomorrow",
    )
    assert status == 2 and "--date must be a date" in err
    args: list[Any] = book_args(db_url, "2026-03-04")
    args[args.index("--phone") + 1] = "call me"
    status, _out, err = cli(capsys, *args)
    assert status == 2 and "--phone" in err
