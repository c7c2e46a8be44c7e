"""Device contracts: what the kiosk may ask of each device family.

A contract names the operations, a ``status()`` and the events the device emits on its
``events`` hub. Real drivers and simulators implement the same contract; which one runs is
chosen by configuration, never by ``if testing:``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .events import EventHub
from .idcard.model import IdentityCard
from .status import DeviceStatus


@runtime_checkable
class IdReader(Protocol):
    """Resident ID card reader.

    Events: StatusChanged, CardPlaced, IdentityRead(card) or ReadFailed(error) once per
    placement, CardRemoved. They are published from the driver's own I/O thread.
    """

    name: str
    events: EventHub

    def open(self) -> None:
        """Start the device's I/O; returns at once, never raises for a missing device."""

    def close(self) -> None:
        """Stop the I/O (within about a second) and release the port."""

    def status(self) -> DeviceStatus:
        """The current status, without touching the device."""

    def wait_identity(self, timeout: float) -> IdentityCard:
        """Block until the next identity is read (for command-line tools).

        Raises the read's DeviceError if it failed, DeviceTimeout (code no_card) when
        nothing was read in time, or the device's error at once if it is not online.
        """
