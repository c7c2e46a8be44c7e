"""VirtualCard: a hand holding the demo cards in front of one vpcd reader slot.

    card = VirtualCard("bank", port=35963)   # reader "Virtual PCD 00 00"
    card.start()
    card.insert("zhang_san_qpboc")             # pcscd sees a card, the driver reads it
    card.fault_sw(0x6A82, 2)                   # the next two APDUs answer 6A82
    card.pull_after(3)                         # three more answers, then pulled mid-read
    card.remove()
    card.stop()

Each card key keeps its own card state (PIN tries, ATC) for the life of the VirtualCard, as
a physical card would. Faults apply to whatever card is in the reader.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

from .vcard_apdu import Applet, CardOS
from .vcard_bank import BankApplet
from .vcard_data import BankCard, CardFamily, SsseCard, StaffCard, family_of, load_vcards
from .vcard_link import CTRL_ATR, CTRL_POWER_OFF, CTRL_POWER_ON, CTRL_RESET, VPCD_PORTS, VpcdLink
from .vcard_ssse import SsseApplet
from .vcard_staff import StaffApplet

log = logging.getLogger(__name__)

AnyCard = BankCard | SsseCard | StaffCard


class UnknownCardError(KeyError):
    pass


class CardStateError(RuntimeError):
    """The command does not fit the reader's state (no card, a card already in, wrong type)."""


@dataclass(frozen=True)
class CardStatus:
    host: str
    port: int
    inserted: str | None
    family: CardFamily | None
    connected: bool
    powered: bool
    apdus: int
    connections: int
    faults: tuple[str, ...]
    pin: str | None  # social security cards: required / not-required / blocked

    def line(self) -> str:
        """One line for the console; card keys and states only, never card content."""
        return " ".join([
            f"vpcd={self.host}:{self.port}",
            f"card={self.inserted or '-'}",
            f"type={self.family.value if self.family else '-'}",
            f"connected={'yes' if self.connected else 'no'}",
            f"powered={'yes' if self.powered else 'no'}",
            f"apdus={self.apdus}",
            f"faults={','.join(self.faults) or '-'}",
            f"pin={self.pin or '-'}",
        ])


def make_card_os(card: AnyCard) -> CardOS:
    """The card's application wrapped in its transport behaviour."""
    applet: Applet
    match card:
        case BankCard():
            applet = BankApplet(card)
        case SsseCard():
            applet = SsseApplet(card)
        case StaffCard():
            applet = StaffApplet(card)
    return CardOS(applet, get_response=card.uses_get_response, strict_le=card.strict_le,
                  uid=card.uid_bytes)


class VirtualCard:
    """Cards that go into one vpcd reader slot, with faults on demand. Thread-safe."""

    def __init__(
        self,
        card_type: CardFamily | str | None = None,
        host: str = "127.0.0.1",
        port: int = VPCD_PORTS[0],
        cards: Mapping[str, AnyCard] | None = None,
        *,
        retry_s: float = 0.1,
    ) -> None:
        self.cards: dict[str, AnyCard] = dict(cards if cards is not None else load_vcards())
        self.card_type = CardFamily(card_type) if card_type is not None else None
        if self.card_type is not None and not self.keys_of(self.card_type):
            raise UnknownCardError(f"no {self.card_type.value} cards")
        self._lock = threading.RLock()
        self._os: dict[str, CardOS] = {}
        self._key: str | None = None
        self._powered = False
        self._apdus = 0
        self._pull_after: int | None = None
        self._sw_fault: tuple[int, int] | None = None  # (status word, APDUs left)
        self._link = VpcdLink(host, port, self, retry_s=retry_s)

    # -- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        self._link.start()

    def stop(self) -> None:
        self.remove()
        self._link.stop()

    def __enter__(self) -> VirtualCard:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- cards -------------------------------------------------------------------------------

    def keys_of(self, family: CardFamily) -> list[str]:
        return [key for key, card in self.cards.items() if family_of(card) is family]

    @property
    def default_key(self) -> str:
        keys = self.keys_of(self.card_type) if self.card_type else list(self.cards)
        return keys[0]

    @property
    def inserted_key(self) -> str | None:
        return self._key

    def insert(self, key: str | None = None) -> str:
        """Put a card in the reader (default: the first card of the VirtualCard's type)."""
        key = key if key is not None else self.default_key
        if key not in self.cards:
            raise UnknownCardError(key)
        with self._lock:
            if self._key is not None:
                raise CardStateError(f"card {self._key} is in the reader; remove it first")
            if key not in self._os:
                self._os[key] = make_card_os(self.cards[key])
            self._key = key
            self._powered = False
            self._os[key].reset()
            self._link.attach()
        return key

    def remove(self) -> str | None:
        """Take the card out (the vpcd connection closes); returns its key, None if empty."""
        with self._lock:
            key, self._key = self._key, None
            self._pull_after = None
            self._powered = False
            self._link.detach()
        return key

    def wait_connected(self, timeout: float = 5.0) -> bool:
        """True once vpcd has taken the inserted card's connection."""
        return self._link.wait_connected(timeout)

    # -- faults ------------------------------------------------------------------------------

    def pull_after(self, apdus: int) -> None:
        """Answer ``apdus`` more commands, then pull the card out when the next one arrives."""
        if apdus < 0:
            raise ValueError("count must not be negative")
        with self._lock:
            self._require_card()
            self._pull_after = apdus

    def fault_sw(self, sw: int, count: int = 1) -> None:
        """Answer the next ``count`` commands with status word ``sw`` alone."""
        if not 0x6000 <= sw <= 0x9FFF or count < 1:
            raise ValueError("a status word is 6000..9FFF and the count at least 1")
        with self._lock:
            self._sw_fault = (sw, count)

    def clear_faults(self) -> None:
        with self._lock:
            self._sw_fault = None
            self._pull_after = None

    def set_pin_required(self, required: bool) -> None:
        with self._lock:
            self._ssse().pin_required = required

    def block_pin(self) -> None:
        with self._lock:
            self._ssse().block_pin()

    def _require_card(self) -> str:
        if self._key is None:
            raise CardStateError("no card in the reader")
        return self._key

    def _ssse(self) -> SsseApplet:
        key = self._require_card()
        applet = self._os[key].applet
        if not isinstance(applet, SsseApplet):
            raise CardStateError(f"card {key} is not a social security card")
        return applet

    # -- status ------------------------------------------------------------------------------

    def status(self) -> CardStatus:
        with self._lock:
            faults: list[str] = []
            if self._sw_fault is not None:
                faults.append(f"sw:{self._sw_fault[0]:04X}x{self._sw_fault[1]}")
            if self._pull_after is not None:
                faults.append(f"pull-after:{self._pull_after}")
            key = self._key
            pin = None
            if key is not None and isinstance(applet := self._os[key].applet, SsseApplet):
                pin = ("blocked" if applet.pin_blocked
                       else "required" if applet.pin_required else "not-required")
            return CardStatus(
                host=self._link.host, port=self._link.port, inserted=key,
                family=family_of(self.cards[key]) if key else None,
                connected=self._link.connected, powered=self._powered, apdus=self._apdus,
                connections=self._link.connections, faults=tuple(faults), pin=pin,
            )

    # -- vpcd link handler (link thread) -----------------------------------------------------

    def on_connected(self) -> None:
        with self._lock:
            self._powered = False
            if self._key is not None:
                self._os[self._key].reset()

    def on_control(self, code: int) -> bytes | None:
        with self._lock:
            if self._key is None:
                return b"" if code == CTRL_ATR else None
            card_os = self._os[self._key]
            if code == CTRL_ATR:
                return self.cards[self._key].atr_bytes
            if code in (CTRL_POWER_ON, CTRL_POWER_OFF, CTRL_RESET):
                self._powered = code != CTRL_POWER_OFF
                card_os.reset()
            return None

    def on_apdu(self, apdu: bytes) -> bytes | None:
        with self._lock:
            if self._key is None:
                self._link.detach()
                return None
            if self._pull_after is not None:
                if self._pull_after == 0:
                    log.info("card %s pulled out mid-read", self._key)
                    self._key, self._pull_after, self._powered = None, None, False
                    self._link.detach()
                    return None
                self._pull_after -= 1
            self._apdus += 1
            if self._sw_fault is not None:
                sw, left = self._sw_fault
                self._sw_fault = (sw, left - 1) if left > 1 else None
                answer = sw.to_bytes(2, "big")
            else:
                answer = self._os[self._key].respond(apdu)
            # Headers and status words only: command data and answers carry personal data.
            log.debug("APDU %s -> %s", apdu[:4].hex(), answer[-2:].hex())
            return answer
