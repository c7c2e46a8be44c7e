"""The ops console's logins and sessions on both back ends: passwords, the cookie's flags,
only the token's SHA-256 stored, idle and absolute expiry (central's clock injected), logout,
a disabled user, CSRF refusal, and the login rate limit (docs/fleet.md §6)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from ops_helpers import PASSWORD, audit_rows, csrf_of, log_in, make_user, ops_routes
from sqlalchemy import select

from central.console.auth import disable_user
from central.models_fleet import OpsSession, OpsUser
from central.passwords import verify_password

T0 = datetime(2026, 12, 7, 1, 0, 0)


class Clock:
    def __init__(self, app: FastAPI) -> None:
        self.now = T0
        app.state.clock = lambda: self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sessions(app: FastAPI) -> list[OpsSession]:
    with app.state.sessions() as session:
        return list(session.scalars(select(OpsSession)))


def test_login_sets_a_strict_httponly_cookie_and_stores_only_the_hash(
    app: FastAPI, client: TestClient
) -> None:
    make_user(app, "ops1", "admin")
    with app.state.engine.connect() as conn:
        stored = conn.execute(select(OpsUser.password_hash)).scalar_one()
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert verify_password(PASSWORD, stored)
    answer = client.post("/ops/login", data={"name": "ops1", "password": PASSWORD},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/ops/"
    cookie = answer.headers["set-cookie"]
    token = cookie.split(";")[0].split("=", 1)[1]
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/ops" in flags
    assert "secure" not in flags  # plain HTTP here; the next test is HTTPS
    [row] = sessions(app)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, row.csrf_token)
    assert client.get("/ops/fleet").status_code == 200
    assert [r.actor for r in audit_rows(app, "ops_login")] == ["ops1"]


def test_the_cookie_is_secure_over_https(app: FastAPI) -> None:
    make_user(app, "ops1", "admin")
    with TestClient(app, base_url="https://testserver") as client:
        answer = client.post("/ops/login", data={"name": "ops1", "password": PASSWORD},
                             follow_redirects=False)  # fmt: skip
    assert "secure" in [p.strip().lower() for p in answer.headers["set-cookie"].split(";")]


def test_wrong_password_unknown_user_and_disabled_user_are_refused_alike(
    app: FastAPI, client: TestClient
) -> None:
    make_user(app, "ops1", "admin")
    make_user(app, "gone", "admin")
    app.state.db.run(lambda conn: disable_user(conn, "gone"))
    for name, password in (("ops1", "wrong-password"), ("nobody", PASSWORD), ("gone", PASSWORD)):
        answer = client.post("/ops/login", data={"name": name, "password": password},
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 401
        assert "用户名或密码不正确" in answer.text and "set-cookie" not in answer.headers
    assert sessions(app) == []


def test_a_session_ends_after_30_idle_minutes(app: FastAPI, client: TestClient) -> None:
    clock = Clock(app)
    make_user(app, "ops1", "admin")
    log_in(client, "ops1")
    clock.advance(minutes=29)
    assert client.get("/ops/fleet", follow_redirects=False).status_code == 200  # moves it on
    clock.advance(minutes=29)
    assert client.get("/ops/fleet", follow_redirects=False).status_code == 200
    clock.advance(minutes=30, seconds=1)
    answer = client.get("/ops/fleet", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/ops/login"
    assert client.get("/ops/api/fleet").status_code == 401
    assert sessions(app) == []  # the expired row went with the refusal


def test_a_session_ends_8_hours_after_login_however_busy(app: FastAPI, client: TestClient) -> None:
    clock = Clock(app)
    make_user(app, "ops1", "admin")
    log_in(client, "ops1")
    for _ in range(7 * 4 + 3):  # a request every 15 minutes: never idle
        clock.advance(minutes=15)
        assert client.get("/ops/api/fleet").status_code == 200
    assert clock.now - T0 == timedelta(hours=7, minutes=45)
    clock.advance(minutes=15)
    assert client.get("/ops/api/fleet").status_code == 401


def test_logout_ends_the_session_for_good(app: FastAPI, client: TestClient) -> None:
    make_user(app, "ops1", "admin")
    csrf = log_in(client, "ops1")
    token = client.cookies.get("tongban_ops")
    answer = client.post("/ops/logout", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/ops/login"
    assert sessions(app) == []
    client.cookies.set("tongban_ops", token or "", path="/ops")  # replaying the old cookie
    assert client.get("/ops/api/fleet").status_code == 401


def test_disabling_a_user_ends_their_sessions(app: FastAPI, client: TestClient) -> None:
    make_user(app, "ops1", "admin")
    log_in(client, "ops1")
    assert app.state.db.run(lambda conn: disable_user(conn, "ops1")) == 1
    assert client.get("/ops/api/fleet").status_code == 401


def test_every_post_without_the_sessions_csrf_token_is_403(
    app: FastAPI, client: TestClient
) -> None:
    make_user(app, "ops1", "admin")
    make_user(app, "ops2", "admin")
    other = TestClient(app)
    other_csrf = log_in(other, "ops2")
    csrf = log_in(client, "ops1")
    assert csrf != other_csrf
    posts = [path for method, path in ops_routes(app) if method == "POST" and path != "/ops/login"]
    assert "/ops/logout" in posts and "/ops/terminals/{terminal_id}/commands" in posts
    for template in posts:
        path = template.replace("{terminal_id}", "T1").replace("{rollout_id}", "1")
        path = path.replace("{action}", "pause")
        for form in ({}, {"csrf": ""}, {"csrf": "forged"}, {"csrf": other_csrf}):
            answer = client.post(path, data={**form, "kind": "doctor"}, follow_redirects=False)
            assert answer.status_code == 403, (path, form, answer.status_code)
            assert "CSRF" in answer.text
    assert len(sessions(app)) == 2  # logout without the token did not log out
    assert audit_rows(app, "doctor") == []
    assert csrf_of(client) == csrf


def test_login_attempts_are_rate_limited_per_name(app: FastAPI, client: TestClient) -> None:
    clock = Clock(app)
    clock.now = T0.replace(minute=0)  # one 15-minute window for all eleven
    make_user(app, "ops1", "admin")
    for _ in range(10):
        wrong = client.post("/ops/login", data={"name": "ops1", "password": "guess-guess"})
        assert wrong.status_code == 401
    eleventh = client.post("/ops/login", data={"name": "ops1", "password": PASSWORD},
                           follow_redirects=False)  # fmt: skip
    assert eleventh.status_code == 429 and "登录尝试过多" in eleventh.text
    assert sessions(app) == []  # even the right password waits out the window
    clock.advance(minutes=15)
    assert client.post("/ops/login", data={"name": "ops1", "password": PASSWORD},
                       follow_redirects=False).status_code == 303  # fmt: skip


def test_login_attempts_are_rate_limited_per_client(app: FastAPI, client: TestClient) -> None:
    clock = Clock(app)
    clock.now = T0.replace(second=0)
    statuses = [
        client.post("/ops/login", data={"name": f"user{i}", "password": "x" * 10}).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [401] * 20 and statuses[20] == 429


def test_a_session_made_by_one_worker_is_honoured_and_ended_by_another(
    db_url: str, app: FastAPI, client: TestClient
) -> None:
    """Workers share sessions through the database only: a second app on the same
    database (another worker process's) knows the login and the logout."""
    from central.app import create_app, dispose

    make_user(app, "ops1", "admin")
    log_in(client, "ops1")
    other_app = create_app(db_url)
    try:
        with TestClient(other_app) as other:
            other.cookies.set("tongban_ops", client.cookies.get("tongban_ops") or "", path="/ops")
            assert other.get("/ops/api/fleet").status_code == 200
            assert other.get("/ops/login", follow_redirects=False).headers["location"] == "/ops/"
            answer = other.post("/ops/logout", data={"csrf": csrf_of(other)},
                                follow_redirects=False)  # fmt: skip
            assert answer.status_code == 303
    finally:
        dispose(other_app)
    assert client.get("/ops/api/fleet").status_code == 401
