"""The terminal: devices from the configuration, the session, and service availability.

Screens hold one Terminal. Device events arrive on driver threads and are turned into
session changes here; listeners (the UI) get short notifications and must hand them to
their own thread (the Kivy UI uses ``Clock.schedule_once``).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from drivers.contracts import Device
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
from drivers.pcsc.pinpad import PromptPinPad
from drivers.status import DeviceStatus

from . import hall_time
from .arrivals import Arrivals
from .central import ApplicationRequest, CentralClient, client_for, connect
from .central.models import CodeKeys
from .central.signing import load_identity
from .codes import CodeKeyCache
from .config import KioskConfig
from .devices import build_devices
from .flows.proofs import ProofFlow
from .flows.yizheng import YizhengFlow
from .outbox import Outbox, open_outbox
from .print_jobs import ApplicationReceipts, ProofRenderer
from .printing import Printing
from .printlog import ExportResult, PrintLog, PrintRecord, export_csv, export_name
from .services import ServiceView, service_views
from .session import IdentitySource, Session, SessionSnapshot, SessionState
from .staff import PinResult, StaffGate
from .store import Store, open_store

log = logging.getLogger(__name__)

Listener = Callable[[str, dict[str, Any]], None]
TICK_INTERVAL = 0.25
# A social security card PIN left unanswered this long counts as cancelled: the reader is
# free again for whoever comes next.
PIN_TIMEOUT_S = 60.0
RECONNECT_CHECK_S = 5.0  # how often a not-yet-enrolled terminal looks for its enrollment


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
        self.temp_root = self.data_dir / "tmp"
        self.temp_root.mkdir(parents=True, exist_ok=True)
        # The card reader asks for a social security card's PIN through this pad: the UI
        # hears "pin_request" and answers with answer_pin() / cancel_pin().
        self._pin_pad: PromptPinPad | None = None
        if devices is None:
            if config.devices.card_reader is not None:
                self._pin_pad = PromptPinPad(self._pin_requested, timeout=PIN_TIMEOUT_S)
            self.devices = build_devices(config.devices, pin_pad=self._pin_pad)
        else:
            self.devices = devices
        kwargs = {"clock": clock} if clock else {}
        self.session = Session(
            idle_timeout=config.session.idle_timeout_s,
            idle_warning=config.session.idle_warning_s,
            removal_grace=config.session.card_removal_grace_s,
            temp_root=self.temp_root,
            zone=self.zone,
            card_presence=config.session.card_presence,
            card_on_reader=self._id_card_on_reader,
            **kwargs,
        )
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self.store: Store = open_store(self.data_dir)
        self.outbox: Outbox = open_outbox(config, self.store)
        self.printlog = PrintLog(self.store, self.outbox, zone=self.zone)
        receipt_cfg, a4_cfg = config.devices.receipt_printer, config.devices.a4_printer
        self.printing = Printing(
            self.devices, self.printlog,
            receipt_timeout=receipt_cfg.job_timeout_s if receipt_cfg else 30.0,
            document_timeout=a4_cfg.job_timeout_s if a4_cfg else 120.0,
        )
        self.staff = StaffGate(
            config.staff.pin_hash, self.data_dir,
            max_attempts=config.staff.max_attempts, lockout_s=config.staff.lockout_s,
        )
        self._central: CentralClient | None = None
        self.central_reason: str | None = None
        self._central_checked = float("-inf")
        self._central_lock = threading.Lock()
        self.flow: YizhengFlow | ProofFlow | None = None
        self.arrivals = Arrivals(
            self.session,
            default_service=lambda: self.config.services.default,
            central=lambda: self.central,
            key_cache=CodeKeyCache.for_data_dir(self.data_dir, _CentralKeys(config)),
            hall_name=config.terminal.hall_name,
            emit=self._emit,
            zone=self.zone,
        )
        self._statuses: dict[str, DeviceStatus] = {}
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self.session.subscribe(self._on_session)
        for device in self.devices.values():
            device.events.subscribe(self._on_device_event)

    def subscribe(self, listener: Listener) -> None:
        """listener(kind, data) is called from any thread; it must not block."""
        self._listeners.append(listener)

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            try:
                listener(kind, data)
            except Exception:
                log.exception("terminal listener failed on %s", kind)

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

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
            self._ticker = None
        self.session.finish()
        self.outbox.stop()
        with self._central_lock:
            central = self._central
        if central is not None:
            central.close()     # every thread's session
        for device in self.devices.values():
            device.close()
        self.store.close()

    def _tick_loop(self) -> None:
        while not self._stop.wait(TICK_INTERVAL):
            try:
                self.session.tick()
            except Exception:  # the ticker must outlive any listener bug
                log.exception("session tick failed")

    def _clean_stale_temp(self) -> None:
        # A crash or power cut can leave a session folder behind: nothing of it may survive.
        for leftover in self.temp_root.glob("session-*"):
            shutil.rmtree(leftover, ignore_errors=True)

    # -- state for screens -----------------------------------------------------------------
    def device_statuses(self) -> dict[str, DeviceStatus]:
        with self._lock:
            known = dict(self._statuses)
        return {name: known.get(name) or dev.status() for name, dev in self.devices.items()}

    @property
    def central(self) -> CentralClient | None:
        """The central client once this terminal is enrolled (re-checked while it is not, so
        a technician's `kiosk enroll` takes effect without a restart)."""
        now = time.monotonic()
        # One client for every thread (it is thread-safe: a session per thread); the lock
        # keeps two threads from connecting at once and leaking a second client.
        with self._central_lock:
            if self._central is None and now - self._central_checked >= RECONNECT_CHECK_S:
                self._central_checked = now
                self._central, self.central_reason = connect(self.config, self.store)
            return self._central

    def services(self) -> list[ServiceView]:
        statuses: dict[str, DeviceStatus | None] = dict(self.device_statuses())
        return service_views(list(self.config.services.offered), statuses,
                             enrolled=self.central is not None)

    def start_flow(self) -> YizhengFlow | ProofFlow | None:
        """The flow of the confirmed citizen's service; None when it cannot start."""
        snap = self.session.snapshot()
        central = self.central
        if snap.state is not SessionState.ACTIVE or central is None:
            return None
        flow: YizhengFlow | ProofFlow
        if snap.service_id == "yizheng_tongban":
            flow = YizhengFlow(
                self.session, central, self.outbox, ApplicationRequest.model_validate,
                receipts=(ApplicationReceipts(self.config, self.printing)
                          if self.printing.receipt is not None else None),
            )
        elif snap.service_id == "proof_print":
            flow = ProofFlow(self.session, central, self.printing, ProofRenderer(self.config))
        else:
            return None
        if self.flow is not None:
            self.flow.wipe()
        flow.subscribe(lambda: self._emit("flow", {}))
        self.flow = flow
        flow.load()
        return flow

    def snapshot(self) -> SessionSnapshot:
        return self.session.snapshot()

    # -- staff (printed-output log) --------------------------------------------------------
    def staff_login(self, pin: str) -> PinResult:
        """Check a staff PIN; only while no citizen is being served."""
        if self.session.snapshot().state is not SessionState.IDLE:
            return PinResult(False, "citizen_session")
        return self.staff.check(pin)

    def print_records(self, days: int | None = None, doc_type: str | None = None,
                      id_number: str | None = None, limit: int = 500) -> list[PrintRecord]:
        since = self.printlog.since_days(days) if days is not None else None  # the hall's days
        return self.printlog.records(since=since, doc_type=doc_type or None,
                                     id_number=id_number or None, limit=limit)

    def export_print_records(self, records: list[PrintRecord]) -> ExportResult:
        """Write ``records`` as CSV to the USB stick (``[staff] export_dir``)."""
        folder = self.config.staff.export_dir
        if folder is None:
            return ExportResult(False, "export_not_configured")
        if not folder.is_dir():
            return ExportResult(False, "no_usb_stick")
        name = export_name(self.config.terminal.terminal_code, self.zone)
        try:
            count = export_csv(records, folder / name)
        except OSError as err:
            log.warning("print log export to %s failed: %s", folder, err.strerror)
            return ExportResult(False, "export_failed")
        log.info("print log: %d records exported", count)
        return ExportResult(True, "", folder / name, count)

    # -- intents ---------------------------------------------------------------------------
    def answer_pin(self, pin: str) -> None:
        """The PIN the citizen typed for the card in the reader (never logged or emitted)."""
        if self._pin_pad is not None:
            self._pin_pad.answer(pin)

    def cancel_pin(self) -> None:
        """The citizen did not want to enter the PIN; the card read ends as cancelled."""
        if self._pin_pad is not None:
            self._pin_pad.cancel()

    def _pin_requested(self, tries_left: int | None) -> None:
        # Card reader thread: the UI shows its PIN pad. Tries only, nothing of the card.
        log.info("card PIN requested (tries left: %s)", "-" if tries_left is None else tries_left)
        self._emit("pin_request", {"tries_left": tries_left})

    def choose_service(self, service_id: str) -> bool:
        view = next((s for s in self.services() if s.id == service_id), None)
        if view is None or not view.available:
            return False
        self.session.begin(service_id)
        # A card already lying on the reader (the last citizen's, or this one's put down
        # early) was read once when it was placed: read it again for this session instead
        # of asking for the card that lies there.
        reader = self.devices.get("id_reader")
        if isinstance(reader, _Rearmable):
            reader.read_again()
        return True

    def _id_card_on_reader(self) -> bool:
        reader = self.devices.get("id_reader")
        return isinstance(reader, _Rearmable) and reader.card_present

    def _on_session(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "ended" and self.flow is not None:
            flow, self.flow = self.flow, None
            flow.wipe()
        self._emit(kind, data)

    # -- device events (driver threads) ----------------------------------------------------
    def _on_device_event(self, event: DeviceEvent) -> None:
        if isinstance(event, StatusChanged):
            with self._lock:
                self._statuses[event.device] = event.status
            log.info("device %s: %s %s", event.device, event.status.state.value, event.status.fault)
            self._emit("device_status", {"device": event.device, "status": event.status})
        elif isinstance(event, IdentityRead):
            log.info("identity read (%s)", event.card.card_type.value)
            self.session.identity_read(event.card, self.config.services.default)
        elif isinstance(event, ReadFailed):
            log.warning("card read failed: %s", event.error.code.value)
            self.session.identity_failed(event.error.code.value)
        elif isinstance(event, CardRemoved):
            self.session.card_removed(IdentitySource.ID_CARD)
        elif isinstance(event, SmartCardRead):
            self.arrivals.smart_card(event.card)
        elif isinstance(event, SmartCardRemoved):
            self.session.card_removed(IdentitySource.SOCIAL_SECURITY)
        elif isinstance(event, CodeScanned):
            log.info("code scanned (%s)", event.symbology)
            self.arrivals.code_scanned(event.text)


@runtime_checkable
class _Rearmable(Protocol):
    """An ID reader that knows whether a card lies on it and can read that card again
    (drivers.idcard.reader.SamSerialReader)."""

    @property
    def card_present(self) -> bool: ...

    def read_again(self) -> None: ...


class _CentralKeys:
    """Fetches central's code keys with a client of its own, made when the keys are due (the
    key cache works before the terminal's client exists and outside a Terminal)."""

    def __init__(self, config: KioskConfig) -> None:
        self._config = config

    def code_keys(self) -> CodeKeys:
        from .central.errors import NotEnrolled

        identity = load_identity(Path(self._config.terminal.data_dir))
        if identity is None:
            raise NotEnrolled()
        with client_for(self._config, identity) as client:
            return client.code_keys()
