"""``[fleet]`` in the kiosk configuration: how often the terminal reports to central and how
long a new configuration may take to prove itself (docs/fleet.md §1, §3)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kiosk.config_devices import Strict

PHONE = r"^[0-9+\-() ]{0,24}$"


class FleetSettings(Strict):
    # The heartbeat's period; each wait is jittered by ±10 % so a fleet restarted together
    # (after a power cut in a region) does not beat in step.
    heartbeat_s: Annotated[float, Field(ge=10, le=3600)] = 60
    # A new remote configuration must open the devices and draw the UI within this time,
    # else the terminal returns to its last known good configuration.
    config_trial_s: Annotated[float, Field(ge=10, le=3600)] = 120
    # The hall's phone shown on 设备维护中 when the maintenance command names none.
    hall_phone: Annotated[str, Field(pattern=PHONE)] = ""
