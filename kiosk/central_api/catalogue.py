"""The last good catalogue a central client fetched, for when central cannot be reached.

It is kept in memory, and in a ``CatalogueCache`` (the local store) when the client has one, so
that a terminal started while central is down still lists its items. Whether the calling
thread's last ``catalogue()`` answered from it is kept per thread.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from pydantic import ValidationError

from kiosk.central_api.models import Catalogue

log = logging.getLogger(__name__)

Kept = tuple[str | None, bytes, Catalogue]   # ETag, body as central sent it, parsed


class CatalogueCache(Protocol):
    """Where the last good catalogue is kept (the local store implements this)."""

    def load_catalogue(self) -> tuple[str | None, bytes] | None: ...

    def save_catalogue(self, etag: str | None, body: bytes) -> None: ...


class KeptCatalogue:
    """One client's last good catalogue (thread-safe)."""

    def __init__(self, cache: CatalogueCache | None) -> None:
        self.cache = cache
        self._lock = threading.Lock()
        self._local = threading.local()
        self._kept: Kept | None = None

    @property
    def is_cached(self) -> bool:
        """Whether this thread's last answer came from here rather than from central."""
        return bool(getattr(self._local, "is_cached", False))

    @is_cached.setter
    def is_cached(self, value: bool) -> None:
        self._local.is_cached = value

    def get(self) -> Kept | None:
        """The catalogue kept in memory, else the one in the cache (None when neither or the
        cached one is unreadable)."""
        with self._lock:
            if self._kept is not None:
                return self._kept
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
            if self._kept is None:
                self._kept = (etag, body, catalogue)
            return self._kept

    def keep(self, etag: str | None, body: bytes, catalogue: Catalogue) -> None:
        """A catalogue central just sent: kept in memory and in the cache."""
        with self._lock:
            self._kept = (etag, body, catalogue)
        if self.cache is not None:
            self.cache.save_catalogue(etag, body)
