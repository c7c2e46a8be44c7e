"""Electronic ID codes (电子身份证, 电子社保卡): the QR a citizen's phone shows instead of a
card. ``TONGBAN-EID:<token>`` or ``TONGBAN-ESSC:<token>``; the token is 192 random bits,
valid for a few minutes and good for one resolution. Only its SHA-256 is kept.

Redeeming is one conditional UPDATE, so of two terminals presenting the same code at the
same moment exactly one gets the person. The winner's Idempotency-Key is stored with the
token: that terminal's retry (same key) gets the same answer, anyone else a 410. Strictly
single use matters: a photographed phone screen must not identify its owner a second time.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, cast

from sqlalchemy import Connection, Table, bindparam, delete, select, update

from central.code_schemas import IdentitySource, ResolvedIdentityOut
from central.errors import ApiError, not_found, validation_failed
from central.models import IdentityToken, Person
from central.signing import SignedBy
from central.timeutil import to_beijing

PREFIXES: dict[str, IdentitySource] = {"TONGBAN-EID:": "eid", "TONGBAN-ESSC:": "essc"}
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
DEFAULT_VALIDITY = timedelta(minutes=5)
MAX_VALIDITY = timedelta(minutes=30)
# Used or expired tokens are kept this long (so a late retry gets 410, not 404), then purged.
KEEP_AFTER_EXPIRY = timedelta(days=1)

_tokens = cast(Table, IdentityToken.__table__)
_REDEEM = (
    update(_tokens)
    .where(
        _tokens.c.token_hash == bindparam("hash"),
        _tokens.c.kind == bindparam("the_kind"),
        _tokens.c.used_at.is_(None),
        _tokens.c.expires_at > bindparam("now"),
    )
    .values(
        used_at=bindparam("now"), used_by_terminal=bindparam("terminal"), used_key=bindparam("key")
    )
    .returning(_tokens.c.id_number)
)
_FIND = select(
    _tokens.c.id_number,
    _tokens.c.expires_at,
    _tokens.c.used_at,
    _tokens.c.used_by_terminal,
    _tokens.c.used_key,
).where(_tokens.c.token_hash == bindparam("hash"), _tokens.c.kind == bindparam("the_kind"))
_PERSON = select(Person.id_number, Person.name, Person.nation, Person.address).where(
    Person.id_number == bindparam("id_number")
)
_PURGE = delete(_tokens).where(_tokens.c.expires_at < bindparam("before"))


class IdentityCodeError(ValueError):
    """A code that cannot be issued; one line for the operator."""


@dataclass(frozen=True)
class IssuedIdentityCode:
    code: str
    expires: datetime  # aware, Beijing


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def parse_code(code: str) -> tuple[IdentitySource, str] | None:
    """(source, token) of a scanned code, or None when it is not one."""
    code = code.strip()
    for prefix, source in PREFIXES.items():
        if code.startswith(prefix):
            token = code[len(prefix) :]
            return (source, token) if TOKEN.fullmatch(token) else None
    return None


def issue_identity_code(
    conn: Connection,
    id_number: str,
    now: datetime,
    source: IdentitySource = "eid",
    validity: timedelta = DEFAULT_VALIDITY,
) -> IssuedIdentityCode:
    """A new single-use code for a known person (`now` naive UTC). On a connection in a
    transaction (an ORM session's) the caller commits."""
    if not timedelta(seconds=10) <= validity <= MAX_VALIDITY:
        raise IdentityCodeError("validity must be 10 s to 30 minutes")
    if conn.execute(_PERSON, {"id_number": id_number}).first() is None:
        raise IdentityCodeError("no person with this ID number (see `kiosk-central seed`)")
    prefix = next(p for p, s in PREFIXES.items() if s == source)
    token = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]
    conn.execute(_PURGE, {"before": now - KEEP_AFTER_EXPIRY})
    conn.execute(
        _tokens.insert().values(
            token_hash=token_hash(token),
            kind=source,
            id_number=id_number,
            created_at=now,
            expires_at=now + validity,
            used_at=None,
            used_by_terminal=None,
            used_key=None,
        )
    )
    return IssuedIdentityCode(prefix + token, to_beijing(now + validity))


def gender_of(id_number: str) -> Literal["男", "女"]:
    """GB 11643: the 17th character is odd for men, even for women."""
    return "男" if int(id_number[16]) % 2 else "女"


def birth_date_of(id_number: str) -> date | None:
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:  # the 9... numbers of foreigners need not carry one
        return None


def resolve(
    conn: Connection, terminal: SignedBy, key: str, code: str, now: datetime
) -> ResolvedIdentityOut:
    """The person behind `code`, once (autocommit `conn`; `now` naive UTC)."""
    parsed = parse_code(code)
    if parsed is None:
        raise validation_failed({"code": "malformed"})
    source, token = parsed
    params = {"hash": token_hash(token), "the_kind": source}
    redeemed = conn.execute(
        _REDEEM, {**params, "now": now, "terminal": terminal.terminal_id, "key": key}
    ).first()
    if redeemed is not None:
        return _person(conn, redeemed.id_number, source)
    row = conn.execute(_FIND, params).first()
    if row is None:
        raise not_found("no such electronic ID code")
    if row.used_at is not None:
        if (row.used_by_terminal, row.used_key) == (terminal.terminal_id, key):
            return _person(conn, row.id_number, source)  # this terminal's retry
        raise ApiError(410, "code_used", "this code was already used: show a fresh one")
    raise ApiError(410, "code_expired", "this code has expired: show a fresh one")


def _person(conn: Connection, id_number: str, source: IdentitySource) -> ResolvedIdentityOut:
    person = conn.execute(_PERSON, {"id_number": id_number}).first()
    if person is None:
        raise not_found("no such electronic ID code")
    return ResolvedIdentityOut(
        id_number=person.id_number,
        name=person.name,
        gender=gender_of(person.id_number),
        nation=person.nation,
        birth_date=birth_date_of(person.id_number),
        address=person.address,
        source=source,
    )
