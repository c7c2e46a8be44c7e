"""The technician's check of the line to central: reachable or why not, the clock offset
between this terminal and central, and the enrollment."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralError, IdentityInvalid
from kiosk.central_api.signing import load_identity
from kiosk.config import KioskConfig

CLOCK_TOLERANCE_S = 30.0   # more than this apart: signed requests are at risk; fix the clock


@dataclass(frozen=True)
class CentralCheck:
    url: str                      # "" when none is configured
    reachable: bool
    reason: str = ""              # "" | no_central_url | an error code of kiosk.central_api.errors
    offset_s: float | None = None  # central's clock minus this terminal's (None: not known)
    round_trip_s: float = 0.0
    enrolled: bool = False
    terminal_id: str = ""
    enrollment_problem: str = ""  # "" | identity_invalid
    catalogue_version: str = ""

    @property
    def clock_ok(self) -> bool:
        return self.offset_s is not None and abs(self.offset_s) <= CLOCK_TOLERANCE_S


def check_central(config: KioskConfig, wall: Callable[[], float] = time.time,
                  monotonic: Callable[[], float] = time.monotonic) -> CentralCheck:
    """One unsigned health call to the central this terminal enrolled with (else
    ``[central] url``); never raises for a central that is down."""
    data_dir = Path(config.terminal.data_dir)
    problem, terminal_id, url = "", "", config.central.url or ""
    try:
        identity = load_identity(data_dir)
    except IdentityInvalid:
        identity, problem = None, "identity_invalid"
    if identity is not None:
        terminal_id, url = identity.terminal_id, identity.central_url or url
    enrolled = identity is not None
    if not url:
        return CentralCheck("", False, "no_central_url", enrolled=enrolled, terminal_id=terminal_id,
                            enrollment_problem=problem)
    client = CentralClient(
        url, None, ca_bundle=str(config.central.ca_bundle) if config.central.ca_bundle else None,
        connect_timeout=config.central.connect_timeout_s, read_timeout=config.central.read_timeout_s,
        get_retries=0,
    )
    started, sent = monotonic(), wall()
    try:
        with client:
            data, date = client.health_dated()
    except CentralError as err:
        return CentralCheck(url, False, err.code, enrolled=enrolled, terminal_id=terminal_id,
                            enrollment_problem=problem)
    took = monotonic() - started
    offset = None
    if date:
        try:
            central_at = email.utils.parsedate_to_datetime(date).timestamp()
            # The Date header has whole seconds: compare it with the middle of the call.
            offset = round(central_at + 0.5 - (sent + took / 2), 1)
        except (TypeError, ValueError):
            offset = None
    return CentralCheck(url, True, "", offset, round(took, 3), enrolled, terminal_id, problem,
                        str(data.get("catalogue_version") or ""))
