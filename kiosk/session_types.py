"""The session's vocabulary: its states, why it ended, where an identity came from, and
what screens may see of it (masked). Kept apart from the state machine in kiosk/session.py,
which re-exports every name here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from drivers.idcard.model import LONG_TERM, CardType, IdentityCard
from kiosk import hall_time
from kiosk.privacy import mask_name, mask_number


class SessionState(StrEnum):
    IDLE = "idle"                  # home screen, nobody identified
    WAITING_CARD = "waiting_card"  # "请将身份证放在感应区"
    IDENTIFIED = "identified"      # masked identity shown, waiting for the citizen to confirm
    ACTIVE = "active"              # confirmed; a service flow runs


class CardPresence(StrEnum):
    """Whether the ID card must stay on the reader for the whole visit (config:
    ``[session] card_presence``)."""

    MAY_LEAVE = "may_leave"  # a card that was read may be taken away; the session goes on
    REQUIRED = "required"    # taking it away ends the session after the grace (bank)


class EndReason(StrEnum):
    IDLE_TIMEOUT = "idle_timeout"
    CARD_REMOVED = "card_removed"
    FINISHED = "finished"
    CANCELLED = "cancelled"


CARD_TYPE_LABELS = {
    CardType.RESIDENT: "居民身份证",
    CardType.HMT_PERMIT: "港澳台居民居住证",
    CardType.FOREIGN_2017: "外国人永久居留身份证",
    CardType.FOREIGN_2023: "外国人永久居留身份证",
}


class IdentitySource(StrEnum):
    """How the citizen identified. Removal of a card ends the session only for the source
    it came from; an electronic ID code has nothing to remove (idle timeout or finish)."""

    ID_CARD = "id_card"                  # 居民身份证 etc. on the ID card reader
    SOCIAL_SECURITY = "social_security"  # 社会保障卡 in the PC/SC reader
    ELECTRONIC_ID = "electronic_id"      # 电子身份证 / 电子社保卡 code, resolved by central


SOURCE_LABELS = {
    IdentitySource.SOCIAL_SECURITY: "社会保障卡",
    IdentitySource.ELECTRONIC_ID: "电子证照码",
}


@dataclass(frozen=True)
class MaskedIdentity:
    """What screens may show: never the clear name or number."""

    card_type: str
    card_label: str
    name: str
    id_number: str
    gender: str
    valid_until: str
    expired: bool
    source: str = IdentitySource.ID_CARD.value


def masked_identity(card: IdentityCard, today: dt.date | None = None,
                    source: IdentitySource = IdentitySource.ID_CARD) -> MaskedIdentity:
    today = today or hall_time.today(hall_time.default_zone())  # a card expires by the hall's date
    expired = (card.valid_until not in (LONG_TERM, "")
               and dt.date.fromisoformat(card.valid_until) < today)
    name = card.name or card.name_en
    return MaskedIdentity(
        card_type=card.card_type.value,
        card_label=SOURCE_LABELS.get(source) or CARD_TYPE_LABELS[card.card_type],
        name=mask_name(name),
        id_number=mask_number(card.id_number),
        gender=card.gender,
        valid_until=card.valid_until,
        expired=expired,
        source=source.value,
    )


@dataclass(frozen=True)
class SessionSnapshot:
    state: SessionState
    service_id: str | None
    identity: MaskedIdentity | None
    seconds_left: float          # until idle timeout (or removal grace, whichever is first)
    warning: bool                # the countdown should be prominent
    card_removed: bool           # card left the reader; grace running
    card_required: bool = False  # the profile needs the ID card on the reader all along
    card_returned: bool = False  # the card came back in the grace: offer 继续办理 until a touch
