"""The technician's APDU trace: headers and status words, never card data or PINs."""

from __future__ import annotations

import logging

import pytest
from pcsc_fakes import HOLDER_ID, PAN, Pad, bank_card, id_with_check, ssse_card

from drivers.pcsc.apdu import CardChannel
from drivers.pcsc.bank import read_bank
from drivers.pcsc.ssse import read_social_security
from drivers.pcsc.trace import ApduTrace, Exchange, describe

SSN = id_with_check("14050219800101001")


def forms(text: str, encoding: str = "ascii") -> list[str]:
    """A secret as it could leak: clear, as hex of its bytes, as packed BCD digits."""
    raw = text.encode(encoding)
    found = [text, raw.hex().upper(), raw.hex()]
    if text.isdigit():
        found.append(text)   # packed BCD of digits reads as the digits themselves in hex
    return found


@pytest.fixture
def trace(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="drivers.pcsc.trace")
    return caplog


def test_bank_read_trace_has_no_pan_name_or_holder_id(trace: pytest.LogCaptureFixture) -> None:
    read_bank(CardChannel(bank_card(), ApduTrace("r: ")))
    text = trace.text
    assert "READ RECORD" in text and "9000" in text and "00 B2 01 0C" in text
    for secret in forms(PAN) + forms(PAN[:10]) + forms(HOLDER_ID) + forms("ZHANG"):
        assert secret not in text, secret


def test_ssse_read_with_pin_trace_has_no_id_name_or_pin(trace: pytest.LogCaptureFixture) -> None:
    read_social_security(CardChannel(ssse_card(pin="987654"), ApduTrace()), Pad("111111", "987654"),
                         pin_required=True)
    text = trace.text
    assert "(VERIFY)" in text and "63C2" in text and "6982" in text
    for secret in (forms(SSN) + forms("张三", "gbk") + forms("987654") + forms("111111")
                   + forms("A01234567")):
        assert secret not in text, secret


def test_select_keeps_its_data_for_the_technician() -> None:
    line = describe(Exchange(bytes.fromhex("00A404000E325041592E5359532E444446303100"),
                             bytes.fromhex("6F0A84089000"), b"\x00\xa4"))
    assert "325041592E5359532E4444463031" in line and "Lc=0E" in line and "Le=00" in line
    assert "[6F0A8408] 9000" in line


def test_get_response_data_is_judged_by_the_command_that_started_it() -> None:
    read_record = bytes.fromhex("00B2010C00")
    line = describe(Exchange(bytes.fromhex("00C000000A"), bytes.fromhex("5A08621700123456789F9000"),
                             read_record))
    assert "6217" not in line and "<10 bytes> 9000" in line


def test_verify_data_is_masked_but_its_length_kept() -> None:
    line = describe(Exchange(bytes.fromhex("0020000003123456"), b"\x90\x00", b"\x00\x20"))
    assert "123456" not in line and "Lc=03 <3 bytes>" in line


def test_trace_is_silent_above_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="drivers.pcsc.trace")
    read_bank(CardChannel(bank_card(), ApduTrace()))
    assert caplog.records == []
