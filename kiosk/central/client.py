"""The terminal's client of the Central API v1 (docs/central-api.md).

One ``_exchange()`` does every HTTP call: it signs, applies the timeouts, caps the body and
translates whatever happens into ``errors``. Methods above it only say which path, which
statuses they accept and which model the body must match. Bodies are never logged.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import requests
import urllib3
from pydantic import BaseModel, ValidationError

from ..config import check_central_url
from .errors import (
    CentralServerError,
    CentralUnavailable,
    InvalidResponse,
    NotEnrolled,
    rejected_from_body,
)
from .models import (
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
from .signing import TerminalIdentity, sign_headers

log = logging.getLogger(__name__)

API = "/api/v1"
USER_AGENT = "tongban-kiosk/0.1"
GET_RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0)
CONTEXT_RETRY_DELAYS: tuple[float, ...] = (0.5,)
MAX_BODY = 32 * 1024 * 1024

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


class CentralClient:
    """Talks to one central as one enrolled terminal. Not thread-safe (one per thread)."""

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
        get_retry_delays: Sequence[float] = GET_RETRY_DELAYS,
        context_retry_delays: Sequence[float] = CONTEXT_RETRY_DELAYS,
        total_timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = check_central_url(base_url)
        self.identity = identity
        self.ca_bundle = str(ca_bundle) if ca_bundle else None
        self.timeout = (connect_timeout, read_timeout)
        # requests' read timeout bounds each socket read; this bounds the whole exchange.
        self.total_timeout = total_timeout or connect_timeout + 3 * read_timeout
        self.session = session or requests.Session()
        self._own_session = session is None
        self.cache = cache
        self.get_retry_delays = tuple(get_retry_delays)
        self.context_retry_delays = tuple(context_retry_delays)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._catalogue: tuple[str | None, bytes, Catalogue] | None = None
        self.catalogue_is_cached = False
        self._settings: dict[str, Any] | None = None

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the API ---------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        reply = self._retrying(self.get_retry_delays, lambda: self._exchange("GET", "/health", signed=False))
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
        that was fetched, with ``catalogue_is_cached`` set. Raises only without a cache."""
        cached = self._cached_catalogue()
        headers = {"If-None-Match": cached[0]} if cached and cached[0] else {}
        try:
            reply = self._retrying(
                self.get_retry_delays, lambda: self._exchange("GET", "/catalogue", headers=headers)
            )
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
        reply = self._retrying(self.get_retry_delays, lambda: self._exchange("GET", path))
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
        """Have central issue a proof. Retried like the context look-ups (once): the same
        key makes central answer a retry with the document the first attempt issued, so a
        lost answer never makes a second document. Raises CentralRejected ``not_found``
        when the person has no such proof."""
        body = _json_bytes({"proof_code": proof_code, "id_number": id_number, "name": name})
        headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
        reply = self._retrying(
            self.context_retry_delays,
            lambda: self._exchange("POST", "/proofs/issue", body=body, headers=headers),
        )
        self._expect(reply, (200, 201))
        return _parse(IssuedDocument, reply)

    def verify_document(self, code: str) -> VerifiedDocument:
        """What central issued under a verification code (any case, dashes and spaces
        allowed), holder masked. Unsigned: works before enrollment too."""
        path = f"/documents/{quote(code.strip(), safe='')}"
        reply = self._retrying(self.get_retry_delays, lambda: self._exchange("GET", path, signed=False))
        self._expect(reply, (200,))
        return _parse(VerifiedDocument, reply)

    def code_keys(self) -> CodeKeys:
        """The public keys appointment codes are signed with. Unsigned: a terminal verifies
        codes offline with them (kiosk.codes caches them)."""
        reply = self._retrying(self.get_retry_delays, lambda: self._exchange("GET", "/keys/codes", signed=False))
        self._expect(reply, (200,))
        return _parse(CodeKeys, reply)

    def resolve_identity_code(self, code: str, idempotency_key: str | None = None) -> ResolvedIdentity:
        """The person behind a scanned electronic ID code (``TONGBAN-EID:...`` or
        ``TONGBAN-ESSC:...``). A code resolves once: the retry (once, like the context
        look-ups) carries the same Idempotency-Key, which central answers with the same
        person; any other request for that code gets CentralRejected ``code_used`` (410).
        Also ``code_expired`` (410), ``not_found`` (404), ``validation_failed`` (422)."""
        body = _json_bytes({"code": code.strip()})
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4()), "Content-Type": "application/json"}
        reply = self._retrying(
            self.context_retry_delays,
            lambda: self._exchange("POST", "/identity/resolve", body=body, headers=headers),
        )
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
        """Register a public key (base64 of the raw 32 bytes) with a one-time code. Unsigned."""
        body = _json_bytes({"code": code, "public_key": public_key, "hostname": hostname})
        reply = self._exchange(
            "POST", "/terminals/enroll", body=body, headers={"Content-Type": "application/json"}, signed=False
        )
        self._expect(reply, (200, 201))
        return _parse(Enrollment, reply)

    # -- plumbing --------------------------------------------------------------------------
    def _post_read(self, model: type[M], path: str, body: bytes) -> M:
        # Context look-ups change nothing centrally: one retry is safe.
        headers = {"Content-Type": "application/json"}
        reply = self._retrying(
            self.context_retry_delays, lambda: self._exchange("POST", path, body=body, headers=headers)
        )
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
            self._catalogue = (etag, body, catalogue)
        return self._catalogue

    def _retrying(self, delays: Sequence[float], call: Callable[[], _Reply]) -> _Reply:
        for delay in delays:
            try:
                reply = call()
            except CentralUnavailable as err:
                log.info("central unavailable (%s); retrying in %.1f s", err.code, delay)
            else:
                if reply.status < 500:
                    return reply
                log.info("central answered %d; retrying in %.1f s", reply.status, delay)
            self._sleep(delay)
        return call()

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
    ) -> _Reply:
        request = requests.Request(
            method,
            self.base_url + API + path,
            data=body or None,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
        )
        prepared = self.session.prepare_request(request)
        if signed:
            if self.identity is None:
                raise NotEnrolled()
            # Sign the path exactly as it goes on the wire, after requests' quoting.
            prepared.headers.update(sign_headers(self.identity, method, prepared.path_url, body))
        started = time.monotonic()
        settings = self._transport_settings(prepared.url or self.base_url)
        try:
            response = self.session.send(prepared, timeout=self.timeout, allow_redirects=False, **settings)
            try:
                content = self._read_body(response, started)
            finally:
                response.close()
        except requests.exceptions.SSLError as err:
            raise CentralUnavailable("tls_failed", type(err).__name__) from err
        except requests.exceptions.Timeout as err:
            raise CentralUnavailable("timeout", type(err).__name__) from err
        except requests.exceptions.ConnectionError as err:
            # requests reports a read timeout inside the body as a ConnectionError.
            if err.args and isinstance(err.args[0], urllib3.exceptions.ReadTimeoutError):
                raise CentralUnavailable("timeout", "ReadTimeout") from err
            raise CentralUnavailable("connect_failed", type(err).__name__) from err
        except requests.exceptions.RequestException as err:
            raise CentralUnavailable("transport_failed", type(err).__name__) from err
        log.debug("%s %s -> %d in %.0f ms", method, prepared.path_url, response.status_code,
                  1000 * (time.monotonic() - started))
        return _Reply(response.status_code, response.headers, content)

    def _transport_settings(self, url: str) -> dict[str, Any]:
        # Proxies and CA from the environment, as requests would use them; worked out once
        # per client (one central, one host) since it walks the whole environment.
        if self._settings is None:
            settings: dict[str, Any] = dict(
                self.session.merge_environment_settings(url, {}, True, self.ca_bundle or True, None)
            )
            settings["verify"] = self.ca_bundle or settings.get("verify") or True  # never off
            settings["stream"] = True
            self._settings = settings
        return dict(self._settings)  # a copy: send() must not change ours

    def _read_body(self, response: requests.Response, started: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_BODY:
                raise InvalidResponse(f"body larger than {MAX_BODY} bytes", response.status_code)
            if time.monotonic() - started > self.total_timeout:
                raise CentralUnavailable("timeout", f"exchange longer than {self.total_timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


def _json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
