"""The terminal's client of the Central API v1 (docs/central-api.md).

One ``_exchange()`` does every HTTP call: it signs, applies the timeouts and the call's
deadline, retries what may be retried, caps the body and translates whatever happens into
``errors``. Methods above it only say which path, which statuses they accept, which model the
body must match and whether the call is idempotent. Bodies are never logged.

Threads: one client may be shared by every thread of the terminal (flow workers, the code
worker, the key cache): each thread gets a ``requests.Session`` of its own
(kiosk.central_api.sessions); the last good catalogue and its ETag are kept under a lock
(kiosk.central_api.catalogue).

Only idempotent calls are retried, with backoff and jitter, and every call has one deadline
that its attempts, waits and body fit in (kiosk.central_api.retry says which calls, how
often and how long apart). Each attempt is signed anew: a resend of the same bytes would carry
a used nonce.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel
from urllib3.exceptions import MaxRetryError, ReadTimeoutError

from kiosk.central_api.catalogue import CatalogueCache, KeptCatalogue
from kiosk.central_api.errors import (
    CentralServerError,
    CentralUnavailable,
    InvalidResponse,
    NotEnrolled,
    rejected_from_body,
)
from kiosk.central_api.models import (
    Application,
    ApplicationRequest,
    Catalogue,
    CodeKeys,
    CompanyContext,
    Enrollment,
    IssuedDocument,
    OutboxKey,
    PersonContext,
    PrintLogAck,
    PrintLogMatches,
    ProofList,
    ProofSummary,
    ResolvedIdentity,
    VerifiedDocument,
)
from kiosk.central_api.replies import json_bytes, parse, read_body
from kiosk.central_api.retry import (
    BACKOFF_FACTOR,
    BACKOFF_JITTER,
    BACKOFF_MAX,
    DEADLINE_S,
    GET_RETRIES,
    LOOKUP_RETRIES,
    JitteredRetry,
    Reply,
    retry_policy,
    with_retries,
)
from kiosk.central_api.sessions import ThreadSessions
from kiosk.central_api.signing import TerminalIdentity, sign_headers
from kiosk.config import check_central_url

log = logging.getLogger(__name__)

API = "/api/v1"
USER_AGENT = "tongban-kiosk/0.1"
M = TypeVar("M", bound=BaseModel)


class CentralClient:
    """Talks to one central as one enrolled terminal. Thread-safe: share one client between
    threads; each thread gets its own ``requests.Session``. A ``session`` passed in is used
    as given for every call and is then the caller's to keep to one thread."""

    def __init__(
        self,
        base_url: str,
        identity: TerminalIdentity | None,
        ca_bundle: str | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        session: requests.Session | None = None,
        *,
        cache: CatalogueCache | None = None,
        deadline: float | None = None,
        get_retries: int = GET_RETRIES,
        lookup_retries: int = LOOKUP_RETRIES,
        backoff_factor: float = BACKOFF_FACTOR,
        backoff_max: float = BACKOFF_MAX,
        backoff_jitter: float = BACKOFF_JITTER,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] | None = None,
    ) -> None:
        self.base_url = check_central_url(base_url)
        self.identity = identity
        self.ca_bundle = str(ca_bundle) if ca_bundle else None
        self.timeout = (connect_timeout, read_timeout)
        # One deadline per call, attempts, waits and body included (requests has none); by
        # default DEADLINE_S, or one whole attempt when the timeouts are longer than that.
        self.deadline = deadline if deadline is not None else max(DEADLINE_S, connect_timeout + read_timeout)
        if self.deadline <= 0:
            raise ValueError("deadline must be greater than 0")
        self.get_retries = get_retries
        self.lookup_retries = lookup_retries
        self.backoff = (backoff_factor, backoff_max, backoff_jitter)
        self._sleep = sleep
        self._clock = clock
        # Per client, seeded from the OS: two terminals draw different waits.
        self._rng = rng or random.Random().random
        self._sessions = ThreadSessions(self.ca_bundle, session)
        self._catalogue = KeptCatalogue(cache)

    def close(self) -> None:
        """Close every thread's session (a thread that calls again afterwards gets a new one)."""
        self._sessions.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def catalogue_is_cached(self) -> bool:
        """Whether this thread's last ``catalogue()`` answered from the cache."""
        return self._catalogue.is_cached

    @catalogue_is_cached.setter
    def catalogue_is_cached(self, value: bool) -> None:
        self._catalogue.is_cached = value

    # -- the API ---------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self.health_dated()[0]

    def health_dated(self) -> tuple[dict[str, Any], str | None]:
        """The health answer and its HTTP ``Date`` header (central's clock, to the second)."""
        reply = self._exchange("GET", "/health", signed=False, retries=self.get_retries)
        self._expect(reply, (200,))
        try:
            data = json.loads(reply.body)
        except (ValueError, RecursionError):
            raise InvalidResponse("health: not JSON", reply.status) from None
        if not isinstance(data, dict) or not isinstance(data.get("status"), str):
            raise InvalidResponse("health: not an object with a status", reply.status)
        return data, reply.headers.get("Date")

    def catalogue(self) -> Catalogue:
        """The catalogue; when central cannot be reached (or answers garbage), the last one
        that was fetched, with ``catalogue_is_cached`` set (for the calling thread). Raises
        only without a cache."""
        cached = self._catalogue.get()
        headers = {"If-None-Match": cached[0]} if cached and cached[0] else {}
        try:
            reply = self._exchange("GET", "/catalogue", headers=headers, retries=self.get_retries)
            if reply.status == 304 and cached is not None:
                self.catalogue_is_cached = False
                return cached[2]
            self._expect(reply, (200,))
            catalogue = parse(Catalogue, reply)
        except (CentralUnavailable, InvalidResponse) as err:
            if cached is None:
                raise
            log.warning("catalogue: using the cached version %s (%s)", cached[2].version, err.code)
            self.catalogue_is_cached = True
            return cached[2]
        self._catalogue.keep(reply.headers.get("ETag"), reply.body, catalogue)
        self.catalogue_is_cached = False
        return catalogue

    def person_context(self, id_number: str, name: str) -> PersonContext:
        body = json_bytes({"id_number": id_number, "name": name})
        return self._post_read(PersonContext, "/persons/context", body)

    def company_context(self, uscc: str, representative_id_number: str) -> CompanyContext:
        body = json_bytes({"uscc": uscc, "representative_id_number": representative_id_number})
        return self._post_read(CompanyContext, "/companies/context", body)

    def get_application(self, number: str) -> Application:
        path = f"/applications/{quote(number, safe='')}"
        reply = self._exchange("GET", path, retries=self.get_retries)
        self._expect(reply, (200,))
        return parse(Application, reply)

    def submit_application(self, request: ApplicationRequest, idempotency_key: str) -> Application:
        """One POST /applications, never retried here: the outbox retries with the same key."""
        if not request.local_receipt or request.submitted_at is None:
            raise ValueError("local_receipt and submitted_at must be set (the outbox sets them)")
        return self.submit_application_json(request.model_dump_json().encode("utf-8"), idempotency_key)

    def submit_application_json(self, body: bytes, idempotency_key: str, sealed: bool = False) -> Application:
        """Submit an already serialised request: a retry must send the very same bytes.
        ``sealed``: ``body`` is ``{"sealed": ...}``, sealed to central's outbox key."""
        headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
        path = "/applications/sealed" if sealed else "/applications"
        reply = self._exchange("POST", path, body=body, headers=headers)
        self._expect(reply, (200, 201))
        return parse(Application, reply)

    def available_proofs(self, id_number: str, name: str) -> list[ProofSummary]:
        """The proofs central can issue for this person (none for an unknown person)."""
        body = json_bytes({"id_number": id_number, "name": name})
        return list(self._post_read(ProofList, "/proofs/available", body).proofs)

    def issue_proof(self, proof_code: str, id_number: str, name: str, idempotency_key: str) -> IssuedDocument:
        """Have central issue a proof. Retried like the context look-ups: the same key makes
        central answer a retry with the document the first attempt issued, so a lost answer
        never makes a second document. Raises CentralRejected ``not_found`` when the person
        has no such proof."""
        body = json_bytes({"proof_code": proof_code, "id_number": id_number, "name": name})
        headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
        reply = self._exchange("POST", "/proofs/issue", body=body, headers=headers, retries=self.lookup_retries)
        self._expect(reply, (200, 201))
        return parse(IssuedDocument, reply)

    def verify_document(self, code: str) -> VerifiedDocument:
        """What central issued under a verification code (any case, dashes and spaces
        allowed), holder masked. Unsigned: works before enrollment too."""
        path = f"/documents/{quote(code.strip(), safe='')}"
        reply = self._exchange("GET", path, signed=False, retries=self.get_retries)
        self._expect(reply, (200,))
        return parse(VerifiedDocument, reply)

    def code_keys(self) -> CodeKeys:
        """The public keys appointment codes are signed with. Unsigned: a terminal verifies
        codes offline with them (kiosk.identify.code_keys caches them)."""
        reply = self._exchange("GET", "/keys/codes", signed=False, retries=self.get_retries)
        self._expect(reply, (200,))
        return parse(CodeKeys, reply)

    def resolve_identity_code(self, code: str, idempotency_key: str | None = None) -> ResolvedIdentity:
        """The person behind a scanned electronic ID code (``TONGBAN-EID:...`` or
        ``TONGBAN-ESSC:...``). A code resolves once: a retry (like the context look-ups)
        carries the same Idempotency-Key, which central answers with the same person; any
        other request for that code gets CentralRejected ``code_used`` (410).
        Also ``code_expired`` (410), ``not_found`` (404), ``validation_failed`` (422)."""
        body = json_bytes({"code": code.strip()})
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4()), "Content-Type": "application/json"}
        reply = self._exchange("POST", "/identity/resolve", body=body, headers=headers,
                               retries=self.lookup_retries)
        self._expect(reply, (200,))
        return parse(ResolvedIdentity, reply)

    def submit_print_log_json(self, body: bytes, idempotency_key: str, sealed: bool = False) -> None:
        """Deliver one serialised print-log entry; one POST, never retried here: the outbox
        retries with the same key and bytes (a replay is a 200, like the first 201).
        ``sealed``: ``body`` is ``{"sealed": ...}``, sealed to central's outbox key."""
        headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
        path = "/print-log/sealed" if sealed else "/print-log"
        reply = self._exchange("POST", path, body=body, headers=headers)
        self._expect(reply, (200, 201))
        parse(PrintLogAck, reply)

    def outbox_key(self) -> OutboxKey:
        """Central's key the outbox seals to. Unsigned; its authenticity is TLS's."""
        reply = self._exchange("GET", "/keys/outbox", signed=False, retries=self.get_retries)
        self._expect(reply, (200,))
        return parse(OutboxKey, reply)

    def find_print_log_entries(self, id_number: str) -> list[str]:
        """The entry ids of this terminal's print-log entries for ``id_number`` (central
        keeps the look-up hash; the terminal keeps none). A read: retried like the context
        look-ups. The number is in the body only, never in a URL or a log."""
        body = json_bytes({"id_number": id_number})
        return self._post_read(PrintLogMatches, "/print-log/lookup", body).entry_ids

    def enroll(self, code: str, public_key: str, hostname: str) -> Enrollment:
        """Register a public key (base64 of the raw 32 bytes) with a one-time code. Unsigned;
        not retried (the code is single-use)."""
        body = json_bytes({"code": code, "public_key": public_key, "hostname": hostname})
        reply = self._exchange(
            "POST", "/terminals/enroll", body=body, headers={"Content-Type": "application/json"}, signed=False
        )
        self._expect(reply, (200, 201))
        return parse(Enrollment, reply)

    def call(
        self,
        model: type[M],
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        ok: tuple[int, ...] = (200,),
        retried: bool = True,
    ) -> M:
        """One signed call to one of central's JSON endpoints, for the service modules
        (kiosk/central_api/booking.py, queue.py) that keep their own paths and models.
        Retried unless ``retried=False``: pass that for a write without an
        ``idempotency_key`` (with one, central answers a retry with the first answer). A 4xx
        with a contract body raises CentralRejected (its ``error`` is central's reason)."""
        headers = {"Content-Type": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        retries = 0
        if retried:
            retries = self.get_retries if method == "GET" else self.lookup_retries
        payload = json_bytes(body) if body is not None else b""
        reply = self._exchange(method, path, body=payload, headers=headers, retries=retries)
        self._expect(reply, ok)
        return parse(model, reply)

    # -- plumbing --------------------------------------------------------------------------
    def _post_read(self, model: type[M], path: str, body: bytes) -> M:
        # Context look-ups change nothing centrally: idempotent, so retried.
        headers = {"Content-Type": "application/json"}
        reply = self._exchange("POST", path, body=body, headers=headers, retries=self.lookup_retries)
        self._expect(reply, (200,))
        return parse(model, reply)

    def retry_policy(self, method: str, retries: int) -> JitteredRetry:
        """The urllib3 Retry one idempotent call starts with (``retries`` after the first)."""
        return retry_policy(method, retries, self.backoff, self._rng)

    def _expect(self, reply: Reply, ok: tuple[int, ...]) -> None:
        if reply.status in ok:
            return
        if reply.status >= 500:
            raise CentralServerError(reply.status)
        if 400 <= reply.status < 500:
            try:
                data = json.loads(reply.body)
            except (ValueError, RecursionError):   # garbage, or nested past the stack
                data = None
            rejected = rejected_from_body(reply.status, data)
            if rejected is None:
                raise InvalidResponse(f"HTTP {reply.status} without a contract error body", reply.status)
            raise rejected
        raise InvalidResponse(f"unexpected HTTP {reply.status}", reply.status)

    def _exchange(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        signed: bool = True,
        retries: int = 0,
    ) -> Reply:
        """One call: attempts (each signed anew) until an answer that is not to be retried,
        a failure that is not, the retries are spent, or the deadline leaves no room."""
        deadline = self._clock() + self.deadline

        def attempt() -> Reply:
            return self._attempt(method, path, body, headers, signed, deadline)

        if retries <= 0:
            return attempt()
        policy = self.retry_policy(method, retries)
        return with_retries(attempt, method, path, policy, deadline, self._clock, self._sleep, api=API)

    def _attempt(
        self,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str] | None,
        signed: bool,
        deadline: float,
    ) -> Reply:
        left = deadline - self._clock()
        if left <= 0:
            raise CentralUnavailable("timeout", f"deadline of {self.deadline:g} s passed")
        session = self._sessions.session()
        request = requests.Request(
            method,
            self.base_url + API + path,
            data=body or None,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
        )
        prepared = session.prepare_request(request)
        if signed:
            if self.identity is None:
                raise NotEnrolled()
            # Sign the path exactly as it goes on the wire, after requests' quoting.
            prepared.headers.update(sign_headers(self.identity, method, prepared.path_url, body))
        started = time.monotonic()
        settings = self._sessions.settings(session, prepared.url or self.base_url)
        timeout = (min(self.timeout[0], left), min(self.timeout[1], left))
        try:
            response = session.send(prepared, timeout=timeout, allow_redirects=False, **settings)
            try:
                content = read_body(response, deadline, self._clock, self.deadline)
            finally:
                response.close()
        except requests.exceptions.SSLError as err:
            raise CentralUnavailable("tls_failed", type(err).__name__) from err
        except requests.exceptions.Timeout as err:
            raise CentralUnavailable("timeout", type(err).__name__) from err
        except requests.exceptions.ConnectionError as err:
            # requests reports a read timeout inside the body as a ConnectionError.
            inner = err.args[0] if err.args else None
            if isinstance(inner, MaxRetryError):
                inner = inner.reason
            if isinstance(inner, ReadTimeoutError):
                raise CentralUnavailable("timeout", "ReadTimeout") from err
            raise CentralUnavailable("connect_failed", type(err).__name__) from err
        except requests.exceptions.RequestException as err:
            raise CentralUnavailable("transport_failed", type(err).__name__) from err
        log.debug("%s %s -> %d in %.0f ms", method, prepared.path_url, response.status_code,
                  1000 * (time.monotonic() - started))
        return Reply(response.status_code, response.headers, content)
