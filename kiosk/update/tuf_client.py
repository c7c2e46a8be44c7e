"""Fetch and verify releases from central's TUF repository (python-tuf's ngclient).

The trusted metadata lives in ``<data_dir>/update/metadata`` and verified downloads in
``<data_dir>/update/downloads``. The first trusted root comes from ``[update]
trusted_root`` when the installer put one there; otherwise it is fetched once from
central's ``/updates/metadata/1.root.json`` and trusted from then on (trust on first use:
from that moment every later root must be signed by the one before, so only the very first
contact can be impersonated; the installer closes that gap by shipping the root).

Every failure leaves as ``UpdateRefused`` with a contract reason. Expired metadata is
``metadata_expired`` (a freeze: the repository's clock is right and its metadata stale)
unless the local clock is more than five minutes off central's (its HTTP ``Date`` or the
heartbeat's ``server_time``): then ``clock_wrong``, because a terminal whose clock is wrong
must say so instead of refusing every update in silence (TUF clients break on wrong clocks).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import requests
from packaging.version import InvalidVersion, Version
from tuf.api import exceptions
from tuf.api.metadata import Metadata, Targets
from tuf.ngclient import FetcherInterface, Updater

from kiosk.files import DATA_DIR_MODE, ensure_dir
from kiosk.update.errors import UpdateRefused

log = logging.getLogger(__name__)

TARGET_PREFIX = "tongban-kiosk-"
TARGET_SUFFIX = ".tar.gz"
CLOCK_SKEW_S = 300.0
Clock = Callable[[], datetime]


def target_name(version: str) -> str:
    return f"{TARGET_PREFIX}{version}{TARGET_SUFFIX}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RequestsFetcher(FetcherInterface):
    """python-tuf's fetcher over ``requests``: connect and read timeouts, the CA bundle the
    terminal trusts for central, and central's ``Date`` kept to judge the local clock."""

    def __init__(self, timeouts: tuple[float, float] = (3.0, 30.0), verify: str | bool = True) -> None:
        self._session = requests.Session()
        self._timeouts = timeouts
        self._verify = verify
        self.server_date: datetime | None = None
        self.server_date_at: datetime | None = None

    def _fetch(self, url: str) -> Iterator[bytes]:
        try:
            response = self._session.get(url, stream=True, timeout=self._timeouts, verify=self._verify)
        except requests.RequestException as err:
            raise exceptions.DownloadError(f"unreachable: {type(err).__name__}") from err
        date = response.headers.get("Date")
        if date:
            try:
                self.server_date = parsedate_to_datetime(date)
                self.server_date_at = _utc_now()
            except (TypeError, ValueError):
                pass
        if response.status_code != 200:
            response.close()
            raise exceptions.DownloadHTTPError(f"HTTP {response.status_code} for {url}", response.status_code)
        return self._chunks(response)

    @staticmethod
    def _chunks(response: requests.Response) -> Iterator[bytes]:
        try:
            yield from response.iter_content(64 * 1024)
        except requests.RequestException as err:
            raise exceptions.SlowRetrievalError(f"download broke off: {type(err).__name__}") from err
        finally:
            response.close()

    def close(self) -> None:
        self._session.close()


@dataclass(frozen=True)
class Release:
    """A target the signed metadata lists: a version of the software."""

    version: str
    target: str
    length: int
    sha256: str
    lock_hash: str


class UpdateClient:
    """One conversation with the update repository (a fresh ``Updater`` per refresh, as
    python-tuf wants: ``refresh()`` runs once per Updater)."""

    def __init__(self, central_url: str, data_dir: Path, *, trusted_root: Path | None = None,
                 verify: str | bool = True, timeouts: tuple[float, float] = (3.0, 30.0),
                 clock: Clock = _utc_now, server_time: Callable[[], datetime | None] | None = None) -> None:
        base = central_url.rstrip("/")
        self.metadata_url = f"{base}/updates/metadata/"
        self.targets_url = f"{base}/updates/targets/"
        self.metadata_dir = data_dir / "update" / "metadata"
        self.downloads_dir = data_dir / "update" / "downloads"
        self.trusted_root = trusted_root
        self.clock = clock
        self.server_time = server_time
        self.fetcher = RequestsFetcher(timeouts, verify)
        self._updater: Updater | None = None

    # -- trust ------------------------------------------------------------------------------
    def _bootstrap(self) -> bytes | None:
        if (self.metadata_dir / "root.json").exists():
            return None     # python-tuf loads the root it trusts already
        if self.trusted_root is not None:
            try:
                return self.trusted_root.read_bytes()
            except OSError as err:
                raise UpdateRefused("bad_signature", f"[update] trusted_root unreadable: {err}") from None
        log.warning("update: no trusted root yet; trusting central's 1.root.json on first use")
        try:
            return self.fetcher.download_bytes(self.metadata_url + "1.root.json", 512 * 1024)
        except exceptions.DownloadError as err:
            raise self._refusal(err) from None

    def refresh(self) -> None:
        """Fetch and verify root, timestamp, snapshot and targets (refusing with a reason)."""
        for folder in (self.metadata_dir.parent, self.metadata_dir, self.downloads_dir):
            ensure_dir(folder, DATA_DIR_MODE)
        try:
            updater = Updater(str(self.metadata_dir), self.metadata_url, str(self.downloads_dir),
                              self.targets_url, self.fetcher, bootstrap=self._bootstrap())
            # python-tuf judges expiry against the wall clock read when the trusted set is
            # made; the injected clock (tests, a terminal told central's time) replaces it.
            updater._trusted_set.reference_time = self.clock()
            updater.refresh()
        except (exceptions.RepositoryError, exceptions.DownloadError, ValueError) as err:
            raise self._refusal(err) from None
        self._updater = updater

    # -- what is offered ----------------------------------------------------------------------
    def releases(self) -> list[Release]:
        """Every release the verified targets metadata lists, oldest first."""
        if self._updater is None:
            self.refresh()
        targets = Metadata[Targets].from_file(str(self.metadata_dir / "targets.json")).signed
        found: list[Release] = []
        for name, info in targets.targets.items():
            if not (name.startswith(TARGET_PREFIX) and name.endswith(TARGET_SUFFIX)):
                continue
            custom = info.unrecognized_fields.get("custom") or {}
            version = str(custom.get("version") or name[len(TARGET_PREFIX):-len(TARGET_SUFFIX)])
            try:
                Version(version)
            except InvalidVersion:
                continue
            found.append(Release(version, name, info.length, str(info.hashes.get("sha256", "")),
                                 str(custom.get("lock_hash", ""))))
        return sorted(found, key=lambda r: Version(r.version))

    def newest(self) -> Release | None:
        releases = self.releases()
        return releases[-1] if releases else None

    def release(self, version: str) -> Release:
        for found in self.releases():
            if found.version == version:
                return found
        raise UpdateRefused("not_found", f"no release {version} in the signed targets")

    def download(self, release: Release) -> Path:
        """The verified bundle of ``release`` (hash and length checked by python-tuf)."""
        if self._updater is None:
            self.refresh()
        assert self._updater is not None
        try:
            info = self._updater.get_targetinfo(release.target)
            if info is None:
                raise UpdateRefused("not_found", f"{release.target} is not a signed target")
            cached = self._updater.find_cached_target(info)
            return Path(cached or self._updater.download_target(info))
        except (exceptions.RepositoryError, exceptions.DownloadError) as err:
            raise self._refusal(err) from None

    # -- reasons -------------------------------------------------------------------------------
    def skew_s(self) -> float | None:
        """Local clock minus central's, in seconds (None: central's time unknown)."""
        told = self.server_time() if self.server_time is not None else None
        if told is None and self.fetcher.server_date is not None and self.fetcher.server_date_at is not None:
            # The Date header read a moment ago, carried forward by the time since.
            told = self.fetcher.server_date + (_utc_now() - self.fetcher.server_date_at)
        if told is None:
            return None
        return (self.clock() - told).total_seconds()

    def clock_check(self) -> None:
        skew = self.skew_s()
        if skew is not None and abs(skew) > CLOCK_SKEW_S:
            raise UpdateRefused("clock_wrong", f"local clock is {skew:+.0f} s off central's")

    def _refusal(self, err: Exception) -> UpdateRefused:
        if isinstance(err, exceptions.ExpiredMetadataError):
            skew = self.skew_s()
            if skew is None:
                # No Date seen yet (the expiry came from the cache): ask central for its time.
                try:
                    self.fetcher.download_bytes(self.metadata_url + "timestamp.json", 64 * 1024)
                except exceptions.DownloadError:
                    pass
                skew = self.skew_s()
            if skew is not None and abs(skew) > CLOCK_SKEW_S:
                return UpdateRefused("clock_wrong", f"local clock is {skew:+.0f} s off central's; {err}")
            return UpdateRefused("metadata_expired", str(err))
        return UpdateRefused(reason_of(err), str(err))


def reason_of(err: Exception) -> str:
    """The contract reason for a python-tuf error (expiry is judged with the clock above)."""
    if isinstance(err, exceptions.LengthOrHashMismatchError | exceptions.DownloadLengthMismatchError):
        return "hash_mismatch"
    if isinstance(err, exceptions.BadVersionNumberError):
        return "older_version"       # older metadata replayed: a rollback attack
    if isinstance(err, exceptions.ExpiredMetadataError):
        return "metadata_expired"
    if isinstance(err, exceptions.DownloadHTTPError):
        return "not_found" if err.status_code in (403, 404, 410) else "unreachable"
    if isinstance(err, exceptions.DownloadError):
        return "unreachable"
    # UnsignedMetadataError, a wrong type, bad JSON, a missing key: not what the keys signed.
    return "bad_signature"
