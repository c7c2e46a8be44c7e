"""Window staff: logins for the window page, and its stateless session cookie.

Passwords are hashed with scrypt (central.passwords, shared with the ops console's users).
A logged-in clerk carries a cookie `<staff id>.<hall>.<expiry>.<HMAC>` keyed with
central's page secret (central_secrets `hall_pages`), so any worker process checks it
without a session table.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, insert, select

from central.db import write_transaction
from central.models_queue import HallStaff
from central.passwords import hash_password, verify_password
from central.queue_base import HallInfo, QueueError, page_secret

staff_t = cast(Table, HallStaff.__table__)
COOKIE = "tongban_staff"
COOKIE_SECONDS = 12 * 3600  # one working day
MIN_PASSWORD = 6


@dataclass(frozen=True)
class Clerk:
    id: int
    hall: str
    login: str
    name: str


def add_staff(
    conn: Connection, hall: HallInfo, login: str, name: str, password: str
) -> dict[str, object]:
    login, name = login.strip(), name.strip()
    if not (1 <= len(login) <= 40 and login.isprintable() and " " not in login):
        raise QueueError("validation_failed", "--login must be 1 to 40 characters, no spaces", 422)
    if not 1 <= len(name) <= 40:
        raise QueueError("validation_failed", "--name must be 1 to 40 characters", 422)
    if len(password) < MIN_PASSWORD:
        raise QueueError(
            "validation_failed", f"the password must be at least {MIN_PASSWORD} characters", 422
        )
    with write_transaction(conn):
        if conn.execute(select(staff_t.c.id).where(staff_t.c.login == login)).first():
            raise QueueError("duplicate", f"login {login!r} exists already")
        conn.execute(
            insert(staff_t).values(
                hall_code=hall.code,
                login=login,
                name=name,
                password_hash=hash_password(password),
                active=True,
            )
        )
    return {"hall": hall.code, "login": login, "name": name}


def log_in(conn: Connection, hall: HallInfo, login: str, password: str) -> Clerk | None:
    row = conn.execute(
        select(staff_t).where(staff_t.c.login == login.strip(), staff_t.c.hall_code == hall.code)
    ).first()
    if row is None or not row.active or not verify_password(password, row.password_hash):
        return None
    return Clerk(row.id, row.hall_code, row.login, row.name)


def _mac(secret: bytes, text: str) -> str:
    return hmac.new(secret, f"staff|{text}".encode(), hashlib.sha256).hexdigest()


def make_cookie(conn: Connection, clerk: Clerk, now: datetime) -> str:
    expires = int(time.time()) + COOKIE_SECONDS
    text = f"{clerk.id}.{clerk.hall}.{expires}"
    return f"{text}.{_mac(page_secret(conn, now), text)}"


def read_cookie(conn: Connection, value: str | None, hall: str, now: datetime) -> Clerk | None:
    """The clerk a cookie names, if it is ours, unexpired, for `hall`, and still active."""
    if not value or value.count(".") != 3:
        return None
    staff_id, cookie_hall, expires, mac = value.split(".")
    text = f"{staff_id}.{cookie_hall}.{expires}"
    if not hmac.compare_digest(mac, _mac(page_secret(conn, now), text)):
        return None
    if cookie_hall != hall or not expires.isdigit() or int(expires) < time.time():
        return None
    if not staff_id.isdigit():
        return None
    row = conn.execute(select(staff_t).where(staff_t.c.id == int(staff_id))).first()
    if row is None or not row.active or row.hall_code != hall:
        return None
    return Clerk(row.id, row.hall_code, row.login, row.name)
