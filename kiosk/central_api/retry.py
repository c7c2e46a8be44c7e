"""Which calls to central are retried, how long apart, and the one deadline of every call.

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

The retry loop (``with_retries``) is the client's, not the adapter's
(``HTTPAdapter(max_retries=Retry)``): every signed request carries a single-use nonce, so a
transport-level resend of the same bytes would be refused as ``replayed_nonce`` by a central
that saw the first attempt. Each attempt is signed anew; the sessions' adapters do not retry
(kiosk.central_api.sessions).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import requests
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    InvalidHeader,
    MaxRetryError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from kiosk.central_api.errors import CentralUnavailable

log = logging.getLogger(__name__)

GET_RETRIES = 3             # retries (after the first attempt) of a GET
LOOKUP_RETRIES = 1          # of an idempotent POST: a look-up, or one whose key central replays
RETRY_STATUSES = frozenset({502, 503, 504})
BACKOFF_FACTOR = 0.5        # waits of 0.5, 1, 2 ... s
BACKOFF_MAX = 8.0
BACKOFF_JITTER = 1.0        # plus 0..1 s, drawn per wait
DEADLINE_S = 20.0           # the longest a caller waits for one call, retries included
MIN_ATTEMPT_S = 0.5         # no retry starts with less than this left before the deadline


@dataclass(frozen=True)
class Reply:
    """Central's answer to one attempt, the body read in full."""

    status: int
    headers: requests.structures.CaseInsensitiveDict[str]
    body: bytes


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


def retry_policy(
    method: str, retries: int, backoff: tuple[float, float, float], rng: Callable[[], float]
) -> JitteredRetry:
    """The urllib3 Retry one idempotent call starts with (``retries`` after the first);
    ``backoff`` is (factor, cap, jitter)."""
    factor, cap, jitter = backoff
    policy = JitteredRetry(
        total=retries, connect=retries, read=retries, status=retries, other=0, redirect=0,
        allowed_methods=frozenset({method.upper()}), status_forcelist=RETRY_STATUSES,
        backoff_factor=factor, backoff_max=cap, backoff_jitter=jitter,
        raise_on_status=False, raise_on_redirect=False, respect_retry_after_header=True,
    )
    policy.rng = rng
    return policy


def with_retries(
    attempt: Callable[[], Reply],
    method: str,
    path: str,
    policy: JitteredRetry,
    deadline: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    api: str = "",
) -> Reply:
    """One call to ``api + path``: attempts (each signed anew by ``attempt``) until an answer
    that is not to be retried, a failure that is not, the retries are spent, or the deadline
    leaves no room."""
    while True:
        try:
            reply = attempt()
        except CentralUnavailable as err:
            next_policy, wait = _next_try(policy, method, api + path, deadline, clock, failure=err)
            if next_policy is None:
                raise
            why = err.code
        else:
            if not policy.is_retry(method, reply.status, "Retry-After" in reply.headers):
                return reply
            next_policy, wait = _next_try(policy, method, api + path, deadline, clock, reply=reply)
            if next_policy is None:
                return reply
            why = f"HTTP {reply.status}"
        log.info("central %s /%s: %s; retry %d in %.1f s", method, path.split("/")[1], why,
                 len(next_policy.history), wait)
        policy = next_policy
        if wait > 0:
            sleep(wait)


def _next_try(
    policy: JitteredRetry,
    method: str,
    url: str,
    deadline: float,
    clock: Callable[[], float],
    failure: CentralUnavailable | None = None,
    reply: Reply | None = None,
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
        following = policy.increment(method, url, response=answer, error=error)
    except Exception:  # MaxRetryError, or urllib3 re-raising an error it does not retry
        return None, 0.0
    wait = following.wait_before_next(answer)
    if clock() + wait + MIN_ATTEMPT_S > deadline:
        return None, 0.0        # no room left before the deadline for another attempt
    return following, wait


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
