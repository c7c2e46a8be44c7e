"""The pyscard boundary: PC/SC contexts and card handles, and PC/SC return codes -> errors.

Only this module and monitor.py touch ``smartcard.scard``. The low-level API is used (not
pyscard's CardMonitor / CardConnection) because it lets the driver bound every wait,
cancel a blocked SCardGetStatusChange and re-establish its context when pcscd restarts.
"""

from __future__ import annotations

import importlib
import logging
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..errors import (
    DeviceError,
    DeviceStatusError,
    DeviceTimeout,
    DeviceUnavailable,
    ErrorCode,
    OperationCancelled,
)


def _load_pyscard() -> ModuleType | None:
    try:
        return importlib.import_module("smartcard.scard")
    except ImportError:  # pragma: no cover - pyscard is a declared dependency
        return None


pyscard = _load_pyscard()

log = logging.getLogger(__name__)

S_SUCCESS = 0x00000000
E_CANCELLED = 0x80100002
E_INVALID_HANDLE = 0x80100003
E_UNKNOWN_READER = 0x80100009
E_TIMEOUT = 0x8010000A
E_SHARING_VIOLATION = 0x8010000B
E_NO_SMARTCARD = 0x8010000C
E_PROTO_MISMATCH = 0x8010000F
E_NOT_TRANSACTED = 0x80100016
E_READER_UNAVAILABLE = 0x80100017
F_COMM_ERROR = 0x80100013
E_NO_SERVICE = 0x8010001D
E_SERVICE_STOPPED = 0x8010001E
E_NO_READERS_AVAILABLE = 0x8010002E
E_COMM_DATA_LOST = 0x8010002F
W_UNSUPPORTED_CARD = 0x80100065
W_UNRESPONSIVE_CARD = 0x80100066
W_UNPOWERED_CARD = 0x80100067
W_RESET_CARD = 0x80100068
W_REMOVED_CARD = 0x80100069
REMOVAL_SETTLE = 1.0    # seconds a failed transfer waits for pcscd to see a removal
CARD_PRESENT = 0x0004   # SCardStatus state bit (pcsclite.h SCARD_PRESENT; pyscard lacks it)

# Codes after which a context is useless: pcscd went away (or was restarted). On a context
# call, F_COMM_ERROR means the socket to pcscd broke (seen when pcscd is stopped mid-wait).
SERVICE_GONE = frozenset({E_NO_SERVICE, E_SERVICE_STOPPED, E_INVALID_HANDLE, F_COMM_ERROR})
# Transfer failures that mean "card pulled" when the reader no longer sees the card.
MAYBE_REMOVED = frozenset({E_NOT_TRANSACTED, E_COMM_DATA_LOST, F_COMM_ERROR, W_RESET_CARD})


@dataclass(frozen=True)
class Failure:
    kind: type[DeviceError]
    code: ErrorCode
    text: str


FAILURES: dict[int, Failure] = {
    E_NO_SERVICE: Failure(DeviceUnavailable, ErrorCode.PCSC_UNAVAILABLE, "pcscd is not running"),
    E_SERVICE_STOPPED: Failure(DeviceUnavailable, ErrorCode.PCSC_UNAVAILABLE, "pcscd stopped"),
    E_INVALID_HANDLE: Failure(DeviceUnavailable, ErrorCode.PCSC_UNAVAILABLE,
                              "PC/SC handle no longer valid (pcscd restarted?)"),
    E_UNKNOWN_READER: Failure(DeviceUnavailable, ErrorCode.NO_DEVICE, "reader unknown"),
    E_READER_UNAVAILABLE: Failure(DeviceUnavailable, ErrorCode.NO_DEVICE, "reader unavailable"),
    E_NO_READERS_AVAILABLE: Failure(DeviceUnavailable, ErrorCode.NO_DEVICE, "no reader"),
    E_NO_SMARTCARD: Failure(DeviceStatusError, ErrorCode.CARD_REMOVED, "no card in the reader"),
    W_REMOVED_CARD: Failure(DeviceStatusError, ErrorCode.CARD_REMOVED, "card removed"),
    W_RESET_CARD: Failure(DeviceStatusError, ErrorCode.READ_FAILED, "card reset by another program"),
    W_UNRESPONSIVE_CARD: Failure(DeviceStatusError, ErrorCode.UNKNOWN_CARD, "card does not answer"),
    W_UNPOWERED_CARD: Failure(DeviceStatusError, ErrorCode.READ_FAILED, "card not powered"),
    W_UNSUPPORTED_CARD: Failure(DeviceStatusError, ErrorCode.UNKNOWN_CARD, "card ATR not supported"),
    E_PROTO_MISMATCH: Failure(DeviceStatusError, ErrorCode.UNKNOWN_CARD, "no T=0/T=1 protocol"),
    E_SHARING_VIOLATION: Failure(DeviceStatusError, ErrorCode.DEVICE_IO,
                                 "reader held exclusively by another program"),
    E_NOT_TRANSACTED: Failure(DeviceStatusError, ErrorCode.DEVICE_IO, "transfer failed"),
    E_COMM_DATA_LOST: Failure(DeviceStatusError, ErrorCode.DEVICE_IO, "data lost"),
    F_COMM_ERROR: Failure(DeviceStatusError, ErrorCode.DEVICE_IO, "communication error"),
    E_TIMEOUT: Failure(DeviceTimeout, ErrorCode.TIMEOUT, "timed out"),
    E_CANCELLED: Failure(OperationCancelled, ErrorCode.CANCELLED, "cancelled"),
}


def code_of(hresult: int) -> int:
    return hresult & 0xFFFFFFFF   # pyscard may hand back a signed long


def error_for(hresult: int, what: str) -> DeviceError:
    code = code_of(hresult)
    failure = FAILURES.get(code, Failure(DeviceStatusError, ErrorCode.DEVICE_IO, "PC/SC error"))
    return failure.kind(f"{what}: {failure.text} (0x{code:08X})", failure.code)


def _api() -> Any:
    if pyscard is None:
        raise DeviceUnavailable("pyscard is not installed (pip install pyscard)",
                                ErrorCode.PCSC_UNAVAILABLE)
    return pyscard


def establish() -> int:
    """A new PC/SC context; DeviceUnavailable(pcsc_unavailable) when pcscd is down."""
    api = _api()
    hresult, context = api.SCardEstablishContext(api.SCARD_SCOPE_USER)
    if code_of(hresult) != S_SUCCESS:
        error = error_for(hresult, "SCardEstablishContext")
        if not isinstance(error, DeviceUnavailable):
            error = DeviceUnavailable(str(error), ErrorCode.PCSC_UNAVAILABLE)
        raise error
    return int(context)


def release(context: int) -> None:
    try:
        _api().SCardReleaseContext(context)
    except Exception:  # releasing a context of a dead pcscd may fail; it is gone either way
        log.debug("SCardReleaseContext failed", exc_info=True)


def list_readers(context: int) -> list[str]:
    hresult, readers = _api().SCardListReaders(context, [])
    code = code_of(hresult)
    if code == E_NO_READERS_AVAILABLE:
        return []
    if code != S_SUCCESS:
        raise error_for(hresult, "SCardListReaders")
    return list(readers)


class CardHandle:
    """A connected card on its own PC/SC context: the Transport of a CardChannel.

    Each read has its own context: pcsc-lite serialises the calls made on one context, and
    the monitor's context sits blocked in SCardGetStatusChange.
    """

    def __init__(self, reader: str) -> None:
        api = _api()
        self.reader = reader
        self.context = establish()
        hresult, handle, protocol = api.SCardConnect(
            self.context, reader, api.SCARD_SHARE_SHARED,
            api.SCARD_PROTOCOL_T0 | api.SCARD_PROTOCOL_T1,
        )
        if code_of(hresult) != S_SUCCESS:
            release(self.context)
            raise error_for(hresult, f"connect to {reader}")
        self.handle = handle
        self.pci = api.SCARD_PCI_T0 if protocol == api.SCARD_PROTOCOL_T0 else api.SCARD_PCI_T1
        # Exclusive for the length of the read, shared otherwise (pcsc_scan keeps working).
        self._in_transaction = code_of(api.SCardBeginTransaction(handle)) == S_SUCCESS

    def transmit(self, apdu: bytes) -> bytearray:
        hresult, response = _api().SCardTransmit(self.handle, self.pci, list(apdu))
        if code_of(hresult) != S_SUCCESS:
            code = code_of(hresult)
            if code in MAYBE_REMOVED and self.card_gone():
                raise DeviceStatusError(f"transmit: card removed (0x{code:08X})",
                                        ErrorCode.CARD_REMOVED)
            raise error_for(hresult, "transmit")
        out = bytearray(response)
        response[:] = []        # drop pyscard's list of the card's bytes at once
        if len(out) < 2 and self.card_gone():
            # Some readers (vpcd among them) answer an empty response for a card that left
            # in the middle of the exchange instead of SCARD_W_REMOVED_CARD.
            raise DeviceStatusError("transmit: card removed (empty response)",
                                    ErrorCode.CARD_REMOVED)
        return out

    def card_present(self) -> bool:
        api = _api()
        try:
            hresult, _reader, state, _protocol, _atr = api.SCardStatus(self.handle)
        except Exception:
            return False
        return code_of(hresult) == S_SUCCESS and bool(state & CARD_PRESENT)

    def card_gone(self, settle: float = REMOVAL_SETTLE) -> bool:
        """Whether the card has left, giving the reader ``settle`` seconds to notice:
        pcscd learns of a removal at its next presence poll, after the failed transfer."""
        deadline = time.monotonic() + settle
        while self.card_present():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def disconnect(self, reset: bool = False) -> None:
        """Release the card and the context; ``reset`` drops any verified-PIN state."""
        api = _api()
        try:
            if self._in_transaction:
                api.SCardEndTransaction(self.handle, api.SCARD_LEAVE_CARD)
            api.SCardDisconnect(self.handle, api.SCARD_RESET_CARD if reset else api.SCARD_LEAVE_CARD)
        except Exception:  # the card or pcscd may already be gone
            log.debug("SCardDisconnect failed", exc_info=True)
        finally:
            release(self.context)


def connect(reader: str) -> CardHandle:
    return CardHandle(reader)


class ScardApi:
    """The calls the reader monitor makes, over pyscard (a fake replaces it in tests)."""

    def establish(self) -> int:
        return establish()

    def release(self, context: int) -> None:
        release(context)

    def list_readers(self, context: int) -> list[str]:
        return list_readers(context)

    def get_status_change(
        self, context: int, timeout_ms: int, states: list[tuple[str, int]]
    ) -> tuple[int, list[tuple[str, int, bytes]]]:
        hresult, result = _api().SCardGetStatusChange(context, timeout_ms, states)
        if code_of(hresult) != S_SUCCESS:
            return code_of(hresult), []
        return S_SUCCESS, [(name, int(event), bytes(atr)) for name, event, atr in result]

    def cancel(self, context: int) -> None:
        try:
            _api().SCardCancel(context)
        except Exception:  # cancelling a context of a dead pcscd: nothing to wake
            log.debug("SCardCancel failed", exc_info=True)
