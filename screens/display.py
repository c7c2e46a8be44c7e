"""The size of the X screen, asked before Kivy opens its window.

Without a window manager (a kiosk X session has none), SDL's ``fullscreen = auto`` keeps an
800x600 window while Kivy believes it is full size, so most of the screen is never drawn.
Giving Kivy the real screen size and position 0,0 avoids that.
"""

from __future__ import annotations

import ctypes
import ctypes.util


def x_screen_size() -> tuple[int, int] | None:
    """(width, height) of the default X screen, or None when no X display can be opened."""
    name = ctypes.util.find_library("X11") or "libX11.so.6"
    try:
        x11 = ctypes.CDLL(name)
    except OSError:
        return None
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
    x11.XDisplayWidth.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    if not display:
        return None
    try:
        screen = x11.XDefaultScreen(display)
        return x11.XDisplayWidth(display, screen), x11.XDisplayHeight(display, screen)
    finally:
        x11.XCloseDisplay(display)
