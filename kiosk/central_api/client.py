"""The terminal's client of the Central API v1 (docs/central-api.md).

One ``_exchange()`` does every HTTP call: it signs, applies the timeouts and the call's
deadline, retries what may be retried, caps the body and translates whatever happens into
``errors``. Methods above it only say which path, which statuses they accept, which model the
body must match and whether the call is idempotent. Bodies are never logged.

Threads: one client may be shared by every thread of the terminal (flow workers, the code
worker, the key cache). ``requests.Session`` is not documented thread-safe, so each thread
gets a session of its own (created on its first call, closed with the client or when a later
thread finds its owner gone); what the threads share (the catalogue and its ETag, the proxy
and CA settings) is kept under a lock.

Retries (urllib3 ``Retry`` is the policy: counts, allowed methods, ``status_forcelist``,
``Retry-After``): only idempotent calls are retried. GETs are; so are the POSTs that only read
(context look-ups, the proofs available) and the POSTs whose Idempotency-Key makes central
answer a replay with the first result (``issue_proof``, ``resolve_identity_code``): a
citizen waits on those. Submissions and print-log entries carry a key as well but are never
retried here: the outbox owns their retries (the same key and bytes, its own backoff and
bookkeeping), and two retry layers would multiply. Enrollment is not retried. Retried are
connection failures, read timeouts and dropped connections, and 502/503/504 (and 413/429/503
with a ``Retry-After``); a 500 is not.

Every call has one deadline (``deadline``, DEADLINE_S by default): attempts, waits and the
body all fit in it. Each attempt's connect and read timeouts are cut to what is left, and no
retry starts with less than MIN_ATTEMPT_S left after its wait. Waits are
``backoff_factor * 2**(n-1)`` (capped at ``backoff_max``) plus a random ``0..backoff_jitter``,
or central's ``Retry-After`` plus the same jitter: a fleet that lost central does not come back
in lock-step.

The retry loop is the client's, not the adapter's (``HTTPAdapter(max_retries=Retry)``):
every signed request carries a single-use nonce, so a transport-level resend of the same
bytes would be refused as ``replayed_nonce`` by a central that saw the first attempt. Each
attempt is signed anew; the sessions' adapters do not retry.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, Self, TypeVar
from urllib.parse import quote

import requests
import urllib3
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    InvalidHeader,
    MaxRetryError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

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
    PersonContext,
    PrintLogAck,
    ProofList,
    ProofSummary,
    ResolvedIdentity,
    VerifiedDocument,
)
from kiosk.central_api.signing import TerminalIdentity, sign_headers
from kiosk.config import check_central_url

log = logging.getLogger(__name__)

API = "/api/v1"
USER_AGENT = "tongban-kiosk/0.1"
MAX_BODY = 32 * 1024 * 1024
GET_RETRIES = 3             # retries (after the first attempt) of a GET
LOOKUP_RETRIES = 1          # of an idempotent POST: a look-up, or one whose key central replays
RETRY_STATUSES = frozenset({502, 503, 504})
BACKOFF_FACTOR = 0.5        # waits of 0.5, 1, 2 ... s
BACKOFF_MAX = 8.0
BACKOFF_JITTER = 1.0        # plus 0..1 s, drawn per wait
DEADLINE_S = 20.0           # the longest a caller waits for one call, retries included
MIN_ATTEMPT_S = 0.5         # no retry starts with less than this left before the deadline

M = TypeVar("M", bound=BaseModel)


class CatalogueCache(Protocol):
    """Where the last good catalogue is kept (the local store implements this)."""

    def load_catalogue(self) -> tuple[str | None, bytes] | None: ...

    def save_catalogue(self, etag: str | None, body: bytes) -> None: ...


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: requests.structures.CaseInsensitiveDict[str]
    body: bytes


def _parse(model: type[M], reply: _Reply) -> M:
    try:
        return model.model_validate_json(reply.body, strict=True)
    except ValidationError as err:
        # Never the input values: a context answer may carry personal data.
        first = err.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidResponse(f"{model.__name__}: {where}: {first['type']}", reply.status) from None


class JitteredRetry(Retry):
    """urllib3's ``Retry`` with the waits this client wants: ``backoff_factor * 2**(n-1)``
    capped at ``backoff_max``, plus ``rng() * backoff_jitter``, from the first retry on
    (urllib3's own formula retries the first time at once, without jitter, and caps the
    jitter away at ``backoff_max``: a fleet would come back in lock-step)."""

    rng: Callable[[], float] = random.random

    def new(self, **kw: Any) -> Self:
        retry = super().new(**kw)
        retry.rng = self.rng
        return retry

    def get_backoff_time(self) -> float:
        attempts = len(self.history)
        if attempts == 0:
            return 0.0
        base = min(self.backoff_max, self.backoff_factor * 2 ** (attempts - 1))
        return float(base + self.rng() * self.backoff_jitter)

    def wait_before_next(self, response: urllib3.BaseHTTPResponse | None) -> float:
        """How long to wait before the next attempt: central's Retry-After (plus jitter) when
        it sent a usable one, else the backoff."""
        if response is not None and self.respect_retry_after_header:
            try:
                after = self.get_retry_after(response)
            except InvalidHeader:
                after = None
            if after is not None:
                return float(after + self.rng() * self.backoff_jitter)
        return self.get_backoff_time()


def _retry_cause(err: CentralUnavailable) -> Exception | None:
    """The urllib3 error behind a transport failure, as ``Retry.increment`` classifies them
    (connect, read, protocol), or None when it is not worth a retry (TLS, the deadline)."""
    cause = err.__cause__
    if not isinstance(cause, requests.exceptions.RequestException) or isinstance(
        cause, requests.exceptions.SSLError
    ):
        return None
    inner: Any = cause.args[0] if cause.args else None
    if isinstance(inner, MaxRetryError):
        inner = inner.reason
    if isinstance(inner, (ConnectTimeoutError, ReadTimeoutError, ProtocolError)):
        return inner
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return ConnectTimeoutError(str(cause))
    if isinstance(cause, requests.exceptions.ReadTimeout):
        return ReadTimeoutError(None, "", str(cause))  # type: ignore[arg-type]
    if isinstance(cause, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return ProtocolError(str(cause))
    return None


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
        self.cache = cache
        self.get_retries = get_retries
        self.lookup_retries = lookup_retries
        self.backoff = (backoff_factor, backoff_max, backoff_jitter)
        self._sleep = sleep
        self._clock = clock
        # Per client, seeded from the OS: two terminals draw different waits.
        self._rng = rng or random.Random().random
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sessions: dict[threading.Thread, requests.Session] = {}
        self._given = session
        if session is not None:
            _mount(session)
        self._catalogue: tuple[str | None, bytes, Catalogue] | None = None
        self._settings: dict[str, Any] | None = None

    def close(self) -> None:
        """Close every thread's session (a thread that calls again afterwards gets a new one)."""
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def catalogue_is_cached(self) -> bool:
        """Whether this thread's last ``catalogue()`` answered from the cache."""
        return bool(getattr(self._local, "catalogue_is_cached", False))

    @catalogue_is_cached.setter
    def catalogue_is_cached(self, value: bool) -> None:
        self._local.catalogue_is_cached = value

    # -- the API ---------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        reply = self._exchange("GET", "/health", signed=False, retries=self.get_retries)
        self._expect(reply, (200,))
        try:
            data = json.loads(reply.body)
        except ValueError:
            raise InvalidResponse("health: not JSON", reply.status) from None
        if not isinstance(data, dict) or not isinstance(data.get("status"), str):
            raise InvalidResponse("health: not an object with a status", reply.status)
        return data

    def catalogue(self) -> Catalogue:
        """The catalogue; when central cannot be reached (or answers garbage), the last one
        that was fetched, with ``catalogue_is_cached`` set (for the calling thread). Raises
        only without a cache."""
        cached = self._cached_catalogue()
        headers = {"If-None-Match": cached[0]} if cached and cached[0] else {}
        try:
            reply = self._exchange("GET", "/catalogue", headers=headers, retries=self.get_retries)
            if reply.status == 304 and cached is not None:
                self.catalogue_is_cached = False
                return cached[2]
            self._expect(reply, (200,))
            catalogue = _parse(Catalogue, reply)
        except (CentralUnavailable, InvalidResponse) as err:
            if cached is None:
                raise
            log.warning("catalogue: using the cached version %s (%s)", cached[2].version, err.code)
            self.catalogue_is_cached = True
            return cached[2]
        etag = reply.headers.get("ETag")
        with self._lock:
            self._catalogue = (etag, reply.body, catalogue)
        if self.cache is not None:
            self.cache.save_catalogue(etag, reply.body)
        self.catalogue_is_cached = False
        return catalogue

    def person_context(self, id_number: str, name: str) -> PersonContext:
        body = _json_bytes({"id_number": id_number, "name": name})
        return self._post_read(PersonContext, "/persons/context", body)

    def company_context(self, uscc: str, representative_id_number: str) -> CompanyContext:
        body = _json_bytes({"uscc": uscc, "representative_id_number": representative_id_number})
        return self._post_read(CompanyContext, "/companies/context", body)

    def get_application(self, number: str) -> Application:
        path = f"/applications/{quote(number, safe='')}"
        reply = self._exchange("GET", path, retries=self.get_retries)
        self._expect(reply, (200,))
        return _parse(Application, reply)

    def submit_application(self, request: ApplicationRequest, idempotency_key: str) -> Application:
        """One POST /applications, never retried here: the outbox retries with the same key."""
        if not request.local_receipt or request.submitted_at is None:
            raise ValueError("local_receipt and submitted_at must be set (the outbox sets them)")
        return self.submit_application_json(request.model_dump_json().encode("utf-8"), idempotency_key)

    def submit_application_json(self, body: bytes, idempotency_key: str) -> Application:
        """Submit an already serialised request: a retry must send the very same bytes."""
        headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
        reply = self._exchange("POST", "/applications", body=body, headers=headers)
        self._expect(reply, (200, 201))
        return _parse(Application, reply)

    def available_proofs(self, id_number: str, name: str) -> list[ProofSummary]:
        """The proofs central can issue for this person (none for an unknown person)."""
        body = _json_bytes({"id_number": id_number, "name": name})
        return list(self._post_read(ProofList, "/proofs/available", body).proofs)

    def issue_proof(self, proof_code: str, id_number: str, name: str, idempotency_key: str) -> IssuedDocument:
        """Have central issue a proof. Retried like the context look-ups: the same key makes
        central answer a retry with the document the first attempt issued, so a lost answer
        never makes a second document. Raises CentralRejected ``not_found`` when the person
        has no such proof."""
        body = _json_bytes({"proof_code": proof_code, "id_number": id_number, "name": name})
        headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
        reply = self._exchange("POST", "/proofs/issue", body=body, headers=headers, retries=self.lookup_retries)
        self._expect(reply, (200, 201))
        return _parse(IssuedDocument, reply)

    def verify_document(self, code: str) -> VerifiedDocument:
        """What central issued under a verification code (any case, dashes and spaces
        allowed), holder masked. Unsigned: works before enrollment too."""
        path = f"/documents/{quote(code.strip(), safe='')}"
        reply = self._exchange("GET", path, signed=False, retries=self.get_retries)
        self._expect(reply, (200,))
        return _parse(VerifiedDocument, reply)

    def code_keys(self) -> CodeKeys:
        """The public keys appointment codes are signed with. Unsigned: a terminal verifies
        codes offline with them (kiosk.identify.codes caches them)."""
        reply = self._exchange("GET", "/keys/codes", signed=False, retries=self.get_retries)
        self._expect(reply, (200,))
        return _parse(CodeKeys, reply)

    def resolve_identity_code(self, code: str, idempotency_key: str | None = None) -> ResolvedIdentity:
        """The person behind a scanned electronic ID code (``TONGBAN-EID:...`` or
        ``TONGBAN-ESSC:...``). A code resolves once: a retry (like the context look-ups)
        carries the same Idempotency-Key, which central answers with the same person; any
        other request for that code gets CentralRejected ``code_used`` (410).
        Also ``code_expired`` (410), ``not_found`` (404), ``validation_failed`` (422)."""
        body = _json_bytes({"code": code.strip()})
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4()), "Content-Type": "application/json"}
        reply = self._exchange("POST", "/identity/resolve", body=body, headers=headers,
                               retries=self.lookup_retries)
        self._expect(reply, (200,))
        return _parse(ResolvedIdentity, reply)

    def submit_print_log_json(self, body: bytes, idempotency_key: str) -> None:
        """Deliver one serialised print-log entry; one POST, never retried here: the outbox
        retries with the same key and bytes (a replay is a 200, like the first 201)."""
        headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
        reply = self._exchange("POST", "/print-log", body=body, headers=headers)
        self._expect(reply, (200, 201))
        _parse(PrintLogAck, reply)

    def enroll(self, code: str, public_key: str, hostname: str) -> Enrollment:
        """Register a public key (base64 of the raw 32 bytes) with a one-time code. Unsigned;
        not retried (the code is single-use)."""
        body = _json_bytes({"code": code, "public_key": public_key, "hostname": hostname})
        reply = self._exchange(
            "POST", "/terminals/enroll", body=body, headers={"Content-Type": "application/json"}, signed=False
        )
        self._expect(reply, (200, 201))
        return _parse(Enrollment, reply)

    # -- plumbing --------------------------------------------------------------------------
    def _post_read(self, model: type[M], path: str, body: bytes) -> M:
        # Context look-ups change nothing centrally: idempotent, so retried.
        headers = {"Content-Type": "application/json"}
        reply = self._exchange("POST", path, body=body, headers=headers, retries=self.lookup_retries)
        self._expect(reply, (200,))
        return _parse(model, reply)

    def _cached_catalogue(self) -> tuple[str | None, bytes, Catalogue] | None:
        with self._lock:
            if self._catalogue is not None:
                return self._catalogue
        if self.cache is None:
            return None
        stored = self.cache.load_catalogue()
        if stored is None:
            return None
        etag, body = stored
        try:
            catalogue = Catalogue.model_validate_json(body, strict=True)
        except ValidationError:
            log.warning("catalogue cache is unreadable; ignoring it")
            return None
        with self._lock:
            if self._catalogue is None:
                self._catalogue = (etag, body, catalogue)
            return self._catalogue

    def retry_policy(self, method: str, retries: int) -> JitteredRetry:
        """The urllib3 Retry one idempotent call starts with (``retries`` after the first)."""
        factor, cap, jitter = self.backoff
        policy = JitteredRetry(
            total=retries, connect=retries, read=retries, status=retries, other=0, redirect=0,
            allowed_methods=frozenset({method.upper()}), status_forcelist=RETRY_STATUSES,
            backoff_factor=factor, backoff_max=cap, backoff_jitter=jitter,
            raise_on_status=False, raise_on_redirect=False, respect_retry_after_header=True,
        )
        policy.rng = self._rng
        return policy

    def _session(self) -> requests.Session:
        if self._given is not None:
            return self._given
        session: requests.Session | None = getattr(self._local, "session", None)
        with self._lock:
            if session is not None and self._sessions.get(threading.current_thread()) is session:
                return session
            # The first call on this thread (or the first since close()): a session of its
            # own. Sessions of threads that have ended are closed on the way.
            for thread in [t for t in self._sessions if not t.is_alive()]:
                self._sessions.pop(thread).close()
            session = requests.Session()
            _mount(session)
            self._sessions[threading.current_thread()] = session
        self._local.session = session
        return session

    def _expect(self, reply: _Reply, ok: tuple[int, ...]) -> None:
        if reply.status in ok:
            return
        if reply.status >= 500:
            raise CentralServerError(reply.status)
        if 400 <= reply.status < 500:
            try:
                data = json.loads(reply.body)
            except ValueError:
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
    ) -> _Reply:
        """One call: attempts (each signed anew) until an answer that is not to be retried,
        a failure that is not, the retries are spent, or the deadline leaves no room."""
        deadline = self._clock() + self.deadline
        if retries <= 0:
            return self._attempt(method, path, body, headers, signed, deadline)
        policy = self.retry_policy(method, retries)
        while True:
            try:
                reply = self._attempt(method, path, body, headers, signed, deadline)
            except CentralUnavailable as err:
                next_policy, wait = self._next_try(policy, method, path, deadline, failure=err)
                if next_policy is None:
                    raise
                why = err.code
            else:
                if not policy.is_retry(method, reply.status, "Retry-After" in reply.headers):
                    return reply
                next_policy, wait = self._next_try(policy, method, path, deadline, reply=reply)
                if next_policy is None:
                    return reply
                why = f"HTTP {reply.status}"
            log.info("central %s /%s: %s; retry %d in %.1f s", method, path.split("/")[1], why,
                     len(next_policy.history), wait)
            policy = next_policy
            if wait > 0:
                self._sleep(wait)

    def _next_try(
        self,
        policy: JitteredRetry,
        method: str,
        path: str,
        deadline: float,
        failure: CentralUnavailable | None = None,
        reply: _Reply | None = None,
    ) -> tuple[JitteredRetry | None, float]:
        """The policy for the next attempt and the wait before it; (None, 0) to stop."""
        answer = None
        error = None
        if reply is not None:
            answer = urllib3.HTTPResponse(body=b"", headers=dict(reply.headers), status=reply.status)
        elif failure is not None:
            error = _retry_cause(failure)
            if error is None:
                return None, 0.0
        try:
            following = policy.increment(method, API + path, response=answer, error=error)
        except Exception:  # MaxRetryError, or urllib3 re-raising an error it does not retry
            return None, 0.0
        wait = following.wait_before_next(answer)
        if self._clock() + wait + MIN_ATTEMPT_S > deadline:
            return None, 0.0        # no room left before the deadline for another attempt
        return following, wait

    def _attempt(
        self,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str] | None,
        signed: bool,
        deadline: float,
    ) -> _Reply:
        left = deadline - self._clock()
        if left <= 0:
            raise CentralUnavailable("timeout", f"deadline of {self.deadline:g} s passed")
        session = self._session()
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
        settings = self._transport_settings(session, prepared.url or self.base_url)
        timeout = (min(self.timeout[0], left), min(self.timeout[1], left))
        try:
            response = session.send(prepared, timeout=timeout, allow_redirects=False, **settings)
            try:
                content = self._read_body(response, deadline)
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
        return _Reply(response.status_code, response.headers, content)

    def _transport_settings(self, session: requests.Session, url: str) -> dict[str, Any]:
        # Proxies and CA from the environment, as requests would use them; worked out once
        # per client (one central, one host) since it walks the whole environment.
        with self._lock:
            if self._settings is None:
                settings: dict[str, Any] = dict(
                    session.merge_environment_settings(url, {}, True, self.ca_bundle or True, None)
                )
                settings["verify"] = self.ca_bundle or settings.get("verify") or True  # never off
                settings["stream"] = True
                self._settings = settings
            return dict(self._settings)  # a copy: send() must not change ours

    def _read_body(self, response: requests.Response, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_BODY:
                raise InvalidResponse(f"body larger than {MAX_BODY} bytes", response.status_code)
            if self._clock() > deadline:
                raise CentralUnavailable("timeout", f"call longer than its deadline of {self.deadline:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


def _mount(session: requests.Session) -> None:
    # The adapters never retry on their own: a resent request would carry a used nonce.
    for prefix in ("https://", "http://"):
        session.mount(prefix, HTTPAdapter(max_retries=Retry(0, read=False, redirect=False)))


def _json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
