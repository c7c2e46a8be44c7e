"""The working calendar: kinds of dates (调休 included, as chinese-calendar has them),
unknown years, working-day arithmetic, importing a year's notice (validated), seeding."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from sqlalchemy import create_engine, delete, select

from central.calendar import (
    DEMO_SOURCE,
    load_calendar,
    package_years,
    seed_demo_years,
    seed_known_years,
)
from central.cli import main
from central.models_hall import CalendarDay, CalendarYear
from central.timeutil import to_beijing, utcnow

PACKAGE = f"chinese-calendar {chinese_calendar.__version__}"
TEST_YEAR = 2091  # imported by these tests only, as test data; removed afterwards


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def calendar_json(capsys: pytest.CaptureFixture[str], db_url: str, *args: str) -> dict[str, Any]:
    status, out, err = cli(capsys, "calendar", *args, "--db", db_url, "--json")
    assert status == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


@pytest.fixture
def cleanup_years(db_url: str) -> object:
    yield None
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for year in (TEST_YEAR, 2092):
            conn.execute(
                delete(CalendarDay).where(
                    CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))
                )
            )
            conn.execute(delete(CalendarYear).where(CalendarYear.year == year))
    engine.dispose()


@pytest.mark.parametrize(
    ("day", "kind", "name"),
    [
        ("2026-02-13", "workday", None),  # Friday before 春节
        ("2026-02-14", "make_up_workday", "春节调休"),  # a Saturday worked (调休)
        ("2026-02-16", "holiday", "春节"),  # Monday off
        ("2026-02-28", "make_up_workday", "春节调休"),
        ("2026-03-07", "weekend", None),
        ("2026-10-01", "holiday", "国庆节"),
        ("2026-10-10", "make_up_workday", "国庆节调休"),
        ("2099-03-02", "unknown", None),  # chinese-calendar does not know it, nor do we
    ],
)
def test_a_dates_kind_is_what_the_state_council_notice_says(
    capsys: pytest.CaptureFixture[str], db_url: str, day: str, kind: str, name: str | None
) -> None:
    result = calendar_json(capsys, db_url, day)
    assert (result["kind"], result["name"]) == (kind, name)
    assert result["source"] == (None if kind == "unknown" else PACKAGE)


def test_the_seeded_calendar_matches_chinese_calendar_day_by_day(db_url: str) -> None:
    import chinese_calendar

    engine = create_engine(db_url)
    with engine.connect() as conn:
        cal = load_calendar(conn, [2024, 2025, 2026])
    engine.dispose()
    day = date(2024, 1, 1)
    while day <= date(2026, 12, 31):
        assert cal.is_working(day) == chinese_calendar.is_workday(day), day
        day = day.fromordinal(day.toordinal() + 1)


def test_plus_workdays_skips_holidays_and_counts_make_up_workdays(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    # 2026-02-13 (Fri) + 1: Sat 14th is a make-up workday.
    assert (
        calendar_json(capsys, db_url, "2026-02-13", "--plus-workdays", "1")["plus_workdays"]
        == "2026-02-14"
    )
    # + 2: the 春节 holiday 15th-23rd is skipped: Tue 24th.
    assert (
        calendar_json(capsys, db_url, "2026-02-13", "--plus-workdays", "2")["plus_workdays"]
        == "2026-02-24"
    )
    # 国庆: Sep 30 (Wed) + 1 -> Oct 8 (Thu), after the 1st-7th holiday.
    assert (
        calendar_json(capsys, db_url, "2026-09-30", "--plus-workdays", "1")["plus_workdays"]
        == "2026-10-08"
    )
    assert (
        calendar_json(capsys, db_url, "2026-09-30", "--plus-workdays", "0")["plus_workdays"]
        == "2026-09-30"
    )
    # Crossing into a year nobody knows: unknown, not guessed.
    assert (
        calendar_json(capsys, db_url, "2098-12-30", "--plus-workdays", "5")["plus_workdays"] is None
    )


def test_the_calendar_shows_a_halls_sessions_that_day(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    saturday = calendar_json(capsys, db_url, "2026-03-07", "--hall", "JC-ZWZX")
    assert [(s["kind"], s["start"], s["end"]) for s in saturday["sessions"]] == [
        ("wuxiu", "09:00", "12:00")
    ]
    made_up = calendar_json(capsys, db_url, "2026-02-14", "--hall", "JC-ZWZX")
    assert {s["kind"] for s in made_up["sessions"]} == {"regular", "cuoshi"}
    county = calendar_json(capsys, db_url, "2026-03-09", "--hall", "ZZ-ZWZX")
    assert ("cuoshi", "17:30", "19:00") in [
        (s["kind"], s["start"], s["end"]) for s in county["sessions"]
    ]
    assert calendar_json(capsys, db_url, "2026-02-16", "--hall", "JC-ZWZX")["sessions"] == []


@pytest.mark.usefixtures("cleanup_years")
def test_a_years_notice_is_imported_and_its_source_shown(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    notice = tmp_path / "2091.toml"
    notice.write_text(
        f'year = {TEST_YEAR}\nsource = "test data: a notice for {TEST_YEAR}"\n'
        '[[holidays]]\ndate = "2091-01-01"\nname = "元旦"\n'
        '[[holidays]]\ndate = "2091-01-02"\nname = "元旦"\n'
        '[[make_up_workdays]]\ndate = "2091-01-06"\nname = "元旦调休"\n',
        encoding="utf-8",
    )
    assert calendar_json(capsys, db_url, "2091-01-01")["kind"] == "unknown"
    status, out, err = cli(capsys, "calendar", "import", str(notice), "--db", db_url, "--json")
    assert status == 0, err
    assert json.loads(out) == {
        "year": TEST_YEAR,
        "source": f"test data: a notice for {TEST_YEAR}",
        "holidays": 2,
        "make_up_workdays": 1,
    }
    day = calendar_json(capsys, db_url, "2091-01-01")
    assert (day["kind"], day["source"]) == ("holiday", f"test data: a notice for {TEST_YEAR}")
    assert calendar_json(capsys, db_url, "2091-01-06")["kind"] == "make_up_workday"  # a Saturday
    assert calendar_json(capsys, db_url, "2091-01-08")["kind"] == "workday"
    status, out, _ = cli(capsys, "calendar", "2091-01-01", "--db", db_url)
    assert "holiday 元旦" in out and "test data: a notice" in out
    # JSON works as well, and replaces the year.
    as_json = tmp_path / "2091.json"
    as_json.write_text(
        json.dumps({"year": TEST_YEAR, "source": "test data: revised", "holidays": []})
    )
    assert cli(capsys, "calendar", "import", str(as_json), "--db", db_url)[0] == 0
    assert calendar_json(capsys, db_url, "2091-01-01")["kind"] == "workday"


def test_a_bad_year_file_is_refused_with_every_error_listed(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'year = 2092\nsource = "test data"\n'
        '[[holidays]]\ndate = "2093-01-01"\nname = "元旦"\n'  # not in the year
        '[[holidays]]\ndate = "2092-01-07"\nname = "元旦"\n'
        '[[make_up_workdays]]\ndate = "2092-01-08"\nname = "调休"\n'  # a Tuesday
        '[[make_up_workdays]]\ndate = "2092-01-07"\nname = "调休"\n',  # both
        encoding="utf-8",
    )
    status, out, err = cli(capsys, "calendar", "import", str(bad), "--db", db_url, "--json")
    assert status == 2
    errors = json.loads(out)["errors"]
    assert any("2093-01-01: not in 2092" in e for e in errors)
    assert any("2092-01-08: a make-up workday must be a Saturday or Sunday" in e for e in errors)
    assert any("2092-01-07: already listed in holidays" in e for e in errors)
    assert "Traceback" not in err and "not a valid calendar year file" in err
    garbage = tmp_path / "garbage.toml"
    garbage.write_text("year = \n", encoding="utf-8")
    assert cli(capsys, "calendar", "import", str(garbage), "--db", db_url)[0] == 2
    missing = tmp_path / "nope.json"
    missing.write_text('{"year": "twenty", "holidays": [{"date": "x"}], "extra": 1}')
    status, _out, err = cli(capsys, "calendar", "import", str(missing), "--db", db_url)
    assert status == 2
    for field in ("year", "source", "holidays.0.date", "holidays.0.name", "extra"):
        assert f"  - {field}:" in err, err
    assert calendar_json(capsys, db_url, "2092-01-07")["kind"] == "unknown"  # nothing written
    assert cli(capsys, "calendar", "someday", "--db", db_url)[0] == 2


def test_seeding_is_idempotent_and_demo_years_are_labelled(db_url: str) -> None:
    engine = create_engine(db_url)
    now = datetime(2026, 12, 6, 4, 0)
    try:
        with engine.begin() as conn:
            assert seed_known_years(conn, now) == 0  # the fixture's seed added them all
            years = dict(conn.execute(select(CalendarYear.year, CalendarYear.source)).all())
            assert set(package_years()) <= set(years)
            assert all(years[y].startswith("chinese-calendar") for y in package_years())
            # Other tests may have imported 2027 as test data: not in this transaction.
            conn.execute(delete(CalendarDay).where(CalendarDay.day >= date(2027, 1, 1)))
            conn.execute(delete(CalendarYear).where(CalendarYear.year == 2027))
            assert seed_demo_years(conn, date(2026, 12, 6), now) == [2027]
            assert seed_demo_years(conn, date(2026, 12, 6), now) == []
            source = conn.scalar(select(CalendarYear.source).where(CalendarYear.year == 2027))
            assert source == DEMO_SOURCE
            conn.rollback()  # the demo year stays out of the shared database
    finally:
        engine.dispose()


def test_the_demos_seed_knows_this_year_and_the_next_labelled(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`kiosk-central seed` on the demo's SQLite database: booking works whatever the date,
    and a year chinese-calendar does not know says it is demo data."""
    db = str(tmp_path / "demo.db")
    assert cli(capsys, "seed", "--db", db)[0] == 0
    this_year = to_beijing(utcnow()).year
    for year in (this_year, this_year + 1):
        source = calendar_json(capsys, db, f"{year}-06-01")["source"]
        expected = PACKAGE if year in package_years() else DEMO_SOURCE
        assert source == expected, year
    assert calendar_json(capsys, db, f"{this_year + 2}-06-01")["kind"] == "unknown" or (
        this_year + 2 in package_years()
    )
