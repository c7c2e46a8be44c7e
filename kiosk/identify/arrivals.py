"""What arrives at the terminal besides an ID card: scanned codes and smart cards.

A scanned code is classified (kiosk/identify/codes.py) on a worker thread, never the device's or
the UI's: an electronic ID code is resolved by central into an identity (the session's
third way in), an appointment is verified offline with central's key, a 办件 receipt is
recognised; anything else is refused with a reason. A social security card is the second
way in; a staff card opens the staff screen; a bank card identifies nobody here.

Listeners get ``CodeNotice``, ``StaffCardPresented`` or ``CardRefused`` events
(kiosk/events.py) with stable codes, never personal data.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from drivers.idcard.model import CardType, IdentityCard
from kiosk import hall_time
from kiosk.central_api.errors import CentralError, CentralRejected, CentralUnavailable
from kiosk.events import CardRefused, CodeNotice, KioskEvent, StaffCardPresented
from kiosk.identify.code_keys import CodeKeyCache
from kiosk.identify.codes import (
    AppointmentVerifier,
    CodeKind,
    CodeMeaning,
    CodeReason,
    classify,
    identity_refusal,
)
from kiosk.session import IdentitySource, Session, SessionState

log = logging.getLogger(__name__)

Emit = Callable[[KioskEvent], None]
GENDERS = {"1": "男", "2": "女", "男": "男", "女": "女"}


def identity_from_resolved(resolved: Any) -> IdentityCard:
    """Central's answer to an electronic ID code as the identity a session holds."""
    return IdentityCard(
        card_type=CardType.RESIDENT,
        name=resolved.name,
        gender=GENDERS.get(str(resolved.gender or ""), str(resolved.gender or "")),
        nation=resolved.nation or "",
        birth_date=str(resolved.birth_date or ""),
        address=resolved.address or "",
        id_number=resolved.id_number,
        valid_until="",
    )


class Arrivals:
    """Handles codes and smart cards for a Terminal (which owns the session and central)."""

    def __init__(
        self,
        session: Session,
        default_service: Callable[[], str],
        central: Callable[[], Any],
        key_cache: CodeKeyCache,
        hall_name: str,
        emit: Emit,
        zone: dt.tzinfo | None = None,
        on_appointment: Callable[[str, CodeMeaning], bool] | None = None,
        on_receipt: Callable[[CodeMeaning], bool] | None = None,
    ) -> None:
        """``on_appointment(text, meaning)``: offered every appointment code first (the
        terminal's check-in); True when it took the code, else the code is described.
        ``on_receipt(meaning)`` likewise for a 办件受理回执's code (办件查询)."""
        self._on_appointment = on_appointment
        self._on_receipt = on_receipt
        self._session = session
        self._zone = hall_time.default_zone() if zone is None else zone  # the hall's, for times shown
        self._default_service = default_service
        self._central = central
        self._verifier = AppointmentVerifier(key_cache, hall=hall_name)
        self._emit = emit
        self._lock = threading.Lock()    # one code at a time: a camera may see two quickly

    # -- codes -----------------------------------------------------------------------------
    def code_scanned(self, text: str) -> None:
        """From a scanner's thread: hand the work to a worker and return."""
        threading.Thread(target=self._handle_code, args=(text,), name="code", daemon=True).start()

    def _handle_code(self, text: str) -> None:
        with self._lock:
            try:
                meaning = classify(text, self._verifier)
                if meaning.kind is CodeKind.ELECTRONIC_ID and meaning.accepted:
                    self._identify(meaning)
                    return
                if (meaning.kind is CodeKind.APPOINTMENT and self._on_appointment is not None
                        and self._on_appointment(text.strip(), meaning)):
                    return
                if (meaning.kind is CodeKind.APPLICATION_RECEIPT and self._on_receipt is not None
                        and self._on_receipt(meaning)):
                    return
                self._emit(_describe(meaning, self._zone))
            except Exception:  # a bad code or a bug must not kill the worker silently
                log.exception("scanned code could not be handled")
                self._emit(CodeNotice("unknown", "internal"))

    def _identify(self, meaning: CodeMeaning) -> None:
        central = self._central()
        if central is None:
            self._emit(CodeNotice("electronic_id", "central_not_enrolled"))
            return
        try:
            resolved = central.resolve_identity_code(meaning.identity_code or "")
        except CentralRejected as err:
            reason = identity_refusal(err)
            self._emit(CodeNotice("electronic_id", reason.value if reason else err.error))
            return
        except CentralUnavailable:
            self._emit(CodeNotice("electronic_id", "central_unavailable"))
            return
        except CentralError as err:
            self._emit(CodeNotice("electronic_id", err.code))
            return
        log.info("electronic ID code resolved (%s)", resolved.source)
        self._session.identity_read(identity_from_resolved(resolved), self._default_service(),
                                    source=IdentitySource.ELECTRONIC_ID)

    # -- smart cards -----------------------------------------------------------------------
    def smart_card(self, card: Any) -> None:
        """From the card reader's thread: a card was read (``drivers.pcsc.model.CardData``)."""
        kind = str(getattr(card.kind, "value", card.kind))
        try:
            if kind == "social_security":
                identity = card.to_identity()
                if identity is None:
                    self._session.identity_failed("invalid_card_data", IdentitySource.SOCIAL_SECURITY)
                    return
                log.info("social security card read")
                self._session.identity_read(identity, self._default_service(),
                                            source=IdentitySource.SOCIAL_SECURITY)
            elif kind == "staff":
                if self._session.state is SessionState.IDLE:
                    self._emit(StaffCardPresented(card.staff_role or "staff"))
                else:
                    self._emit(CardRefused("staff", "citizen_session"))
            else:
                self._emit(CardRefused(kind, "not_for_identity"))
        finally:
            card.wipe()


def _describe(meaning: CodeMeaning, zone: dt.tzinfo) -> CodeNotice:
    """What the screen may show about a code: kinds, reasons, the 办件编号 and the
    appointment's item, hall and time in the hall's ``zone`` (an appointment names no person)."""
    notice = CodeNotice(meaning.kind.value, meaning.reason.value if meaning.reason else "",
                        application_number=meaning.application_number or "")
    appointment = meaning.appointment
    if appointment is not None and meaning.reason is not CodeReason.FORGED:
        notice = CodeNotice(notice.kind, notice.reason, notice.application_number,
                            item_name=appointment.item_name, hall=appointment.hall,
                            start=appointment.start_text(zone))
    return notice
