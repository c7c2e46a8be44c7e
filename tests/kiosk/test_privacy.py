"""Masking and log redaction keep names and ID numbers out of sight."""

from __future__ import annotations

import logging

from kiosk.privacy import RedactingFilter, mask_name, mask_number, redact


def test_names_keep_only_the_first_character() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧*"
    assert mask_name("SMITH ANNA") == "S* A*"
    assert mask_name("") == ""


def test_id_numbers_keep_four_and_four() -> None:
    assert mask_number("11010119900307123X") == "1101**********123X"
    assert mask_number("USA310085061501") == "USA3*******1501"
    assert mask_number("1234") == "****"


def test_redact_masks_id_shaped_numbers_in_free_text() -> None:
    text = "card 11010119900307123X and 110101199003071233; order 12345"
    assert redact(text) == "card 1101**********123X and 1101**********1233; order 12345"


def test_log_filter_masks_messages_and_tracebacks() -> None:
    logger = logging.getLogger("test.privacy")
    handler_filter = RedactingFilter()
    record = logger.makeRecord("t", logging.INFO, __file__, 1, "id %s", ("11010119900307123X",), None)
    handler_filter.filter(record)
    assert record.getMessage() == "id 1101**********123X"
    try:
        raise ValueError("bad 11010119900307123X")
    except ValueError:
        import sys

        record = logger.makeRecord("t", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    handler_filter.filter(record)
    assert "11010119900307123X" not in (record.exc_text or "")
    assert "1101**********123X" in (record.exc_text or "")
