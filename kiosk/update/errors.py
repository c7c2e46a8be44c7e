"""The update contract's reasons (docs/fleet.md §4) and the one exception that carries them.

Every refusal on the update path is an ``UpdateRefused`` with one of ``REASONS``; the CLI
prints ``{"error": reason}`` and the heartbeat reports it, so callers never parse messages.
"""

from __future__ import annotations

REASONS = frozenset({
    "hash_mismatch", "bad_signature", "older_version", "metadata_expired", "clock_wrong",
    "not_found", "unreachable", "bundle_invalid", "install_failed", "in_session", "crash_loop",
})
SELF_TEST_CHECKS = ("devices", "ui", "central", "outbox")


def is_reason(text: str) -> bool:
    if text.startswith("self_test_failed:"):
        return text.split(":", 1)[1] in SELF_TEST_CHECKS
    return text in REASONS


class UpdateRefused(Exception):
    """An update that cannot go on; ``reason`` is a contract reason, ``detail`` for logs."""

    def __init__(self, reason: str, detail: str = "") -> None:
        if not is_reason(reason):
            raise ValueError(f"not an update reason: {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
