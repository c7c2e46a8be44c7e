"""Scripted cards for the PC/SC driver's unit tests: an APDU -> response table.

A ScriptedCard is a Transport: each command (hex, upper case, no spaces) is looked up in
its table; a list value is answered in order (the last one repeats). Commands not in the
table get ``default`` (6A82: "no such application or file", what real cards say).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from drivers.errors import DeviceStatusError, DeviceUnavailable, ErrorCode
from drivers.pcsc.tlv import encode

Answer = str | list[str]


def luhn_complete(body: str) -> str:
    """``body`` plus its Luhn check digit."""
    total = 0
    for i, char in enumerate(reversed(body)):
        d = int(char)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def bcd(digits: str) -> bytes:
    return bytes.fromhex(digits + ("F" if len(digits) % 2 else ""))


class ScriptedCard:
    def __init__(self, table: Mapping[str, Answer], default: str = "6A82",
                 removed_after: int | None = None) -> None:
        self.table = {k.replace(" ", "").upper(): v for k, v in table.items()}
        self.default = default
        self.removed_after = removed_after
        self.sent: list[bytes] = []
        self._served: dict[str, int] = {}
        self.disconnected: list[bool] = []

    def transmit(self, apdu: bytes) -> bytearray:
        if self.removed_after is not None and len(self.sent) >= self.removed_after:
            raise DeviceStatusError("transmit: card removed", ErrorCode.CARD_REMOVED)
        self.sent.append(bytes(apdu))
        key = apdu.hex().upper()
        answer = self.table.get(key, self.default)
        if isinstance(answer, list):
            index = self._served.get(key, 0)
            self._served[key] = index + 1
            answer = answer[min(index, len(answer) - 1)]
        return bytearray.fromhex(answer.replace(" ", ""))

    def disconnect(self, reset: bool = False) -> None:
        self.disconnected.append(reset)

    def sent_hex(self) -> list[str]:
        return [c.hex().upper() for c in self.sent]


def ok(data: bytes = b"") -> str:
    return (data + b"\x90\x00").hex().upper()


# -- a UnionPay card ------------------------------------------------------------------------

PAN = luhn_complete("621700123456789012")          # 19 digits, UnionPay debit BIN
UNIONPAY_DEBIT = bytes.fromhex("A000000333010101")
UNIONPAY_CREDIT = bytes.fromhex("A000000333010102")
PPSE_SELECT = "00A404000E325041592E5359532E444446303100"
PSE_SELECT = "00A404000E315041592E5359532E444446303100"
HOLDER_ID = "14050219800101001X"   # shape only; bank cards' 9F61 is not checked


def select_aid(aid: bytes) -> str:
    return f"00A40400{len(aid):02X}{aid.hex().upper()}00"


def directory_entry(aid: bytes, label: str, priority: int) -> bytes:
    return encode(0x61, encode(0x4F, aid) + encode(0x50, label.encode()) + encode(0x87, bytes([priority])))


def track2(pan: str, yymm: str) -> bytes:
    return bcd(f"{pan}D{yymm}2200000000000")


def bank_records(pan: str = PAN, with_pan: bool = True) -> list[bytes]:
    rec1 = encode(0x70, encode(0x57, track2(pan, "3012")) + encode(0x5F20, b"ZHANG/SAN   "))
    rec2 = encode(0x5A, bcd(pan)) + encode(0x5F24, bytes.fromhex("301231"))
    rec3 = encode(0x9F61, HOLDER_ID.encode()) + encode(0x9F62, b"\x00")
    return [rec1, encode(0x70, rec2 if with_pan else encode(0x5F25, b"\x20\x01\x01")),
            encode(0x70, rec3)]


def bank_card(pan: str = PAN, with_pan: bool = True) -> ScriptedCard:
    """qPBOC: PPSE with credit (priority 1) and debit, a PDOL, GPO format 2 (any PDOL data:
    the unpredictable number is random) with an AFL of 3 records."""
    ppse = encode(0x6F, encode(0x84, b"2PAY.SYS.DDF01") + encode(0xA5, encode(0xBF0C,
        directory_entry(UNIONPAY_CREDIT, "PBOC CREDIT", 1)
        + directory_entry(UNIONPAY_DEBIT, "PBOC DEBIT", 2))))
    pdol = bytes.fromhex("9F66049F02069F03069F1A0295055F2A029A039C019F3704")
    fci = encode(0x6F, encode(0x84, UNIONPAY_DEBIT) + encode(0xA5,
        encode(0x50, b"PBOC DEBIT") + encode(0x87, b"\x01") + encode(0x9F38, pdol)))
    afl = bytes.fromhex("08010200" "10010100")       # SFI 1 records 1-2, SFI 2 record 1
    gpo = encode(0x77, encode(0x82, b"\x7C\x00") + encode(0x94, afl))
    records = bank_records(pan, with_pan)
    return _AnyGpo({
        PPSE_SELECT: ok(ppse),
        select_aid(UNIONPAY_DEBIT): ok(fci),
        "00B2010C00": ok(records[0]),
        "00B2020C00": ok(records[1]),
        "00B2011400": ok(records[2]),
    }, ok(gpo))


class _AnyGpo(ScriptedCard):
    def __init__(self, table: Mapping[str, Answer], gpo: str) -> None:
        super().__init__(table)
        self.gpo = gpo

    def transmit(self, apdu: bytes) -> bytearray:
        if apdu[:2] == b"\x80\xa8":
            self.sent.append(bytes(apdu))
            return bytearray.fromhex(self.gpo)
        return super().transmit(apdu)


# -- a social security card -----------------------------------------------------------------

SSN = "14050219800101001X"   # the check character is computed by ssse_card
SSSE_SELECT = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00"


def id_with_check(body17: str) -> str:
    from stdnum.iso7064 import mod_11_2

    return body17 + mod_11_2.calc_check_digit(body17)


def record(rec: int, value: bytes) -> str:
    return ok(bytes([rec, len(value)]) + value)


def ssse_card(ssn: str | None = None, name: str = "张三", pin: str | None = None,
              tries: int = 3) -> ScriptedCard:
    """EF05/EF06 as SSSE cards hold them; with ``pin`` EF06 answers 6982 until VERIFY."""
    ssn = ssn or id_with_check("14050219800101001")
    holder = {
        "00B2080000": record(0x08, ssn.encode()),
        "00B2090000": record(0x09, name.encode("gbk").ljust(30, b"\x00")),
        "00B20A0000": record(0x0A, b"1"),
        "00B20B0000": record(0x0B, b"\x01"),
        "00B20D0000": record(0x0D, bytes.fromhex("19800101")),
    }
    table: dict[str, Answer] = {
        SSSE_SELECT: ok(encode(0x6F, encode(0x84, bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")))),
        "00A4020002EF05": ok(),
        "00B2070000": record(0x07, b"A01234567"),
        "00A4020002EF06": ok(),
    }
    if pin is None:
        return ScriptedCard(table | holder)
    return PinCard(table, holder, pin, tries)


class PinCard(ScriptedCard):
    """EF06 locked behind VERIFY; the try counter counts down and blocks at 0."""

    def __init__(self, table: dict[str, Answer], holder: dict[str, Answer], pin: str,
                 tries: int) -> None:
        super().__init__(table)
        self.holder = holder
        self.pin_block = bcd(pin)
        self.tries = tries
        self.verified = False

    def transmit(self, apdu: bytes) -> bytearray:
        key = apdu.hex().upper()
        if key in self.holder and not self.verified:
            self.sent.append(bytes(apdu))
            return bytearray.fromhex("6982")
        if apdu[:4] == b"\x00\x20\x00\x00":
            self.sent.append(bytes(apdu))
            if self.tries == 0:
                return bytearray.fromhex("6983")
            if apdu[5:] == self.pin_block:
                self.verified = True
                return bytearray.fromhex("9000")
            self.tries -= 1
            return bytearray.fromhex("6983" if self.tries == 0 else f"63C{self.tries:X}")
        if key in self.holder:
            self.sent.append(bytes(apdu))
            answer = self.holder[key]
            return bytearray.fromhex(answer if isinstance(answer, str) else answer[0])
        return super().transmit(apdu)


class Pad:
    """A PinPad that answers from a list; records the tries_left it was shown."""

    def __init__(self, *answers: str | None) -> None:
        self.answers = list(answers)
        self.asked: list[int | None] = []

    def request_pin(self, tries_left: int | None) -> str | None:
        self.asked.append(tries_left)
        return self.answers.pop(0) if self.answers else None


# -- a fake resource manager (what pcscd answers), for the monitor and reader ----------------

S_SUCCESS, E_CANCELLED, E_TIMEOUT, E_NO_SERVICE = 0, 0x80100002, 0x8010000A, 0x8010001D
PNP = "\\\\?PnP?\\Notification"
IGNORE, CHANGED, UNKNOWN, EMPTY, PRESENT = 0x1, 0x2, 0x4, 0x10, 0x20


class FakePcsc:
    """pcscd as the monitor sees it: readers, cards, event counters, restarts.

    Test code changes the world with insert/remove/plug/unplug/stop/start; a waiting
    get_status_change wakes as pcscd would. ``cards`` maps a reader to the ScriptedCard
    the next connect gets.
    """

    def __init__(self, *readers: str, pnp: bool = True) -> None:
        self.pnp = pnp
        self.cond = threading.Condition()
        self.up = True
        self.readers: dict[str, list[Any]] = {r: [False, b"", 0] for r in readers}
        self.cards: dict[str, ScriptedCard] = {}
        self.contexts: set[int] = set()
        self.cancelled: set[int] = set()
        self.connects: list[str] = []
        self._next = 100

    # the PcscApi side
    def establish(self) -> int:
        with self.cond:
            if not self.up:
                raise DeviceUnavailable("pcscd is not running", ErrorCode.PCSC_UNAVAILABLE)
            self._next += 1
            self.contexts.add(self._next)
            return self._next

    def release(self, context: int) -> None:
        with self.cond:
            self.contexts.discard(context)

    def list_readers(self, context: int) -> list[str]:
        with self.cond:
            if context not in self.contexts:
                raise DeviceUnavailable("gone", ErrorCode.PCSC_UNAVAILABLE)
            return list(self.readers)

    def _event(self, name: str) -> int:
        if name == PNP:
            return len(self.readers) << 16 if self.pnp else UNKNOWN | IGNORE
        if name not in self.readers:
            return UNKNOWN | IGNORE
        present, _atr, counter = self.readers[name]
        return (PRESENT if present else EMPTY) | counter << 16

    def get_status_change(self, context: int, timeout_ms: int,
                          states: list[tuple[str, int]]) -> tuple[int, list[tuple[str, int, bytes]]]:
        deadline = time.monotonic() + timeout_ms / 1000
        with self.cond:
            while True:
                if context not in self.contexts:
                    return E_NO_SERVICE, []
                if context in self.cancelled:
                    self.cancelled.discard(context)
                    return E_CANCELLED, []
                result, changed = [], False
                for name, current in states:
                    event = self._event(name)
                    if event != current & ~CHANGED:
                        event |= CHANGED
                        changed = True
                    atr = self.readers[name][1] if name in self.readers else b""
                    result.append((name, event, atr))
                if changed:
                    return S_SUCCESS, result
                left = deadline - time.monotonic()
                if left <= 0:
                    return E_TIMEOUT, []
                self.cond.wait(left)

    def cancel(self, context: int) -> None:
        with self.cond:
            self.cancelled.add(context)
            self.cond.notify_all()

    def connect(self, reader: str) -> ScriptedCard:
        with self.cond:
            self.connects.append(reader)
            if not self.up:
                raise DeviceUnavailable("pcscd is not running", ErrorCode.PCSC_UNAVAILABLE)
            if reader not in self.readers or not self.readers[reader][0]:
                raise DeviceStatusError("connect: no card", ErrorCode.CARD_REMOVED)
            return self.cards[reader]

    # the world
    def insert(self, reader: str, card: ScriptedCard, atr: bytes = b"\x3b\x00") -> None:
        with self.cond:
            self.cards[reader] = card
            state = self.readers[reader]
            state[0], state[1], state[2] = True, atr, state[2] + 1
            self.cond.notify_all()

    def remove(self, reader: str) -> None:
        with self.cond:
            state = self.readers[reader]
            if state[0]:
                state[0], state[1], state[2] = False, b"", state[2] + 1
            self.cond.notify_all()

    def tap(self, reader: str, card: ScriptedCard) -> None:
        """Pulled and put back between two waits: the counter moves by two, still present."""
        with self.cond:
            self.cards[reader] = card
            self.readers[reader][2] += 2
            self.cond.notify_all()

    def plug(self, reader: str) -> None:
        with self.cond:
            self.readers[reader] = [False, b"", 0]
            self.cond.notify_all()

    def unplug(self, reader: str) -> None:
        with self.cond:
            self.readers.pop(reader, None)
            self.cond.notify_all()

    def stop(self) -> None:
        """pcscd goes away: every context dies."""
        with self.cond:
            self.up = False
            self.contexts.clear()
            self.cond.notify_all()

    def start(self) -> None:
        """pcscd comes back; its event counters start again from the cards lying there."""
        with self.cond:
            self.up = True
            for state in self.readers.values():
                state[2] = 1 if state[0] else 0
            self.cond.notify_all()
