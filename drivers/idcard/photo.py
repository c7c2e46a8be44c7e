"""Optional WLT photo decoder plug-in.

The card photo is 1024 bytes of WLT, a proprietary compression with no open decoder;
vendors ship native libraries (``libwlt2bmp.so`` ...) that yield a 102 x 126 24-bit BGR
image. A deployment that has one wraps it in a callable and names it in the config as
``"package.module:callable"``. Without one the kiosk shows no photo. A configured decoder
that cannot be loaded is an error, never a silent fallback to "no photo".
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from ..errors import DeviceError, ErrorCode

PHOTO_WIDTH = 102
PHOTO_HEIGHT = 126
BGR_SIZE = PHOTO_WIDTH * PHOTO_HEIGHT * 3


@runtime_checkable
class WltDecoder(Protocol):
    def decode(self, wlt: bytes) -> bytes:
        """Return the photo as 102 x 126 pixels of BGR, row by row (38 556 bytes)."""
        ...


class _CheckedDecoder:
    """Wraps the plug-in's decode so a wrong result is a clear error, not a broken image."""

    def __init__(self, decode: Callable[[bytes], object], spec: str) -> None:
        self._decode = decode
        self._spec = spec

    def decode(self, wlt: bytes) -> bytes:
        result = self._decode(bytes(wlt))
        if not isinstance(result, bytes | bytearray) or len(result) != BGR_SIZE:
            raise DeviceError(
                f"WLT decoder {self._spec!r} returned no {PHOTO_WIDTH}x{PHOTO_HEIGHT} BGR image",
                ErrorCode.DEVICE_ERROR,
            )
        return bytes(result)


def load_decoder(spec: str | None) -> WltDecoder | None:
    """Import ``"module:callable"``; None (or "") means no decoder.

    The callable is a class (instantiated without arguments; instances have
    ``decode(wlt)``), an object with ``decode``, or a plain function ``decode(wlt)``.
    Raises DeviceError naming the spec when it cannot be loaded.
    """
    if not spec:
        return None
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise DeviceError(f"WLT decoder {spec!r}: expected 'module:callable'")
    try:
        module = importlib.import_module(module_name)
    except Exception as err:  # ImportError, or the module failing on import (missing .so)
        raise DeviceError(f"WLT decoder {spec!r}: cannot import {module_name}: {err}") from err
    target: object = module
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise DeviceError(f"WLT decoder {spec!r}: {module_name} has no {attr}") from None
    if isinstance(target, type):
        try:
            target = target()
        except Exception as err:
            raise DeviceError(f"WLT decoder {spec!r}: cannot create it: {err}") from err
        if not isinstance(target, WltDecoder):
            raise DeviceError(f"WLT decoder {spec!r}: {attr}() has no decode(wlt)")
    if isinstance(target, WltDecoder):
        return _CheckedDecoder(target.decode, spec)
    if callable(target):
        return _CheckedDecoder(target, spec)
    raise DeviceError(f"WLT decoder {spec!r}: {attr} is not callable")
