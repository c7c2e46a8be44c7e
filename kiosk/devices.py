"""The one place where configured devices become driver objects."""

from __future__ import annotations

from drivers.contracts import IdReader
from drivers.idcard.reader import SamSerialReader

from .config import DevicesSettings, SamSerialReaderSettings


def build_id_reader(settings: SamSerialReaderSettings, name: str = "id_reader") -> IdReader:
    return SamSerialReader(
        name=name,
        port=settings.port,
        baud=settings.baud,
        timeout=settings.timeout_s,
        poll_interval=settings.poll_interval_s,
        reconnect_interval=settings.reconnect_interval_s,
        fingerprint=settings.fingerprint,
    )


def build_devices(settings: DevicesSettings) -> dict[str, IdReader]:
    devices: dict[str, IdReader] = {}
    if settings.id_reader is not None:
        devices["id_reader"] = build_id_reader(settings.id_reader)
    return devices
