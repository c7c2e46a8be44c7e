"""BER-TLV (ISO 7816-4 / EMV Book 3 annex B) and Data Object Lists.

Values are memoryviews into the caller's buffer, not copies: the channel zeroes its
buffers after a read, and a copy of a PAN or ID number would outlive that wipe. Take what
must be kept explicitly (``bytes(node.value)`` or a bytearray for secrets).

Everything here parses bytes a card chose, so every card-supplied size is bounded before
anything is allocated. Errors (the only exceptions ``parse``, ``parse_dol`` and ``fill_dol``
raise for any input):

- ``ProtocolError`` (code ``frame_garbled``): malformed BER-TLV or DOL (a tag or length
  running past the end, a length form other than 1..3 bytes, a tag longer than 4 bytes), or
  a DOL asking for more than ``MAX_DOL_DATA`` bytes, more than one short APDU can carry.
- ``TlvNestingError`` (a ``ProtocolError``, code ``frame_garbled``): constructed objects
  nested deeper than ``MAX_DEPTH`` levels (EMV needs 5: 6F/A5/BF0C/61/4F).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..errors import ErrorCode, ProtocolError

Buffer = bytes | bytearray | memoryview

MAX_DEPTH = 16       # nesting levels of constructed objects; EMV's deepest path has 5
# PDOL data rides in one short GET PROCESSING OPTIONS APDU: Lc <= 255 minus the 83 tag and
# its length (two bytes when the data reaches 128 bytes: 81 xx).
MAX_DOL_DATA = 252


class TlvNestingError(ProtocolError):
    """Constructed objects nested deeper than MAX_DEPTH: malformed card data, not a crash."""


@dataclass(frozen=True, eq=False)
class Tlv:
    tag: int                         # the tag bytes as a big-endian integer: 0x9F38, 0xBF0C
    value: memoryview
    children: tuple[Tlv, ...] = ()

    @property
    def constructed(self) -> bool:
        return bool(_first_tag_byte(self.tag) & 0x20)

    def find(self, path: str | Sequence[int]) -> Tlv | None:
        return find(self.children, path)

    def __repr__(self) -> str:  # never the value: it may be a PAN
        return f"Tlv({self.tag:X}, {len(self.value)} bytes, {len(self.children)} children)"


def _first_tag_byte(tag: int) -> int:
    while tag > 0xFF:
        tag >>= 8
    return tag


def _bad(message: str) -> ProtocolError:
    return ProtocolError(f"malformed BER-TLV: {message}", ErrorCode.FRAME_GARBLED)


def _read_tag(data: memoryview, pos: int) -> tuple[int, int]:
    first = data[pos]
    tag, pos = first, pos + 1
    if first & 0x1F == 0x1F:         # multi-byte tag: subsequent bytes while bit 8 is set
        while True:
            if pos >= len(data):
                raise _bad("tag runs past the end")
            byte = data[pos]
            tag, pos = (tag << 8) | byte, pos + 1
            if not byte & 0x80:
                break
            if tag > 0xFFFFFFFF:
                raise _bad("tag longer than 4 bytes")
    return tag, pos


def _read_length(data: memoryview, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise _bad("length missing")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0 or count > 3:      # 80 (indefinite) is not allowed in EMV; > 16 MB is garbage
        raise _bad(f"length form {first:02X}")
    if pos + count > len(data):
        raise _bad("long length runs past the end")
    return int.from_bytes(data[pos:pos + count], "big"), pos + count


def parse(data: Buffer) -> list[Tlv]:
    """All data objects in ``data``; constructed ones are parsed recursively.

    00 and FF bytes between objects are padding (EMV Book 3 B1) and skipped. Raises
    ProtocolError when malformed, TlvNestingError past MAX_DEPTH levels.
    """
    view = data if isinstance(data, memoryview) else memoryview(data)
    return _parse(view, 1)


def _parse(view: memoryview, depth: int) -> list[Tlv]:
    if depth > MAX_DEPTH:
        raise TlvNestingError(f"malformed BER-TLV: nested deeper than {MAX_DEPTH} levels",
                              ErrorCode.FRAME_GARBLED)
    nodes: list[Tlv] = []
    pos = 0
    while pos < len(view):
        if view[pos] in (0x00, 0xFF):
            pos += 1
            continue
        tag, pos = _read_tag(view, pos)
        length, pos = _read_length(view, pos)
        if pos + length > len(view):
            raise _bad(f"tag {tag:X} wants {length} bytes, {len(view) - pos} left")
        value = view[pos:pos + length]
        pos += length
        node = Tlv(tag, value)
        if node.constructed:
            node = Tlv(tag, value, tuple(_parse(value, depth + 1)))
        nodes.append(node)
    return nodes


def _path(path: str | Sequence[int]) -> list[int]:
    if isinstance(path, str):
        return [int(part, 16) for part in path.strip("/").split("/") if part]
    return list(path)


def find(nodes: Sequence[Tlv], path: str | Sequence[int]) -> Tlv | None:
    """The first node at ``path`` ("6F/A5/BF0C/61/4F" or [0x6F, 0xA5, ...]), else None."""
    steps = _path(path)
    if not steps:
        return None
    for node in nodes:
        if node.tag == steps[0]:
            if len(steps) == 1:
                return node
            found = find(node.children, steps[1:])
            if found is not None:
                return found
    return None


def find_all(nodes: Sequence[Tlv], path: str | Sequence[int]) -> list[Tlv]:
    """Every node at ``path`` (e.g. each 61 application template under BF0C)."""
    steps = _path(path)
    matches = [n for n in nodes if steps and n.tag == steps[0]]
    if len(steps) <= 1:
        return matches
    return [m for n in matches for m in find_all(n.children, steps[1:])]


def walk(nodes: Sequence[Tlv]) -> Iterator[Tlv]:
    for node in nodes:
        yield node
        yield from walk(node.children)


def first(nodes: Sequence[Tlv], tag: int) -> Tlv | None:
    """The first node with ``tag`` anywhere in the tree (depth first)."""
    return next((n for n in walk(nodes) if n.tag == tag), None)


def tag_bytes(tag: int) -> bytes:
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def encode(tag: int, value: bytes) -> bytes:
    """One primitive or constructed object: the one BER-TLV encoder (the virtual cards
    build their answers with it, tests their card data)."""
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    else:
        size = (n.bit_length() + 7) // 8
        length = bytes([0x80 | size]) + n.to_bytes(size, "big")
    return tag_bytes(tag) + length + value


# -- Data Object Lists (PDOL, CDOL ...): tag + length, no values ---------------------------

def parse_dol(data: Buffer) -> list[tuple[int, int]]:
    """(tag, length) pairs. ProtocolError when malformed or when the lengths add up to
    more than MAX_DOL_DATA (checked here, before anyone allocates them)."""
    view = data if isinstance(data, memoryview) else memoryview(data)
    entries: list[tuple[int, int]] = []
    pos = total = 0
    while pos < len(view):
        tag, pos = _read_tag(view, pos)
        length, pos = _read_length(view, pos)
        total += length
        if total > MAX_DOL_DATA:
            raise _too_long(total)
        entries.append((tag, length))
    return entries


def _too_long(total: int) -> ProtocolError:
    return ProtocolError(f"DOL asks for {total} bytes or more; one APDU carries "
                         f"{MAX_DOL_DATA}", ErrorCode.FRAME_GARBLED)


# Numeric (format n) objects are right-aligned: shorter values get leading zeros and
# longer ones lose their leading digits (EMV Book 3 5.4). Others are left-aligned.
NUMERIC_TAGS = frozenset({0x9F02, 0x9F03, 0x5F2A, 0x9F1A, 0x9A, 0x9C, 0x9F21, 0x5F36})


def fill_dol(dol: Sequence[tuple[int, int]], values: Mapping[int, bytes]) -> bytes:
    """The concatenated values the card asked for; zeros for anything not in ``values``.

    ProtocolError when the lengths add up to more than MAX_DOL_DATA (before allocating).
    """
    total = sum(length for _, length in dol)
    if total > MAX_DOL_DATA:
        raise _too_long(total)
    out = bytearray()
    for tag, length in dol:
        value = values.get(tag, b"")
        if tag in NUMERIC_TAGS:
            value = value[-length:] if length else b""
            out += bytes(length - len(value)) + value
        else:
            value = value[:length]
            out += value + bytes(length - len(value))
    return bytes(out)


def _bcd(number: int, size: int) -> bytes:
    return bytes.fromhex(f"{number:0{size * 2}d}")


CNY, CHINA = _bcd(156, 2), _bcd(156, 2)   # ISO 4217 / ISO 3166 numeric 156


def terminal_data(now: dt.datetime | None = None, unpredictable: bytes | None = None) -> dict[int, bytes]:
    """What a kiosk terminal answers for a PDOL: a zero-amount query in China."""
    now = now or dt.datetime.now()
    return {
        0x9F66: bytes.fromhex("26000000"),  # TTQ: contactless qPBOC + contact EMV, online capable
        0x9F02: bytes(6),                   # amount authorised: 0 (we only read)
        0x9F03: bytes(6),                   # amount other
        0x9F1A: CHINA,                      # terminal country code
        0x95: bytes(5),                     # TVR
        0x5F2A: CNY,                        # transaction currency code
        0x9A: bytes.fromhex(now.strftime("%y%m%d")),
        0x9C: b"\x31",                      # transaction type: balance inquiry
        0x9F21: bytes.fromhex(now.strftime("%H%M%S")),
        0x9F37: unpredictable if unpredictable is not None else secrets.token_bytes(4),
        0x9F35: b"\x14",                    # terminal type: unattended, financial institution
        0x9F7A: b"\x00",                    # electronic cash terminal support indicator: no
        0xDF60: b"\x00",                    # CAPP transaction indicator: no
    }
