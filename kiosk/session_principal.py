"""帮办代办's second person in one session (docs/casework.md §6): the principal.

The agent identified the session; the flow then asks for the person they act for
(``Session.expect_principal``). The principal's card is held here, apart from the session's
own identity, with its strings registered with the log filter (kiosk/privacy.py) and zeroed
and forgotten when the flow drops it or the session ends. Kept in its own small class so
the session's rules for its own card stay as they were.
"""

from __future__ import annotations

from drivers.idcard.model import IdentityCard
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
