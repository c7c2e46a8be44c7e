"""Start a minimal kiosk-configured Kivy app, screenshot the first frame, exit.

Run as a script in a subprocess (one Kivy window per process is the safe rule):

    python tests/support/kivy_smoke.py OUT.png [FONT]

Prints one JSON line: screenshot path, window size, seconds to the first frame. Used by
tests/test_front_door.py to prove that GL, SDL2 and a CJK font work on this machine; it is
also the reference for the kiosk window settings that work without a window manager.
"""

from __future__ import annotations

import json
import os
import sys
import time

from screens.display import x_screen_size as screens_x_screen_size  # noqa: E402

T0 = time.monotonic()
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
TEXT = "通办自助终端\n请放置身份证 Please place your ID card"


def x_screen_size() -> tuple[int, int]:
    size = screens_x_screen_size()
    if size is None:
        raise SystemExit(f"cannot open X display {os.environ.get('DISPLAY')!r}")
    return size


def main() -> None:
    out = os.path.abspath(sys.argv[1])
    font = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_FONT
    os.environ.setdefault("KIVY_NO_ARGS", "1")

    width, height = x_screen_size()
    from kivy.config import Config  # before any other kivy import that opens the window

    Config.set("kivy", "exit_on_escape", "0")
    # Without a window manager (Xvfb, a bare kiosk X session) SDL's fullscreen does not
    # resize the X window: it stays 800x600 at +240+100 while Kivy believes it is full
    # screen, and everything right of x=800 / above y=600 is never drawn. Ask for the
    # screen size at 0,0 explicitly; fullscreen + borderless then fit.
    Config.set("graphics", "fullscreen", "auto")
    Config.set("graphics", "borderless", "1")
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "position", "custom")
    Config.set("graphics", "left", "0")
    Config.set("graphics", "top", "0")
    Config.set("graphics", "show_cursor", "0")
    # One input provider: the defaults probe /dev/input too and double every touch.
    for key in list(Config.options("input")):
        Config.remove_option("input", key)
    Config.set("input", "mouse", "mouse,disable_multitouch")

    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.text import LabelBase
    from kivy.core.window import Window
    from kivy.uix.label import Label

    LabelBase.register(name="CJK", fn_regular=font)  # a .ttc works: face 0 is used
    result: dict[str, object] = {}

    class Smoke(App):
        def build(self) -> Label:
            Window.bind(on_request_close=lambda *args, **kwargs: True)  # no window close
            return Label(text=TEXT, font_name="CJK", font_size="40sp", halign="center")

        def on_start(self) -> None:
            # on_start runs before the first frame is drawn: wait for the first flip.
            Window.bind(on_flip=self._first_flip)

        def _first_flip(self, *args: object) -> None:
            Window.unbind(on_flip=self._first_flip)
            Clock.schedule_once(self._shoot, 0)

        def _shoot(self, dt: float) -> None:
            # screenshot() inserts a counter: OUT.png -> OUT0001.png
            result["screenshot"] = Window.screenshot(name=out)
            result["size"] = list(Window.size)
            result["first_frame_s"] = round(time.monotonic() - T0, 3)
            self.stop()

    Smoke().run()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
