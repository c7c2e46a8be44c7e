"""The exception tree shared by all device families.

Errors carry a stable code (ErrorCode); the UI maps codes to words. Transport and
protocol exceptions are translated at the driver boundary (``raise ... from err``).
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    NO_DEVICE = "no_device"            # port missing / unplugged
    DEVICE_IO = "device_io"            # read/write failed on an open port
    TIMEOUT = "timeout"                # device did not answer in time
    CHECKSUM = "checksum"              # frame checksum mismatch
    FRAME_LENGTH = "frame_length"      # LEN disagrees with what arrived, or truncated
    FRAME_GARBLED = "frame_garbled"    # no preamble / unparseable bytes
    BAD_COMMAND = "bad_command"
    UNAUTHORIZED = "unauthorized"
    SAM_FAILURE = "sam_failure"        # SAM self-test / authorisation failed
    CARD_AUTH = "card_auth"            # card and SAM failed to authenticate each other
    UNKNOWN_CARD = "unknown_card"
    READ_FAILED = "read_failed"
    NO_CARD = "no_card"
    SELECT_FAILED = "select_failed"
    NO_CONTENT = "no_content"
    DEVICE_ERROR = "device_error"      # any other status the device reported
    INVALID_CARD_DATA = "invalid_card_data"  # read fine, but the content fails validation
    CANCELLED = "cancelled"
    # Printers (receipt and A4)
    PAPER_OUT = "paper_out"
    PAPER_JAM = "paper_jam"
    COVER_OPEN = "cover_open"
    PRINTER_OFFLINE = "printer_offline"   # the printer says it is offline (cause unknown)
    CUTTER_ERROR = "cutter_error"
    JOB_FAILED = "job_failed"             # the job ended without printing, for another reason
    # PC/SC smart cards (drivers/pcsc)
    PCSC_UNAVAILABLE = "pcsc_unavailable"  # pcscd is not running / not reachable
    CARD_REMOVED = "card_removed"          # the card left the reader during the read
    PIN_REQUIRED = "pin_required"          # the card wants a PIN (SW 6982) and none can be asked
    PIN_WRONG = "pin_wrong"                # SW 63Cx: wrong PIN, x tries left
    PIN_BLOCKED = "pin_blocked"            # SW 6983 (or 63C0): no tries left
    FILE_NOT_FOUND = "file_not_found"      # SW 6A82: application / file not on the card
    RECORD_NOT_FOUND = "record_not_found"  # SW 6A83
    CARD_REFUSED = "card_refused"          # SW 6985 / 6984 / 6283: conditions of use not met


class DeviceError(Exception):
    """Base of every device error. ``code`` is stable; ``str()`` is for technicians."""

    default_code = ErrorCode.DEVICE_ERROR

    def __init__(self, message: str, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.code: ErrorCode = code or self.default_code


class DeviceUnavailable(DeviceError):
    default_code = ErrorCode.NO_DEVICE


class DeviceTimeout(DeviceError):
    default_code = ErrorCode.TIMEOUT


class ProtocolError(DeviceError):
    """The bytes on the wire are wrong: checksum, length, garbage."""

    default_code = ErrorCode.FRAME_GARBLED


class DeviceStatusError(DeviceError):
    """The device answered well-formed, with a status that means failure."""


class CardDataError(DeviceError):
    """The card was read but its content is invalid (e.g. ID number check digit)."""

    default_code = ErrorCode.INVALID_CARD_DATA


class OperationCancelled(DeviceError):
    default_code = ErrorCode.CANCELLED


class PrinterFault(DeviceStatusError):
    """The printer stopped a job or refuses one: paper out, cover open, jam, offline."""

    default_code = ErrorCode.JOB_FAILED
