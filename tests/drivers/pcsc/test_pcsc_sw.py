"""Status words map to stable error codes by table."""

from __future__ import annotations

import pytest

from drivers.errors import DeviceStatusError, ErrorCode
from drivers.pcsc import sw


@pytest.mark.parametrize(
    ("word", "code"),
    [
        (0x6A82, ErrorCode.FILE_NOT_FOUND), (0x6A83, ErrorCode.RECORD_NOT_FOUND),
        (0x6A81, ErrorCode.BAD_COMMAND), (0x6A86, ErrorCode.BAD_COMMAND),
        (0x6700, ErrorCode.BAD_COMMAND), (0x6D00, ErrorCode.BAD_COMMAND),
        (0x6E00, ErrorCode.BAD_COMMAND), (0x6982, ErrorCode.PIN_REQUIRED),
        (0x6983, ErrorCode.PIN_BLOCKED), (0x6985, ErrorCode.CARD_REFUSED),
        (0x6A88, ErrorCode.NO_CONTENT), (0x6283, ErrorCode.CARD_REFUSED),
        (0x6F00, ErrorCode.DEVICE_ERROR), (0x6999, ErrorCode.CARD_REFUSED),
        (0x1234, ErrorCode.DEVICE_ERROR),
    ],
)
def test_status_word_table(word: int, code: ErrorCode) -> None:
    error = sw.error_for(word, "CMD")
    assert error.code is code and error.sw == word
    assert isinstance(error, DeviceStatusError)
    assert f"{word:04X}" in str(error)


@pytest.mark.parametrize(("word", "tries"), [(0x63C2, 2), (0x63C1, 1), (0x63C9, 9)])
def test_63cx_is_a_wrong_pin_with_the_tries_left(word: int, tries: int) -> None:
    error = sw.error_for(word, "VERIFY")
    assert error.code is ErrorCode.PIN_WRONG and error.tries_left == tries
    assert f"{tries} tries left" in str(error)


def test_63c0_means_the_last_try_went_wrong() -> None:
    error = sw.error_for(0x63C0, "VERIFY")
    assert error.code is ErrorCode.PIN_BLOCKED and error.tries_left == 0


def test_9000_passes_the_check_and_anything_else_raises() -> None:
    sw.check(0x9000, "SELECT")
    with pytest.raises(sw.CardStatusError):
        sw.check(0x6A82, "SELECT")
    assert sw.tries_left(0x9000) is None and sw.tries_left(0x63C3) == 3
