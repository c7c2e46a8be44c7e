"""The seeded halls: what halls.toml promises (docs/hall-day.md, "Halls"), checked against
the catalogue, seeded once however often `seed` runs, and the halls each terminal books at."""

from __future__ import annotations

from datetime import date

import pytest
from central_helpers import SignedApi
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from central.halls import HallSeedError, load_hall, load_hall_seed, terminal_halls
from central.models_hall import Hall, HallSession, HallSite
from central.seeding import load_seed, seed
from central.timeutil import utcnow


def test_every_seeded_item_is_in_the_catalogue_and_every_hall_has_its_sessions() -> None:
    data = load_hall_seed({item.code for item in load_seed().items})
    kinds = {h.code: {(s.kind, s.days) for s in h.sessions} for h in data.halls}
    assert kinds["JC-ZWZX"] == {("regular", "workday"), ("cuoshi", "workday"), ("wuxiu", "restday")}
    assert kinds["ZZ-ZWZX"] == {("regular", "workday"), ("cuoshi", "workday")}
    assert kinds["NC-BMZ"] == {("regular", "workday")}
    evening = next(s for s in data.halls[1].sessions if s.kind == "cuoshi")
    assert (evening.start, evening.end) == ("17:30", "19:00")
    assert [(s.name, s.halls) for s in data.sites] == [("山西银行晋城分行营业部", ["JC-ZWZX"])]


def test_a_hall_item_missing_from_the_catalogue_is_refused() -> None:
    with pytest.raises(HallSeedError, match="items not in the catalogue"):
        load_hall_seed({"11140500MB195021524000112003"})


def test_seeding_twice_adds_nothing(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            assert str(seed(session, utcnow())) == "nothing to add: already seeded"
            assert session.scalar(select(func.count()).select_from(Hall)) == 3
            assert session.scalar(select(func.count()).select_from(HallSession)) == 9
            assert session.scalar(select(func.count()).select_from(HallSite)) == 1
    finally:
        engine.dispose()


def test_the_wuxiu_saturday_serves_a_subset_and_the_county_its_evening(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            jc, zz = load_hall(conn, "JC-ZWZX"), load_hall(conn, "ZZ-ZWZX")
            assert jc is not None and zz is not None
            saturday = date(2026, 3, 7)
            items = [i for _c, _n, codes in jc.categories for i in codes]
            served = [i for i in items if jc.sessions_on(i, saturday, "weekend")]
            assert 0 < len(served) < len(items)
            assert [
                s.kind
                for s in zz.sessions_on("11140525MB198626519000281001", date(2026, 3, 9), "workday")
            ] == ["regular", "regular", "cuoshi"]
            assert terminal_halls(conn, "泽州县南村镇便民服务站") == ["NC-BMZ"]
            assert terminal_halls(conn, "某某银行") == []
    finally:
        engine.dispose()


def test_a_community_terminal_books_at_its_station(client: TestClient, app: FastAPI) -> None:
    from central_helpers import new_code

    from tests.support.signer import TerminalKey

    key = TerminalKey.generate()
    code = new_code(app, region="140525", hall="泽州县南村镇便民服务站", profile="community")
    enrolled = client.post(
        "/api/v1/terminals/enroll",
        json={"code": code, "public_key": key.public_b64, "hostname": "nc"},
    )
    assert enrolled.status_code == 201, enrolled.text
    station = SignedApi(client, key, enrolled.json()["terminal_id"], "140525")
    halls = station.get("/api/v1/halls/mine").json()["halls"]
    assert [(h["code"], len(h["windows"])) for h in halls] == [("NC-BMZ", 1)]
    assert halls[0]["rules"]["max_workdays_ahead"] == 7
