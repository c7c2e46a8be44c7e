"""`kiosk-central seed`: the demo catalogue, citizens, companies, licences and proofs.

Idempotent: what exists is left alone, so seeding twice adds nothing. A catalogue version
is immutable; seeding a known version with different content is refused (bump it).
The data lives in central/seed/*.toml (package data) and is validated here before any of
it is written.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.calendar import seed_demo_years, seed_known_years
from central.halls import HallSeedError, seed_halls
from central.ids import check_id_number, check_uscc
from central.models import (
    CatalogueItem,
    CatalogueVersion,
    Company,
    Licence,
    Person,
    Region,
)
from central.schemas import Item
from central.seed_proofs import ProofSeed, ProofSeedError, load_proof_seed, seed_proofs


class SeedError(ValueError):
    """The seed data is inconsistent, or conflicts with what is already published."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeedRegion(_Strict):
    code: str
    name: str
    parent: str | None = None


class SeedLicence(_Strict):
    type: str
    number: str
    issuer: str
    valid_until: date | None = None
    fields: dict[str, str] = {}


class SeedPerson(_Strict):
    id_number: str
    name: str
    nation: str | None = None
    address: str | None = None
    licences: list[SeedLicence] = []


class SeedCompany(_Strict):
    uscc: str
    name: str
    representative_id_number: str
    licences: list[SeedLicence] = []


@dataclass
class SeedReport:
    added: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.added[what] = self.added.get(what, 0) + 1

    def __str__(self) -> str:
        if not self.added:
            return "nothing to add: already seeded"
        return "added " + ", ".join(f"{n} {what}" for what, n in sorted(self.added.items()))


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads((files("central") / "seed" / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class SeedData:
    version: str
    regions: list[SeedRegion]
    items: list[Item]
    licence_types: dict[str, str]
    persons: list[SeedPerson]
    companies: list[SeedCompany]

    @property
    def content_hash(self) -> str:
        content = [item.model_dump(mode="json") for item in self.items]
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_seed() -> SeedData:
    """The packaged seed data, validated (SeedError says what is wrong)."""
    catalogue, people = _read("catalogue.toml"), _read("people.toml")
    try:
        regions = [SeedRegion.model_validate(r) for r in catalogue["regions"]]
        regions += _towns(_read("towns.toml"), {r.code for r in regions})
        names = {r.code: r.name for r in regions}
        items = [Item.model_validate(_item_with_defaults(raw, names)) for raw in catalogue["items"]]
        persons = [SeedPerson.model_validate(p) for p in people["persons"]]
        companies = [SeedCompany.model_validate(c) for c in people["companies"]]
    except (KeyError, ValidationError) as err:
        raise SeedError(f"seed data: {err}") from err
    data = SeedData(
        str(catalogue["version"]), regions, items, dict(people["licence_types"]), persons, companies
    )
    _check(data)
    return data


def _towns(raw: dict[str, Any], counties: set[str]) -> list[SeedRegion]:
    """towns.toml's 乡镇 and 街道: a 9-digit code under a seeded county's 6-digit one."""
    towns = []
    for county, names in raw["towns"].items():
        if county not in counties:
            raise SeedError(f"towns.toml: county {county} is not in catalogue.toml's regions")
        for code, name in names.items():
            if not (len(code) == 9 and code.isdigit() and code.startswith(county)):
                raise SeedError(f"towns.toml: {code} {name} is not a town code of {county}")
            towns.append(SeedRegion(code=code, name=str(name), parent=county))
    return towns


def _item_with_defaults(raw: dict[str, Any], region_names: dict[str, str]) -> dict[str, Any]:
    item = dict(raw)
    if item.get("region_code") not in region_names:
        raise SeedError(f"item {item.get('code')}: unknown region {item.get('region_code')}")
    item["region_name"] = region_names[item["region_code"]]
    item["materials"] = [{"note": "", "licence_type": None, **m} for m in item.get("materials", [])]
    item["fields"] = [
        {"prefill": None, "options": [], "rules": {}, **f} for f in item.get("fields", [])
    ]
    return item


def _check(data: SeedData) -> None:
    regions = {r.code for r in data.regions}
    if len(regions) != len(data.regions):
        raise SeedError("seed data: duplicate region codes")
    codes = [item.code for item in data.items]
    if len(set(codes)) != len(codes):
        raise SeedError("seed data: duplicate item codes")
    for item in data.items:
        if check_uscc(item.code[:18]):
            raise SeedError(f"item {item.code}: department code fails GB 32100")
        if item.handling_region_code not in regions:
            raise SeedError(f"item {item.code}: unknown handling region")
        for m in item.materials:
            if (m.source != "paper") != (m.licence_type in data.licence_types):
                raise SeedError(f"item {item.code} material {m.code}: licence_type/source mismatch")
        for f in item.fields:
            if (f.type == "select") != bool(f.options):
                raise SeedError(f"item {item.code} field {f.key}: options only for select")
        if ("多地联办" in item.modes) != bool(item.joint):
            raise SeedError(f"item {item.code}: joint parts exactly when modes holds 多地联办")
        for part in item.joint:
            if part.region_code not in regions:
                raise SeedError(f"item {item.code}: joint part in unknown region {part.region_code}")
    for person in data.persons:
        if check_id_number(person.id_number):
            raise SeedError(f"person {person.name}: ID number fails GB 11643")
    for company in data.companies:
        if check_id_number(company.representative_id_number):
            raise SeedError(f"company {company.name}: representative's ID number fails GB 11643")
    for company in data.companies:
        if check_uscc(company.uscc):
            raise SeedError(f"company {company.name}: USCC fails GB 32100")
    holders: list[SeedPerson | SeedCompany] = [*data.persons, *data.companies]
    for holder in holders:
        for lic in holder.licences:
            if lic.type not in data.licence_types:
                raise SeedError(f"licence type {lic.type} is not in [licence_types]")


def seed(
    session: Session, now: datetime, data: SeedData | None = None, *, demo: bool = False
) -> SeedReport:
    """Write what is missing, in one transaction: also the calendar years chinese-calendar
    knows and the halls (central.halls). `demo`: also a weekends-only calendar for the
    current and next year when unknown (central.calendar.seed_demo_years), so the demo can
    book whatever the date; never in production."""
    data = data or load_seed()
    report = SeedReport()
    known = set(session.scalars(select(Region.code)))
    for region in data.regions:
        if region.code not in known:
            session.add(Region(code=region.code, name=region.name, parent_code=region.parent))
            report.count("regions")
    _seed_catalogue(session, data, now, report)
    for person in data.persons:
        _seed_person(session, person, report)
        _seed_licences(session, data, "person", person.id_number, person.licences, report)
    for company in data.companies:
        if session.get(Company, company.uscc) is None:
            session.add(
                Company(
                    uscc=company.uscc,
                    name=company.name,
                    representative_id_number=company.representative_id_number,
                )
            )
            report.count("companies")
        _seed_licences(session, data, "company", company.uscc, company.licences, report)
    seed_proofs(session, proof_seed(data), report.count)
    session.flush()  # the catalogue, which the halls' items are checked against
    conn = session.connection()
    years = seed_known_years(conn, now)
    if years:
        report.added["calendar years"] = years
    if demo:
        from central.halls import hall_today

        for year in seed_demo_years(conn, hall_today(now), now):
            report.count(f"DEMO weekends-only calendar year {year}")
    try:
        seed_halls(conn, report.count)
    except HallSeedError as err:
        raise SeedError(str(err)) from err
    session.commit()
    return report


def _seed_person(session: Session, person: SeedPerson, report: SeedReport) -> None:
    row = session.get(Person, person.id_number)
    if row is None:
        session.add(
            Person(
                id_number=person.id_number,
                name=person.name,
                nation=person.nation,
                address=person.address,
            )
        )
        report.count("persons")
        return
    # Seeded before these columns existed (migration 0003): fill them, change nothing else.
    if (row.nation is None and person.nation) or (row.address is None and person.address):
        row.nation = row.nation or person.nation
        row.address = row.address or person.address
        report.count("person details")


def proof_seed(data: SeedData) -> ProofSeed:
    """central/seed/proofs.toml, checked against `data`'s people and regions."""
    try:
        return load_proof_seed({p.id_number for p in data.persons}, {r.code for r in data.regions})
    except ProofSeedError as err:
        raise SeedError(str(err)) from err


def _seed_catalogue(session: Session, data: SeedData, now: datetime, report: SeedReport) -> None:
    existing = session.scalar(
        select(CatalogueVersion).where(CatalogueVersion.version == data.version)
    )
    if existing is not None:
        if existing.content_hash != data.content_hash:
            raise SeedError(
                f"catalogue {data.version} is already published with other content; "
                "bump `version` in central/seed/catalogue.toml"
            )
        return
    version = CatalogueVersion(
        version=data.version, content_hash=data.content_hash, published_at=now
    )
    session.add(version)
    session.flush()
    for position, item in enumerate(data.items):
        row = item.model_dump(mode="json")
        session.add(CatalogueItem(version_id=version.id, position=position, **row))
    report.count("catalogue versions")
    report.added["catalogue items"] = len(data.items)


def _seed_licences(
    session: Session,
    data: SeedData,
    holder_kind: str,
    holder_key: str,
    licences: list[SeedLicence],
    report: SeedReport,
) -> None:
    for lic in licences:
        exists = session.scalar(
            select(Licence.id).where(
                Licence.holder_kind == holder_kind,
                Licence.holder_key == holder_key,
                Licence.type == lic.type,
                Licence.number == lic.number,
            )
        )
        if exists is None:
            session.add(
                Licence(
                    holder_kind=holder_kind,
                    holder_key=holder_key,
                    type=lic.type,
                    name=data.licence_types[lic.type],
                    number=lic.number,
                    issuer=lic.issuer,
                    valid_until=lic.valid_until,
                    fields=lic.fields,
                )
            )
            report.count("licences")
