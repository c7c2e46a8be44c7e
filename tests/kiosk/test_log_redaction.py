"""The log filter masks more than ID numbers: bank card numbers (Luhn), mobile numbers, and
the current citizen's name and address, which the session registers and forgets at the wipe;
exception text from ``log.exception`` sites included.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from stdnum import luhn

from kiosk.logs import setup_logging
from kiosk.privacy import (
    RedactingFilter,
    forget_personal,
    redact,
    register_personal,
    registered_count,
)
from kiosk.session import Session
from tests.support.cards import make_card


def _card_number(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def _not_luhn(body: str) -> str:
    return body + str((int(luhn.calc_check_digit(body)) + 1) % 10)


@pytest.mark.parametrize("body", ["622202123456", "62220212345678901", "621700000000000000"])
def test_bank_card_numbers_passing_luhn_are_masked(body: str) -> None:
    number = _card_number(body)
    assert 13 <= len(number) <= 19
    masked = redact(f"paid with {number} ok")
    assert number not in masked
    assert f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}" in masked


def test_grouped_bank_card_number_is_masked() -> None:
    number = _card_number("622202123456789")
    grouped = " ".join(number[i:i + 4] for i in range(0, 16, 4))
    assert redact(f"card {grouped}.") == f"card {number[:4]}********{number[-4:]}."


def test_digit_runs_failing_luhn_or_of_other_lengths_are_left() -> None:
    for text in (_not_luhn("622202123456789"), "123456789012", "12345678901234567890",
                 "outbox seq 4711, 2024-05-01 12:30:00,123"):
        assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tel 13912345678", "tel 139****5678"),
        ("电话：15803561234。", "电话：158****1234。"),
        ("+86 139 1234 5678", "139****5678"),
        ("mobile=+8613912345678&x", "mobile=139****5678&x"),
    ],
)
def test_mobile_numbers_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_mobile_inside_a_longer_digit_run_is_not_a_mobile() -> None:
    for text in ("order 213912345678", "order 139123456789", "12912345678"):
        assert redact(text) == text


def test_registered_strings_are_masked_until_forgotten() -> None:
    token = register_personal({"name": "欧阳娜娜", "address": "山西省晋城市城区凤台街88号",
                               "name_en": "ANNA"})
    try:
        text = redact("申请人 欧阳娜娜，住址 山西省晋城市城区凤台街88号; ANNA; CANNABIS")
        assert "欧阳娜娜" not in text and "凤台街88号" not in text
        assert "欧*" in text and "山西省晋城市" in text
        assert "A*" in text and "CANNABIS" in text  # ASCII values: whole words only
        # How the name looks in a repr of bytes or in JSON is masked too.
        for form in (repr("欧阳娜娜".encode()), repr("欧阳娜娜".encode("gbk")),
                     "欧阳娜娜".encode("unicode_escape").decode()):
            assert "欧*" in redact(form), form
    finally:
        forget_personal(token)
    assert redact("欧阳娜娜") == "欧阳娜娜"


def test_log_filter_masks_registered_strings_in_message_and_exception() -> None:
    token = register_personal({"name": "欧阳娜娜", "address": "山西省晋城市城区凤台街88号"})
    try:
        logger = logging.getLogger("test.redaction")
        try:
            raise ValueError("bad address 山西省晋城市城区凤台街88号 for 欧阳娜娜")
        except ValueError as err:
            import sys

            record = logger.makeRecord("t", logging.ERROR, __file__, 1, "failed: %s", (err,),
                                       sys.exc_info())
        RedactingFilter().filter(record)
        text = logging.Formatter().format(record)
        assert "欧阳娜娜" not in text and "凤台街88号" not in text
        assert "Traceback" in text and "欧*" in text
    finally:
        forget_personal(token)


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    setup_logging(tmp_path / "logs", level=logging.DEBUG, to_stderr=False)
    try:
        yield tmp_path / "logs" / "kiosk.log"
    finally:
        setup_logging(None, to_stderr=False)


def test_session_registers_the_citizen_for_the_log_and_forgets_at_the_wipe(
    tmp_path: Path, log_file: Path
) -> None:
    before = registered_count()
    session = Session(idle_timeout=60, idle_warning=15, removal_grace=5, temp_root=tmp_path)
    card = make_card("欧阳娜娜")
    card.address = "山西省晋城市城区凤台街88号"
    card.pass_number = ""
    id_number = card.id_number
    bank = _card_number("622202123456789")
    session.identity_read(card, "identity_check")
    assert registered_count() == before + 1
    log = logging.getLogger("kiosk.flows.test")
    log.info("submitting for %s", "欧阳娜娜")
    try:
        try:
            raise KeyError(f"欧阳娜娜 山西省晋城市城区凤台街88号 {bank} 13912345678")
        except KeyError as inner:
            raise RuntimeError(f"central refused {id_number}") from inner
    except RuntimeError:
        log.exception("submission failed for 欧阳娜娜")
    log.warning("stack", stack_info=True)
    session.finish()
    assert registered_count() == before

    text = log_file.read_text(encoding="utf-8")
    assert "Traceback" in text and "KeyError" in text and "submission failed" in text
    for clear in ("欧阳娜娜", "凤台街88号", id_number, bank, "13912345678"):
        assert clear not in text, clear
    assert "欧*" in text and "139****5678" in text
