"""One citizen at a time: the session holds the identity in memory only and wipes it.

A session ends on idle timeout, on card removal plus grace (only where the profile needs the
card on the reader, ``CardPresence.REQUIRED``), or on finish; then the card buffers are
zeroed, form data dropped and the session's temp folder removed. While a citizen is
identified, their name, address and ID number are registered with the log filter
(kiosk/privacy.py) and forgotten at the wipe. The session is
a plain state machine driven by ``tick()`` and by device events; it never sleeps and never
touches a widget. All methods are safe to call from any thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drivers.idcard.model import IdentityCard
from kiosk import hall_time
from kiosk.events import (
    CardBack,
    CardTaken,
    IdleWarning,
    KioskEvent,
    PrincipalChanged,
    Publisher,
    ReadFailed,
    SessionChanged,
    SessionEnded,
)
from kiosk.files import remove_overwritten
from kiosk.privacy import forget_personal, register_card
from kiosk.session_principal import PrincipalSlot
from kiosk.session_types import (
    CARD_TYPE_LABELS,
    SOURCE_LABELS,
    CardPresence,
    EndReason,
    IdentitySource,
    MaskedIdentity,
    SessionSnapshot,
    SessionState,
    masked_identity,
)

# The session's vocabulary lives in kiosk/session_types.py; callers import it from here.
__all__ = [
    "CARD_TYPE_LABELS", "SOURCE_LABELS", "CardPresence", "EndReason", "IdentitySource",
    "MaskedIdentity", "Session", "SessionSnapshot", "SessionState", "masked_identity",
]

log = logging.getLogger(__name__)


class Session:
    def __init__(
        self,
        idle_timeout: float,
        idle_warning: float,
        removal_grace: float,
        temp_root: Path,
        clock: Callable[[], float] = time.monotonic,
        zone: dt.tzinfo | None = None,
        card_presence: CardPresence | str = CardPresence.MAY_LEAVE,
        card_on_reader: Callable[[], bool] | None = None,
        idle_timeout_elderly: float | None = None,
        elderly: bool = False,
    ) -> None:
        """``card_on_reader`` tells whether an ID card lies on the reader now (the driver
        knows); ``SessionEnded`` then says whether to remind the citizen to take it.
        ``idle_timeout_elderly`` replaces ``idle_timeout`` while the 适老化 mode is on
        (``set_elderly``)."""
        self._presence = CardPresence(card_presence)
        self._card_on_reader = card_on_reader
        self._card_away = False            # the session's card left its reader
        self._card_returned = False
        self._personal: int | None = None  # token of the strings registered with the log filter
        self._idle_timeout_normal = idle_timeout
        self._idle_timeout_elderly = idle_timeout if idle_timeout_elderly is None else idle_timeout_elderly
        self._elderly = elderly
        self._idle_warning = idle_warning
        self._removal_grace = removal_grace
        self._temp_root = temp_root
        self._clock = clock
        self.zone = hall_time.default_zone() if zone is None else zone  # the hall's, for dates
        self._lock = threading.RLock()
        self.events: Publisher[KioskEvent] = Publisher()
        self._state = SessionState.IDLE
        self._service: str | None = None
        self._card: IdentityCard | None = None
        self._source = IdentitySource.ID_CARD
        self._last_activity = 0.0
        self._removed_at: float | None = None
        self._warned = False
        # The service needs no identity (排队取号): the session is ACTIVE from the start and
        # a card read during it is lent to the flow (it stays ACTIVE) until drop_identity().
        self._open = False
        # Cleared by the wipe: values a flow keeps in the session, and a folder for files a
        # session must write (removed with its files overwritten). Flows keep their own data
        # and wipe it when the session ends; A4 documents are streamed, never written here.
        self.form: dict[str, Any] = {}
        self.temp_dir: Path | None = None
        self._principal = PrincipalSlot()   # 帮办代办: the person the citizen acts for

    # -- observers -------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[KioskEvent], None]) -> None:
        """listener(event) is called on the thread that changed the session."""
        self.events.subscribe(listener)

    def _emit(self, event: KioskEvent) -> None:
        self.events.publish(event)

    # -- queries ---------------------------------------------------------------------------
    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def source(self) -> IdentitySource:
        return self._source

    @property
    def card(self) -> IdentityCard | None:
        """The clear identity, for flows in kiosk/ only. Screens use snapshot()."""
        return self._card

    @property
    def principal(self) -> IdentityCard | None:
        """帮办代办: the clear identity of the person the citizen acts for (flows only)."""
        return self._principal.card

    @property
    def principal_source(self) -> IdentitySource | None:
        """How the principal was read (``present`` authority needs ``ID_CARD``)."""
        return self._principal.source

    @property
    def expecting_principal(self) -> bool:
        return self._principal.expecting

    def snapshot(self) -> SessionSnapshot:
        with self._lock:
            now = self._clock()
            left = self._seconds_left(now)
            return SessionSnapshot(
                state=self._state,
                service_id=self._service,
                identity=masked_identity(self._card, hall_time.today(self.zone), source=self._source) if self._card else None,
                seconds_left=left,
                warning=self._state is not SessionState.IDLE
                and (left <= self._idle_warning or self._removed_at is not None),
                card_removed=self._removed_at is not None,
                card_required=self._presence is CardPresence.REQUIRED,
                card_returned=self._card_returned,
            )

    @property
    def _idle_timeout(self) -> float:
        return self._idle_timeout_elderly if self._elderly else self._idle_timeout_normal

    def _seconds_left(self, now: float) -> float:
        if self._state is SessionState.IDLE:
            return 0.0
        left = self._idle_timeout - (now - self._last_activity)
        if self._removed_at is not None:
            left = min(left, self._removal_grace - (now - self._removed_at))
        return max(0.0, left)

    # -- intents ---------------------------------------------------------------------------
    def begin(self, service_id: str) -> None:
        self._begin(service_id, SessionState.WAITING_CARD)

    def _begin(self, service_id: str, state: SessionState) -> None:
        with self._lock:
            if self._state is not SessionState.IDLE:
                self._end(EndReason.CANCELLED)
            self._state = state
            self._open = state is SessionState.ACTIVE
            self._service = service_id
            self._last_activity = self._clock()
            self._warned = False
            self.temp_dir = Path(tempfile.mkdtemp(prefix="session-", dir=self._temp_root))
        log.info("session started for service %s", service_id)
        self._emit(SessionChanged(state))

    def begin_open(self, service_id: str) -> None:
        """Start a session for a service whose identity is optional (kiosk/registry.py
        ``identify="optional"``): ACTIVE at once, nobody identified. A card placed during
        it is read into the session without leaving ACTIVE (``identity_read``); the flow
        takes what it needs and lets it go with ``drop_identity``."""
        self._begin(service_id, SessionState.ACTIVE)

    @property
    def open(self) -> bool:
        """Whether the running service needs no identity (``begin_open``)."""
        return self._open

    def drop_identity(self) -> None:
        """An open session's flow is done with the card it was lent: zeroed and forgotten
        by the log filter now, the session goes on without it."""
        with self._lock:
            if not self._open or self._card is None:
                return
            self._card.wipe()
            self._card = None
            self._source = IdentitySource.ID_CARD
            self._removed_at = None
            self._card_away = self._card_returned = False
            forget_personal(self._personal)
            self._personal = None
        log.info("identity dropped; the session goes on without it")
        self._emit(SessionChanged(SessionState.ACTIVE))

    def expect_principal(self, on: bool) -> bool:
        """帮办代办: while on, the next identity of ANOTHER person read during this ACTIVE
        session becomes its principal (``PrincipalChanged``) instead of starting a new
        session; the agent's own card is refused (``PrincipalRefused``). Turned off by the
        principal's arrival. Only for an identified (not open) session: False otherwise."""
        with self._lock:
            if on and (self._state is not SessionState.ACTIVE or self._open or self._card is None):
                return False
            self._principal.expecting = bool(on)
            if on:
                self._last_activity = self._clock()
        return True

    def drop_principal(self) -> None:
        """The agent no longer acts for the principal: zeroed and forgotten now."""
        with self._lock:
            had = self._principal.reset()
        if had:
            log.info("principal dropped; the session goes on with the agent alone")
            self._emit(PrincipalChanged(False))

    def _principal_read(self, card: IdentityCard, source: IdentitySource) -> tuple[bool, KioskEvent | None]:
        """Under the lock: whether the read is the principal's business, and the event to
        tell (kiosk/session_principal.py decides)."""
        if self._state is not SessionState.ACTIVE or self._open or self._card is None:
            return False, None
        handled, event = self._principal.read(card, source, self._card.id_number)
        if handled:
            self._last_activity = self._clock()
        return handled, event

    def set_elderly(self, on: bool) -> None:
        """The 适老化 mode was switched (a touch too): the idle timeout follows it."""
        with self._lock:
            self._elderly = bool(on)
            if self._state is not SessionState.IDLE:
                self._last_activity = self._clock()
                self._warned = False

    def touch(self) -> None:
        """The citizen touched the screen (or chose 继续办理 after putting the card back)."""
        with self._lock:
            if self._state is not SessionState.IDLE:
                self._last_activity = self._clock()
                self._warned = False
                self._card_returned = False

    def confirm(self) -> bool:
        """The citizen confirms the identity is theirs. An expired card cannot be confirmed."""
        with self._lock:
            if self._state is not SessionState.IDENTIFIED or self._card is None:
                return False
            if masked_identity(self._card, hall_time.today(self.zone)).expired:
                return False
            self._state = SessionState.ACTIVE
            self._last_activity = self._clock()
        self._emit(SessionChanged(SessionState.ACTIVE))
        return True

    def switch(self, service_id: str, keep_open: bool = False) -> bool:
        """The confirmed citizen goes on to another service with the same identity.
        ``keep_open``: an open session (nobody identified) may go on too, still open (the
        好差评 offer after 排队取号, kiosk/evaluation/offer.py)."""
        with self._lock:
            if self._state is not SessionState.ACTIVE or (
                    self._card is None and not (keep_open and self._open)):
                return False
            self._service = service_id
            self._last_activity = self._clock()
        log.info("session goes on with service %s", service_id)
        self._emit(SessionChanged(SessionState.ACTIVE))
        return True

    def finish(self, reason: EndReason = EndReason.FINISHED) -> None:
        with self._lock:
            if self._state is SessionState.IDLE:
                return
            self._end(reason)

    def tick(self) -> None:
        """Drive the timers; call about twice a second."""
        with self._lock:
            if self._state is SessionState.IDLE:
                return
            now = self._clock()
            if self._removed_at is not None and now - self._removed_at >= self._removal_grace:
                self._end(EndReason.CARD_REMOVED)
                return
            left = self._seconds_left(now)
            if left <= 0:
                self._end(EndReason.IDLE_TIMEOUT)
                return
            if left <= self._idle_warning and not self._warned:
                self._warned = True
                warn = True
            else:
                warn = False
        if warn:
            self._emit(IdleWarning(left))

    # -- device events ---------------------------------------------------------------------
    def identity_read(self, card: IdentityCard, default_service: str,
                      source: IdentitySource = IdentitySource.ID_CARD) -> None:
        """An identity arrived (ID card, social security card, or a resolved e-ID code)."""
        with self._lock:
            if self._state is SessionState.IDLE:
                self.begin(default_service)
            principals, told = self._principal_read(card, source)
            if principals:   # 帮办代办: the principal's read, not this session's card
                if told is not None:
                    self._emit(told)
                return
            if self._card is not None:
                if self._card.id_number == card.id_number:
                    # The same card: put back (within the grace where the card is required),
                    # or read again while it lay there (a reader reconnecting): carry on.
                    back = self._removed_at is not None or self._card_away
                    self._card_returned = self._removed_at is not None
                    self._removed_at = None
                    self._card_away = False
                    self._last_activity = self._clock()
                    card.wipe()
                    if back:
                        self._emit(CardBack(self._source.value))
                    return
                if self._open:   # the flow was lent another card: this one replaces it
                    self._card.wipe()
                else:
                    # Another person's card: the previous session ends before this one starts.
                    service = self._service or default_service
                    self._end(EndReason.CANCELLED)
                    self.begin(service)
            self._card = card
            self._source = source
            forget_personal(self._personal)
            self._personal = register_card(card)
            # An open session stays ACTIVE: its flow is told the card arrived.
            state = self._state = SessionState.ACTIVE if self._open else SessionState.IDENTIFIED
            self._last_activity = self._clock()
        self._emit(SessionChanged(state))

    def identity_failed(self, code: str, source: IdentitySource = IdentitySource.ID_CARD) -> None:
        """A card could not be read. Said even on the home screen (no session starts)."""
        with self._lock:
            if self._state is not SessionState.IDLE:
                self._last_activity = self._clock()
        self._emit(ReadFailed(code, source.value))

    def card_removed(self, source: IdentitySource = IdentitySource.ID_CARD) -> None:
        """A card left its reader: the session ends after the grace if it identified with
        that card (taking an ID card away does not end a social-security-card session)."""
        with self._lock:
            if self._card is None or self._state is SessionState.IDLE or source is not self._source:
                return
            self._card_away = True
            if self._principal.engaged:
                # 帮办代办: one reader, two people's cards; the agent's read card may leave it.
                log.info("card taken away while acting for a principal; the session goes on")
                return
            if source is IdentitySource.ID_CARD and self._presence is CardPresence.MAY_LEAVE:
                # The card was read; the citizen may keep it while the visit goes on.
                log.info("ID card taken away; the session goes on (card_presence may_leave)")
                return
            self._removed_at = self._clock()
            grace = self._removal_grace
        self._emit(CardTaken(source.value, grace))
        if grace <= 0:
            self.tick()

    # -- the wipe --------------------------------------------------------------------------
    def _end(self, reason: EndReason) -> None:
        source = self._source
        if self._card is not None:
            self._card.wipe()
        self._card = None
        self._source = IdentitySource.ID_CARD
        self._principal.reset()
        self.form.clear()
        if self.temp_dir is not None:
            remove_overwritten(self.temp_dir)
            self.temp_dir = None
        self._state = SessionState.IDLE
        self._open = False
        self._service = None
        self._removed_at = None
        self._warned = False
        self._card_away = self._card_returned = False
        forget_personal(self._personal)
        self._personal = None
        take_card = self._card_lies_on_reader()
        log.info("session ended: %s%s", reason.value, " (ID card left on the reader)" if take_card else "")
        self._emit(SessionEnded(reason.value, source.value, take_card))

    def _card_lies_on_reader(self) -> bool | None:
        """Whether to remind the citizen to take their ID card (None: cannot tell)."""
        if self._card_on_reader is None:
            return None
        try:
            return bool(self._card_on_reader())
        except Exception:  # a reminder is not worth failing the wipe for
            log.exception("asking the ID reader for its card failed")
            return None

