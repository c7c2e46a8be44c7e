"""The ops console's users, logins and sessions (docs/fleet.md §6).

* Users (`ops_users`): a name, a role (`admin` everything; `regional` the terminals,
  configuration and halls of their region; `hall_staff` their hall's print log and queue
  pages), a scrypt password hash (central.passwords, as the window clerks').
* Sessions (`ops_sessions`): the cookie carries 32 random bytes; the table keeps only its
  SHA-256, so a copy of the database logs nobody in. A session ends 8 h after the login
  (absolute) or 30 min after its last request (idle), whichever comes first: `expires_at`
  is min(login + 8 h, last request + 30 min), moved forward on use (at most once a minute,
  so browsing is not a write per page). Every worker reads the same table: stateless
  workers behind a load balancer share the sessions.
* CSRF: each session has its own random token, put in every form (hidden `csrf`) and
  compared in constant time on every POST (with SameSite=Strict on the cookie, two locks).
* Login attempts are counted in the database's rate windows (central.limits.count_request,
  shared by every worker), per client address and per user name.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select, update

from central.models_fleet import OpsSession, OpsUser
from central.models_hall import Hall
from central.passwords import dummy_hash, hash_password, verify_password
from central.timeutil import to_beijing

users_t = cast(Table, OpsUser.__table__)
sessions_t = cast(Table, OpsSession.__table__)
halls_t = cast(Table, Hall.__table__)

ROLES = ("admin", "regional", "hall_staff")
ROLE_NAMES = {"admin": "运维管理员", "regional": "区域运维", "hall_staff": "大厅工作人员"}
ABSOLUTE = timedelta(hours=8)
IDLE = timedelta(minutes=30)
TOUCH_EVERY = timedelta(minutes=1)
MIN_PASSWORD = 10
_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,40}")
_REGION = re.compile(r"[0-9]{2,12}")
# Login attempts (successful ones count too): per client address, and per user name so
# guesses spread over many addresses still hit a wall.
LOGIN_PER_CLIENT = (20, 60)  # (attempts, window seconds)
LOGIN_PER_NAME = (10, 900)


class OpsAuthError(Exception):
    """A user that cannot be added or changed; the message is one line for the operator."""


def region_prefix(code: str) -> str:
    """The prefix a region's descendants share: 140500 (晋城市) -> 1405, so its counties
    140525 ... match; 140000 (山西省) -> 14; a county 140525 stays itself."""
    prefix = code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a logged-in console user and what their role lets them see."""

    name: str
    role: str
    region_code: str | None
    hall_code: str | None

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    def sees_region(self, region_code: str | None) -> bool:
        """Terminals, halls and configuration of `region_code` (admin: all; regional: a
        region under theirs; hall staff: none — they see their hall's pages only)."""
        if self.role == "admin":
            return True
        if self.role == "regional" and self.region_code and region_code:
            return region_code.startswith(region_prefix(self.region_code))
        return False

    def sees_hall(self, hall_code: str, hall_region: str | None) -> bool:
        """A hall's print log and queue pages."""
        if self.role == "hall_staff":
            return hall_code == self.hall_code
        return self.sees_region(hall_region)


@dataclass(frozen=True)
class LoggedIn:
    viewer: Viewer
    csrf: str
    token_hash: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- users ----------------------------------------------------------------------------


def add_user(
    conn: Connection,
    name: str,
    role: str,
    password: str,
    now: datetime,
    region: str | None = None,
    hall: str | None = None,
) -> dict[str, Any]:
    """Add a console user; OpsAuthError names what is wrong."""
    if not _NAME.fullmatch(name):
        raise OpsAuthError("NAME must be 1 to 40 letters, digits or _ . @ -")
    if role not in ROLES:
        raise OpsAuthError(f"--role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise OpsAuthError(f"the password must be at least {MIN_PASSWORD} characters")
    if role == "regional":
        if not region or not _REGION.fullmatch(region):
            raise OpsAuthError("a regional user needs --region CODE (digits, e.g. 140500)")
        hall = None
    elif role == "hall_staff":
        hall = (hall or "").strip().upper()
        found = conn.execute(select(halls_t.c.region_code).where(halls_t.c.code == hall)).first()
        if not hall or found is None:
            raise OpsAuthError(f"hall_staff needs --hall CODE of a known hall (not {hall!r})")
        region = None
    else:
        region = hall = None
    if conn.execute(select(users_t.c.name).where(users_t.c.name == name)).first():
        raise OpsAuthError(f"user {name!r} exists already")
    conn.execute(
        insert(users_t).values(
            name=name,
            password_hash=hash_password(password),
            role=role,
            region_code=region,
            hall_code=hall,
            created_at=now,
            disabled=False,
        )
    )
    return {"name": name, "role": role, "region": region, "hall": hall, "disabled": False}


def list_users(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(users_t).order_by(users_t.c.name)).all()
    return [
        {
            "name": r.name,
            "role": r.role,
            "region": r.region_code,
            "hall": r.hall_code,
            "disabled": bool(r.disabled),
            "created_at": to_beijing(r.created_at).isoformat(timespec="seconds"),
        }
        for r in rows
    ]


def disable_user(conn: Connection, name: str) -> int:
    """Disable `name` and end their sessions at once: the sessions ended."""
    done = conn.execute(update(users_t).where(users_t.c.name == name).values(disabled=True))
    if done.rowcount == 0:
        raise OpsAuthError(f"no user {name!r}")
    ended = conn.execute(delete(sessions_t).where(sessions_t.c.user_name == name))
    return int(ended.rowcount or 0)


# --- sessions -------------------------------------------------------------------------


def log_in(
    conn: Connection, name: str, password: str, now: datetime
) -> tuple[str, LoggedIn] | None:
    """(the cookie's token, the session) for a right name and password of an enabled
    user, else None. An unknown name costs one scrypt like a known one."""
    row = conn.execute(select(users_t).where(users_t.c.name == name)).first()
    if row is None:
        verify_password(password, dummy_hash())
        return None
    if not verify_password(password, row.password_hash) or row.disabled:
        return None
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    token_hash = _digest(token)
    conn.execute(delete(sessions_t).where(sessions_t.c.expires_at <= now))  # swept on login
    conn.execute(
        insert(sessions_t).values(
            token_hash=token_hash,
            user_name=row.name,
            csrf_token=csrf,
            created_at=now,
            expires_at=min(now + ABSOLUTE, now + IDLE),
        )
    )
    viewer = Viewer(row.name, row.role, row.region_code, row.hall_code)
    return token, LoggedIn(viewer, csrf, token_hash)


def session_of(conn: Connection, token: str | None, now: datetime) -> LoggedIn | None:
    """The live session a cookie's token names (its idle expiry moved forward), or None:
    no token, unknown, expired (deleted then) or its user disabled."""
    if not token or len(token) > 100:
        return None
    token_hash = _digest(token)
    row = conn.execute(
        select(sessions_t, users_t.c.role, users_t.c.region_code, users_t.c.hall_code,
               users_t.c.disabled)
        .join(users_t, users_t.c.name == sessions_t.c.user_name)
        .where(sessions_t.c.token_hash == token_hash)
    ).first()  # fmt: skip
    if row is None:
        return None
    if row.expires_at <= now or row.disabled:
        conn.execute(delete(sessions_t).where(sessions_t.c.token_hash == token_hash))
        return None
    moved = min(row.created_at + ABSOLUTE, now + IDLE)
    if moved - row.expires_at >= TOUCH_EVERY:
        conn.execute(
            update(sessions_t).where(sessions_t.c.token_hash == token_hash).values(expires_at=moved)
        )
    viewer = Viewer(row.user_name, row.role, row.region_code, row.hall_code)
    return LoggedIn(viewer, row.csrf_token, token_hash)


def log_out(conn: Connection, session: LoggedIn) -> None:
    conn.execute(delete(sessions_t).where(sessions_t.c.token_hash == session.token_hash))


def csrf_ok(session: LoggedIn, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf, str(submitted))


def login_allowed(conn: Connection, client: str, name: str, now: datetime) -> int | None:
    """None when this attempt is within the limits, else the seconds to wait."""
    from central.limits import count_request  # limits imports the routes, which mount us

    epoch = int(now.timestamp() if now.tzinfo else (now - datetime(1970, 1, 1)).total_seconds())
    waits = []
    for key, (limit, window) in (
        (f"ops-client:{client}", LOGIN_PER_CLIENT),
        (f"ops-user:{name[:40]}", LOGIN_PER_NAME),
    ):
        start = epoch - epoch % window
        if count_request(conn, key, "POST /ops/login", start) > limit:
            waits.append(start + window - epoch)
    return max(waits) if waits else None
