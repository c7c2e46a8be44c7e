"""One-time enrollment codes and terminals.

A code is 60 random bits shown once; only its SHA-256 is stored (the entropy makes a
slow hash unnecessary). Redeeming is one conditional UPDATE, so a code used at the same
moment by two terminals enrolls exactly one of them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from central.errors import ApiError, validation_failed
from central.models import EnrollmentCode, Terminal

# No 0/O, 1/I: a technician types the code from a sheet of paper.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 3
GROUP_LENGTH = 4


def new_code() -> str:
    groups = (
        "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def code_hash(code: str) -> str:
    """Hash of the code as typed, ignoring case, dashes and spaces."""
    normal = "".join(ch for ch in code.upper() if ch not in "- ")
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def issue_code(
    session: Session, hall: str, region: str, profile: str, now: datetime, validity: timedelta
) -> tuple[str, EnrollmentCode]:
    code = new_code()
    row = EnrollmentCode(
        code_hash=code_hash(code),
        hall_name=hall,
        region_code=region,
        profile=profile,
        created_at=now,
        expires_at=now + validity,
    )
    session.add(row)
    session.commit()
    return code, row


def public_key_bytes(text: str) -> bytes | None:
    """The 32 raw bytes of a base64 Ed25519 public key, or None when it is not one."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return raw


def enroll(session: Session, code: str, public_key: str, hostname: str, now: datetime) -> Terminal:
    raw_key = public_key_bytes(public_key)
    if raw_key is None:
        # Checked first, so a typo in the key does not burn the code.
        raise validation_failed(
            {"public_key": "not_ed25519"}, "public_key is not a base64 Ed25519 key"
        )
    digest = code_hash(code)
    claim = (
        update(EnrollmentCode)
        .where(
            EnrollmentCode.code_hash == digest,
            EnrollmentCode.used_at.is_(None),
            EnrollmentCode.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    claimed = cast(CursorResult[Any], session.execute(claim)).rowcount == 1
    row = session.scalar(select(EnrollmentCode).where(EnrollmentCode.code_hash == digest))
    if not claimed or row is None:
        session.rollback()
        raise ApiError(400, "enrollment_failed", _why_refused(row))
    terminal = Terminal(
        public_key=base64.b64encode(raw_key).decode("ascii"),
        hall_name=row.hall_name,
        region_code=row.region_code,
        profile=row.profile,
        hostname=hostname,
        enrolled_at=now,
        revoked=False,
    )
    session.add(terminal)
    session.flush()
    terminal.terminal_id = f"T-{terminal.id:04d}"
    row.terminal_id = terminal.terminal_id
    session.commit()
    return terminal


def _why_refused(row: EnrollmentCode | None) -> str:
    if row is None:
        return "unknown enrollment code"
    if row.used_at is not None:
        return "enrollment code already used"
    return "enrollment code expired"


def find_terminal(session: Session, terminal_id: str) -> Terminal | None:
    return session.scalar(select(Terminal).where(Terminal.terminal_id == terminal_id))
