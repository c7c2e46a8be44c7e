"""An HTTP proxy in front of the real central that a test can stop at a chosen point of the
N-th delivery, so a kill lands there whatever the speed of the machine.

    gate = GateProxy(central.url, "/api/v1/applications", "/api/v1/applications/sealed")
    gate.start()                                   # the terminal talks to gate.url
    gate.arm("window", after=7)                    # hold once central has answered 7 more
    ... start the drain ...
    gate.wait_held(deadline)                       # the drain is now stuck at that point
    kill the drain; gate.release()

The stops (``PHASES``), for POSTs to ``path``:

* ``before``: after ``after`` answers, the next requests are held before they reach central
  (sent by the terminal, never seen by central); on release they are dropped.
* ``window``: the ``after``-th answer and any later one are held after central committed and
  before the terminal hears of it; on release they are dropped. Only the idempotency key
  makes a resend of these safe.
* ``after``: the ``after``-th answer is passed to the terminal and then the test is told at
  once, without holding anything: the kill races the terminal's own commit.

Everything else (GETs, other paths, an unarmed gate) is passed through unchanged.
"""

from __future__ import annotations

import http.client
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

Phase = Literal["before", "window", "after"]
PHASES: tuple[Phase, ...] = ("before", "window", "after")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
              "upgrade", "content-length", "host"}
OWN_HEADERS = HOP_BY_HOP | {"server", "date"}       # send_response() writes its own


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A killed terminal resets its connections: expected here, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class GateProxy:
    def __init__(self, upstream: str, path: str, *more_paths: str) -> None:
        parts = urlsplit(upstream)
        assert parts.scheme == "http" and parts.hostname and parts.port, upstream
        self.upstream = (parts.hostname, parts.port)
        self.path = path
        self.paths = frozenset((path, *more_paths))   # e.g. the plain and the sealed intake
        self._lock = threading.Lock()
        self._phase: Phase | None = None
        self._after = 0
        self._answered = 0             # answers from central for `path` since arm()
        self._reached = threading.Event()
        self._released = threading.Event()
        self.delivered = 0             # answers from central for `path`, all told
        self.held = 0                  # requests or answers held (and dropped) since start
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="gate-proxy", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # -- the test's side ----------------------------------------------------------------------

    def arm(self, phase: Phase, after: int) -> None:
        """Stop at ``phase`` once central has answered ``after`` more deliveries (>= 1)."""
        assert phase in PHASES and after >= 1
        with self._lock:
            self._phase, self._after, self._answered = phase, after, 0
            self._reached.clear()
            self._released.clear()

    def wait_held(self, timeout: float) -> bool:
        """True once the armed point was reached (the drain is held there, or for ``after``,
        has just been answered); False after ``timeout``."""
        return self._reached.wait(timeout)

    def release(self) -> None:
        """Disarm; held requests and answers are dropped (their connection is closed)."""
        with self._lock:
            self._phase = None
            self._released.set()

    # -- the proxy's side ---------------------------------------------------------------------

    def _hold(self) -> None:
        with self._lock:
            self.held += 1
        self._reached.set()
        self._released.wait()

    def _before_forward(self) -> bool:
        """True when this request is to be held (and dropped) before central sees it."""
        with self._lock:
            return self._phase == "before" and self._answered >= self._after

    def _after_answer(self) -> Phase | None:
        """Count one answer from central; the phase whose point this answer reached, if any."""
        with self._lock:
            self.delivered += 1
            self._answered += 1
            if self._phase in ("window", "after") and self._answered >= self._after:
                return self._phase
            return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gate = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                gated = self.command == "POST" and self.path.split("?", 1)[0] in gate.paths
                if gated and gate._before_forward():
                    gate._hold()
                    self.close_connection = True
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream = http.client.HTTPConnection(*gate.upstream, timeout=120)
                try:
                    upstream.request(self.command, self.path, body=body or None, headers=headers)
                    answer = upstream.getresponse()
                    content = answer.read()
                    status, reason, answer_headers = answer.status, answer.reason, answer.getheaders()
                finally:
                    upstream.close()
                reached = gate._after_answer() if gated else None
                if reached == "window":
                    gate._hold()
                    self.close_connection = True
                    return
                try:
                    self.send_response(status, reason)
                    for key, value in answer_headers:
                        if key.lower() not in OWN_HEADERS:
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                    self.wfile.flush()
                except ConnectionError:        # the terminal was killed meanwhile
                    self.close_connection = True
                    return
                if reached == "after":
                    gate._reached.set()

            do_GET = do_POST = do_PUT = do_DELETE = _relay

        return Handler

