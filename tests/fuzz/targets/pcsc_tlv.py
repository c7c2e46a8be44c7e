"""BER-TLV and Data Object Lists from a card (drivers/pcsc/tlv.py).

Input: one byte choosing what the bytes are (even: a TLV response, odd: a PDOL), then the
bytes. A TLV response is parsed, walked and searched the way bank.py searches an FCI; a DOL
is parsed and filled with the terminal's data, as GET PROCESSING OPTIONS would send it.

Documented errors: ``ProtocolError`` ("malformed BER-TLV"); a DOL asking for more than one
APDU carries is a card error, also ``ProtocolError`` (issue 10 section 2). Anything a card
can make the parser allocate is bounded by the harness's memory bound.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from drivers.errors import ProtocolError
from drivers.pcsc import tlv
from drivers.pcsc.vcard_bank import BankApplet
from drivers.pcsc.vcard_data import BankCard, load_vcards

ALLOWED = (ProtocolError,)
INSTRUMENT = ("drivers.pcsc.tlv",)
TERMINAL = tlv.terminal_data(dt.datetime(2026, 11, 24, 9, 30), bytes(4))


def TARGET(data: bytes) -> None:  # noqa: N802
    if not data:
        return
    body = data[1:]
    if data[0] & 1:
        tlv.fill_dol(tlv.parse_dol(body), TERMINAL)
        return
    nodes = tlv.parse(body)
    for node in tlv.walk(nodes):
        repr(node)
        _ = node.constructed
    for path in ("6F/A5/9F38", "6F/A5/BF0C/61/4F", "77/94", "80", "70/5A"):
        tlv.find(nodes, path)
        tlv.find_all(nodes, path)
    for tag in (0x5A, 0x57, 0x5F24, 0x9F0B, 0x9F61):
        tlv.first(nodes, tag)
    pdol = tlv.find(nodes, "6F/A5/9F38")
    if pdol is not None:
        tlv.fill_dol(tlv.parse_dol(pdol.value), TERMINAL)


def seeds() -> Iterator[tuple[str, bytes]]:
    for key, card in load_vcards().items():
        if not isinstance(card, BankCard):
            continue
        applet = BankApplet(card)
        for name in ("_fci_ppse", "_fci_pse"):
            try:
                yield f"{key}{name}", b"\0" + getattr(applet, name)()
            except Exception:  # noqa: BLE001 - a card without that directory
                continue
        yield f"{key}_fci_adf", b"\0" + applet._fci_adf(bytes.fromhex(card.aid))
    yield "pdol-qpboc", b"\1" + bytes.fromhex("9F66049F02069F03069F1A0295055F2A029A039C019F3704")
    yield "nested", b"\0" + tlv.encode(0x70, tlv.encode(0x5A, bytes.fromhex("6222020200112233445F")))
