"""ISO 7816-4 status words (SW1 SW2) -> stable error codes, by table.

61xx (more data) and 6Cxx (wrong Le) never get here: the channel follows them. Lookup order:
the exact word, then the word with its low nibble cleared (63Cx: PIN tries), then SW1 alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DeviceStatusError, ErrorCode

SW_OK = 0x9000


@dataclass(frozen=True)
class SwMeaning:
    code: ErrorCode
    text: str                # for technicians (logs, stderr), never shown to citizens


EXACT: dict[int, SwMeaning] = {
    0x6283: SwMeaning(ErrorCode.CARD_REFUSED, "selected file invalidated (application blocked)"),
    0x6581: SwMeaning(ErrorCode.DEVICE_ERROR, "card memory failure"),
    0x6700: SwMeaning(ErrorCode.BAD_COMMAND, "wrong length"),
    0x6881: SwMeaning(ErrorCode.BAD_COMMAND, "logical channel not supported"),
    0x6882: SwMeaning(ErrorCode.BAD_COMMAND, "secure messaging not supported"),
    0x6981: SwMeaning(ErrorCode.BAD_COMMAND, "command incompatible with file structure"),
    0x6982: SwMeaning(ErrorCode.PIN_REQUIRED, "security status not satisfied"),
    0x6983: SwMeaning(ErrorCode.PIN_BLOCKED, "authentication method blocked"),
    0x6984: SwMeaning(ErrorCode.CARD_REFUSED, "referenced data invalidated"),
    0x6985: SwMeaning(ErrorCode.CARD_REFUSED, "conditions of use not satisfied"),
    0x6986: SwMeaning(ErrorCode.BAD_COMMAND, "command not allowed (no current EF)"),
    0x6A80: SwMeaning(ErrorCode.BAD_COMMAND, "incorrect data field"),
    0x6A81: SwMeaning(ErrorCode.BAD_COMMAND, "function not supported"),
    0x6A82: SwMeaning(ErrorCode.FILE_NOT_FOUND, "file or application not found"),
    0x6A83: SwMeaning(ErrorCode.RECORD_NOT_FOUND, "record not found"),
    0x6A86: SwMeaning(ErrorCode.BAD_COMMAND, "incorrect P1 P2"),
    0x6A88: SwMeaning(ErrorCode.NO_CONTENT, "referenced data not found"),
    0x6B00: SwMeaning(ErrorCode.BAD_COMMAND, "wrong parameters P1 P2"),
    0x6D00: SwMeaning(ErrorCode.BAD_COMMAND, "instruction not supported"),
    0x6E00: SwMeaning(ErrorCode.BAD_COMMAND, "class not supported"),
    0x6F00: SwMeaning(ErrorCode.DEVICE_ERROR, "no precise diagnosis"),
}

# Words whose low nibble is a counter.
NIBBLE: dict[int, SwMeaning] = {
    0x63C0: SwMeaning(ErrorCode.PIN_WRONG, "verification failed"),
}

BY_SW1: dict[int, SwMeaning] = {
    0x62: SwMeaning(ErrorCode.READ_FAILED, "warning, non-volatile memory unchanged"),
    0x63: SwMeaning(ErrorCode.READ_FAILED, "warning, non-volatile memory changed"),
    0x64: SwMeaning(ErrorCode.DEVICE_ERROR, "execution error, memory unchanged"),
    0x65: SwMeaning(ErrorCode.DEVICE_ERROR, "execution error, memory changed"),
    0x67: SwMeaning(ErrorCode.BAD_COMMAND, "wrong length"),
    0x68: SwMeaning(ErrorCode.BAD_COMMAND, "function in CLA not supported"),
    0x69: SwMeaning(ErrorCode.CARD_REFUSED, "command not allowed"),
    0x6A: SwMeaning(ErrorCode.BAD_COMMAND, "wrong parameters"),
}

UNKNOWN = SwMeaning(ErrorCode.DEVICE_ERROR, "unknown status word")


class CardStatusError(DeviceStatusError):
    """The card answered a command with a failure status word.

    ``tries_left`` is set for PIN verification words (63Cx), else None.
    """

    def __init__(
        self, message: str, code: ErrorCode | None = None, sw: int = 0,
        tries_left: int | None = None,
    ) -> None:
        super().__init__(message, code)
        self.sw = sw
        self.tries_left = tries_left


def meaning(sw: int) -> SwMeaning:
    return EXACT.get(sw) or NIBBLE.get(sw & 0xFFF0) or BY_SW1.get(sw >> 8) or UNKNOWN


def tries_left(sw: int) -> int | None:
    """The PIN try counter carried by 63Cx, else None."""
    return sw & 0x0F if sw & 0xFFF0 in NIBBLE else None


def error_for(sw: int, what: str) -> CardStatusError:
    """The exception for a failure word; ``what`` names the command (no card data)."""
    found = meaning(sw)
    tries = tries_left(sw)
    code = found.code
    if code is ErrorCode.PIN_WRONG and tries == 0:
        code = ErrorCode.PIN_BLOCKED   # 63C0: that was the last try
    suffix = f", {tries} tries left" if tries is not None else ""
    return CardStatusError(f"{what}: SW {sw:04X} {found.text}{suffix}", code, sw, tries)


def check(sw: int, what: str) -> None:
    """Raise CardStatusError unless ``sw`` is 9000."""
    if sw != SW_OK:
        raise error_for(sw, what)
