"""Answers to reset of the virtual cards: realistic defaults and a well-formedness check.

An ATR is TS, T0 (Y1 and the number of historical bytes), the interface bytes TA/TB/TC/TDi
each TDi announces, the historical bytes, and TCK (XOR of T0..last) whenever a protocol other
than T=0 is offered (ISO 7816-3). Contactless cards get the ATR a PC/SC reader builds for
them (PC/SC part 3): ``3B 8n 80 01`` + ATS historical bytes + TCK, or for storage cards
``3B 8F 80 01 80 4F 0C`` + RID, standard and card name.
"""

from __future__ import annotations

from functools import reduce


def with_tck(hex_text: str) -> bytes:
    """ATR bytes plus their TCK (XOR of T0 up to the last byte), for T=1 ATRs."""
    raw = bytes.fromhex(hex_text)
    return raw + bytes([reduce(lambda acc, b: acc ^ b, raw[1:], 0)])


# Contact T=0 (TB1 TC1, no TD1): PBOC debit cards and most SSSE cards.
ATR_CONTACT_T0 = bytes.fromhex("3B6D000080318065B0894001F183009000")
# Contact T=1 (TA1 96, TD1 81, TD2 31: IFSC FE, BWI/CWI 45).
ATR_CONTACT_T1 = with_tck("3B98968131FE45 0073C84013009000")
# PC/SC part 3 ATRs of contactless cards: 3B 8n 80 01 + ATS historical bytes + TCK.
ATR_CONTACTLESS_BANK = with_tck("3B888001 0073C84013009000")
ATR_CONTACTLESS_STAFF = with_tck("3B8B8001 8065A20201010F83009000")
# Storage card (MIFARE Classic 1K): RID A000000306, standard 03, card name 0001.
ATR_MIFARE_1K = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")


def check_atr(raw: bytes) -> None:
    """Raise ValueError unless ``raw`` is a well-formed ATR (with TCK when T!=0 is offered)."""
    if len(raw) < 2 or raw[0] not in (0x3B, 0x3F):
        raise ValueError("an ATR starts with 3B or 3F")
    pos, y, history, needs_tck = 1, raw[1] >> 4, raw[1] & 0x0F, False
    while True:
        count = bin(y).count("1")
        if pos + count >= len(raw):
            raise ValueError("ATR ends inside its interface bytes")
        if not y & 0x8:
            pos += count
            break
        pos += count
        td = raw[pos]
        needs_tck |= (td & 0x0F) != 0
        y = td >> 4
    expected = pos + 1 + history + (1 if needs_tck else 0)
    if len(raw) != expected:
        raise ValueError(f"ATR has {len(raw)} bytes, its T0/TDi announce {expected}")
    if needs_tck and reduce(lambda acc, b: acc ^ b, raw[1:], 0) != 0:
        raise ValueError("ATR check byte TCK is wrong")
