"""Device contracts: what the kiosk may ask of each device family.

A contract names the operations, a ``status()`` and the events the device emits on its
``events`` hub. Real drivers and simulators implement the same contract; which one runs is
chosen by configuration, never by ``if testing:``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .doccam.model import CapturedPage
from .events import CodeScanned, EventHub
from .idcard.model import IdentityCard
from .pcsc.model import CardData
from .receipt.model import ReceiptDocument
from .status import DeviceStatus


@runtime_checkable
class Device(Protocol):
    """What every device family has: a name, events, open/close and a status.

    Every family publishes StatusChanged on its ``events`` hub when its status changes,
    from the driver's own threads (drivers.device.DeviceBase runs them).
    """

    name: str
    events: EventHub

    def open(self) -> None:
        """Start the device's I/O; returns at once, never raises for a missing device (the
        status says so, and the driver reconnects by itself)."""

    def close(self) -> None:
        """Stop the I/O (within about a second unless the family says otherwise) and
        release the device."""

    def status(self) -> DeviceStatus:
        """The current status, without touching the device."""


@runtime_checkable
class IdReader(Device, Protocol):
    """Resident ID card reader.

    Events: StatusChanged, CardPlaced, IdentityRead(card) or ReadFailed(error) once per
    placement, CardRemoved. They are published from the driver's own I/O thread.
    """

    def wait_identity(self, timeout: float) -> IdentityCard:
        """Block until the next identity is read (for command-line tools).

        Raises the read's DeviceError if it failed, DeviceTimeout (code no_card) when
        nothing was read in time, or the device's error at once if it is not online.
        """


@dataclass(frozen=True)
class PrintOutcome:
    """A finished job: what was sent and how long it took."""

    job_id: str                   # the driver's id (receipt: generated; A4: the CUPS job id)
    pages: int                    # A4 pages, or 1 for a receipt
    bytes_sent: int
    seconds: float


@runtime_checkable
class ReceiptPrinter(Device, Protocol):
    """ESC/POS receipt printer.

    Events: StatusChanged whenever the status (state, paper supply, fault) changes; the
    driver watches the printer with DLE EOT on its own thread while open (``status()`` is
    the last status it saw).
    """

    def render(self, document: ReceiptDocument) -> bytes:
        """The ESC/POS bytes for ``document`` on this printer's profile (pure, no I/O),
        ending with a cut."""

    def print_bytes(self, data: bytes, job_id: str, timeout: float) -> PrintOutcome:
        """Send rendered bytes and follow the job until the printer has printed it.

        Checks the status first (raises PrinterFault with paper_out / cover_open /
        printer_offline ... without sending anything), watches it while sending and while
        the mechanism prints, and raises PrinterFault, DeviceUnavailable or DeviceTimeout
        when the job did not print. Never blocks longer than ``timeout``.
        """


@runtime_checkable
class DocumentPrinter(Device, Protocol):
    """A4 printer behind a CUPS queue.

    Events: StatusChanged when the queue's state or reasons change (watched while open).
    """

    def submit_pdf(self, pdf: bytes, title: str) -> str:
        """Submit a PDF; returns the job id. Raises PrinterFault when the printer is not
        ready (nothing submitted) or DeviceUnavailable when CUPS cannot be reached."""

    def wait_job(self, job_id: str, timeout: float) -> PrintOutcome:
        """Follow the job to completed. A job that stops (media-empty, jam, offline ...) is
        cancelled and PrinterFault is raised with the reason's code; DeviceTimeout when it
        does not finish in time (the job is cancelled too: it must not print later)."""


@runtime_checkable
class CodeScanner(Device, Protocol):
    """Code scanner: a camera with a decoder, or a hand-held scanner (serial or keyboard
    wedge).

    Events: StatusChanged, and CodeScanned(text, symbology) for each code read, published
    from the scanner's own threads. The same code read again within the scanner's repeat
    window (``repeat_window_s``, default 2 s, sliding: a code held in view is reported once)
    is not published again.
    """

    def wait_code(self, timeout: float) -> CodeScanned:
        """Block until the next code is read (for command-line tools).

        Raises DeviceTimeout when no code came in time, or DeviceUnavailable at once when
        the scanner is not open or its device is missing.
        """


@runtime_checkable
class DocumentCamera(Device, Protocol):
    """Document camera (高拍仪): a camera above a platen that captures pages.

    Events: StatusChanged, published from the camera's own I/O thread (no_device while the
    camera is missing; it reconnects by itself). Captured pages are returned, not
    published: they are citizens' documents, held in memory by the caller and wiped by it.
    ``close()`` may take a few seconds (a frame read is bounded by the camera) and cancels
    the captures waiting.
    """

    def capture_page(self, timeout: float) -> CapturedPage:
        """Capture what lies on the platen now: the sharpest of a few fresh frames, its
        page found, straightened, cropped and compressed to JPEG (the whole frame, with
        ``found_edges`` False, when no page outline is found). Never written to disk.

        Raises DeviceUnavailable (no_device) at once when the camera is not open or
        missing, DeviceTimeout when no page was ready within ``timeout``,
        OperationCancelled when the camera is closed meanwhile, DeviceError
        (device_error) when the frame could not be processed.
        """


@runtime_checkable
class CardReader(Device, Protocol):
    """PC/SC smart card reader(s): bank (EMV/PBOC), social security (SSSE) and staff cards.

    Events, published from the driver's threads: StatusChanged; per insertion CardInserted,
    then SmartCardRead(card) or ReadFailed(error) (nothing when the driver is closing), then
    SmartCardRemoved, in that order, for each reader. ``card`` is a CardData its receiver
    owns and wipes. A card that needs its PIN asks the driver's PinPad.

    Status: ONLINE when pcscd answers and a matching reader exists; NO_DEVICE without one;
    OFFLINE with fault pcsc_unavailable while pcscd is down. ``close()`` takes longer than
    a second only while a PIN pad that cannot be cancelled is waiting.
    """

    def wait_card(self, timeout: float) -> CardData:
        """Block until the next card is read (for command-line tools).

        Raises the read's DeviceError if it failed, DeviceTimeout (code no_card) when
        nothing was read in time, or the device's error at once if it is not online.
        """
