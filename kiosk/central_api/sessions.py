"""The ``requests`` sessions of one central client: one per thread.

One client may be shared by every thread of the terminal (flow workers, the code worker, the
key cache). ``requests.Session`` is not documented thread-safe, so each thread gets a session
of its own (created on its first call, closed with the client or when a later thread finds
its owner gone). The proxy and CA settings, worked out once, are kept under a lock.

The sessions' adapters never retry on their own: every signed request carries a single-use
nonce, so a resent request would be refused (kiosk.central_api.retry owns the retries).
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class ThreadSessions:
    """A ``requests.Session`` for each calling thread. A ``given`` session is used as it is
    for every call and is then the caller's to keep to one thread."""

    def __init__(self, ca_bundle: str | None, given: requests.Session | None = None) -> None:
        self.ca_bundle = ca_bundle
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sessions: dict[threading.Thread, requests.Session] = {}
        self._given = given
        if given is not None:
            mount(given)
        self._settings: dict[str, Any] | None = None

    def session(self) -> requests.Session:
        """The calling thread's session."""
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
            mount(session)
            self._sessions[threading.current_thread()] = session
        self._local.session = session
        return session

    def close(self) -> None:
        """Close every thread's session (a thread that calls again afterwards gets a new one)."""
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()

    def settings(self, session: requests.Session, url: str) -> dict[str, Any]:
        """The keyword arguments of ``session.send``: proxies and CA from the environment, as
        requests would use them; worked out once (one central, one host) since it walks the
        whole environment. TLS verification is never off."""
        with self._lock:
            if self._settings is None:
                settings: dict[str, Any] = dict(
                    session.merge_environment_settings(url, {}, True, self.ca_bundle or True, None)
                )
                settings["verify"] = self.ca_bundle or settings.get("verify") or True  # never off
                settings["stream"] = True
                self._settings = settings
            return dict(self._settings)  # a copy: send() must not change ours


def mount(session: requests.Session) -> None:
    # The adapters never retry on their own: a resent request would carry a used nonce.
    for prefix in ("https://", "http://"):
        session.mount(prefix, HTTPAdapter(max_retries=Retry(0, read=False, redirect=False)))
