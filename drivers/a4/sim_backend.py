"""CUPS backend of the simulated A4 printer: a paper-state gate in front of cups-pdf.

SimulatedCups installs a copy of this file (with a shebang naming the interpreter) as
``<ServerBin>/backend/tongban-sim``, mode 0700 and owned by root, so cupsd runs it as root,
as cups-pdf requires. It is standalone on purpose (standard library only, no package
imports): cupsd runs it with a bare environment.

Device URI: ``tongban-sim:<quoted sim dir>``. The sim dir holds ``state.json`` (written
atomically by SimulatedCups), ``cups-pdf.ppd`` (cups-pdf's settings) and ``cups-pdf/``
(its working dirs).

Like a USB or IPP backend in front of a real printer, it reports the printer's condition
to cupsd with ``STATE: +reason`` lines and, while the paper is out or jammed or the
printer is offline, keeps the job waiting (state re-read every 0.1 s) instead of failing:
when staff refill paper the waiting job prints. That is exactly why a driver must cancel a
job that stopped on paper-out. ``delay`` seconds of "printing" before the PDF is written
give tests a window to take the paper away mid-job. SIGTERM (job cancelled) ends the
backend without output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from types import FrameType

CUPS_PDF = "/usr/lib/cups/backend/cups-pdf"
SCHEME = "tongban-sim"
BACKEND_OK, BACKEND_FAILED = 0, 1
POLL = 0.1

# paper / offline state -> the printer-state-reason a real printer would report.
REASONS = {
    "low": "media-low-report",
    "out": "media-empty-error",
    "jammed": "media-jam-error",
    "offline": "offline-report",
}
BLOCKING = ("out", "jammed", "offline")  # conditions under which nothing prints
# cups-pdf reads its configuration from /etc/cups/cups-pdf-<name>.conf; this name has no
# file there, so only the built-in defaults and our PPD's settings apply (never a
# system-wide PostProcessing hook or output directory).
PRIVATE_CONF_NAME = "tongban-sim-no-system-conf"

_cancelled = False
_child: subprocess.Popen[bytes] | None = None


def main(argv: list[str]) -> int:
    if len(argv) == 1:  # discovery (lpinfo -v)
        print(f'direct {SCHEME} "Tongban" "Tongban simulated A4 printer"')
        return BACKEND_OK
    if len(argv) not in (6, 7):
        print(f"ERROR: usage: {SCHEME} job-id user title copies options [file]", file=sys.stderr)
        return BACKEND_FAILED
    signal.signal(signal.SIGTERM, _on_term)
    sim_dir = _sim_dir()
    if sim_dir is None:
        print("ERROR: DEVICE_URI does not name the simulator's directory", file=sys.stderr)
        return BACKEND_FAILED
    job = argv[1]
    if not _wait_until_printable(sim_dir):
        return BACKEND_OK  # cancelled while waiting
    return _print(sim_dir, job, argv)


def _on_term(signum: int, frame: FrameType | None) -> None:
    global _cancelled
    _cancelled = True
    if _child is not None and _child.poll() is None:
        _child.terminate()


def _sim_dir() -> Path | None:
    uri = os.environ.get("DEVICE_URI", "")
    prefix = f"{SCHEME}:"
    if not uri.startswith(prefix):
        return None
    path = Path(urllib.parse.unquote(uri[len(prefix):]))
    return path if path.is_absolute() and path.is_dir() else None


def _read_state(sim_dir: Path) -> dict[str, object]:
    try:
        data = json.loads((sim_dir / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _conditions(state: dict[str, object]) -> set[str]:
    found = set()
    paper = state.get("paper", "normal")
    if paper in REASONS:
        found.add(str(paper))
    if state.get("offline"):
        found.add("offline")
    return found


def _report(conditions: set[str], last: set[str] | None) -> None:
    # One sign per STATE: line ("STATE: -a,b" removes both), so removals and additions
    # go on separate lines.
    changed = [name for name in REASONS if last is None or (name in conditions) != (name in last)]
    removed = [REASONS[name] for name in changed if name not in conditions]
    added = [REASONS[name] for name in changed if name in conditions]
    for sign, reasons in (("-", removed), ("+", added)):
        if reasons:
            print(f"STATE: {sign}{','.join(reasons)}", file=sys.stderr, flush=True)


def _wait_until_printable(sim_dir: Path) -> bool:
    """Hold the job while a blocking condition lasts and for the configured delay."""
    parent = os.getppid()
    last: set[str] | None = None
    printed_for = 0.0
    while not _cancelled and os.getppid() == parent:  # a killed cupsd must not leave us
        state = _read_state(sim_dir)
        conditions = _conditions(state)
        blocking = [name for name in BLOCKING if name in conditions]
        if conditions != last and blocking:
            print(f"INFO: printer waiting: {', '.join(blocking)}", file=sys.stderr, flush=True)
        _report(conditions, last)
        last = conditions
        if not blocking:
            delay = state.get("delay", 0.0)
            if not isinstance(delay, int | float) or printed_for >= float(delay):
                return True
            printed_for += POLL
        time.sleep(POLL)
    return False


def _print(sim_dir: Path, job: str, argv: list[str]) -> int:
    global _child
    work = sim_dir / "cups-pdf"
    stage = work / "stage"
    for leftover in stage.glob("*"):
        leftover.unlink(missing_ok=True)
    env = dict(os.environ)
    env["DEVICE_URI"] = f"cups-pdf:/{PRIVATE_CONF_NAME}"
    env["PPD"] = str(sim_dir / "cups-pdf.ppd")
    # The user is always root and the options are dropped: cups-pdf would otherwise run
    # Ghostscript and a client-chosen PostProcessing command as the requesting user name,
    # which any local client can claim.
    args = [CUPS_PDF, job, "root", argv[3], argv[4], ""] + argv[6:7]
    _child = subprocess.Popen(args, cwd=work, env=env)
    code = _child.wait()
    _child = None
    if _cancelled:
        for leftover in stage.glob("*"):
            leftover.unlink(missing_ok=True)
        return BACKEND_OK
    made = sorted(stage.glob("*.pdf"))
    if code != 0 or not made:
        print(f"ERROR: cups-pdf failed (exit {code}, {len(made)} PDF)", file=sys.stderr)
        return BACKEND_FAILED
    # Time first: names sort in print order, and job ids restart with a fresh spool.
    out = sim_dir / "out" / f"{time.time_ns()}-job{int(job)}.pdf"
    os.replace(made[0], out)  # atomic: a watcher never sees a half-written PDF
    for extra in made[1:]:
        extra.unlink(missing_ok=True)
    print(f"INFO: printed {out.name}", file=sys.stderr, flush=True)
    return BACKEND_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv))
