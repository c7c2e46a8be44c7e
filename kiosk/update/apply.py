"""The order of an update's work (docs/fleet.md §4), shared by the heartbeat's service and
``kiosk update``: refresh the signed metadata, check the offer is newer, download and verify
the target, install it side by side, then (between sessions) record the trial and switch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.version import Version

from kiosk.config import KioskConfig
from kiosk.update.errors import UpdateRefused
from kiosk.update.install import Layout, install_bundle, switch
from kiosk.update.trial import TrialState, begin_trial
from kiosk.update.tuf_client import UpdateClient
from kiosk.version import running_version


def utc_now() -> datetime:
    return datetime.now(UTC)


def central_url(config: KioskConfig) -> str | None:
    """Where the update repository is: the central this terminal enrolled with, else
    ``[central] url``."""
    from kiosk.central_api.errors import IdentityInvalid
    from kiosk.central_api.signing import load_identity

    try:
        identity = load_identity(Path(config.terminal.data_dir))
    except IdentityInvalid:
        identity = None
    if identity is not None and identity.central_url:
        return identity.central_url
    return config.central.url


def make_client(config: KioskConfig, *, clock: Callable[[], datetime] = utc_now,
                server_time: Callable[[], datetime | None] | None = None) -> UpdateClient:
    url = central_url(config)
    if not url:
        raise UpdateRefused("unreachable", "no central URL: enroll the terminal first")
    central = config.central
    return UpdateClient(
        url, Path(config.terminal.data_dir), trusted_root=config.update.trusted_root,
        verify=str(central.ca_bundle) if central.ca_bundle else True,
        timeouts=(central.connect_timeout_s, max(central.read_timeout_s, 30.0)),
        clock=clock, server_time=server_time)


def newer(offered: str, running: str) -> bool:
    return Version(offered) > Version(running)


def prepare(client: UpdateClient, layout: Layout, store: TrialState, version: str | None,
            running: str, now: Callable[[], datetime] = utc_now) -> str:
    """Everything before the switch; returns the installed version. Raises UpdateRefused."""
    client.refresh()
    release = client.release(version) if version else client.newest()
    if release is None:
        raise UpdateRefused("not_found", "the repository lists no release")
    if not newer(release.version, running):
        raise UpdateRefused("older_version", f"{release.version} is not newer than {running}")
    store.note("downloading", release.version, now=now())
    bundle = client.download(release)
    store.note("installing", release.version, now=now())
    try:
        installed = install_bundle(layout, bundle)
    finally:
        # Unpacked into versions/<V> (or refused): the verified download is not needed again,
        # and a terminal that runs for years must not fill its disk with old bundles.
        bundle.unlink(missing_ok=True)
    if installed != release.version:
        raise UpdateRefused("bundle_invalid", f"the bundle says {installed}, the target {release.version}")
    manifest = json.loads((layout.version_dir(installed) / "manifest.json").read_text(encoding="utf-8"))
    if release.lock_hash and manifest.get("lock_hash") != release.lock_hash:
        raise UpdateRefused("bundle_invalid", "the bundle's lock hash is not the signed one")
    return installed


def switch_to(layout: Layout, store: TrialState, version: str, expected: dict[str, bool],
              self_test_s: float, now: datetime) -> None:
    """Record the trial, then switch ``current`` (the caller restarts the kiosk)."""
    previous = layout.points_to("committed") or layout.points_to("current")
    begin_trial(store, version, previous, expected, self_test_s, now)
    switch(layout, "current", version)


def status(layout: Layout, store: TrialState) -> dict[str, Any]:
    """``kiosk update status --json``."""
    data = store.read()
    trial = data.get("trial")
    return {"running": running_version(), "committed": layout.points_to("committed"),
            "current": layout.points_to("current"), "previous": data.get("previous"),
            "trial": trial.get("version") if trial else None, "state": data.get("state", "idle"),
            "reason": data.get("reason", ""), "target_version": data.get("target_version"),
            "versions": layout.installed(), "failed": data.get("failed", {})}
