"""Looking for what a session left of a citizen: their ID number and name, as bytes.

    finder = TraceFinder(["张三", "110101199003071233"])
    finder.in_bytes(data)                      # -> list of Trace
    finder.in_paths([data_dir, tmpdir], exclude=[cups.out_dir])

Every needle is searched in UTF-8, GBK and UTF-16LE (the encodings a name takes in a log, a
database, an ID card's own fields, a Windows-made file). Files are read raw, so SQLite
databases, their -wal / -journal files and free pages, logs and spool files are all covered;
a PDF (a spooled print job) is also searched in its extracted text, because its content
streams are compressed and its CJK text is stored as glyph ids; gzip files (rotated logs)
are searched inflated too.

``WrittenFiles`` catches what a search after the fact cannot: a file this process wrote
during the session and deleted before the search (an unlinked temporary copy lives on in
the file system's free blocks). It is fed by a ``sys.addaudithook`` hook, which sees every
``open`` for writing, rename and unlink made from Python in this process, on any thread.
"""

from __future__ import annotations

import gzip
import os
import stat
import sys
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENCODINGS = ("utf-8", "gbk", "utf-16-le")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


@dataclass(frozen=True)
class Trace:
    where: str       # a path, with " (PDF text)" / " (inflated)" when found inside
    needle: str
    encoding: str

    def __str__(self) -> str:
        return f"{self.where}: {self.needle!r} in {self.encoding}"


class TraceFinder:
    def __init__(self, needles: Iterable[str]) -> None:
        self.needles = [n for n in needles if n]
        if not self.needles:
            raise ValueError("nothing to look for")
        self._encoded = [
            (needle, encoding, needle.encode(encoding))
            for needle in self.needles for encoding in ENCODINGS
        ]

    # -- bytes ------------------------------------------------------------------------------
    def in_bytes(self, data: bytes, where: str = "<bytes>") -> list[Trace]:
        found = [Trace(where, needle, enc) for needle, enc, raw in self._encoded if raw in data]
        if data.startswith(b"%PDF"):
            text = pdf_text(data)
            found += [Trace(f"{where} (PDF text)", n, "text") for n in self.needles if n in text]
        elif data.startswith(b"\x1f\x8b"):
            try:
                inflated = gzip.decompress(data)
            except (OSError, EOFError, zlib.error):
                inflated = b""
            found += self.in_bytes(inflated, f"{where} (inflated)") if inflated else []
        return found

    # -- files ------------------------------------------------------------------------------
    def in_paths(self, roots: Iterable[Path], exclude: Iterable[Path] = ()) -> list[Trace]:
        """Every regular file under ``roots`` (files or folders; symlinks are not followed,
        sockets and pipes skipped), except under ``exclude``."""
        skipped = [Path(p).absolute() for p in exclude]
        found: list[Trace] = []
        for path in _files(roots, skipped):
            try:
                data = path.read_bytes()
            except FileNotFoundError:   # removed while we looked (a finished job's file)
                continue
            found += self.in_bytes(data, str(path))
        return found


def files_under(roots: Iterable[Path], exclude: Iterable[Path] = ()) -> list[Path]:
    """The regular files a search of ``roots`` reads (to show it looked at something)."""
    return list(_files(roots, [Path(p).absolute() for p in exclude]))


def _files(roots: Iterable[Path], skipped: list[Path]) -> Iterator[Path]:
    for root in roots:
        root = Path(root).absolute()
        if _under(root, skipped):
            continue
        try:
            mode = root.lstat().st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISREG(mode):
            yield root
        elif stat.S_ISDIR(mode):
            for folder, dirs, names in os.walk(root):
                dirs[:] = [d for d in dirs if not _under(Path(folder) / d, skipped)]
                for name in names:
                    path = Path(folder) / name
                    try:
                        if stat.S_ISREG(path.lstat().st_mode) and not _under(path, skipped):
                            yield path
                    except FileNotFoundError:
                        continue


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


_PDFIUM = threading.Lock()


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF ("" when it cannot be read)."""
    import pypdfium2 as pdfium

    from drivers.a4.cups_printer import _pdfium_lock
    from kiosk.printing.jobs import _PDFIUM as KIOSK_PDFIUM

    # pdfium is not thread-safe: hold every lock its users in this process take.
    with _PDFIUM, KIOSK_PDFIUM, _pdfium_lock:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return ""
        try:
            texts = []
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                texts.append(textpage.get_text_range())
                textpage.close()
                page.close()
            return "\n".join(texts)
        finally:
            document.close()


# -- what a live thread holds ----------------------------------------------------------------

_SKIPPED_TYPES = (type, type(sys), type(len))   # classes, modules, builtins


def held_by_thread(thread: threading.Thread, needles: Iterable[str], depth: int = 6) -> list[Trace]:
    """The needles in what ``thread``'s frames reach now: their locals (a closure's captured
    variables included), the closures of functions they hold, and containers and objects
    from there, ``depth`` references deep. Bytes are searched as files are (PDFs too)."""
    finder = TraceFinder(needles)
    frame = sys._current_frames().get(thread.ident or -1)
    found: list[Trace] = []
    seen: set[int] = set()
    while frame is not None:
        where = f"{thread.name}: {frame.f_code.co_name}()"
        for name, value in list(frame.f_locals.items()):
            found += _held(value, finder, f"{where} {name}", depth, seen)
        frame = frame.f_back
    return found


def _held(value: Any, finder: TraceFinder, where: str, depth: int, seen: set[int]) -> list[Trace]:
    if id(value) in seen or isinstance(value, _SKIPPED_TYPES) or value is None:
        return []
    seen.add(id(value))
    if isinstance(value, str):
        return [Trace(where, n, "str") for n in finder.needles if n in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return finder.in_bytes(bytes(value), where)
    if depth <= 0:
        return []
    found: list[Trace] = []
    if isinstance(value, dict):
        items = list(value.items())
        for key, item in items:
            found += _held(key, finder, where, depth - 1, seen)
            found += _held(item, finder, f"{where}[{key!r}]", depth - 1, seen)
        return found
    if isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(list(value)):
            found += _held(item, finder, f"{where}[{index}]", depth - 1, seen)
        return found
    closure = getattr(value, "__closure__", None)
    if closure:                                   # a function: what it captured
        for name, cell in zip(value.__code__.co_freevars, closure, strict=False):
            try:
                content = cell.cell_contents
            except ValueError:                     # an empty cell
                continue
            found += _held(content, finder, f"{where}.<{name}>", depth - 1, seen)
        return found
    if callable(value) and not hasattr(value, "__dict__"):
        return found
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        found += _held(attributes, finder, f"{where}.", depth - 1, seen)
    for slot in getattr(type(value), "__slots__", ()):
        if isinstance(slot, str) and hasattr(value, slot):
            found += _held(getattr(value, slot), finder, f"{where}.{slot}", depth - 1, seen)
    return found


# -- files written and deleted ---------------------------------------------------------------

class WrittenFiles:
    """Files opened for writing under ``roots`` while a ``watching()`` block runs, with the
    renames that moved them; ``vanished()`` names those that no longer exist."""

    _active: list[WrittenFiles] = []
    _hooked = False
    _guard = threading.Lock()

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = [Path(r).absolute() for r in roots]
        self.written: list[Path] = []
        self._moved: dict[Path, Path] = {}
        self._lock = threading.Lock()

    @contextmanager
    def watching(self) -> Iterator[WrittenFiles]:
        with WrittenFiles._guard:
            if not WrittenFiles._hooked:       # audit hooks cannot be removed: one per process
                sys.addaudithook(_audit)
                WrittenFiles._hooked = True
            WrittenFiles._active.append(self)
        try:
            yield self
        finally:
            with WrittenFiles._guard:
                WrittenFiles._active.remove(self)

    def vanished(self) -> list[str]:
        """Written files gone now (following renames): deleted copies of something."""
        with self._lock:
            written, moved = list(self.written), dict(self._moved)
        gone = []
        for path in dict.fromkeys(written):
            final, seen = path, set()
            while final in moved and final not in seen:
                seen.add(final)
                final = moved[final]
            if not final.exists():
                gone.append(str(path))
        return gone

    def _event(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, mode, flags = args
            if not isinstance(path, str | bytes | os.PathLike):
                return
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writes and (resolved := self._mine(path)) is not None:
                with self._lock:
                    self.written.append(resolved)
        elif event == "os.rename":
            source, target = self._mine(args[0]), self._mine(args[1])
            if source is not None:
                with self._lock:
                    self._moved[source] = target or Path(os.fsdecode(args[1])).absolute()

    def _mine(self, path: Any) -> Path | None:
        if not isinstance(path, str | bytes | os.PathLike):
            return None
        absolute = Path(os.path.abspath(os.fsdecode(path)))
        return absolute if _under(absolute, self.roots) else None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event not in ("open", "os.rename") or not WrittenFiles._active:
        return
    for watch in list(WrittenFiles._active):
        try:
            watch._event(event, args)
        except Exception:  # an audit hook must never break the code it watches
            pass
