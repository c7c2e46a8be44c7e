"""Appointments (预约) and their signed codes: `sign_appointment` stores and signs one
inside the booking engine's transaction (central.booking); `issue_appointment` is the
operators' and tests' way around the booking rules (`kiosk-central appointment issue`): at a
hall that is in `halls` it also books the place (channel `ops`, central.booking_ops), so
报到 finds it; at any other hall name it is a signed code only.
The code carries what a terminal needs to check it offline and to greet the citizen; never
who booked it (a QR code on a phone screen is easily photographed).

The code's format and signing are central.code_keys'. Its base64url parts are canonical
(unpadded, unused bits zero), and terminals accept that spelling only (kiosk.identify.codes,
which also says why the compact format was kept rather than a JWT)."""

from __future__ import annotations

import re
from base64 import b64decode
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from central.booking_ops import OpsBookingError, category_for, hall_named, record_ops_booking
from central.catalogue import LATEST_VERSION_ID
from central.code_keys import PAYLOAD_VERSION, SigningKey, current_key, sign_code
from central.ids import check_id_number
from central.models import Appointment, CatalogueItem, CodeSigningKey, Region
from central.timeutil import to_beijing, to_db

_REGION = re.compile(r"[0-9]{6}")
MIN_MINUTES, MAX_MINUTES = 5, 8 * 60


class AppointmentError(ValueError):
    """An appointment that cannot be issued; one line for the operator."""


@dataclass(frozen=True)
class IssuedAppointment:
    code: str
    number: str
    item_name: str
    hall: str
    start: datetime  # aware, Beijing
    end: datetime
    expires: datetime
    id: int = 0  # the appointments row
    hall_code: str | None = None  # the hall it was booked at (None: a code only)
    category: str | None = None  # the queue category serving it there


def _iso(moment: datetime) -> str:
    return to_beijing(moment).isoformat(timespec="seconds")


def issue_appointment(
    session: Session,
    item_code: str,
    hall: str,
    start: datetime,
    minutes: int,
    now: datetime,
    person: str | None = None,
    region: str | None = None,
    name: str | None = None,
) -> IssuedAppointment:
    """Book `item_code` at `hall` from `start` (aware) for `minutes`, and sign its code.
    The code expires when the slot ends. `now` is naive UTC. When `hall` names (or is the
    code of) a hall in `halls`, the booking is made there too (channel ops, status booked,
    the category serving the item, the slot counted) and the code is signed with the
    hall's name; `person` and `name` are then who 报到 by ID card finds."""
    hall = hall.strip()
    if not hall or len(hall) > 100:
        raise AppointmentError("--hall must be 1 to 100 characters")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise AppointmentError(f"--minutes must be {MIN_MINUTES} to {MAX_MINUTES}")
    if start.tzinfo is None:
        raise AppointmentError("--start needs a time zone")
    if person is not None and check_id_number(person):
        raise AppointmentError("--person is not a valid ID number")
    if name is not None and not 1 <= len(name.strip()) <= 60:
        raise AppointmentError("--name must be 1 to 60 characters")
    item = session.execute(
        select(CatalogueItem.name, CatalogueItem.handling_region_code).where(
            CatalogueItem.version_id == LATEST_VERSION_ID, CatalogueItem.code == item_code
        )
    ).first()
    if item is None:
        raise AppointmentError(f"no item {item_code[:40]!r} in the current catalogue")
    plan = hall_named(session.connection(), hall)
    category = None
    if plan is not None:
        hall = plan.name
        try:
            category = category_for(plan, item_code)
        except OpsBookingError as err:
            raise AppointmentError(str(err)) from err
    region = region or (plan.row.region_code if plan is not None else item.handling_region_code)
    if not _REGION.fullmatch(region) or session.get(Region, region) is None:
        raise AppointmentError(f"unknown region {region[:10]!r}")

    issued = sign_appointment(
        session.connection(),
        item_code=item_code,
        item_name=item.name,
        hall=hall,
        region=region,
        starts_at=to_db(start),
        ends_at=to_db(start) + timedelta(minutes=minutes),
        now=now,
        person=person,
    )
    if plan is not None:
        record_ops_booking(
            session.connection(),
            plan,
            appointment_id=issued.id,
            item_code=item_code,
            starts_at=to_db(start),
            now=now,
            person=person,
            name=name,
        )
        issued = replace(issued, hall_code=plan.code, category=category)
    session.commit()
    return issued


_appointments = cast(Table, Appointment.__table__)
_keys = cast(Table, CodeSigningKey.__table__)
# Built once: booking runs these on every appointment.
_INSERT = insert(_appointments).returning(_appointments.c.id)
_NUMBER = (
    update(_appointments)
    .where(_appointments.c.id == bindparam("the_id"))
    .values(number=bindparam("the_number"))
)


def sign_appointment(
    conn: Connection,
    *,
    item_code: str,
    item_name: str,
    hall: str,
    region: str,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    person: str | None,
    key: SigningKey | None = None,
) -> IssuedAppointment:
    """Insert the appointment row and sign its code, inside the caller's transaction (the
    booking engine's, with its counter and booking rows; `issue_appointment`'s session).
    Times are naive UTC; the code expires when the slot ends. `key`: the current signing
    key when the caller has it already (else read)."""
    key = key or current_key(conn, now)
    appointment_id = conn.execute(
        _INSERT,
        {
            "number": None,
            "item_code": item_code,
            "item_name": item_name,
            "hall_name": hall,
            "region_code": region,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "expires_at": ends_at,
            "person_id_number": person,
            "kid": key.kid,
            "created_at": now,
        },
    ).scalar_one()
    number = f"YY{region}{to_beijing(starts_at):%Y%m%d}{appointment_id:06d}"
    conn.execute(_NUMBER, {"the_id": appointment_id, "the_number": number})
    payload = _payload(key.kid, number, item_code, item_name, hall, region, starts_at, ends_at)
    return IssuedAppointment(
        code=sign_code(key, payload),
        number=number,
        item_name=item_name,
        hall=hall,
        start=to_beijing(starts_at),
        end=to_beijing(ends_at),
        expires=to_beijing(ends_at),
        id=appointment_id,
    )


def _payload(
    kid: str,
    number: str,
    item_code: str,
    item_name: str,
    hall: str,
    region: str,
    starts_at: datetime,
    ends_at: datetime,
) -> dict[str, Any]:
    return {
        "v": PAYLOAD_VERSION,
        "kid": kid,
        "id": number,
        "item_code": item_code,
        "item_name": item_name,
        "hall": hall,
        "region_code": region,
        "start": _iso(starts_at),
        "end": _iso(ends_at),
        "expires": _iso(ends_at),
    }


def code_of(conn: Connection, row: Any) -> str | None:
    """The signed code of a stored appointment row, signed again with the key it was signed
    with (Ed25519 signatures are deterministic: the same code); None when that key was
    retired (the code no longer verifies anywhere)."""
    key_row = conn.execute(
        select(_keys.c.private_key).where(_keys.c.kid == row.kid, _keys.c.retired_at.is_(None))
    ).first()
    if key_row is None or row.number is None:
        return None
    key = SigningKey(row.kid, Ed25519PrivateKey.from_private_bytes(b64decode(key_row.private_key)))
    payload = _payload(
        row.kid,
        row.number,
        row.item_code,
        row.item_name,
        row.hall_name,
        row.region_code,
        row.starts_at,
        row.ends_at,
    )
    return sign_code(key, payload)
