"""Maintenance mode set from central (docs/fleet.md §2: ``maintenance_on`` / ``_off``).

While it is on, no new session starts: the home tiles refuse, and a card or code presented
at the idle terminal is dropped (``holds``) — except a staff card, so a technician on site
can still open the technician's screen. A session that was running when it came on
finishes as usual; the screen shows 设备维护中 once nobody is served (screens/
maintenance_mode). The flag is kept in ``<data_dir>/fleet/maintenance.json`` so a restart
(a power cut, an update) does not reopen a terminal central closed. It names the hall's
phone and the operator's note, never a citizen.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drivers.events import CodeScanned, DeviceEvent, IdentityRead, SmartCardRead
from kiosk.events import KioskEvent, MaintenanceChanged
from kiosk.files import replace_private_file
from kiosk.state import MaintenanceState

log = logging.getLogger(__name__)

FILE = "maintenance.json"
_PHONE = re.compile(r"^[0-9+\-() ]{1,24}$")
NOTE_MAX = 80


def clean_phone(value: Any) -> str:
    """A phone number as central sent it, or "" when it is not one (never shown raw)."""
    text = str(value).strip() if isinstance(value, str | int) else ""
    return text if _PHONE.fullmatch(text) else ""


def clean_note(value: Any) -> str:
    text = " ".join(str(value).split()) if isinstance(value, str) else ""
    return text[:NOTE_MAX]


class Maintenance:
    def __init__(self, folder: Path, publish: Callable[[KioskEvent], None], fallback_phone: str = "") -> None:
        self.path = folder / FILE
        self._publish = publish
        self._fallback_phone = fallback_phone
        self._lock = threading.Lock()
        self._state = self._load()

    def _load(self) -> MaintenanceState:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return MaintenanceState()
        except (OSError, ValueError) as err:
            # Unreadable: stay closed rather than reopen a terminal central closed.
            log.error("maintenance flag unreadable (%s): staying in maintenance", type(err).__name__)
            return MaintenanceState(on=True, phone=self._fallback_phone)
        if not isinstance(data, dict):
            return MaintenanceState(on=True, phone=self._fallback_phone)
        return MaintenanceState(on=data.get("on") is True, phone=clean_phone(data.get("phone")),
                                note=clean_note(data.get("note")))

    @property
    def on(self) -> bool:
        return self._state.on

    def state(self) -> MaintenanceState:
        """What the screen shows: the phone central sent, else ``[fleet] hall_phone``."""
        current = self._state
        if current.on and not current.phone and self._fallback_phone:
            return MaintenanceState(True, self._fallback_phone, current.note)
        return current

    def set(self, on: bool, phone: Any = "", note: Any = "") -> MaintenanceState:
        """Turn it on or off, kept on disk before anyone is told."""
        new = MaintenanceState(on=on, phone=clean_phone(phone) if on else "",
                               note=clean_note(note) if on else "")
        with self._lock:
            changed = new != self._state
            body = json.dumps({"on": new.on, "phone": new.phone, "note": new.note}, ensure_ascii=False)
            replace_private_file(self.path, body.encode("utf-8"))
            self._state = new
        if changed:
            log.info("maintenance mode %s", "on" if on else "off")
            self._publish(MaintenanceChanged(on))
        return new

    def holds(self, event: DeviceEvent, idle: bool) -> bool:
        """Whether a device event must be dropped: in maintenance, between sessions, a
        citizen's card or code would start one. The card's data is wiped here."""
        if not (self._state.on and idle):
            return False
        if isinstance(event, IdentityRead):
            event.card.wipe()
        elif isinstance(event, SmartCardRead):
            kind = getattr(event.card, "kind", None)
            if str(getattr(kind, "value", kind)) == "staff":
                return False   # a technician's or staff card still opens their screens
            wipe = getattr(event.card, "wipe", None)
            if callable(wipe):
                wipe()
        elif not isinstance(event, CodeScanned):
            return False
        log.info("maintenance: %s ignored", type(event).__name__)
        return True
