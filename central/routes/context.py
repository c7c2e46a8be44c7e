"""Who is at the terminal: their licences and the 一证通办 items they can use."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from fastapi import APIRouter, Request
from sqlalchemy import Connection, and_, bindparam, select

from central.applications_mine import pending_of
from central.catalogue import (
    LicenceRow,
    eligible_items,
    held_types,
    holder_licences,
    licence_out,
    snapshot_of,
)
from central.models import Company, Licence, Person
from central.routes.common import SIGNED, with_connection
from central.schemas import CompanyContextIn, CompanyContextOut, PersonContextIn, PersonContextOut
from central.signing import SIGNED_OPERATION, SignedBy, SignedTerminal
from central.timeutil import BEIJING

# Every route here depends on signed_terminal and says so in the OpenAPI document.
router = APIRouter(tags=["signed"])

# The person and their licences in one round trip (no licence: one row of NULLs).
_PERSON_WITH_LICENCES = (
    select(
        Person.name.label("person_name"),
        Licence.type,
        Licence.name,
        Licence.number,
        Licence.issuer,
        Licence.valid_until,
        Licence.fields,
    )
    .outerjoin(
        Licence,
        and_(Licence.holder_kind == "person", Licence.holder_key == Person.id_number),
    )
    .where(Person.id_number == bindparam("id_number"))
    .order_by(Licence.id)
)
_COMPANY = select(Company.uscc, Company.name, Company.representative_id_number).where(
    Company.uscc == bindparam("uscc")
)


def _person(conn: Connection, terminal: SignedBy, body: PersonContextIn) -> PersonContextOut:
    snapshot = snapshot_of(conn, terminal.catalogue)
    items = snapshot.items if snapshot else ()
    rows = conn.execute(_PERSON_WITH_LICENCES, {"id_number": body.id_number}).all()
    # Applications filed with this ID number and name, not yet done (docs/casework.md §4).
    pending = pending_of(conn, body.id_number, body.name)
    if not rows or rows[0].person_name != body.name:
        return PersonContextOut(
            known=False,
            licences=[],
            eligible_items=eligible_items(items, "person", set()),
            pending=pending,
        )
    licences = cast(list[LicenceRow], [row for row in rows if row.type is not None])
    held = held_types(licences, datetime.now(BEIJING).date())
    return PersonContextOut(
        known=True,
        licences=[licence_out(lic) for lic in licences],
        eligible_items=eligible_items(items, "person", held),
        pending=pending,
    )


@router.post(
    "/persons/context",
    openapi_extra=SIGNED_OPERATION,
    response_model=PersonContextOut,
    responses=SIGNED,
)
async def person_context(
    body: PersonContextIn, request: Request, terminal: SignedTerminal
) -> PersonContextOut:
    """A name that does not match the ID number gets the unknown answer: licences go only
    to the person the card names."""
    return with_connection(request, _person, terminal, body)


def _company(conn: Connection, terminal: SignedBy, body: CompanyContextIn) -> CompanyContextOut:
    company = conn.execute(_COMPANY, {"uscc": body.uscc}).first()
    if company is None:
        return CompanyContextOut(
            known=False, is_representative=False, company_name=None, licences=[], eligible_items=[]
        )
    if company.representative_id_number != body.representative_id_number:
        return CompanyContextOut(
            known=True,
            is_representative=False,
            company_name=company.name,
            licences=[],
            eligible_items=[],
        )
    snapshot = snapshot_of(conn, terminal.catalogue)
    licences = holder_licences(conn, "company", company.uscc)
    held = held_types(licences, datetime.now(BEIJING).date())
    return CompanyContextOut(
        known=True,
        is_representative=True,
        company_name=company.name,
        licences=[licence_out(lic) for lic in licences],
        eligible_items=eligible_items(snapshot.items if snapshot else (), "company", held),
    )


@router.post(
    "/companies/context",
    openapi_extra=SIGNED_OPERATION,
    response_model=CompanyContextOut,
    responses=SIGNED,
)
async def company_context(
    body: CompanyContextIn, request: Request, terminal: SignedTerminal
) -> CompanyContextOut:
    """Only the legal representative sees the company's licences and items; anyone else
    would need a 授权委托书, which is not self-service."""
    return with_connection(request, _company, terminal, body)
