"""The technician's tools' work, off the UI thread and without a window: what a tool shows
(``ToolView``), the live preview's frames (``Preview``), a test page and an enrollment
(kiosk/flows/technician.py drives them). Log lines go to ``kiosk.technician`` in stable
words and codes, never personal data."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kiosk import hall_time
from kiosk.central_api.checks import CentralCheck
from kiosk.central_api.enroll import enroll
from kiosk.central_api.errors import AlreadyEnrolled, CentralError, CentralRejected
from kiosk.config import KioskConfig
from kiosk.printing.jobs import print_test_page
from kiosk.printing.printers import Printing

log = logging.getLogger("kiosk.technician")

PREVIEW_WIDTH = 480          # pixels across of the live preview


@dataclass(frozen=True)
class Preview:
    """One frame of the live preview: ``pixels`` rows bottom-up (as a texture wants them),
    ``fmt`` "luminance" (gray) or "bgr"."""

    seq: int
    width: int
    height: int
    fmt: str
    pixels: bytes


@dataclass
class ToolView:
    """What the open tool shows; replaced whole when a tool opens."""

    tool: str = ""
    busy: bool = False
    outcome: str = ""            # a stable code: ok, not_configured, no_printer, an error code ...
    fields: tuple[tuple[str, str], ...] = ()   # masked (key, value) pairs of a card read
    kind: str = ""               # the card type or code symbology
    text: str = ""               # a decoded code, a print job, the config version ...
    central: CentralCheck | None = None
    preview: Preview | None = None
    enroll_code: str = ""        # typed or scanned; a one-time code, not personal data
    volume: int | None = None
    seq: int = 0                 # bumped by each result (the screen redraws what changed)


def make_preview(seq: int, frame: Any) -> Preview:
    """A frame scaled to PREVIEW_WIDTH across, rows bottom-up, as texture bytes."""
    array = np.asarray(frame, dtype=np.uint8)
    height, width = array.shape[:2]
    step = max(1, width // PREVIEW_WIDTH)
    small = array[::step, ::step][::-1]                # every n-th pixel, bottom row first
    fmt = "luminance" if small.ndim == 2 else "bgr"
    if small.ndim == 3 and small.shape[2] != 3:
        small, fmt = small[:, :, 0], "luminance"
    small = np.ascontiguousarray(small[:, : small.shape[1] - small.shape[1] % 4])  # rows of 4n
    return Preview(seq, int(small.shape[1]), int(small.shape[0]), fmt, small.tobytes())


def print_test_now(printing: Printing, config: KioskConfig, target: str) -> tuple[str, str]:
    """A test page now: (outcome code, job id); one log line either way."""
    device = printing.receipt if target == "receipt" else printing.a4
    if device is None:
        log.info("technician: %s test page: no printer configured", target)
        return "no_printer", ""
    ready, reason = printing.receipt_ready() if target == "receipt" else printing.a4_ready()
    if not ready:
        log.info("technician: %s test page: printer not ready (%s)", target, reason)
        return reason or "not_ready", ""
    devices = config.devices
    receipt, a4 = devices.receipt_printer, devices.a4_printer
    where = (receipt.url if target == "receipt" and receipt is not None
             else f"CUPS queue {a4.queue}" if a4 is not None else "")
    status = device.status()
    state = status.state.value + (f" ({status.fault})" if status.fault else "")
    terminal = config.terminal.terminal_code or "LOCAL"
    now = hall_time.now(hall_time.hall_zone(config))
    result = print_test_page(printing, target, where, state, now, terminal, config)
    if result.ok:
        log.info("technician: %s test page printed (job %s)", target, result.job_id)
        return "ok", result.job_id
    log.info("technician: %s test page failed (%s)", target, result.reason)
    return result.reason or "job_failed", ""


def enroll_now(config: KioskConfig, url: str, code: str, force: bool,
               enrolled: Callable[[], None]) -> tuple[str, str]:
    """Enroll with ``code`` now: (outcome code, terminal id); one log line either way."""
    central = config.central
    try:
        result = enroll(Path(config.terminal.data_dir), url, code, force=force,
                        ca_bundle=str(central.ca_bundle) if central.ca_bundle else None,
                        connect_timeout=central.connect_timeout_s,
                        read_timeout=central.read_timeout_s)
    except AlreadyEnrolled as err:
        log.info("technician: enrollment refused: already enrolled as %s", err.terminal_id)
        return "already_enrolled", err.terminal_id
    except CentralRejected as err:
        log.info("technician: enrollment rejected (%s)", err.error)
        return "code_rejected" if err.error == "enrollment_failed" else err.error, ""
    except CentralError as err:
        log.info("technician: enrollment failed (%s)", err.code)
        return err.code, ""
    log.info("technician: enrolled as %s", result.identity.terminal_id)
    enrolled()
    return "ok", result.identity.terminal_id
