"""The simulated reader's firmware: cards in the field, SAM, replies and faults.

Transport-free: it turns a command frame into the reply a reader would send (with any
injected fault applied) and keeps the log the bench reads. ``simulator.IdCardSimulator``
puts it on a pseudo-terminal at line speed.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ..errors import ErrorCode, ProtocolError
from .frames import SW3, Command, CommandFrame, build_response, wire_seconds
from .layouts import encode_text
from .link import FINGERPRINT_MAX, PHOTO_SIZE
from .model import IdentityCard

# 05 00 02 00 | 20240101 | 1017 | 3141592653 (u32 LE) -> SAM ID "5.2-20240101-1017-3141592653"
DEFAULT_SAM_ID = bytes([5, 0, 2, 0]) + b"".join(
    n.to_bytes(4, "little") for n in (20240101, 1017, 3141592653)
)
_EXCHANGE_LOG_MAX = 10_000


class Fault(StrEnum):
    CHECKSUM = "checksum"    # reply with a wrong CHK
    SILENT = "silent"        # no reply at all
    GARBAGE = "garbage"      # random bytes instead of a frame
    TRUNCATED = "truncated"  # the reply cut short
    SW3 = "sw3"              # a read-related reply (find/select/read) answers SW3 arg
    SAM = "sam"              # SAM broken: status and find answer 60 until cleared


# Which commands a fault may be aimed at with ``on``.
FAULT_TARGETS: dict[str, frozenset[int]] = {
    "find": frozenset({Command.FIND_CARD}),
    "select": frozenset({Command.SELECT_CARD}),
    "read": frozenset({Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FP}),
}
READ_RELATED = frozenset().union(*FAULT_TARGETS.values())


class UnknownCardError(LookupError):
    pass


@dataclass
class _PendingFault:
    kind: Fault
    remaining: int
    sw3: int
    commands: frozenset[int]  # empty: any command


@dataclass(frozen=True)
class Exchange:
    """One command and its reply, as the bench needs them."""

    command: int
    request_bytes: int
    reply_bytes: int
    sw3: int | None  # None when no well-formed reply went out
    done_at: float   # time.monotonic() when the last reply byte is due out


@dataclass(frozen=True)
class _CardImage:
    text: bytes
    photo: bytes
    fingerprint: bytes


def pseudo_blob(key: str, kind: str, size: int) -> bytes:
    """Deterministic stand-in bytes for a card without real photo/fingerprint data."""
    return hashlib.shake_256(f"{kind}:{key}".encode()).digest(size)


class SimulatedReader:
    """A GA 467 reader with cards to place; thread-safe (commands vs. test/console calls)."""

    def __init__(
        self,
        cards: Mapping[str, IdentityCard],
        baud: int = 115200,
        sam_id: bytes = DEFAULT_SAM_ID,
        seed: int = 0,
    ) -> None:
        if len(sam_id) != 16:
            raise ValueError("sam_id must be 16 bytes")
        self.baud = baud
        self._sam_id = sam_id
        self._images = {key: self._image(key, card) for key, card in cards.items()}
        self._types = {key: card.card_type.value for key, card in cards.items()}
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._placed: str | None = None
        self._selected = False
        self._read_done = False  # "read once per placement", as real readers behave
        self._sam_failed = False
        self._faults: list[_PendingFault] = []
        self._placed_at: float | None = None
        self._exchanges: list[Exchange] = []
        self.commands_served = 0

    @staticmethod
    def _image(key: str, card: IdentityCard) -> _CardImage:
        photo = bytes(card.photo_wlt) or pseudo_blob(key, "wlt", PHOTO_SIZE)
        finger = bytes(card.fingerprint) or pseudo_blob(key, "fingerprint", FINGERPRINT_MAX)
        return _CardImage(encode_text(card), photo.ljust(PHOTO_SIZE, b"\x00"), finger)

    # -- the card and faults --------------------------------------------------------------

    @property
    def card_keys(self) -> list[str]:
        return list(self._images)

    def card_types(self) -> dict[str, str]:
        """Card key -> card type, in file order."""
        return dict(self._types)

    @property
    def placed_key(self) -> str | None:
        return self._placed

    @property
    def placed_at(self) -> float | None:
        """time.monotonic() of the last place()."""
        return self._placed_at

    @property
    def sam_failed(self) -> bool:
        return self._sam_failed

    def pending_faults(self) -> list[str]:
        with self._lock:
            return [
                (f"sw3={f.sw3:02X}" if f.kind is Fault.SW3 else f.kind.value) + f"x{f.remaining}"
                for f in self._faults
            ] + (
                ["sam"] if self._sam_failed else []
            )

    def place(self, key: str) -> None:
        if key not in self._images:
            raise UnknownCardError(key)
        with self._lock:
            self._placed = key
            self._selected = self._read_done = False
            self._placed_at = time.monotonic()
            self._exchanges = []

    def remove(self) -> None:
        with self._lock:
            self._placed = None
            self._selected = self._read_done = False

    def exchanges_since_place(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)

    @property
    def bytes_since_place(self) -> int:
        with self._lock:
            return sum(e.request_bytes + e.reply_bytes for e in self._exchanges)

    def inject(
        self, fault: Fault | str, arg: int | None = None, count: int = 1, on: str | None = None
    ) -> None:
        """Misbehave on the next ``count`` replies (``on``: only find, select or read).

        ``sw3`` needs ``arg`` (the status byte) and only hits find/select/read replies;
        ``sam`` lasts until clear_faults().
        """
        kind = Fault(fault)
        if count < 1:
            raise ValueError("count must be at least 1")
        if on is not None and on not in FAULT_TARGETS:
            raise ValueError(f"on must be one of {', '.join(FAULT_TARGETS)}")
        commands = FAULT_TARGETS[on] if on else frozenset()
        if kind is Fault.SW3:
            if arg is None or not 0 <= arg <= 0xFF:
                raise ValueError("sw3 fault needs a status byte 00..FF")
            commands = commands or READ_RELATED
        with self._lock:
            if kind is Fault.SAM:
                self._sam_failed = True
            else:
                self._faults.append(_PendingFault(kind, count, arg or 0, commands))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._sam_failed = False

    def power_cycle(self) -> None:
        """A reader that lost power forgets which card it selected and read."""
        with self._lock:
            self._selected = self._read_done = False

    # -- the firmware ---------------------------------------------------------------------

    def answer_damaged(self, error: ProtocolError) -> tuple[bytes, int]:
        """A reader's answer to a frame that arrived damaged: SW3 10 (checksum) or 11."""
        sw3 = SW3.CHECKSUM_ERROR if error.code is ErrorCode.CHECKSUM else SW3.LENGTH_ERROR
        return build_response(sw3), sw3

    def answer(self, frame: CommandFrame) -> tuple[bytes | None, int | None]:
        """The reply to ``frame`` (None: say nothing) and its SW3 if it is well formed."""
        with self._lock:
            self.commands_served += 1
            fault = self._take_fault(frame.command)
            if fault is not None and fault.kind is Fault.SW3:
                return build_response(fault.sw3), fault.sw3
            reply = self._normal_reply(frame.command)
        if fault is None:
            return reply, reply[9]
        if fault.kind is Fault.SILENT:
            return None, None
        if fault.kind is Fault.CHECKSUM:
            return reply[:-1] + bytes([reply[-1] ^ 0xFF]), None
        if fault.kind is Fault.TRUNCATED:
            return reply[: max(1, len(reply) // 2)], None
        # GARBAGE: nothing that could pass for a preamble (no AA bytes).
        return bytes(self._rng.randrange(0xAA) for _ in range(max(16, len(reply)))), None

    def _take_fault(self, command: int) -> _PendingFault | None:
        for fault in self._faults:
            if not fault.commands or command in fault.commands:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _normal_reply(self, command: int) -> bytes:
        image = self._images[self._placed] if self._placed else None
        if command == Command.RESET_SAM:
            # Resetting the SAM restarts the RF side too: the reader forgets the card it
            # read, and a card still lying there is found again (the driver's read_again).
            self._selected = self._read_done = False
            return build_response(SW3.OK)
        if command == Command.SAM_STATUS:
            return build_response(SW3.SAM_SELF_TEST_FAILED if self._sam_failed else SW3.OK)
        if command == Command.SAM_ID:
            return build_response(SW3.OK, self._sam_id)
        if command == Command.FIND_CARD:
            if self._sam_failed:
                return build_response(SW3.SAM_SELF_TEST_FAILED)
            if image is not None and not self._read_done:
                return build_response(SW3.CARD_FOUND, bytes(4))
            return build_response(SW3.NO_CARD)
        if command == Command.SELECT_CARD:
            if image is None:
                return build_response(SW3.SELECT_FAILED)
            self._selected = True
            return build_response(SW3.OK, bytes(8))
        if command in (Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FP):
            if image is None or not self._selected:
                return build_response(SW3.READ_FAILED)
            self._read_done = True
            body = len(image.text).to_bytes(2, "big") + len(image.photo).to_bytes(2, "big")
            if command == Command.READ_TEXT_PHOTO_FP:
                body += len(image.fingerprint).to_bytes(2, "big")
                return build_response(SW3.OK, body + image.text + image.photo + image.fingerprint)
            return build_response(SW3.OK, body + image.text + image.photo)
        if command == Command.READ_NEW_ADDRESS:
            # Our assumption about real readers: 91 (no new address) while a card lies there.
            return build_response(SW3.NO_CONTENT if image is not None else SW3.NO_CARD)
        return build_response(SW3.BAD_COMMAND)

    def record(
        self,
        command: int,
        request_bytes: int,
        reply: bytes | None,
        status: int | None,
        answered: float,
    ) -> None:
        reply_bytes = len(reply or b"")
        done_at = answered + wire_seconds(reply_bytes, self.baud)
        entry = Exchange(command, request_bytes, reply_bytes, status, done_at)
        with self._lock:
            # Only what was answered after the card went down belongs to this placement.
            placed = self._placed_at
            if placed is not None and answered >= placed and len(self._exchanges) < _EXCHANGE_LOG_MAX:
                self._exchanges.append(entry)
