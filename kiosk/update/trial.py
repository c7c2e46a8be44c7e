"""The update's memory across restarts: trial, commit, rollback and crash-loop counting
(docs/fleet.md §4), in ``<data_dir>/update/state.json``.

A new version is on *trial* from the switch until its self-test gives a verdict. Before
every start ``boot_check()`` (systemd's ``ExecStartPre``, the demo's supervisor) records the
start with the kernel's boot id; starts of the trial version that ended without a verdict
*in the same boot* are a crash loop, and the third such start switches ``current`` back to
``committed`` (reason ``crash_loop``). Starts in earlier boots do not count: a terminal
whose power is cut while it boots must not use up its attempts (RAUC's boot counters do).

The file is rewritten atomically under an ``flock``: the app, ``kiosk update`` and
boot-check may touch it at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.files import DATA_DIR_MODE, ensure_dir, replace_private_file
from kiosk.update.install import Layout, remove_old, switch

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
CRASH_STARTS = 3     # the third unfinished start in one boot goes back
STATES = ("idle", "downloading", "installing", "trial", "committed", "rolled_back", "refused", "failed")


def current_boot_id(path: Path = BOOT_ID) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except OSError:
        return "unknown"


def _blank() -> dict[str, Any]:
    return {"state": "idle", "target_version": None, "reason": "", "trial": None,
            "previous": None, "failed": {}, "updated_at": None}


class TrialState:
    """``state.json``: ``state`` (one of ``STATES``), ``target_version``, ``reason``,
    ``trial`` (``version``, ``previous``, ``expected``, ``deadline``, ``attempts``: boot id
    and time of each start), ``previous`` and ``failed`` (version -> reason)."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "update"
        self.path = self.folder / "state.json"

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return _blank()
        return {**_blank(), **data} if isinstance(data, dict) else _blank()

    @contextlib.contextmanager
    def editing(self) -> Iterator[dict[str, Any]]:
        """Read, let the caller change, write back atomically; one writer at a time."""
        ensure_dir(self.folder, DATA_DIR_MODE)
        with open(self.folder / "state.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self.read()
            yield data
            # fsynced and renamed: a power cut right after a switch still finds the trial.
            replace_private_file(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode())

    def note(self, state: str, target: str | None = None, reason: str = "", now: datetime | None = None) -> None:
        """A step of an update in flight (downloading, installing, refused, failed...)."""
        if state not in STATES:
            raise ValueError(f"unknown update state {state!r}")
        with self.editing() as data:
            if data.get("trial") and state not in ("trial", "committed", "rolled_back"):
                return     # the trial's verdict is what counts until it comes
            data.update(state=state, target_version=target, reason=reason,
                        updated_at=now.isoformat() if now else None)


def begin_trial(store: TrialState, version: str, previous: str | None,
                expected: dict[str, bool], self_test_s: float, now: datetime) -> None:
    """Recorded before ``current`` switches: what the new version must prove, and by when."""
    with store.editing() as data:
        data.update(state="trial", target_version=version, reason="", updated_at=now.isoformat())
        data["trial"] = {"version": version, "previous": previous, "expected": dict(expected),
                         "switched_at": now.isoformat(),
                         "deadline": (now + timedelta(seconds=self_test_s)).isoformat(),
                         "attempts": []}
        data["failed"].pop(version, None)


def commit(layout: Layout, store: TrialState, version: str, now: datetime) -> None:
    """The trial version proved itself: ``committed`` moves to it (and versions older than
    the last few that neither link names are removed)."""
    switch(layout, "committed", version)
    remove_old(layout)
    with store.editing() as data:
        trial = data.get("trial") or {}
        data.update(state="committed", target_version=version, reason="", trial=None,
                    previous=trial.get("previous"), updated_at=now.isoformat())


def rollback(layout: Layout, store: TrialState, reason: str, now: datetime) -> str | None:
    """``current`` back to ``committed``; the failed version and its reason remembered.
    Returns the version gone back to (None when nothing is committed)."""
    back = layout.points_to("committed")
    if back is not None:
        switch(layout, "current", back)
    with store.editing() as data:
        trial = data.get("trial") or {}
        failed = trial.get("version") or data.get("target_version")
        if failed:
            data["failed"][failed] = reason
        data.update(state="rolled_back", target_version=failed, reason=reason, trial=None,
                    updated_at=now.isoformat())
    return back


def boot_check(layout: Layout, store: TrialState, now: datetime, boot_id: str | None = None) -> dict[str, Any]:
    """Before a start: count it against the trial, or end a crash loop. Returns what it did:
    ``{"action": "none" | "trial_start" | "rolled_back" | "repaired", "version", "attempts"}``."""
    boot = boot_id if boot_id is not None else current_boot_id()
    current, committed = layout.points_to("current"), layout.points_to("committed")
    if committed is not None and (current is None or not (layout.version_dir(current) / "VERSION").is_file()):
        switch(layout, "current", committed)      # a missing or broken link: start what proved itself
        return {"action": "repaired", "version": committed, "attempts": 0}
    trial = store.read().get("trial")
    if not trial or trial.get("version") != current:
        return {"action": "none", "version": current, "attempts": 0}
    same_boot = [a for a in trial.get("attempts", []) if a.get("boot_id") == boot]
    if len(same_boot) >= CRASH_STARTS - 1:
        back = rollback(layout, store, "crash_loop", now)
        return {"action": "rolled_back", "version": back, "attempts": len(same_boot) + 1}
    with store.editing() as data:
        live = data.get("trial")
        if live:
            live.setdefault("attempts", []).append({"boot_id": boot, "at": now.isoformat()})
    return {"action": "trial_start", "version": current, "attempts": len(same_boot) + 1}
