"""The catalogue carries the regions central knows, down to 乡镇 and 街道: the terminal's input
dictionary takes its place names (市、县、区、乡镇) from them (issue 11)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from central_helpers import SignedApi
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session

from central.migrate import downgrade, upgrade
from central.models import Region
from central.seeding import SeedError, _towns, load_seed, seed
from central.timeutil import utcnow
from kiosk.central_api.models import Catalogue
from kiosk.ime.domain import words_of
from tests.support.postgres import TempPostgres

COUNTIES = {"140502", "140521", "140522", "140524", "140525", "140581"}  # 晋城市's six


def test_the_catalogue_names_every_seeded_region(api: SignedApi) -> None:
    response = api.get("/api/v1/catalogue")
    assert response.status_code == 200
    regions = {r["code"]: r for r in response.json()["regions"]}
    assert regions["140502"] == {"code": "140502", "name": "晋城市城区", "parent": "140500"}
    assert regions["140000"]["parent"] is None
    assert {"沁水县", "阳城县", "陵川县", "泽州县", "高平市", "焦作市"} <= {r["name"] for r in regions.values()}
    # 山西省's eleven cities
    assert sum(1 for r in regions.values() if r["parent"] == "140000") == 11


def test_the_catalogue_names_the_towns_of_every_seeded_county_under_it(api: SignedApi) -> None:
    regions = {r["code"]: r for r in api.get("/api/v1/catalogue").json()["regions"]}
    assert regions["140525108"] == {"code": "140525108", "name": "巴公镇", "parent": "140525"}
    assert regions["140502100"] == {"code": "140502100", "name": "北石店镇", "parent": "140502"}
    towns = [r for r in regions.values() if len(r["code"]) == 9]
    # every town hangs under a county the catalogue also names, its code the county's + 3 digits
    for town in towns:
        assert town["parent"] in regions and town["code"].startswith(town["parent"]), town
    by_county = {c: {t["name"] for t in towns if t["parent"] == c} for c in COUNTIES}
    assert all(by_county.values()), "a county of 晋城市 without its 乡镇"
    assert {"米山镇", "北城街街道", "建宁乡"} <= by_county["140581"]          # 高平市
    assert {"南村镇", "大东沟镇", "晋庙铺镇", "柳树口镇"} <= by_county["140525"]  # 泽州县
    assert {"东街街道", "钟家庄街道", "西上庄街道"} <= by_county["140502"]      # 城区
    # 焦作市's districts and counties, and their towns (跨省通办 items are handled there)
    assert regions["410822"]["parent"] == "410800"
    assert regions["410821104"] == {"code": "410821104", "name": "云台山镇", "parent": "410821"}


def test_the_terminal_reads_them_into_its_input_dictionary(api: SignedApi) -> None:
    catalogue = Catalogue.model_validate_json(api.get("/api/v1/catalogue").content, strict=True)
    texts = {w.text for w in words_of(catalogue)}
    # 沁水县 and 陵川县 have no item: they come from the regions alone; so do the towns
    assert {"沁水县", "陵川县", "晋城市城区", "城区", "山西省"} <= texts
    assert {"巴公镇", "北义城镇", "东街街道", "马圪当乡", "北义城", "柳树口", "北城街"} <= texts
    # a 2-character short name would come before the common word it sounds like (细节, 高度)
    assert not {"巴公", "西街", "高都"} & texts


def test_a_town_must_sit_under_a_seeded_county() -> None:
    with pytest.raises(SeedError, match="not in catalogue.toml"):
        _towns({"towns": {"140214": {"140214100": "某镇"}}}, COUNTIES)
    with pytest.raises(SeedError, match="not a town code of 140525"):
        _towns({"towns": {"140525": {"140581101": "三甲镇"}}}, COUNTIES)


@pytest.fixture
def blank_db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    server: TempPostgres = request.getfixturevalue("postgres_server")
    yield server.create_database("central_regions")
    server.drop_database("central_regions")


def _town_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(func.length(Region.code) == 9)) or 0)


def test_migration_0006_widens_region_codes_and_goes_back_down(blank_db_url: str) -> None:
    upgrade(blank_db_url)
    engine = create_engine(blank_db_url)
    try:
        with Session(engine) as session:
            seed(session, utcnow())
            assert _town_count(session) == sum(1 for r in load_seed().regions if len(r.code) == 9)
        downgrade(blank_db_url, "0005")
        columns = {c["name"]: str(c["type"]) for c in inspect(engine).get_columns("regions")}
        assert columns["code"] == columns["parent_code"] == "VARCHAR(6)"
        with Session(engine) as session:
            assert _town_count(session) == 0                  # the towns did not fit: gone
            assert session.get(Region, "140525") is not None  # the counties stay
        upgrade(blank_db_url)
        with Session(engine) as session:
            report = seed(session, utcnow())
            # The towns come back (and the hall's-day tables, which 0007 brought, seed anew).
            assert report.added["regions"] == _town_count(session) > 150
            assert set(report.added) - {"regions"} <= {
                "halls", "hall sessions", "hall sites", "queue categories", "hall windows",
                "calendar years", "calendar days",
            }, report.added
    finally:
        engine.dispose()
