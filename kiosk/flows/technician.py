"""The technician's maintenance mode: behind its own PIN (``[technician] pin_hash``, never the
staff PIN) or a technician card, between citizens only; each device's state and the action
it needs, and the tools: read an ID card and a smart card (masked), scan a code with a live
preview, print the receipt and A4 test pages, check central, enroll the terminal, a voice
and volume test, a touch test, and the configuration in use. It leaves by itself when left
alone (a countdown first, as staff mode: kiosk/flows/pin_mode.py).

While the mode is in, the terminal hands the card readers' and the scanner's events here
instead of starting a citizen's session (``device_event``): a card read on the ID tool is
masked at once and wiped; elsewhere it is wiped unread. Every action is one line in the
``kiosk.technician`` log, in stable words and codes: no ID number, name or card number.

closed --(long press on the clock / technician card)--> pin --> checking --> menu <--> tool
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, ClassVar

from drivers.events import (
    CardRemoved,
    CodeScanned,
    DeviceEvent,
    IdentityRead,
    ReadFailed,
    SmartCardRead,
    SmartCardRemoved,
)
from drivers.status import DeviceStatus
from kiosk.central_api.checks import CentralCheck, check_central
from kiosk.config import KioskConfig
from kiosk.diagnostics import config_version
from kiosk.flows.base import Runner, thread_runner
from kiosk.flows.pin_mode import PinMode, TapCounter
from kiosk.flows.technician_work import (
    ToolView,
    enroll_now,
    make_preview,
    print_test_now,
)
from kiosk.printing.printers import Printing
from kiosk.privacy import card_fields
from kiosk.staff import PinGate

TECHNICIAN_IDLE_S = 180.0
PREVIEW_EVERY_S = 0.12       # about 8 frames a second: enough to aim a code
TOOLS = ("id_card", "smart_card", "scan", "print", "central", "enroll", "voice", "touch", "config")
TOOL_DEVICES = {"id_card": "id_reader", "smart_card": "card_reader", "scan": "code_scanner"}
ENROLL_CODE_MAX = 32

log = logging.getLogger("kiosk.technician")


class TechStep(StrEnum):
    CLOSED = "closed"
    PIN = "pin"
    CHECKING = "checking"
    MENU = "menu"
    TOOL = "tool"


class TechnicianFlow(PinMode):
    SERVICE_ID = "technician"
    FIRST = TechStep.CLOSED
    CLOSED, PIN, CHECKING, OPEN_STEP = TechStep.CLOSED, TechStep.PIN, TechStep.CHECKING, TechStep.MENU
    ROLE = "technician"
    TRANSITIONS: ClassVar = {
        TechStep.CLOSED: frozenset({TechStep.PIN}),
        TechStep.PIN: frozenset({TechStep.CHECKING, TechStep.MENU, TechStep.CLOSED}),
        TechStep.CHECKING: frozenset({TechStep.PIN, TechStep.MENU, TechStep.CLOSED}),
        TechStep.MENU: frozenset({TechStep.TOOL, TechStep.CLOSED}),
        TechStep.TOOL: frozenset({TechStep.MENU, TechStep.CLOSED}),
    }

    def __init__(
        self,
        gate: PinGate,
        config: KioskConfig,
        devices: Mapping[str, Any],
        statuses: Callable[[], dict[str, DeviceStatus]],
        printing: Printing,
        blocked: Callable[[], bool],
        enrolled: Callable[[], None] = lambda: None,
        voice: Callable[[], Any] = lambda: None,
        idle_s: float = TECHNICIAN_IDLE_S,
        clock: Callable[[], float] = time.monotonic,
        runner: Runner = thread_runner,
        central_check: Callable[[KioskConfig], CentralCheck] = check_central,
    ) -> None:
        # The gesture: a long press on the clock, or five taps on it (kiosk_app measures
        # the press; a tap counter serves the five taps).
        super().__init__(gate, blocked, idle_s, clock, runner, gesture=TapCounter(clock=clock))
        self.config = config
        self._devices = devices
        self._statuses = statuses
        self._printing = printing
        self._enrolled = enrolled
        self._voice = voice
        self._central_check = central_check
        self.view = ToolView()
        self._preview_stop = threading.Event()
        self._heard_voice: Any = None      # the voice whose events this mode listens to

    # -- the menu --------------------------------------------------------------------------
    def _opened(self) -> None:
        self._note("technician: maintenance opened")

    def device_rows(self) -> list[tuple[str, DeviceStatus]]:
        """Every configured device and its status, in the configuration's order."""
        return list(self._statuses().items())

    def open_tool(self, tool: str) -> bool:
        if tool not in TOOLS or self.step not in (TechStep.MENU, TechStep.TOOL):
            return False
        self._stop_preview()
        self.touch()
        with self._lock:
            self.view = ToolView(tool=tool, seq=self.view.seq + 1)
            self.step = TechStep.TOOL
        self._note("technician: tool %s opened", tool)
        starter = getattr(self, f"_start_{tool}", None)
        if starter is not None:
            starter()
        self._changed()
        return True

    def back(self) -> None:
        """From a tool back to the menu (what the tool showed goes)."""
        if self.step is not TechStep.TOOL:
            return
        self._stop_preview()
        self.touch()
        with self._lock:
            self.view = ToolView(seq=self.view.seq + 1)
        self._set(TechStep.MENU)

    def _forget(self) -> None:
        self._stop_preview()
        self.view = ToolView(seq=self.view.seq + 1)

    def _result(self, tool: str, **change: Any) -> None:
        """Apply a tool's result if that tool is still open."""
        with self._lock:
            if self.step is not TechStep.TOOL or self.view.tool != tool:
                return
            for key, value in change.items():
                setattr(self.view, key, value)
            self.view.seq += 1
        self._changed()

    def _missing(self, tool: str) -> bool:
        device = TOOL_DEVICES.get(tool)
        if device is not None and device not in self._devices:
            self.view.outcome = "not_configured"
            self._note("technician: %s: no %s configured", tool, device)
            return True
        return False

    # -- cards and codes (the terminal hands them here while the mode is in) ----------------
    def _start_id_card(self) -> None:
        if self._missing("id_card"):
            return
        self.view.busy = True
        reader = self._devices["id_reader"]
        read_again = getattr(reader, "read_again", None)
        if callable(read_again) and getattr(reader, "card_present", False):
            read_again()      # a card already lying there is read for the test

    def _start_smart_card(self) -> None:
        if not self._missing("smart_card"):
            self.view.busy = True

    def device_event(self, event: DeviceEvent) -> bool:
        """A card or code event while the mode is in: True when it was taken here (the
        terminal then starts no citizen session with it)."""
        if not self.is_in:
            return False
        tool = self.view.tool if self.step is TechStep.TOOL else ""
        if isinstance(event, IdentityRead):
            try:
                if tool == "id_card":
                    shown = card_fields(event.card)          # masked: the only form kept
                    kind = event.card.card_type.value
                    self._note("technician: ID card read ok (%s), shown masked", kind)
                    self._result("id_card", busy=False, outcome="ok", kind=kind,
                                 fields=tuple(shown.items()))
                else:
                    self._note("technician: ID card ignored outside the ID card test")
            finally:
                event.card.wipe()
        elif isinstance(event, SmartCardRead):
            card: Any = event.card            # drivers.pcsc.model.CardData
            try:
                if tool == "smart_card":
                    shown = card.as_dict(unmask=False)
                    kind = str(getattr(card.kind, "value", card.kind))
                    self._note("technician: smart card read ok (%s), shown masked", kind)
                    self._result("smart_card", busy=False, outcome="ok", kind=kind,
                                 fields=tuple((k, str(v)) for k, v in shown.items()))
                else:
                    self._note("technician: smart card ignored outside the card test")
            finally:
                card.wipe()
        elif isinstance(event, ReadFailed):
            code = event.error.code.value
            self._note("technician: card read failed (%s)", code)
            if tool in ("id_card", "smart_card"):
                self._result(tool, busy=False, outcome=code, fields=())
        elif isinstance(event, CodeScanned):
            self._scanned(tool, event)
        elif not isinstance(event, CardRemoved | SmartCardRemoved):
            return False
        return True

    def _scanned(self, tool: str, event: CodeScanned) -> None:
        if tool == "scan":
            self._note("technician: code scanned (%s, %d characters)", event.symbology, len(event.text))
            self._result("scan", outcome="ok", kind=event.symbology, text=event.text)
        elif tool == "enroll":
            code = event.text.strip()[:ENROLL_CODE_MAX]
            self._note("technician: enrollment code scanned")
            self._result("enroll", enroll_code=code, outcome="")
        else:
            self._note("technician: code ignored outside the scan test")

    # -- the live preview ------------------------------------------------------------------
    def _start_scan(self) -> None:
        if self._missing("scan"):
            return
        scanner = self._devices["code_scanner"]
        frames = getattr(scanner, "preview_frame", None)
        if not callable(frames):
            self.view.outcome = "no_preview"   # a hand-held scanner: codes only
            return
        stop = self._preview_stop = threading.Event()
        threading.Thread(target=self._preview_loop, args=(frames, stop), name="technician preview",
                         daemon=True).start()

    def _preview_loop(self, frames: Callable[[], Any], stop: threading.Event) -> None:
        last = -1
        while not stop.wait(PREVIEW_EVERY_S):
            try:
                got = frames()
                if got is None or got[0] == last:
                    continue
                last = got[0]
                preview = make_preview(last, got[1])
            except Exception:   # a bad frame costs a frame, not the preview
                log.exception("technician: preview frame failed")
                continue
            self._result("scan", preview=preview)

    def _stop_preview(self) -> None:
        self._preview_stop.set()

    # -- printing --------------------------------------------------------------------------
    def print_test(self, target: str) -> None:
        """A test page on the receipt printer ("receipt") or the A4 printer ("a4")."""
        if self.step is not TechStep.TOOL or self.view.tool != "print" or self.view.busy:
            return
        self.touch()
        self._result("print", busy=True, outcome="", kind=target, text="")
        gen = self._generation

        def work() -> None:
            outcome, text = print_test_now(self._printing, self.config, target)
            self._apply(gen, lambda: self._result("print", busy=False, outcome=outcome, text=text))

        self._background(work)

    # -- central ---------------------------------------------------------------------------
    def _start_central(self) -> None:
        self.view.busy = True
        gen = self._generation

        def work() -> None:
            check = self._central_check(self.config)
            self._note("technician: central check: reachable=%s reason=%s offset=%s enrolled=%s",
                       check.reachable, check.reason or "-", check.offset_s, check.enrolled)
            self._apply(gen, lambda: self._result("central", busy=False, central=check,
                                                  outcome="ok" if check.reachable else check.reason))

        self._background(work)

    def check_central_again(self) -> None:
        if self.step is TechStep.TOOL and self.view.tool == "central" and not self.view.busy:
            self.touch()
            self._result("central", busy=True)
            self._start_central()

    def set_enroll_code(self, code: str) -> None:
        """The code as typed so far on the screen's keyboard."""
        if self.step is TechStep.TOOL and self.view.tool == "enroll":
            self.touch()
            self._result("enroll", enroll_code=code[:ENROLL_CODE_MAX], outcome="")

    def enroll(self, force: bool = False) -> None:
        """Enroll with the code typed or scanned (``[central] url``)."""
        view = self.view
        if self.step is not TechStep.TOOL or view.tool != "enroll" or view.busy:
            return
        code, url = view.enroll_code.strip(), self.config.central.url
        if not code:
            self._result("enroll", outcome="no_code")
            return
        if not url:
            self._note("technician: enrollment: no central URL configured")
            self._result("enroll", outcome="no_central_url")
            return
        self.touch()
        self._result("enroll", busy=True, outcome="")
        gen = self._generation

        def work() -> None:
            outcome, text = enroll_now(self.config, url, code, force, self._enrolled)
            self._apply(gen, lambda: self._result("enroll", busy=False, outcome=outcome, text=text))

        self._background(work)

    # -- voice, touch, configuration -------------------------------------------------------
    def _start_voice(self) -> None:
        voice = self._voice()
        if voice is None:
            self.view.outcome = "unavailable"
            return
        self.view.volume = int(voice.volume)
        if self._heard_voice is not voice:
            self._heard_voice = voice
            voice.subscribe(self._voice_event)

    def _voice_event(self, event: Any) -> None:
        """From the voice thread: whether the sound check was heard by the player."""
        if getattr(event.prompt, "prompt_id", "") != "sound_check" or event.kind == "stopped":
            return
        if event.kind == "failed":
            self._note("technician: sound check not played (%s)", event.detail)
            self._result("voice", outcome="voice_failed", text=str(event.detail))
        else:
            self._result("voice", outcome="played")

    def sound_check(self) -> None:
        voice = self._voice()
        if self.step is not TechStep.TOOL or self.view.tool != "voice" or voice is None:
            return
        self.touch()
        self._result("voice", outcome="", volume=int(voice.volume))
        voice.sound_check()
        self._note("technician: sound check asked at volume %d", voice.volume)

    def change_volume(self, step: int) -> None:
        voice = self._voice()
        if self.step is not TechStep.TOOL or self.view.tool != "voice" or voice is None:
            return
        self.touch()
        voice.volume = max(0, min(100, int(voice.volume) + step))
        self._note("technician: volume set to %d", voice.volume)
        self._result("voice", volume=int(voice.volume))

    def touch_drawn(self, strokes: int) -> None:
        """The touch test: how many strokes were drawn (logged when it is cleared or left)."""
        if self.step is TechStep.TOOL and self.view.tool == "touch":
            self._note("technician: touch test, %d strokes", strokes)
            self._result("touch", outcome="ok", text=str(strokes))

    def _start_config(self) -> None:
        version = config_version(self.config)
        self.view.outcome, self.view.text = "ok", version
        self._note("technician: configuration %s (profile %s)", version, self.config.terminal.profile)


def for_terminal(terminal: Any) -> TechnicianFlow:
    """The terminal's maintenance mode (kiosk/terminal.py): its gate, its devices, and a mode
    that opens only while no citizen is served and staff mode is closed."""
    settings = terminal.config.technician
    gate = PinGate(settings.pin_hash, terminal.data_dir, max_attempts=settings.max_attempts,
                   lockout_s=settings.lockout_s, role="technician", digits=settings.pin_digits)
    return TechnicianFlow(
        gate, terminal.config, terminal.devices, terminal.device_statuses, terminal.printing,
        blocked=lambda: terminal.session.state.value != "idle" or terminal.staff.is_open,
        enrolled=terminal.link.look_again,
        voice=lambda: getattr(terminal, "voice", None),
        idle_s=settings.idle_s,
    )
