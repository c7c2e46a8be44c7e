"""A terminal's request signer for tests and benchmarks, written from docs/central-api.md
alone (it must not import kiosk/ or central/: it checks both against the contract).

    key = TerminalKey.generate()
    headers = key.sign("T-0001", "POST", "/api/v1/persons/context", body)
    httpx.Client(auth=HttpxSigner(key, "T-0001"))      # signs every request it sends
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import httpx
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def string_to_sign(
    method: str, path: str, timestamp: str, nonce: str, terminal_id: str, body: bytes
) -> bytes:
    return "\n".join(
        [
            "TONGBAN-SIG-V1",
            method.upper(),
            path,
            timestamp,
            nonce,
            terminal_id,
            hashlib.sha256(body).hexdigest(),
        ]
    ).encode("utf-8")


@dataclass(frozen=True)
class TerminalKey:
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> TerminalKey:
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_b64(self) -> str:
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(raw).decode("ascii")

    def sign(
        self,
        terminal_id: str,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> dict[str, str]:
        """The four signature headers for one request (`path` with its query string)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(16)
        message = string_to_sign(method, path, ts, nonce, terminal_id, body)
        return {
            "X-Terminal-Id": terminal_id,
            "X-Timestamp": ts,
            "X-Nonce": nonce,
            "X-Signature": base64.b64encode(self.private.sign(message)).decode("ascii"),
        }


class HttpxSigner(httpx.Auth):
    """httpx auth: signs the request exactly as it goes on the wire."""

    requires_request_body = True

    def __init__(self, key: TerminalKey, terminal_id: str) -> None:
        self.key = key
        self.terminal_id = terminal_id

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        path = request.url.raw_path.decode("ascii")
        request.headers.update(
            self.key.sign(self.terminal_id, request.method, path, request.content)
        )
        yield request


class RequestsSigner(requests.auth.AuthBase):
    """requests auth (what schemathesis sends with): same signature."""

    def __init__(self, key: TerminalKey, terminal_id: str) -> None:
        self.key = key
        self.terminal_id = terminal_id

    def __call__(self, request: Any) -> Any:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        request.headers.update(
            self.key.sign(self.terminal_id, request.method, request.path_url, body)
        )
        return request
