"""The terminal: assembles the devices, the session, the store and outbox, printing, the
line to central, the flows of the registry and staff mode, and publishes what changes.

Device events arrive on driver threads and are turned into session changes here. Listeners
get frozen events (kiosk/events.py) on whatever thread the change happened and must return
at once; what to draw they read from ``state()``, one immutable ``KioskState``.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from drivers.contracts import Device, DocumentCamera
from drivers.events import (
    CardRemoved,
    CodeScanned,
    DeviceEvent,
    IdentityRead,
    ReadFailed,
    SmartCardRead,
    SmartCardRemoved,
    StatusChanged,
)
from drivers.status import DeviceStatus
from kiosk import hall_time
from kiosk.central_api import CentralClient
from kiosk.central_api.link import CentralKeys, CentralLink
from kiosk.central_api.models import Catalogue
from kiosk.config import KioskConfig
from kiosk.devices import Rearmable, build_devices
from kiosk.evaluation import offer as evaluation_offer
from kiosk.events import (
    DeviceChanged,
    FlowChanged,
    KioskEvent,
    Listener,
    Publisher,
    SessionChanged,
    SessionEnded,
    StaffCardPresented,
    StaffChanged,
    TechnicianChanged,
)
from kiosk.files import DATA_DIR_MODE, ensure_dir
from kiosk.fleet.service import Fleet, build_fleet
from kiosk.flows import progress_desk, queue_desk
from kiosk.flows.base import Flow
from kiosk.flows.deps import FlowDeps
from kiosk.flows.staff import StaffFlow
from kiosk.flows.technician import for_terminal as technician_mode
from kiosk.identify.arrivals import Arrivals
from kiosk.identify.code_keys import CodeKeyCache
from kiosk.identify.pin import PinRelay
from kiosk.ime.domain import cached_catalogue
from kiosk.ime.service import ImeService
from kiosk.outbox import Outbox, open_outbox
from kiosk.printing.printers import Printing
from kiosk.printing.printlog import PrintLog
from kiosk.queue_blocks import KIND_QUEUE_OFFLINE, QueueBlocks, deliver_offline
from kiosk.registry import SERVICES
from kiosk.services import ServiceView, service_views
from kiosk.session import IdentitySource, Session, SessionSnapshot, SessionState
from kiosk.staff import StaffGate
from kiosk.state import FaultClock, KioskState
from kiosk.store import Store, open_store
from kiosk.voice.voice import Voice

log = logging.getLogger(__name__)

TICK_INTERVAL = 0.25
# Devices that identify a citizen besides the ID card reader, and whether that way also
# needs central (an electronic ID code is resolved there).
OTHER_WAYS_NEED_CENTRAL = {"card_reader": False, "code_scanner": True}


class Terminal:
    def __init__(
        self,
        config: KioskConfig,
        devices: dict[str, Device] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.config = config
        self.zone = hall_time.hall_zone(config)   # every time shown or printed is the hall's
        self.data_dir = Path(config.terminal.data_dir)
        ensure_dir(self.data_dir, DATA_DIR_MODE)  # 0750, tightened if it was looser
        self.temp_root = self.data_dir / "tmp"
        self.temp_root.mkdir(parents=True, exist_ok=True)
        self.events: Publisher[KioskEvent] = Publisher()
        # The card reader asks for a social security card's PIN through the relay: the UI
        # hears PinRequested and answers with answer_pin() / cancel_pin().
        self.pin: PinRelay | None = None
        if devices is None:
            if config.devices.card_reader is not None:
                self.pin = PinRelay(self.events.publish)
            self.devices = build_devices(config.devices, pin_pad=self.pin.pad if self.pin else None,
                                         jpeg_quality=config.capture.jpeg_quality)
        else:
            self.devices = devices
        self._clock = clock or time.monotonic
        self.session = Session(
            idle_timeout=config.session.idle_timeout_s,
            idle_warning=config.session.idle_warning_s,
            removal_grace=config.session.card_removal_grace_s,
            temp_root=self.temp_root,
            clock=self._clock,
            zone=self.zone,
            card_presence=config.session.card_presence,
            card_on_reader=self._id_card_on_reader,
            idle_timeout_elderly=config.session.idle_timeout_elderly_s,
            elderly=config.ui.elderly_mode,
        )
        self._lock = threading.Lock()
        self.store: Store = open_store(self.data_dir)
        self.outbox: Outbox = open_outbox(config, self.store)
        # Offline queue tickets wait in the outbox as their own kind (kiosk/queue_blocks.py).
        self.outbox.register(KIND_QUEUE_OFFLINE, deliver_offline)
        self.queue_blocks = QueueBlocks(self.store, self.outbox, self.zone)
        # 好差评: completed handlings kept 7 days, evaluations sent as their own kind.
        self.handlings = evaluation_offer.handlings_for(self.store, self.outbox)
        self.printlog = PrintLog(self.store, self.outbox, zone=self.zone)
        receipt_cfg, a4_cfg = config.devices.receipt_printer, config.devices.a4_printer
        self.printing = Printing(
            self.devices, self.printlog,
            receipt_timeout=receipt_cfg.job_timeout_s if receipt_cfg else 30.0,
            document_timeout=a4_cfg.job_timeout_s if a4_cfg else 120.0,
        )
        self.link = CentralLink(config, self.store)
        self.staff = StaffFlow(
            StaffGate(config.staff.pin_hash, self.data_dir,
                      max_attempts=config.staff.max_attempts, lockout_s=config.staff.lockout_s,
                      digits=config.staff.pin_digits),
            self.printlog,
            citizen_present=lambda: (self.session.state is not SessionState.IDLE
                                     or self.technician.is_open),
            export_dir=config.staff.export_dir,
            terminal_code=config.terminal.terminal_code or "",
            zone=self.zone,
        )
        self.staff.subscribe(lambda: self.events.publish(StaffChanged(str(self.staff.step))))
        # The technician's maintenance mode: its own PIN, between citizens only; while it is
        # in, card and code events go to it (masked there) instead of starting a session.
        self.technician = technician_mode(self)
        self.technician.subscribe(
            lambda: self.events.publish(TechnicianChanged(str(self.technician.step))))
        # Spoken prompts (screens say what to speak; the voice thread renders and plays).
        self.voice = Voice(config.voice, elderly=config.ui.elderly_mode)
        # Chinese input: pinyin and handwriting on their own thread, built in start().
        self.ime = ImeService(config, self._ime_catalogue)
        self.flow: Flow | None = None
        self.arrivals = Arrivals(
            self.session,
            default_service=lambda: self.config.services.default,
            central=lambda: self.central,
            key_cache=CodeKeyCache.for_data_dir(self.data_dir, CentralKeys(config)),
            hall_name=config.terminal.hall_name,
            emit=self._arrival,
            zone=self.zone,
            on_appointment=lambda text, meaning: queue_desk.appointment_code(self, text, meaning),
            on_receipt=lambda meaning: progress_desk.receipt_code(self, meaning),
        )
        self._statuses: dict[str, DeviceStatus] = {}
        self._fault_clock = FaultClock(self._clock)
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self.session.subscribe(self._on_session)
        for device in self.devices.values():
            device.events.subscribe(self._on_device_event)
        # Heartbeats, central's commands, maintenance mode, updates, the self-test.
        self.fleet: Fleet = build_fleet(self)

    def subscribe(self, listener: Listener[KioskEvent]) -> None:
        """listener(event) is called from any thread; it must not block."""
        self.events.subscribe(listener)

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._clean_stale_temp()
        for device in self.devices.values():
            device.open()
        # The session's clock runs here, not in the UI: a frozen or crashed screen must not
        # keep a citizen's data alive past the idle timeout.
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick_loop, name="session ticker", daemon=True)
        self._ticker.start()
        self.outbox.start()
        self.ime.start()
        if queue_desk.SERVICE in self.config.services.offered:
            # Reserve today's offline numbers while central answers (kiosk/queue_blocks.py).
            threading.Thread(target=queue_desk.prepare, args=(self, self._stop), name="queue blocks",
                             daemon=True).start()
        self.fleet.start()

    def ui_drawn(self) -> None:
        """The app drew its first frame (the self-test's ``ui`` proof)."""
        self.fleet.ui_drawn()

    def stop(self) -> None:
        self._stop.set()
        self.fleet.stop()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
            self._ticker = None
        self.voice.close()
        self.session.finish()
        self.staff.close("stop")
        self.technician.close("stop")
        self.outbox.stop()
        self.link.close()
        self.ime.close()
        for device in self.devices.values():
            device.close()
        self.store.close()

    def _ime_catalogue(self) -> Catalogue | None:
        # The input dictionary's words: the catalogue kept in the store, else central's.
        kept = cached_catalogue(self.store)
        client = self.link.client
        return kept if kept is not None or client is None else client.catalogue()

    def _tick_loop(self) -> None:
        while not self._stop.wait(TICK_INTERVAL):
            try:
                self.session.tick()
                self.staff.tick()
                self.technician.tick()
            except Exception:  # the ticker must outlive any listener bug
                log.exception("session tick failed")

    def _clean_stale_temp(self) -> None:
        # A crash or power cut can leave a session folder behind: nothing of it may survive.
        for leftover in self.temp_root.glob("session-*"):
            shutil.rmtree(leftover, ignore_errors=True)

    # -- state for screens -----------------------------------------------------------------
    def state(self) -> KioskState:
        """Everything a screen draws, from memory (no device or network I/O)."""
        statuses = self.device_statuses()
        enrolled = self.link.client is not None
        flow = self.flow
        snap = self.session.snapshot()
        return KioskState(
            session=snap,
            flow=flow.state() if flow is not None and snap.state is SessionState.ACTIVE else None,
            services=tuple(self._service_views(statuses, enrolled)),
            devices=tuple(statuses.items()),
            faults=self._fault_clock.faults(statuses),
            other_ways=frozenset(
                name for name, needs_central in OTHER_WAYS_NEED_CENTRAL.items()
                if name in statuses and statuses[name].ready and (enrolled or not needs_central)
            ),
            enrolled=enrolled,
            staff=self.staff.state(),
            technician=self.technician.state(),
            maintenance=self.fleet.maintenance.state(),
        )

    def device_statuses(self) -> dict[str, DeviceStatus]:
        with self._lock:
            known = dict(self._statuses)
        return {name: known.get(name) or dev.status() for name, dev in self.devices.items()}

    @property
    def central(self) -> CentralClient | None:
        """The central client once this terminal is enrolled."""
        return self.link.client

    @property
    def central_reason(self) -> str | None:
        return self.link.reason

    def services(self) -> list[ServiceView]:
        return self._service_views(self.device_statuses(), self.central is not None)

    def _service_views(self, statuses: dict[str, DeviceStatus], enrolled: bool) -> list[ServiceView]:
        known: dict[str, DeviceStatus | None] = dict(statuses)
        return service_views(list(self.config.services.offered), known, enrolled=enrolled)

    def snapshot(self) -> SessionSnapshot:
        return self.session.snapshot()

    # -- intents ---------------------------------------------------------------------------
    def choose_service(self, service_id: str) -> bool:
        view = next((s for s in self.services() if s.id == service_id), None)
        if view is None or not view.available or self.technician.is_in or self.fleet.maintenance.on:
            return False
        self.staff.close("citizen")
        spec = SERVICES.get(service_id)
        if spec is not None and spec.identify == "optional":
            # Nobody needs to identify: the flow starts at once (kiosk/registry.py).
            self.session.begin_open(service_id)
            return self.start_flow() is not None
        self.session.begin(service_id)
        # A card already lying on the reader (the last citizen's, or this one's put down
        # early) was read once when it was placed: read it again for this session instead
        # of asking for the card that lies there.
        reader = self.devices.get("id_reader")
        if isinstance(reader, Rearmable):
            reader.read_again()
        return True

    def switch_service(self, service_id: str) -> Flow | None:
        """The identified citizen starts another available service without identifying
        again (after 身份核验, from its result screen). A service that needs no identity
        (排队取号) starts afresh instead: the identity is wiped first, never carried over."""
        view = next((s for s in self.services() if s.id == service_id), None)
        spec = SERVICES.get(service_id)
        if spec is None or view is None or not view.available:
            return None
        if spec.identify == "optional":
            if self.session.state is not SessionState.ACTIVE or not self.choose_service(service_id):
                return None
            return self.flow
        if not self.session.switch(service_id):
            return None
        return self.start_flow()

    def confirm_identity(self) -> Flow | None:
        """The citizen confirmed the identity shown: the service's flow starts."""
        if not self.session.confirm():
            return None
        return self.start_flow()

    def start_flow(self) -> Flow | None:
        """The flow of the confirmed citizen's service (kiosk/registry.py); None when it
        cannot start (not in this version, or central needed and not enrolled)."""
        snap = self.session.snapshot()
        spec = SERVICES.get(snap.service_id or "")
        if snap.state is not SessionState.ACTIVE or spec is None or spec.flow is None:
            return None
        central = self.central
        if spec.needs_central and central is None:
            return None
        camera = self.devices.get("document_camera")    # 高拍仪 pages (kiosk/capture)
        flow = spec.flow(FlowDeps(self.config, self.session, central, self.outbox, self.printing,
                                  camera=camera if isinstance(camera, DocumentCamera) else None,
                                  handlings=self.handlings))
        if self.flow is not None:
            self.flow.wipe()
        flow.subscribe(lambda: self.events.publish(FlowChanged(flow.SERVICE_ID, str(flow.step))))
        self.flow = flow
        flow.load()
        self.events.publish(FlowChanged(flow.SERVICE_ID, str(flow.step)))
        return flow

    def finish_service(self) -> bool:
        """The citizen tapped 完成: 好差评 is offered for what the flow completed (True),
        else the session ends (kiosk/evaluation/offer.py)."""
        return evaluation_offer.finish(self)

    def answer_pin(self, pin: str) -> None:
        """The PIN the citizen typed for the card in the reader (never logged or published)."""
        if self.pin is not None:
            self.pin.answer(pin)

    def cancel_pin(self) -> None:
        """The citizen did not want to enter the PIN; the card read ends as cancelled."""
        if self.pin is not None:
            self.pin.cancel()

    def id_card_on_reader(self) -> bool:
        """Whether an ID card lies on the reader now (from memory: the driver knows)."""
        return self._id_card_on_reader()

    def _id_card_on_reader(self) -> bool:
        reader = self.devices.get("id_reader")
        return isinstance(reader, Rearmable) and reader.card_present

    # -- what the session and the arrivals say ---------------------------------------------
    def _on_session(self, event: KioskEvent) -> None:
        if isinstance(event, SessionChanged) and event.state != SessionState.IDLE:
            self.staff.close("citizen")  # however the citizen came: no staff screen for them
            self.technician.close("citizen")
        if isinstance(event, SessionEnded) and self.flow is not None:
            flow, self.flow = self.flow, None
            flow.wipe()
        self.events.publish(event)
        running = self.flow
        if (isinstance(event, SessionChanged) and self.session.open
                and self.session.card is not None and running is not None):
            running.identity_arrived()   # a card lent to a flow that needs no identity

    def _arrival(self, event: KioskEvent) -> None:
        if isinstance(event, StaffCardPresented):
            if event.role in self.config.technician.card_roles:
                self.staff.close("technician")
                self.technician.open_by_card()   # TechnicianChanged tells the screens
            elif not self.technician.is_open:
                self.staff.open_by_card()   # StaffChanged tells the screens
        self.events.publish(event)

    # -- device events (driver threads) ----------------------------------------------------
    def _on_device_event(self, event: DeviceEvent) -> None:
        if not isinstance(event, StatusChanged) and self.technician.device_event(event):
            return   # maintenance: the technician's test read, masked there; no session
        if self.fleet.maintenance.holds(event, self.session.state is SessionState.IDLE):
            return   # 设备维护中 (central's): no new session
        if isinstance(event, StatusChanged):
            with self._lock:
                self._statuses[event.device] = event.status
            log.info("device %s: %s %s", event.device, event.status.state.value, event.status.fault)
            self.events.publish(DeviceChanged(event.device, event.status))
        elif isinstance(event, IdentityRead):
            log.info("identity read (%s)", event.card.card_type.value)
            self.session.identity_read(event.card, self.config.services.default)
        elif isinstance(event, ReadFailed):
            log.warning("card read failed: %s", event.error.code.value)
            self.session.identity_failed(event.error.code.value, IdentitySource.SOCIAL_SECURITY
                                         if event.device == "card_reader" else IdentitySource.ID_CARD)
        elif isinstance(event, CardRemoved):
            self.session.card_removed(IdentitySource.ID_CARD)
        elif isinstance(event, SmartCardRead):
            self.arrivals.smart_card(event.card)
        elif isinstance(event, SmartCardRemoved):
            self.session.card_removed(IdentitySource.SOCIAL_SECURITY)
        elif isinstance(event, CodeScanned):
            log.info("code scanned (%s)", event.symbology)
            self.arrivals.code_scanned(event.text)

