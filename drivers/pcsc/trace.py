"""The redacting APDU trace: what a technician sees of the wire, at DEBUG level.

Every exchange of a CardChannel passes through one observer (see apdu.py). The trace keeps
the header (CLA INS P1 P2), Lc, Le and the status word of each exchange, and shows data
fields only for commands whose data cannot be personal (SELECT names an application or a
file; GET PROCESSING OPTIONS carries terminal data: amount 0, a random number, the date).
Everything else is replaced by its length: READ RECORD answers (PAN, ID number, name),
VERIFY data (the PIN), GET DATA answers (card UID), GPO answers (qPBOC puts track 2 there).
An answer fetched with GET RESPONSE is judged by the command that started it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

INS_SELECT, INS_GPO = 0xA4, 0xA8

# INS whose command data field is shown in the clear; any other INS is masked.
COMMAND_DATA_SHOWN = frozenset({INS_SELECT, INS_GPO})
# INS (of the originating command) whose response data is shown in the clear.
RESPONSE_DATA_SHOWN = frozenset({INS_SELECT})

INS_NAMES = {
    0xA4: "SELECT", 0xB2: "READ RECORD", 0xB0: "READ BINARY", 0xC0: "GET RESPONSE",
    0xA8: "GPO", 0x20: "VERIFY", 0xCA: "GET DATA", 0x84: "GET CHALLENGE",
}


@dataclass(frozen=True)
class Exchange:
    """One command/response pair on the wire. ``origin`` is the command that started it
    (differs from ``command`` for GET RESPONSE and the 6Cxx resend). The buffers may be
    zeroed after the call: observers must not keep them."""

    command: bytes
    response: bytes | bytearray
    origin: bytes


ApduObserver = Callable[[Exchange], None]


def _masked(data: bytes | bytearray) -> str:
    return f"<{len(data)} bytes>"


def _hex(data: bytes | bytearray) -> str:
    return data.hex().upper()


def describe_command(command: bytes, show_data: bool) -> str:
    """Header, Lc, (data or its length), Le. Malformed commands are shown by length only."""
    if len(command) < 4:
        return f"<malformed command, {len(command)} bytes>"
    header = " ".join(f"{b:02X}" for b in command[:4])
    name = INS_NAMES.get(command[1], "")
    parts = [header] + ([f"({name})"] if name else [])
    body = command[4:]
    if len(body) == 1:
        parts.append(f"Le={body[0]:02X}")
    elif body:
        lc, data, rest = body[0], body[1:1 + body[0]], body[1 + body[0]:]
        parts.append(f"Lc={lc:02X}")
        parts.append(f"[{_hex(data)}]" if show_data else _masked(data))
        if rest:
            parts.append(f"Le={rest[0]:02X}")
    return " ".join(parts)


def describe(exchange: Exchange) -> str:
    """A one-line, redacted description of the exchange."""
    ins = exchange.origin[1] if len(exchange.origin) > 1 else -1
    own_ins = exchange.command[1] if len(exchange.command) > 1 else -1
    command = describe_command(exchange.command, own_ins in COMMAND_DATA_SHOWN)
    response = exchange.response
    if len(response) < 2:
        return f"{command} -> <malformed response, {len(response)} bytes>"
    data, sw = response[:-2], response[-2:]
    shown = ""
    if data:
        shown = (f"[{_hex(data)}] " if ins in RESPONSE_DATA_SHOWN else _masked(data) + " ")
    return f"{command} -> {shown}{_hex(sw)}"


class ApduTrace:
    """An observer that logs each exchange, redacted, at DEBUG on ``logger``."""

    def __init__(self, prefix: str = "", logger: logging.Logger | None = None) -> None:
        self.prefix = prefix
        self.log = logger or logging.getLogger(__name__)

    def __call__(self, exchange: Exchange) -> None:
        if self.log.isEnabledFor(logging.DEBUG):  # formatting costs a little on every APDU
            self.log.debug("%s%s", self.prefix, describe(exchange))
