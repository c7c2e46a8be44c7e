"""Appointments (预约) and their signed codes. A booking flow comes later; for now
operations (and the demo, and tests) issue appointments with `kiosk-central appointment
issue`. The code carries what a terminal needs to check it offline and to greet the
citizen; never who booked it (a QR code on a phone screen is easily photographed).

The code's format and signing are central.code_keys'. Its base64url parts are canonical
(unpadded, unused bits zero), and terminals accept that spelling only (kiosk.identify.codes,
which also says why the compact format was kept rather than a JWT)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.catalogue import LATEST_VERSION_ID
from central.code_keys import PAYLOAD_VERSION, current_key, sign_code
from central.ids import check_id_number
from central.models import Appointment, CatalogueItem, Region
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
) -> IssuedAppointment:
    """Book `item_code` at `hall` from `start` (aware) for `minutes`, and sign its code.
    The code expires when the slot ends. `now` is naive UTC."""
    hall = hall.strip()
    if not hall or len(hall) > 100:
        raise AppointmentError("--hall must be 1 to 100 characters")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise AppointmentError(f"--minutes must be {MIN_MINUTES} to {MAX_MINUTES}")
    if start.tzinfo is None:
        raise AppointmentError("--start needs a time zone")
    if person is not None and check_id_number(person):
        raise AppointmentError("--person is not a valid ID number")
    item = session.execute(
        select(CatalogueItem.name, CatalogueItem.handling_region_code).where(
            CatalogueItem.version_id == LATEST_VERSION_ID, CatalogueItem.code == item_code
        )
    ).first()
    if item is None:
        raise AppointmentError(f"no item {item_code[:40]!r} in the current catalogue")
    region = region or item.handling_region_code
    if not _REGION.fullmatch(region) or session.get(Region, region) is None:
        raise AppointmentError(f"unknown region {region[:10]!r}")

    starts_at = to_db(start)
    ends_at = starts_at + timedelta(minutes=minutes)
    key = current_key(session.connection(), now)
    row = Appointment(
        number=None,
        item_code=item_code,
        item_name=item.name,
        hall_name=hall,
        region_code=region,
        starts_at=starts_at,
        ends_at=ends_at,
        expires_at=ends_at,
        person_id_number=person,
        kid=key.kid,
        created_at=now,
    )
    session.add(row)
    session.flush()  # the id, for the number
    row.number = f"YY{region}{to_beijing(starts_at):%Y%m%d}{row.id:06d}"
    payload: dict[str, Any] = {
        "v": PAYLOAD_VERSION,
        "kid": key.kid,
        "id": row.number,
        "item_code": item_code,
        "item_name": item.name,
        "hall": hall,
        "region_code": region,
        "start": _iso(starts_at),
        "end": _iso(ends_at),
        "expires": _iso(ends_at),
    }
    code = sign_code(key, payload)
    session.commit()
    return IssuedAppointment(
        code=code,
        number=row.number,
        item_name=item.name,
        hall=hall,
        start=to_beijing(starts_at),
        end=to_beijing(ends_at),
        expires=to_beijing(ends_at),
    )
