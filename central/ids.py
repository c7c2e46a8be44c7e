"""Identity numbers: GB 11643 (公民身份号码) and GB 32100 (统一社会信用代码), via python-stdnum."""

from __future__ import annotations

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError


def check_id_number(number: str) -> str | None:
    """None when `number` is a valid 18-character ID number, else a reason code.

    Resident ID cards, 港澳台居民居住证 (81/82/83...) and the 2023 foreign permanent
    residence cards (9...) share the format and the check character; the 9... numbers do not
    carry a birth date where the others do, so theirs is not checked.
    """
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return "bad_format"
    if number[17] not in "0123456789X":
        return "bad_format"
    if not number.startswith("9"):
        try:
            ric.get_birth_date(number)
        except ValidationError:
            return "bad_birth_date"
    # python-stdnum >= 2 takes the whole number (check character included) here.
    if ric.calc_check_digit(number) != number[17]:
        return "bad_check_character"
    return None


def check_uscc(code: str) -> str | None:
    """None when `code` passes GB 32100 (charset, length, check character), else a reason."""
    if len(code) != 18 or code != code.upper() or not code.isascii():
        return "bad_format"
    try:
        uscc.validate(code)
    except InvalidChecksum:
        return "bad_check_character"
    except ValidationError:
        return "bad_format"
    return None


def mask(number: str) -> str:
    """A licence number for display: enough to recognise it, not enough to copy it."""
    n = len(number)
    if n <= 4:
        return "*" * (n - 1) + number[-1:] if n else ""
    keep = 4 if n >= 10 else 2
    return number[:keep] + "*" * (n - 2 * keep) + number[-keep:]
