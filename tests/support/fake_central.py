"""A small stand-in for central on 127.0.0.1, for client and outbox tests.

By default it answers like the contract says (verifying every signature with code written
from docs/central-api.md, not the terminal's). Tests script misbehaviour per path: a status,
a garbage body, a sleep past the read timeout, a dropped connection.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import ssl
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CATALOGUE: dict[str, Any] = {
    "version": "2026.11.1",
    "items": [{
        "code": "11140500MB1234567X4000111001", "name": "城乡居民基本养老保险参保登记",
        "department": "晋城市社会保险中心", "region_code": "140500", "region_name": "晋城市",
        "level": "市级", "scope": "全省", "modes": ["全程网办", "异地代收代办"], "one_id": True,
        "visits": 0, "legal_days": 20, "promised_days": 1, "fee": "不收费", "applicant_kind": "person",
        "conditions": ["具有本市户籍"],
        "materials": [
            {"code": "M01", "name": "居民户口簿", "required": True, "source": "licence",
             "licence_type": "hukou", "note": "免提交"},
            {"code": "M03", "name": "银行卡复印件", "required": False, "source": "paper",
             "licence_type": None, "note": ""},
        ],
        "fields": [
            {"key": "phone", "label": "联系电话", "type": "phone", "required": True, "prefill": None,
             "options": [], "rules": {}},
            {"key": "bank_account", "label": "银行账号", "type": "number", "required": True,
             "prefill": None, "options": [], "rules": {"min_length": 16, "max_length": 19}},
        ],
        "where_to_go": "晋城市政务服务中心二楼", "phone": "0356-12345678",
        "handling_region_code": "140500",
    }],
}


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    sleep: float = 0.0        # before answering
    drop: bool = False        # close the connection without an answer


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    verified: str             # "ok" or the 401 reason


class FakeCentral:
    def __init__(self) -> None:
        self.keys: dict[str, Ed25519PublicKey] = {}
        self.codes: dict[str, dict[str, str]] = {}
        self.applications: dict[str, tuple[str, dict[str, Any]]] = {}   # key -> (body hash, app)
        self.submit_bodies: list[bytes] = []
        self.seen: list[Seen] = []
        self.script: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self.nonces: set[tuple[str, str]] = set()
        self.catalogue = json.loads(json.dumps(CATALOGUE))
        self.after_commit: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._counter = 0
        self.server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- control ---------------------------------------------------------------------------
    def start(self, tls: ssl.SSLContext | None = None) -> str:
        central = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                central._handle(self, "GET")

            def do_POST(self) -> None:
                central._handle(self, "POST")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        server.block_on_close = False
        self.server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def then(self, method: str, path: str, *replies: Reply) -> None:
        """Answer the next requests to ``path`` with ``replies``, one each, then normally."""
        self.script[(method, path)].extend(replies)

    def add_code(self, code: str, terminal_id: str = "T-0001") -> None:
        self.codes[code] = {"terminal_id": terminal_id, "hall_name": "晋城市政务服务中心",
                            "region_code": "140500", "profile": "hall"}

    def register(self, terminal_id: str, public_key: Ed25519PublicKey) -> None:
        self.keys[terminal_id] = public_key

    def count(self, method: str, path: str) -> int:
        return sum(1 for s in self.seen if s.method == method and s.path.split("?")[0] == path)

    # -- the server ------------------------------------------------------------------------
    def _verify(self, method: str, path: str, headers: dict[str, str], body: bytes) -> str:
        tid, ts, nonce, sig = (headers.get(h) for h in ("x-terminal-id", "x-timestamp", "x-nonce", "x-signature"))
        if not (tid and ts and nonce and sig) or len(nonce) != 32 or not ts.isdigit():
            return "missing_signature"
        key = self.keys.get(tid)
        if key is None:
            return "unknown_terminal"
        signed = "\n".join(["TONGBAN-SIG-V1", method, path, ts, nonce, tid, hashlib.sha256(body).hexdigest()])
        try:
            key.verify(base64.b64decode(sig, validate=True), signed.encode())
        except (InvalidSignature, ValueError):
            return "bad_signature"
        if abs(time.time() - int(ts)) > 60:
            return "stale_timestamp"
        with self._lock:
            if (tid, nonce) in self.nonces:
                return "replayed_nonce"
            self.nonces.add((tid, nonce))
        return "ok"

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in h.headers.items()}
        route = h.path.split("?")[0]
        unsigned = route in ("/api/v1/health", "/api/v1/terminals/enroll")
        verified = "ok" if unsigned else self._verify(method, h.path, headers, body)
        with self._lock:
            self.seen.append(Seen(method, h.path, headers, body, verified))
            queue = self.script.get((method, route))
            scripted = queue.popleft() if queue else None
        if scripted is not None:
            if scripted.sleep:
                time.sleep(scripted.sleep)
            if scripted.drop:
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return
            self._send(h, scripted.status, scripted.body, scripted.headers)
            return
        if verified != "ok":
            self._send(h, 401, {"error": verified, "detail": "signature check"})
            return
        status, answer, extra = self._default(method, route, headers, body)
        self._send(h, status, answer, extra)

    def _default(self, method: str, route: str, headers: dict[str, str], body: bytes
                 ) -> tuple[int, Any, dict[str, str]]:
        if route == "/api/v1/health":
            return 200, {"status": "ok", "catalogue_version": self.catalogue["version"]}, {}
        if route == "/api/v1/terminals/enroll":
            data = json.loads(body)
            info = self.codes.pop(data.get("code", ""), None)
            if info is None:
                return 400, {"error": "enrollment_failed", "detail": "unknown code"}, {}
            self.register(info["terminal_id"], Ed25519PublicKey.from_public_bytes(base64.b64decode(data["public_key"])))
            return 201, info, {}
        if route == "/api/v1/catalogue":
            etag = f'"{self.catalogue["version"]}"'
            if headers.get("if-none-match") == etag:
                return 304, b"", {"ETag": etag}
            return 200, self.catalogue, {"ETag": etag}
        if route == "/api/v1/persons/context":
            data = json.loads(body)
            known = data.get("id_number") == "110101199003071233"
            licences = [{"type": "hukou", "name": "居民户口簿", "number": "1401********0001",
                         "issuer": "晋城市公安局", "valid_until": None, "fields": {"household_head": "张*"}}]
            return 200, {"known": known, "licences": licences if known else [],
                         "eligible_items": [self.catalogue["items"][0]["code"]] if known else []}, {}
        if route == "/api/v1/applications" and method == "POST":
            return self._submit(headers, body)
        if route.startswith("/api/v1/applications/"):
            number = route.rsplit("/", 1)[1]
            for _, app in self.applications.values():
                if app["application_number"] == number:
                    return 200, app, {}
            return 404, {"error": "not_found", "detail": number}, {}
        return 404, {"error": "not_found", "detail": route}, {}

    def _submit(self, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        key = headers.get("idempotency-key", "")
        digest = hashlib.sha256(body).hexdigest()
        with self._lock:
            self.submit_bodies.append(body)
            if key in self.applications:
                stored_digest, app = self.applications[key]
                if stored_digest != digest:
                    return 409, {"error": "idempotency_conflict", "detail": key}, {}
                return 200, app, {}
            data = json.loads(body)
            if data["form"].get("phone") == "invalid":
                return 422, {"error": "validation_failed", "detail": "form", "fields": {"phone": "pattern"}}, {}
            self._counter += 1
            app = {
                "application_number": f"1405002026112300{self._counter:04d}",
                "local_receipt": data["local_receipt"], "status": "受理", "item_code": data["item_code"],
                "item_name": "城乡居民基本养老保险参保登记", "region_received": "140500",
                "region_handling": "140500",
                "timeline": [{"step": "申请", "at": data["submitted_at"], "note": "自助终端提交"},
                             {"step": "受理", "at": data["submitted_at"], "note": "一证通办自动受理"}],
                "next_steps": "承诺1个工作日内办结。",
            }
            self.applications[key] = (digest, app)
        if self.after_commit is not None:
            self.after_commit()
        return 201, app, {}

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        h.send_response(status)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        if status != 304:
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        if status != 304:
            h.wfile.write(raw)
