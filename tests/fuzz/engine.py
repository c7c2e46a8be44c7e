"""The fuzzing harness's core: what a target is, and what counts as a crash.

A target is a module in ``tests/fuzz/targets/`` with

- ``ALLOWED``: the exception types its code documents for bad input (anything else it raises
  is a crash);
- ``TARGET(data: bytes) -> None``: feeds ``data`` to the parser the way the terminal or
  central would receive it (and may assert properties of what comes out);
- ``seeds() -> Iterable[tuple[str, bytes]]``: valid inputs made with the simulators and
  fixtures, written to ``tests/fuzz/corpus/<target>/`` by ``run.py --write-seeds``;
- optionally ``INSTRUMENT``: the packages atheris should instrument for coverage.

``check(target, data)`` runs one input under a hang bound (SIGALRM, the input's own time)
and a memory bound (tracemalloc peak of Python allocations while the input runs) and returns
a ``Crash`` or None. The runner (run.py) and the corpus replay test (test_fuzz_corpus.py)
share it, so a crash found by ``make fuzz`` is the same failure in ``make test``.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import signal
import traceback
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"            # committed seeds (and inputs worth keeping)
REGRESSIONS = HERE / "regressions"  # committed: every crash found, once fixed
CRASHES = HERE / "crashes"          # not committed: crashes to review

TARGETS = (
    "sam_frames",          # drivers/idcard/frames.py + link.parse_read_reply
    "id_text",             # drivers/idcard/layouts.py decode_text
    "pcsc_tlv",            # drivers/pcsc/tlv.py BER-TLV, DOL parse and fill
    "pcsc_card",           # drivers/pcsc read_any over scripted APDU responses
    "escpos_sim",          # drivers/receipt/sim_parser.py + sim_render.py
    "scanned_codes",       # kiosk/identify/codes.py classify
    "config_loader",       # kiosk/config.py load_config
    "central_requests",    # central/*schemas.py request models
    "terminal_responses",  # kiosk/central_api/models.py + client error bodies
)

HANG_SECONDS = float(os.environ.get("FUZZ_HANG_SECONDS", "2"))
MEMORY_MB = int(os.environ.get("FUZZ_MEMORY_MB", "128"))


class Hang(BaseException):  # BaseException: a target's ``except Exception`` must not eat it
    """The input ran past the hang bound."""


@dataclass(frozen=True)
class Crash:
    kind: str       # "exception", "hang", "memory"
    summary: str    # one line for the report
    signature: str  # what makes two crashes the same bug (type and innermost frame)

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"


@dataclass(frozen=True)
class Target:
    name: str
    module: ModuleType

    @property
    def allowed(self) -> tuple[type[BaseException], ...]:
        return tuple(self.module.ALLOWED)

    @property
    def run(self) -> Callable[[bytes], None]:
        return self.module.TARGET  # type: ignore[no-any-return]

    def seeds(self) -> Iterable[tuple[str, bytes]]:
        return self.module.seeds()  # type: ignore[no-any-return]

    @property
    def instrument(self) -> tuple[str, ...]:
        return tuple(getattr(self.module, "INSTRUMENT", ()))


def load(name: str) -> Target:
    if name not in TARGETS:
        raise SystemExit(f"unknown fuzz target {name!r} (known: {', '.join(TARGETS)})")
    return Target(name, importlib.import_module(f"tests.fuzz.targets.{name}"))


def input_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


def committed_inputs(name: str) -> Iterator[Path]:
    yield from input_files(CORPUS / name)
    yield from input_files(REGRESSIONS / name)


def digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:16]


@contextmanager
def memory_tracing() -> Iterator[None]:
    """tracemalloc on for the block (check() measures memory only while it is on)."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        yield
    finally:
        if started:
            tracemalloc.stop()


def _on_alarm(_signum: int, _frame: object) -> None:
    raise Hang


@contextmanager
def _hang_bound(seconds: float) -> Iterator[None]:
    if seconds <= 0:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _signature(err: BaseException) -> str:
    """Exception type and the innermost frame in the project's own code (file and function,
    not line: stable while the file is edited elsewhere), e.g.
    ``ValueError@drivers/pcsc/apdu.py:command``."""
    root = str(HERE.parents[1]) + "/"
    frames = traceback.extract_tb(err.__traceback__)
    ours = [f for f in frames if f.filename.startswith(root) and "/.venv/" not in f.filename
            and "/tests/fuzz/" not in f.filename] or frames
    if not ours:
        return type(err).__name__
    where = ours[-1].filename.removeprefix(root)
    return f"{type(err).__name__}@{where}:{ours[-1].name}"


KNOWN = HERE / "known_crashes.txt"


def known_crashes() -> dict[str, set[str]]:
    """target -> signatures of crashes reported and not fixed yet (known_crashes.txt)."""
    known: dict[str, set[str]] = {}
    if KNOWN.exists():
        for line in KNOWN.read_text(encoding="utf-8").splitlines():
            fields = line.split("#", 1)[0].split()
            if len(fields) == 2:
                known.setdefault(fields[0], set()).add(fields[1])
    return known


def check(target: Target, data: bytes, hang_seconds: float = HANG_SECONDS,
          memory_mb: int = MEMORY_MB) -> Crash | None:
    """Run one input; a Crash when it escapes the documented errors, hangs or balloons."""
    tracing = memory_mb > 0 and tracemalloc.is_tracing()  # see memory_tracing()
    if tracing:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
    try:
        with _hang_bound(hang_seconds):
            target.run(data)
    except Hang:
        return Crash("hang", f"input ran longer than {hang_seconds:g} s", "hang")
    except target.allowed:
        pass
    except (Exception, RecursionError, MemoryError) as err:
        text = str(err).splitlines()[0][:160] if str(err) else ""
        return Crash("exception", f"{type(err).__name__}: {text}", _signature(err))
    finally:
        if tracing:
            peak = tracemalloc.get_traced_memory()[1] - base
    if tracing and peak > memory_mb * 1024 * 1024:
        return Crash("memory", f"peak {peak / 1e6:.0f} MB of Python allocations "
                               f"(bound {memory_mb} MB)", "memory")
    return None


def save(directory: Path, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / digest(data)
    path.write_bytes(data)
    return path
