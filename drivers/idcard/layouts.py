"""The 256-byte text block (UCS-2 LE, space padded) in its four layouts.

``decode_text`` turns a block into an IdentityCard and validates it; ``encode_text`` is
its inverse, used by the simulator to build the bytes a real card would yield.

Errors: ``decode_text`` (and ``card_type_of``) raise only ``CardDataError`` for any 256
bytes or any other input: code ``invalid_card_data`` (not UCS-2, a bad date, gender or
nation code, an ID number that is not 17 ASCII digits and an ASCII check character or fails
GB 11643, no name, a block of the wrong size) or ``unknown_card`` (an unknown type marker).
Numbers on a card are ASCII digits only: full-width, superscript or other Unicode digits,
which ``str.isdigit()`` and ``int()`` accept, make the card invalid.
``id_number_is_valid`` returns a bool and never raises. ``encode_text`` raises ValueError
when a field does not fit (simulator input, not card data).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from stdnum.iso7064 import mod_11_2

from ..errors import CardDataError, ErrorCode
from .model import LONG_TERM, CardType, IdentityCard

TEXT_SIZE = 256
MARKER_OFFSET = 248

MARKERS: dict[str, CardType] = {
    " ": CardType.RESIDENT,
    "J": CardType.HMT_PERMIT,
    "I": CardType.FOREIGN_2017,
    "Y": CardType.FOREIGN_2023,
}
MARKER_OF = {v: k for k, v in MARKERS.items()}

GENDERS = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
GENDER_CODES = {v: k for k, v in GENDERS.items()}

NATIONS = dict(
    enumerate(
        "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 "
        "高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 "
        "普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 "
        "珞巴 基诺".split(),
        start=1,
    )
)
NATIONS[97] = "其他"
NATIONS[98] = "外国血统中国籍人士"
NATION_CODES = {v: k for k, v in NATIONS.items()}

# (field, byte size) in block order; "" is reserved space. Sizes sum to 256.
_COMMON_HEAD = [
    ("name", 30), ("gender", 2), ("nation", 4), ("birth_date", 16), ("address", 70),
    ("id_number", 36), ("issuer", 30), ("valid_from", 16), ("valid_until", 16),
]
LAYOUTS: dict[CardType, list[tuple[str, int]]] = {
    CardType.RESIDENT: _COMMON_HEAD + [("", 28), ("marker", 2), ("", 6)],
    CardType.HMT_PERMIT: _COMMON_HEAD
    + [("pass_number", 18), ("issue_count", 4), ("", 6), ("marker", 2), ("", 6)],
    CardType.FOREIGN_2017: [
        ("name_en", 120), ("gender", 2), ("id_number", 30), ("nationality", 6), ("name", 30),
        ("valid_from", 16), ("valid_until", 16), ("birth_date", 16), ("card_version", 4),
        ("issuer", 8), ("marker", 2), ("", 6),
    ],
    CardType.FOREIGN_2023: [
        ("name", 30), ("gender", 2), ("renewal_count", 4), ("birth_date", 16),
        ("name_en", 70), ("id_number", 36), ("", 30), ("valid_from", 16),
        ("valid_until", 16), ("name_en_2", 22), ("nationality", 6), ("marker", 2), ("", 6),
    ],
}
for _layout in LAYOUTS.values():
    assert sum(size for _, size in _layout) == TEXT_SIZE  # noqa: S101 - import-time table check


def _slices(layout: Iterable[tuple[str, int]]) -> Iterable[tuple[str, int, int]]:
    offset = 0
    for name, size in layout:
        yield name, offset, size
        offset += size


_NAME_EN_2023 = next(
    (offset, size)
    for name, offset, size in _slices(LAYOUTS[CardType.FOREIGN_2023])
    if name == "name_en"
)


def _ucs2(block: bytes, offset: int, size: int) -> str:
    try:
        return block[offset : offset + size].decode("utf-16-le").rstrip(" \x00")
    except UnicodeDecodeError as err:
        raise CardDataError("text block is not UCS-2", ErrorCode.INVALID_CARD_DATA) from err


_ASCII_DATE = re.compile(r"[0-9]{8}")
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
_NATION_CODE = re.compile(r"[0-9]{1,2}")


def _iso_date(value: str, label: str, allow_long_term: bool = False) -> str:
    if allow_long_term and value == LONG_TERM:
        return LONG_TERM
    if not _ASCII_DATE.fullmatch(value):   # strptime's %Y also takes full-width digits
        raise CardDataError(f"{label} is not a YYYYMMDD date", ErrorCode.INVALID_CARD_DATA)
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date().isoformat()
    except ValueError as err:
        raise CardDataError(f"{label} is not a YYYYMMDD date", ErrorCode.INVALID_CARD_DATA) from err


def id_number_is_valid(number: str) -> bool:
    """GB 11643: 17 digits and a check character (ISO 7064 MOD 11-2).

    stdnum's cn.ric.calc_check_digit expects the number *with* its check character, and its
    validate() also insists on a birth place from its own region table (which lacks 810000
    and others), so the bare MOD 11-2 routine is used: it takes the 17 digits, as GB 11643 says.

    ASCII digits only (and a final x or X): ``isdigit()`` also accepts "³" (which then
    crashed the check) and full-width digits (which MOD 11-2 happily summed).
    """
    number = number.upper()
    return (
        _ID_NUMBER.fullmatch(number) is not None
        and mod_11_2.calc_check_digit(number[:17]) == number[17]
    )


def _check_id_number(number: str) -> None:
    if not id_number_is_valid(number):
        raise CardDataError("ID number fails its GB 11643 check character or format")


def card_type_of(block: bytes) -> CardType:
    if len(block) != TEXT_SIZE:
        raise CardDataError(f"text block is {len(block)} bytes, expected {TEXT_SIZE}")
    marker = _ucs2(block, MARKER_OFFSET, 2) or " "
    try:
        return MARKERS[marker]
    except KeyError:
        raise CardDataError(f"unknown card type marker {marker!r}", ErrorCode.UNKNOWN_CARD) from None


def decode_text(block: bytes) -> IdentityCard:
    """Parse and validate a text block. Raises CardDataError for anything not shown."""
    card_type = card_type_of(block)
    raw = {
        name: _ucs2(block, offset, size)
        for name, offset, size in _slices(LAYOUTS[card_type])
        if name and name != "marker"
    }
    card = IdentityCard(card_type=card_type)
    card.name = raw["name"]
    card.gender = GENDERS.get(raw["gender"], "")
    if not card.gender:
        raise CardDataError("unknown gender code")
    card.birth_date = _iso_date(raw["birth_date"], "birth date")
    card.valid_from = _iso_date(raw["valid_from"], "valid-from date")
    card.valid_until = _iso_date(raw["valid_until"], "valid-until date", allow_long_term=True)
    card.id_number = raw["id_number"].upper()
    card.issuer = raw.get("issuer", "")
    if card_type in (CardType.RESIDENT, CardType.HMT_PERMIT):
        card.address = raw["address"]
    if card_type is CardType.RESIDENT:
        nation = raw["nation"]
        if not _NATION_CODE.fullmatch(nation) or int(nation) not in NATIONS:
            raise CardDataError("unknown nation code")
        card.nation = NATIONS[int(nation)]
    if card_type is CardType.HMT_PERMIT:
        card.pass_number = raw["pass_number"]
        card.issue_count = raw["issue_count"]
    if card_type is CardType.FOREIGN_2017:
        card.name_en = raw["name_en"]
        card.nationality = raw["nationality"]
        card.card_version = raw["card_version"]
    if card_type is CardType.FOREIGN_2023:
        # The English name runs on from its 70-byte field into a 22-byte one. Join the
        # unstripped first part: stripping it first would eat a space that falls on the
        # boundary ("...ELIZABETH " + "ANNE" must not become "ELIZABETHANNE").
        offset, size = _NAME_EN_2023
        first = block[offset : offset + size].decode("utf-16-le")
        rest = raw["name_en_2"]
        card.name_en = (first + rest).rstrip(" \x00") if rest else raw["name_en"]
        card.nationality = raw["nationality"]
        card.renewal_count = raw["renewal_count"]
    # 2017 foreign card numbers (15 characters) carry no GB 11643 check character.
    if card_type is not CardType.FOREIGN_2017:
        _check_id_number(card.id_number)
    if not card.name and not card.name_en:
        raise CardDataError("card carries no name")
    return card


def _field_text(card: IdentityCard, name: str) -> str:
    if name == "marker":
        return MARKER_OF[card.card_type]
    if name == "gender":
        return GENDER_CODES.get(card.gender, card.gender)
    if name == "nation":
        return f"{NATION_CODES[card.nation]:02d}" if card.nation in NATION_CODES else card.nation
    if name in ("birth_date", "valid_from", "valid_until"):
        return getattr(card, name).replace("-", "")
    if card.card_type is CardType.FOREIGN_2023 and name in ("name_en", "name_en_2"):
        first = card.name_en[:35]
        return first if name == "name_en" else card.name_en[35:]
    return str(getattr(card, name))


def encode_text(card: IdentityCard) -> bytes:
    """Build the text block a card of this content carries (simulator side)."""
    out = bytearray()
    for name, _, size in _slices(LAYOUTS[card.card_type]):
        text = _field_text(card, name) if name else ""
        data = text.encode("utf-16-le")
        if len(data) > size:
            raise ValueError(f"{name} does not fit in {size} bytes")
        out += data + " ".encode("utf-16-le") * ((size - len(data)) // 2)
    return bytes(out)
