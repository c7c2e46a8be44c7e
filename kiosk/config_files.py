"""Reading a configuration file safely, whatever its bytes: a regular file of at most
``MAX_FILE_BYTES`` (opened without blocking), UTF-8, TOML, nested at most ``MAX_DEPTH``
levels, no NUL in any string. Every problem is a ``ConfigError`` naming the file (and the
key, when there is one). Used by kiosk.config.load_config.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from kiosk.config_errors import ConfigError

MAX_FILE_BYTES = 1 << 20  # a configuration file is a few KB
MAX_DEPTH = 10  # tables and arrays: the deepest setting is 4 levels down


def read_bytes(path: Path) -> bytes:
    """The file's bytes: a regular file of at most MAX_FILE_BYTES (opened without blocking,
    so a FIFO or a device never hangs start-up)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except PermissionError:
        raise ConfigError(path, "", "permission denied") from None
    except OSError as err:
        raise ConfigError(path, "", f"cannot open: {err.strerror or err}") from None
    except ValueError:  # a NUL in the path
        raise ConfigError(repr(str(path)), "", "the path contains a NUL character") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(path, "", "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise ConfigError(path, "", f"larger than {MAX_FILE_BYTES >> 20} MiB")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ConfigError(path, "", f"cannot read: {err.strerror or err}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(path, "", f"larger than {MAX_FILE_BYTES >> 20} MiB")
    return data


def check_tree(path: Path, data: dict[str, Any]) -> None:
    """No nesting deeper than MAX_DEPTH (merging and validation recurse), no NUL in any
    string (no path or device name holds one)."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, str):
            if "\0" in node:
                raise ConfigError(path, where, "contains a NUL character")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise ConfigError(path, "", f"tables or arrays nested deeper than {MAX_DEPTH} levels")
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(key, str) and "\0" in key:
                raise ConfigError(path, where, "a key contains a NUL character")
            stack.append((value, depth + 1, f"{where}.{key}" if where else str(key)))


def read_toml(path: Path) -> dict[str, Any]:
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(path, "", f"not valid UTF-8 (byte {err.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(path, "", f"not valid TOML: {err}") from None
    except RecursionError:  # the pure-Python parser recurses per nested array/inline table
        raise ConfigError(path, "", f"tables or arrays nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as err:  # an integer beyond Python's digit limit, and the like
        raise ConfigError(path, "", f"not valid TOML: {err}") from None
    check_tree(path, data)
    return data
