"""帮办代办's second person in one session (docs/casework.md §6): the principal.

The agent identified the session; the flow then asks for the person they act for
(``Session.expect_principal``). The principal's card is held here, apart from the session's
own identity, with its strings registered with the log filter (kiosk/privacy.py) and zeroed
and forgotten when the flow drops it or the session ends. Kept in its own small class so
the session's rules for its own card stay as they were.
"""

from __future__ import annotations

from drivers.idcard.model import IdentityCard
from kiosk.events import KioskEvent, PrincipalChanged, PrincipalRefused
from kiosk.privacy import forget_personal, register_card
from kiosk.session_types import IdentitySource


class PrincipalSlot:
    """Not thread-safe on its own: the session calls it under its lock."""

    def __init__(self) -> None:
        self.expecting = False
        self.card: IdentityCard | None = None
        self.source: IdentitySource | None = None
        self._personal: int | None = None

    @property
    def engaged(self) -> bool:
        """Expecting a principal or holding one: the ID reader is shared by two people."""
        return self.expecting or self.card is not None

    def read(self, card: IdentityCard, source: IdentitySource,
             agent_id_number: str) -> tuple[bool, KioskEvent | None]:
        """An identity read during the agent's active session: (whether it was the
        principal's business, the event to tell). Not handled: the session's usual rules."""
        if not self.engaged:
            return False, None
        held = self.card
        if held is not None and held.id_number == card.id_number:
            # The principal again: an ID card read after their e-ID code upgrades the source
            # (``present`` needs the card); otherwise a re-read changes nothing.
            if source is IdentitySource.ID_CARD and self.source is not IdentitySource.ID_CARD:
                self.hold(card, source)
                return True, PrincipalChanged(True, source.value)
            card.wipe()
            return True, None
        if not self.expecting:
            return False, None
        if card.id_number == agent_id_number:
            card.wipe()
            return True, PrincipalRefused("principal_is_agent")
        self.hold(card, source)
        self.expecting = False
        return True, PrincipalChanged(True, source.value)

    def hold(self, card: IdentityCard, source: IdentitySource) -> None:
        self.drop()
        self.card, self.source = card, source
        self._personal = register_card(card)

    def drop(self) -> bool:
        """Zero and forget the principal; True when there was one."""
        had = self.card is not None
        if self.card is not None:
            self.card.wipe()
        self.card = self.source = None
        forget_personal(self._personal)
        self._personal = None
        return had

    def reset(self) -> bool:
        self.expecting = False
        return self.drop()
