"""ID card reader driver: a SAM serial reader run by its own I/O thread (drivers.device).

The thread connects (open port, reset SAM, SAM status, SAM ID), then polls find-card. A
found card is selected and read once; the result is published (IdentityRead or ReadFailed)
and the thread watches for the card to leave before it polls again, so a card lying on the
reader is read once per placement. ``read_again()`` asks for the card lying there to be
read once more (a new session starts while the last citizen's card is still on the
reader): the SAM is reset, which makes the reader forget the card it read, and the card is
found, selected and read again within the same placement. Lost ports are reopened every
``reconnect_interval`` by path, which may be a udev-style symlink re-pointed at the new
device.

With a WLT decoder plug-in (``photo_decoder``, see photo.py) the photo is decoded on the
I/O thread and handed over in ``IdentityCard.photo_bgr``; a decoder failing on one card is
logged and that card comes without a photo.

Choosing ``poll_interval`` (default 0.05 s). The bench target is: median time from card
placed to IdentityRead <= 1.5 x the pure wire time of that read's frames (find + select +
read: 25 + 29 + 1305 = 1359 bytes, about 118 ms at 115200 8N1). A card lands at a random
moment between polls, so the mean wait for the next find is ``poll_interval / 2``; an idle
poll costs 21 bytes (find 10 + "no card" 11), 1.8 ms of line time. At 50 ms the added
latency averages ~25 ms (ratio ~1.2) and the line is ~4 % busy while idle. Much shorter
buys little latency for a busier line and CPU; much longer eats the margin (100 ms adds
~50 ms, ratio ~1.4 before any jitter).
"""

from __future__ import annotations

import logging
import os
import threading
import time

import serial

from ..device import DeviceBase, next_event
from ..errors import DeviceError, DeviceTimeout, DeviceUnavailable, ErrorCode, OperationCancelled
from ..events import CardPlaced, CardRemoved, IdentityRead, ReadFailed
from ..status import ONLINE, DeviceState, DeviceStatus, FaultAction
from .link import SamLink, describe_os_error
from .model import IdentityCard
from .photo import WltDecoder

log = logging.getLogger(__name__)

SERIAL_READ_TIMEOUT = 0.05  # bounds how long a blocked read delays close()
FAILURES_BEFORE_OFFLINE = 3  # consecutive failed polls (each already retried)


class SamSerialReader(DeviceBase):
    """IdReader over a GA 467 SAM reader on a serial port (USB CDC-ACM/FTDI or UART).

    Connected means: port open and SAM started. Every wait in the thread is bounded by
    SERIAL_READ_TIMEOUT or the stop event.
    """

    thread_name = "idcard"

    def __init__(
        self,
        name: str,
        port: str,
        baud: int = 115200,
        timeout: float = 1.0,
        poll_interval: float = 0.05,
        presence_interval: float = 0.25,
        reconnect_interval: float = 1.0,
        fingerprint: bool = False,
        retries: int = 2,
        photo_decoder: WltDecoder | None = None,
    ) -> None:
        super().__init__(name, reconnect_interval)
        self.port = port
        self.baud = baud
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.presence_interval = presence_interval
        self.fingerprint = fingerprint
        self.retries = retries
        self.photo_decoder = photo_decoder
        self._sam_id = ""
        self._serial: serial.Serial | None = None
        self._link: SamLink | None = None
        self._failures = 0
        self._card_present = False          # between CardPlaced and CardRemoved
        self._read_again = threading.Event()

    # -- the contract -------------------------------------------------------------------

    @property
    def card_present(self) -> bool:
        """Whether a card lies on the reader (read or not), as of the last presence check."""
        return self._card_present

    def read_again(self) -> None:
        """Read the card lying on the reader once more (a new session wants it).

        Without a card nothing happens; the next card placed is read as always.
        """
        self._read_again.set()

    @property
    def sam_id(self) -> str:
        """The SAM's ID once connected ("" before); a technician's detail, not PII."""
        return self._sam_id

    @property
    def bytes_exchanged(self) -> int:
        link = self._link
        return link.bytes_exchanged if link else 0

    def wait_identity(self, timeout: float) -> IdentityCard:
        self._require_open("reader")
        deadline = time.monotonic() + timeout
        with self._collecting(IdentityRead, ReadFailed) as results:
            self._await_first_attempt(deadline)
            event = next_event(results, deadline,
                               DeviceTimeout("no card was read in time", ErrorCode.NO_CARD))
        if isinstance(event, ReadFailed):
            raise event.error
        if not isinstance(event, IdentityRead):  # pragma: no cover - only those are collected
            raise DeviceError("unexpected event", ErrorCode.READ_FAILED)
        return event.card

    # -- the I/O thread (drivers.device runs it) -----------------------------------------

    def _connect(self) -> None:
        if self._serial is None:
            self._open_port()
        self._start_sam()          # after a SAM failure the port is kept: only this again

    def _io_step(self) -> None:
        link = self._link
        if link is None:  # pragma: no cover - _connect sets it
            raise DeviceUnavailable(f"{self.port} is not open", ErrorCode.NO_DEVICE)
        found = link.find_card()
        self._failures = 0
        self._set_status(ONLINE)   # clears a transient fault
        if not found:
            self._stop.wait(self.poll_interval)
            return
        self._placement(link)

    def _open_port(self) -> None:
        # exclusive: a second program on the same reader would steal half the replies.
        options = {"exclusive": True} if os.name == "posix" else {}
        try:
            port = serial.Serial(self.port, self.baud, timeout=SERIAL_READ_TIMEOUT, **options)
        except (serial.SerialException, OSError, ValueError) as err:
            raise DeviceUnavailable(
                f"cannot open {describe_os_error(self.port, err)}", ErrorCode.NO_DEVICE
            ) from err
        try:
            port.reset_input_buffer()  # whatever a reader said while nobody listened is stale
        except (serial.SerialException, OSError) as err:
            port.close()
            raise DeviceUnavailable(
                f"cannot use {describe_os_error(self.port, err)}", ErrorCode.NO_DEVICE
            ) from err
        self._serial = port
        self._link = SamLink(
            port, name=self.port, baud=self.baud, timeout=self.timeout,
            retries=self.retries, cancel=self._stop,
        )

    def _start_sam(self) -> None:
        link = self._link
        if link is None:  # pragma: no cover
            return
        link.reset_sam()
        link.sam_status()
        self._sam_id = link.sam_id()
        self._failures = 0
        log.info("%s: reader online on %s, SAM %s", self.name, self.port, self._sam_id)

    def _placement(self, link: SamLink) -> None:
        """One card on the reader: read it (again when asked), then wait for it to leave."""
        self._read_again.clear()  # a request made before this card came is already met
        self._card_present = True
        self.events.publish(CardPlaced(self.name))
        try:
            self._read(link)
            while not self._await_removal(link):
                if self._found_again(link):
                    self._read(link)
        except DeviceUnavailable:
            # The reader went away with the card on it: we can no longer vouch it is there.
            self._card_present = False
            self.events.publish(CardRemoved(self.name))
            raise
        self._card_present = False
        self.events.publish(CardRemoved(self.name))

    def _read(self, link: SamLink) -> None:
        try:
            link.select_card()
            card = link.read_card(self.fingerprint)
        except (OperationCancelled, DeviceUnavailable):
            raise
        except DeviceError as err:
            # Includes CardDataError (bad check digit ...): never shown as an identity.
            log.info("%s: card read failed (%s)", self.name, err.code)
            self.events.publish(ReadFailed(self.name, err))
            return
        except Exception as err:
            # A decoding bug on one card's bytes: the screen hears "read failed" and the
            # reader stays online. The type only: the message could quote the card's text.
            log.error("%s: unexpected %s decoding a card", self.name, type(err).__name__)
            self.events.publish(ReadFailed(self.name, DeviceError(
                f"card could not be decoded ({type(err).__name__})", ErrorCode.READ_FAILED)))
            return
        self._decode_photo(card)
        self.events.publish(IdentityRead(self.name, card))

    def _decode_photo(self, card: IdentityCard) -> None:
        decoder = self.photo_decoder
        if decoder is None or not card.photo_wlt:
            return
        try:
            card.photo_bgr = bytearray(decoder.decode(bytes(card.photo_wlt)))
        except Exception as err:  # a vendor library's fault must not lose the identity
            # The type only: a plug-in's message could quote the card's bytes.
            log.warning("%s: WLT photo decoder failed (%s); no photo for this card",
                        self.name, type(err).__name__)

    def _found_again(self, link: SamLink) -> bool:
        """After read_again(): make the reader forget the card it read and find it anew.
        False when it cannot (the card is still watched for leaving)."""
        try:
            link.reset_sam()
            return link.find_card()
        except (OperationCancelled, DeviceUnavailable):
            raise
        except DeviceError as err:
            log.info("%s: reading the card again failed (%s)", self.name, err.code)
            return False

    def _await_removal(self, link: SamLink) -> bool:
        """Wait for the card to leave (True), or for read_again() while it lies (False)."""
        failures = 0
        while True:
            if self._stop.wait(self.presence_interval):
                raise OperationCancelled("reader is closing")
            try:
                if not link.card_present():
                    return True
                failures = 0
            except (OperationCancelled, DeviceUnavailable):
                raise
            except DeviceError as err:
                failures += 1
                log.info("%s: presence check failed (%s)", self.name, err.code)
                if failures >= FAILURES_BEFORE_OFFLINE:
                    return True  # the reader cannot tell: treat the card as gone
                continue
            if self._read_again.is_set():
                self._read_again.clear()
                return False

    # -- faults -------------------------------------------------------------------------

    def _io_fault(self, err: DeviceError) -> None:
        if isinstance(err, DeviceUnavailable):           # the port went away
            self._drop_connection()
            self._report_fault(err)
            self._stop.wait(self.reconnect_interval)
            return
        detail = f"{self.port}: {err}"
        if err.code is ErrorCode.SAM_FAILURE:
            # Keep the port: the SAM is re-initialised every reconnect_interval.
            self._connected = False
            self._report_fault(err, detail)
            self._stop.wait(self.reconnect_interval)
            return
        self._failures += 1
        if not self._connected or self._failures >= FAILURES_BEFORE_OFFLINE:
            # The port is there but the reader does not talk sense: start over.
            self._drop_connection()
            self._report_fault(err, detail)
            self._stop.wait(self.reconnect_interval)
            return
        # Transient: stay online, but let a technician's status view see what happened.
        self._set_status(DeviceStatus(DeviceState.ONLINE, FaultAction.RETRY, fault=err.code.value))
        self._stop.wait(self.poll_interval)

    def _disconnect(self) -> None:
        port, self._serial, self._link = self._serial, None, None
        self._card_present = False
        if port is not None:
            try:
                port.close()
            except OSError:  # closing a vanished device may fail; it is gone either way
                pass
