"""The booking rules of docs/hall-day.md, judged by the engine at a fixed `now` (dates of
2026, which chinese-calendar knows): 24 h ahead, 7 working days, sessions (错时, 无休, 调休
days, holidays), one booking per person, item and day, cancelling up to 2 h before, and
no-shows leading to a suspension."""

from __future__ import annotations

from datetime import date

import pytest
from booking_helpers import (
    BIZ_LICENCE,
    DISABILITY,
    JC,
    NC,
    SOCIAL_CARD,
    ZZ,
    autocommit,
    beijing,
    book_as_of,
    citizen,
)
from central_helpers import LI_SI, ZHANG_SAN
from sqlalchemy import func, select

from central.booking import BookRequest, book
from central.booking_lists import cancel, mine
from central.booking_noshow import sweep
from central.booking_slots import Refused, days_view, slots_view
from central.halls import load_hall
from central.models_hall import BookingSuspension

MONDAY = beijing("2026-03-02 10:00")  # today for the hall: Monday 2 March 2026


def refused(
    db_url: str,
    now_text: str | None,
    day: str,
    at: str,
    who: tuple[str, str] = ZHANG_SAN,
    item: str = SOCIAL_CARD,
    hall: str = JC,
) -> str:
    now = beijing(now_text) if now_text else MONDAY
    with pytest.raises(Refused) as caught, autocommit(db_url) as conn:
        book(conn, BookRequest(hall, item, date.fromisoformat(day), at, who[0], who[1]), now)
    return caught.value.reason


def test_at_least_24_hours_ahead(db_url: str) -> None:
    assert refused(db_url, None, "2026-03-03", "09:00") == "too_soon"  # 23 h
    assert refused(db_url, None, "2026-03-02", "16:00") == "too_soon"  # today
    assert refused(db_url, None, "2026-02-27", "09:00") == "too_soon"  # past
    assert refused(db_url, None, "1999-03-02", "09:00") == "too_soon"  # past, unknown year
    assert book_as_of(db_url, MONDAY, date(2026, 3, 3), "10:00", ZHANG_SAN)["status"] == "booked"


def test_at_most_7_working_days_ahead_with_wuxiu_saturdays_between(db_url: str) -> None:
    assert book_as_of(db_url, MONDAY, date(2026, 3, 11), "09:00", ZHANG_SAN)["date"] == "2026-03-11"
    assert refused(db_url, None, "2026-03-12", "09:00", LI_SI) == "too_far"
    # Saturday 7 March is before the limit and has a 无休 morning.
    saturday = book_as_of(db_url, MONDAY, date(2026, 3, 7), "09:30", LI_SI)
    assert saturday["session"] == "wuxiu"
    assert refused(db_url, None, "2026-03-14", "09:00", LI_SI) == "too_far"


def test_sessions_decide_what_is_open(db_url: str) -> None:
    assert refused(db_url, None, "2026-03-08", "09:00") == "closed"  # Sunday: no 无休
    assert (
        refused(db_url, None, "2026-03-07", "09:00", item=BIZ_LICENCE) == "closed"
    )  # not a 无休 item
    assert refused(db_url, None, "2026-03-07", "13:30") == "closed"  # 无休 is mornings only
    assert refused(db_url, None, "2026-03-04", "08:30") == "closed"
    assert refused(db_url, None, "2026-03-04", "09:15") == "closed"  # not a slot start
    assert refused(db_url, None, "2026-03-04", "9am") == "closed"
    cuoshi = book_as_of(db_url, MONDAY, date(2026, 3, 4), "12:30", ZHANG_SAN)
    assert cuoshi["session"] == "cuoshi" and cuoshi["end"] == "13:00"
    evening = book_as_of(db_url, MONDAY, date(2026, 3, 4), "18:30", ZHANG_SAN, DISABILITY, ZZ)
    assert (evening["session"], evening["end"], evening["hall_name"]) == (
        "cuoshi",
        "19:00",
        "泽州县政务服务中心",
    )
    assert refused(db_url, None, "2026-03-04", "18:00", LI_SI, DISABILITY, NC) == "closed"


def test_tiaoxiu_saturday_is_a_working_day_and_the_holiday_is_closed(db_url: str) -> None:
    now = beijing("2026-02-10 10:00")
    made_up = book_as_of(db_url, now, date(2026, 2, 14), "09:00", ZHANG_SAN, BIZ_LICENCE)
    assert made_up["session"] == "regular"
    assert refused(db_url, "2026-02-10 10:00", "2026-02-16", "09:00") == "closed"  # 春节
    with autocommit(db_url) as conn:
        plan = load_hall(conn, JC)
        assert plan is not None
        days = days_view(conn, plan, SOCIAL_CARD, date(2026, 2, 12), 15, now)["days"]
    by_date = {d["date"]: d for d in days}
    assert by_date["2026-02-14"]["kind"] == "make_up_workday"
    assert by_date["2026-02-14"]["sessions"] == ["regular", "cuoshi"]
    assert by_date["2026-02-16"] | {} == {
        **by_date["2026-02-16"],
        "kind": "holiday",
        "name": "春节",
        "bookable": False,
        "reason": "closed",
    }
    # 7 working days from Tue 10 Feb: 11, 12, 13, 14 (调休), 24, 25, 26.
    assert by_date["2026-02-26"]["bookable"] and by_date["2026-02-25"]["bookable"]
    # A Saturday inside 春节 is a holiday, and JC-ZWZX's 无休 Saturday morning is held.
    saturday = by_date["2026-02-21"]
    assert (saturday["kind"], saturday["sessions"], saturday["bookable"]) == (
        "holiday",
        ["wuxiu"],
        True,
    )
    with autocommit(db_url) as conn:
        plan = load_hall(conn, JC)
        assert plan is not None
        later = days_view(conn, plan, SOCIAL_CARD, date(2026, 2, 26), 3, now)["days"]
    assert [d["reason"] for d in later] == [None, "too_far", "too_far"]


def test_unknown_year_is_refused_not_guessed(db_url: str) -> None:
    assert refused(db_url, "2099-03-02 10:00", "2099-03-04", "09:00") == "calendar_unknown"
    with autocommit(db_url) as conn:
        plan = load_hall(conn, JC)
        assert plan is not None
        view = slots_view(conn, plan, SOCIAL_CARD, date(2099, 3, 4), MONDAY)
    assert (view["kind"], view["slots"], view["reason"]) == ("unknown", [], "calendar_unknown")


def test_one_active_booking_per_person_item_and_day(db_url: str) -> None:
    first = book_as_of(db_url, MONDAY, date(2026, 3, 4), "09:00", ZHANG_SAN)
    assert refused(db_url, None, "2026-03-04", "15:00") == "duplicate"
    book_as_of(db_url, MONDAY, date(2026, 3, 5), "09:00", ZHANG_SAN)  # another day
    book_as_of(db_url, MONDAY, date(2026, 3, 4), "09:00", ZHANG_SAN, BIZ_LICENCE)  # another item
    with autocommit(db_url) as conn:
        cancel(conn, first["code"], MONDAY)
    book_as_of(db_url, MONDAY, date(2026, 3, 4), "15:00", ZHANG_SAN)  # cancelled: no longer active


def test_cancel_up_to_two_hours_before(db_url: str) -> None:
    a = book_as_of(db_url, MONDAY, date(2026, 3, 4), "09:00", ZHANG_SAN)
    b = book_as_of(db_url, MONDAY, date(2026, 3, 4), "09:00", LI_SI)
    assert a["cancel_until"] == "2026-03-04T07:00:00+08:00"
    with autocommit(db_url) as conn:
        assert (
            cancel(conn, a["code"], beijing("2026-03-04 07:00"), ZHANG_SAN[0])["status"]
            == "cancelled"
        )
        with pytest.raises(Refused) as late:
            cancel(conn, b["code"], beijing("2026-03-04 07:01"), LI_SI[0])
        assert late.value.reason == "too_late"
        with pytest.raises(Refused) as other:
            cancel(conn, b["code"], MONDAY, ZHANG_SAN[0])
        assert other.value.reason == "not_found"
        with pytest.raises(Refused) as nothing:
            cancel(conn, "YY14050020260304999999", MONDAY)
        assert nothing.value.reason == "not_found"
        plan = load_hall(conn, JC)
        assert plan is not None
        nine = slots_view(conn, plan, SOCIAL_CARD, date(2026, 3, 4), MONDAY)["slots"][0]
    assert (nine["time"], nine["remaining"]) == ("09:00", 4)


def test_three_no_shows_in_90_days_suspend_booking_for_30_days(db_url: str) -> None:
    sunday = beijing("2026-03-01 08:00")
    who = (citizen(7), "赵六")
    for day in (3, 4, 5):
        book_as_of(db_url, sunday, date(2026, 3, day), "09:00", who)
    kept = book_as_of(db_url, sunday, date(2026, 3, 5), "09:00", ZHANG_SAN)
    with autocommit(db_url) as conn:
        assert sweep(conn, beijing("2026-03-04 09:29")) == (1, 0)
        assert sweep(conn, beijing("2026-03-05 09:30")) == (3, 1)  # 赵六's 2nd and 3rd, 张三's
        assert sweep(conn, beijing("2026-03-05 10:00")) == (0, 0)
        statuses = [a["status"] for a in mine(conn, who[0], who[1], sunday)]
        assert statuses == ["no_show"] * 3
        assert conn.scalar(select(func.count()).select_from(BookingSuspension)) == 1
    assert kept["code"]
    assert refused(db_url, "2026-03-05 10:00", "2026-03-09", "09:00", who) == "suspended"
    with pytest.raises(Refused) as caught, autocommit(db_url) as conn:
        book(
            conn,
            BookRequest(JC, SOCIAL_CARD, date(2026, 3, 9), "09:00", *who),
            beijing("2026-03-05 10:00"),
        )
    assert "2026-04-04 09:30" in caught.value.message
    # Other halls are not affected; the suspension ends after 30 days.
    book_as_of(db_url, beijing("2026-03-05 10:00"), date(2026, 3, 9), "09:00", who, DISABILITY, ZZ)
    after = book_as_of(db_url, beijing("2026-04-07 10:00"), date(2026, 4, 9), "09:00", who)
    assert after["status"] == "booked"


def test_a_no_show_is_swept_when_the_person_books_again(db_url: str) -> None:
    book_as_of(db_url, beijing("2026-03-01 08:00"), date(2026, 3, 3), "09:00", LI_SI)
    book_as_of(db_url, beijing("2026-03-03 10:00"), date(2026, 3, 5), "09:00", LI_SI)
    with autocommit(db_url) as conn:
        assert [
            a["status"] for a in mine(conn, LI_SI[0], LI_SI[1], beijing("2026-03-01 08:00"))
        ] == ["no_show", "booked"]
