"""Files that must survive a power cut or stay private: 0700 folders, 0600 files created
with their mode (never briefly readable by others), fsync before rename."""

from __future__ import annotations

import logging
import os
import shutil
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DATA_DIR_MODE = 0o750  # the terminal's data folder: its user, and its group to read


def ensure_private_dir(path: Path) -> None:
    """A directory only the terminal's user can enter (0700), created if needed."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        os.chmod(path, 0o700)


def ensure_dir(path: Path, mode: int) -> None:
    """A directory no more open than ``mode`` (0750: the terminal's user and its group),
    created if needed; an existing one with bits beyond ``mode`` loses them (a stricter
    one is left as it is)."""
    path.mkdir(mode=mode, parents=True, exist_ok=True)
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        os.chmod(path, current & mode)


def tighten_file(path: Path, mode: int) -> None:
    """Take from an existing file the permission bits beyond ``mode``."""
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        os.chmod(path, current & mode)


def write_private_file(path: Path, data: bytes) -> None:
    """Create ``path`` (O_EXCL: fails if it exists) with mode 0600, write it and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_private_file(path: Path, data: bytes) -> None:
    """Atomically put ``data`` at ``path`` (mode 0600): a crash leaves the old or the new file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    write_private_file(tmp, data)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_overwritten(folder: Path, chunk: int = 1 << 20) -> None:
    """Remove a folder (a session's), each file overwritten with zeros first: an unlinked file's
    blocks keep its bytes on a disk until they are reused. Best effort (an SSD may keep old
    blocks anyway); the folder goes whatever fails."""
    for path in folder.rglob("*"):
        try:
            if path.is_symlink() or not path.is_file():
                continue
            left = path.stat().st_size
            with path.open("r+b") as handle:
                while left > 0:
                    left -= handle.write(bytes(min(chunk, left)))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as err:
            log.warning("session folder: overwriting a file failed: %s", err.strerror)
    shutil.rmtree(folder, ignore_errors=True)
