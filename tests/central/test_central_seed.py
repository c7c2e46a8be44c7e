"""The demo data: consistent, matching the simulator's cards, and safe to load twice."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from central.migrate import downgrade, upgrade
from central.models import Base, CatalogueItem, Company, Licence, Person
from central.seeding import SeedError, load_seed, seed
from central.timeutil import utcnow
from tests.support.postgres import TempPostgres

REPO = Path(__file__).resolve().parents[2]
SIM_CARDS = REPO / "drivers" / "idcard" / "sim_cards.toml"


def test_the_seed_has_a_real_sized_catalogue_of_jincheng_and_jiaozuo() -> None:
    data = load_seed()
    assert 15 <= len(data.items) <= 25
    assert {i.handling_region_code for i in data.items} >= {
        "140500",
        "140502",
        "140525",
        "140581",
        "410800",
    }
    assert all(uscc.is_valid(i.code[:18]) for i in data.items)  # 实施主体 credit code + basic code
    assert {i.applicant_kind for i in data.items} == {"person", "company"}
    assert any(not i.one_id for i in data.items)


def test_the_demo_citizens_are_the_simulator_cards() -> None:
    cards = tomllib.loads(SIM_CARDS.read_text(encoding="utf-8"))["cards"]
    people = {p.id_number: p.name for p in load_seed().persons}
    for key in ("zhang_san", "li_si", "wang_wu", "chen_hk"):
        assert people[cards[key]["id_number"]] == cards[key]["name"]


def test_both_companies_of_zhang_san_have_valid_credit_codes() -> None:
    companies = [
        c for c in load_seed().companies if c.representative_id_number == "110101199003071233"
    ]
    assert len(companies) == 2
    assert all(uscc.is_valid(c.uscc) for c in companies)
    assert all(
        lic.number == c.uscc
        for c in companies
        for lic in c.licences
        if lic.type == "business_licence"
    )


def _counts(session: Session) -> list[int]:
    return [
        int(session.scalar(select(func.count()).select_from(m)) or 0)
        for m in (CatalogueItem, Person, Company, Licence)
    ]


def test_seeding_again_adds_nothing(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            before = _counts(session)
            report = seed(session, utcnow())
            assert str(report) == "nothing to add: already seeded"
            assert _counts(session) == before == [22, 7, 3, 26]
    finally:
        engine.dispose()


def test_a_published_version_cannot_change_content(db_url: str) -> None:
    data = load_seed()
    changed = replace(
        data, items=[data.items[0].model_copy(update={"name": "改过的名字"}), *data.items[1:]]
    )
    engine = create_engine(db_url)
    try:
        with Session(engine) as session, pytest.raises(SeedError, match="bump `version`"):
            seed(session, utcnow(), changed)
    finally:
        engine.dispose()


@pytest.fixture
def blank_db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    server: TempPostgres = request.getfixturevalue("postgres_server")
    yield server.create_database("central_blank")
    server.drop_database("central_blank")


def test_the_migrations_build_exactly_the_models_and_go_back_down(blank_db_url: str) -> None:
    upgrade(blank_db_url)
    engine = create_engine(blank_db_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        downgrade(blank_db_url, "base")
        assert inspect(engine).get_table_names() == ["alembic_version"]
    finally:
        engine.dispose()
