"""One error for everything updates refuse: a stable `reason` (the contract's `error` in
`--json` output, docs/fleet.md §4) and a one-line message for people."""

from __future__ import annotations


class UpdatesError(Exception):
    """Refused with `reason` (e.g. `version_exists`, `bad_bundle`, `unknown_rollout`)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
