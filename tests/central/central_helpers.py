"""Helpers of the central tests: a signed terminal client, enrollment, demo people."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from central.enrollment import issue_code
from central.settings import ENROLLMENT_VALIDITY
from central.timeutil import utcnow
from tests.support.signer import TerminalKey

ZHANG_SAN = ("110101199003071233", "张三")
LI_SI = ("31010419880512006X", "李四")
WANG_WU = ("640104196208150313", "王五")
CHEN_MEILING = ("810000199208150043", "陈美玲")
COMPANY_TAIHANG = "91140500MA0KD3N58X"  # 张三 is its legal representative
COMPANY_SHOP = "92140525MA0L7UQ2XW"  # 个体工商户, 张三
COMPANY_DANHE = "91140581MA0M4T6R12"  # 赵建国


def new_code(
    app: FastAPI,
    region: str = "140500",
    hall: str = "晋城市政务服务中心",
    profile: str = "hall",
    now: datetime | None = None,
) -> str:
    with app.state.sessions() as session:
        code, _row = issue_code(
            session, hall, region, profile, now or utcnow(), ENROLLMENT_VALIDITY
        )
    return code


class SignedApi:
    """A terminal talking to central: every request signed with its key."""

    def __init__(self, client: TestClient, key: TerminalKey, terminal_id: str, region: str) -> None:
        self.client = client
        self.key = key
        self.terminal_id = terminal_id
        self.region = region

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        **sign: Any,
    ) -> httpx.Response:
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        sent = {"Content-Type": "application/json"} if body is not None else {}
        sent.update(self.key.sign(self.terminal_id, method, path, raw, **sign))
        sent.update(headers or {})
        return self.client.request(method, path, content=raw or None, headers=sent)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> httpx.Response:
        return self.request("POST", path, body, **kw)


def enroll(
    client: TestClient, app: FastAPI, region: str = "140500", profile: str = "hall"
) -> SignedApi:
    key = TerminalKey.generate()
    response = client.post(
        "/api/v1/terminals/enroll",
        json={
            "code": new_code(app, region=region, profile=profile),
            "public_key": key.public_b64,
            "hostname": "kiosk-test",
        },
    )
    assert response.status_code == 201, response.text
    return SignedApi(client, key, response.json()["terminal_id"], region)


@dataclass
class LiveServer:
    base_url: str
    app: FastAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
