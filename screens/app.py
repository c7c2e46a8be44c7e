"""Start the kiosk UI: Kivy locked down for a public terminal, a CJK font, the Terminal.

Kivy reads its configuration when its modules are first imported, so everything here that
configures Kivy runs before any ``kivy.core`` import. Start-up problems (no Chinese font,
a terminal that cannot start) end with a clear message and exit code 1, never a traceback.
"""

from __future__ import annotations

import ctypes.util
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.config import KioskConfig
from kiosk.logs import setup_logging

from .display import x_screen_size
from .fonts import FontNotFound, find_cjk_font

if TYPE_CHECKING:
    from .kiosk_app import KioskApp

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAIL = 0, 1


def input_provider(touch_input: str) -> tuple[str, str]:
    """config.ui.touch_input -> the one [input] entry Kivy gets (name, value)."""
    if touch_input == "mouse":
        # disable_multitouch: no red multitouch-emulation dots on right/middle clicks.
        return "mouse", "mouse,disable_multitouch"
    provider, _, device = touch_input.partition(":")
    return "touchscreen", f"{provider},{device}"


class StartupError(Exception):
    """A problem found before the window opens; str() is the message (Chinese, English)."""


class _QuietUnusedProviders(logging.Filter):
    """Kivy imports every input provider and logs an ERROR with a traceback when libmtdev
    is missing, even when mtdev is not configured: that would send technicians after a
    fault that is not there. The record is kept only when mtdev is the configured input."""

    def __init__(self, uses_mtdev: bool) -> None:
        super().__init__()
        self.uses_mtdev = uses_mtdev

    def filter(self, record: logging.LogRecord) -> bool:
        return self.uses_mtdev or not record.getMessage().startswith("Input: MTDev is not supported")


def check_touch_input(touch_input: str) -> None:
    if touch_input.startswith("mtdev:") and ctypes.util.find_library("mtdev") is None:
        raise StartupError(
            f"触摸屏输入 ui.touch_input = {touch_input} 需要 libmtdev：apt-get install libmtdev1\n"
            f"ui.touch_input = {touch_input} needs libmtdev: apt-get install libmtdev1"
        )
    if ":" in touch_input:
        device = Path(touch_input.partition(":")[2])
        if not device.exists():
            raise StartupError(
                f"触摸屏设备不存在：ui.touch_input = {touch_input}\n"
                f"The touch device in ui.touch_input does not exist: {device}"
            )


def configure_kivy(config: KioskConfig, windowed: bool) -> None:
    """Set Kivy's environment and Config for a kiosk. Must run before kivy.core imports."""
    os.environ["KIVY_NO_ARGS"] = "1"          # argv belongs to the `kiosk` command line
    os.environ["KIVY_LOG_MODE"] = "PYTHON"    # Kivy logs through our redacting handlers
    os.environ.setdefault("KIVY_HOME", str(Path(config.terminal.data_dir) / "kivy"))
    logging.getLogger("kivy").addFilter(_QuietUnusedProviders(config.ui.touch_input.startswith("mtdev:")))
    from kivy.config import Config

    ui = config.ui
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "log_enable", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("graphics", "allow_screensaver", "0")
    Config.set("graphics", "resizable", "0")
    if windowed:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "0")
        Config.set("graphics", "width", str(ui.width))
        Config.set("graphics", "height", str(ui.height))
        Config.set("graphics", "show_cursor", "1")
    else:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
        size = x_screen_size()
        if size is not None:  # see screens/display.py: no window manager on a kiosk
            Config.set("graphics", "width", str(size[0]))
            Config.set("graphics", "height", str(size[1]))
            Config.set("graphics", "position", "custom")
            Config.set("graphics", "left", "0")
            Config.set("graphics", "top", "0")
    # Exactly one input provider: two providers deliver every touch twice.
    for option in list(Config.options("input")):
        Config.remove_option("input", option)
    Config.set("input", *input_provider(ui.touch_input))


def _fail(chinese: str, english: str) -> int:
    print(f"{chinese}\n{english}", file=sys.stderr)
    return EXIT_FAIL


def _install_exception_guard(app_ref: Callable[[], KioskApp | None]) -> None:
    """A bug in a UI callback logs and returns to the home screen instead of crashing the
    kiosk; a burst of errors (a broken loop) still ends the process for systemd to restart."""
    from kivy.base import ExceptionHandler, ExceptionManager

    class Guard(ExceptionHandler):
        def __init__(self) -> None:
            self.recent: list[float] = []

        def handle_exception(self, exception: BaseException) -> Any:
            if isinstance(exception, KeyboardInterrupt | SystemExit):
                return ExceptionManager.RAISE
            now = time.monotonic()
            self.recent = [t for t in self.recent if now - t < 10] + [now]
            log.error("UI error: %s", exception, exc_info=exception)
            if len(self.recent) > 20:
                return ExceptionManager.RAISE
            app = app_ref()
            if app is not None:
                try:
                    app.cancel_session()
                except Exception:
                    log.exception("could not end the session after a UI error")
            return ExceptionManager.PASS

    ExceptionManager.add_handler(Guard())


def run_app(
    config: KioskConfig,
    windowed: bool,
    *,
    on_started: Callable[[KioskApp], None] | None = None,
) -> int:
    """Run the kiosk UI until stopped (SIGTERM / SIGINT). Returns the exit code.

    on_started(app) runs on the Kivy clock once the app has started (UI tests).
    """
    windowed = windowed or not config.ui.fullscreen
    for handler in list(logging.getLogger().handlers):
        logging.getLogger().removeHandler(handler)  # only redacting handlers from here on
    try:
        setup_logging(Path(config.terminal.data_dir) / "logs")
    except OSError as err:
        setup_logging(None)  # stderr only; the Terminal below reports the data_dir problem
        log.error("no log file under %s: %s", config.terminal.data_dir, err)

    try:
        font = find_cjk_font(config.ui.font)
        check_touch_input(config.ui.touch_input)
    except (FontNotFound, StartupError) as err:
        log.error("start-up: %s", str(err).splitlines()[-1])
        print(f"kiosk: {err}", file=sys.stderr)
        return EXIT_FAIL

    from kiosk.terminal import Terminal

    try:
        terminal = Terminal(config)
    except Exception as err:
        return _startup_failed("终端启动失败，请联系技术人员", "The kiosk could not start", err, config)

    # Before SDL starts: SDL turns SIGTERM into a window close request, which the kiosk
    # refuses; systemd's stop must still end the kiosk cleanly.
    app: KioskApp | None = None
    stop_requested = False

    def on_signal(signum: int, _frame: Any) -> None:
        nonlocal stop_requested
        log.info("signal %d: stopping", signum)
        stop_requested = True
        if app is not None:
            from kivy.clock import Clock

            Clock.schedule_once(lambda _dt: app.stop() if app else None, 0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        configure_kivy(config, windowed)
        from .fonts import register_default_font

        register_default_font(font)
        from kivy.core.window import Window

        from .kiosk_app import KioskApp

        if Window is None:
            raise StartupError(f"no window (DISPLAY={os.environ.get('DISPLAY', '')!r})")
        app = KioskApp(terminal, on_started=on_started)
    except Exception as err:
        return _startup_failed("显示界面无法启动，请联系技术人员", "The kiosk display could not start", err, config)
    _install_exception_guard(lambda: app)
    try:
        terminal.start()
    except Exception as err:
        terminal.stop()
        return _startup_failed("设备启动失败，请联系技术人员", "The kiosk devices could not be opened", err, config)
    try:
        if not stop_requested:
            app.run()
    finally:
        terminal.stop()
        log.info("kiosk stopped")
    # 75 (kiosk.fleet.restart): systemd and the demo's supervisor start the kiosk again.
    return app.exit_status if app.exit_status is not None else EXIT_OK


def _startup_failed(chinese: str, english: str, err: Exception, config: KioskConfig) -> int:
    # The traceback goes to the log at debug level only: the console and the log file
    # get one plain line a technician can act on.
    log.error("%s: %s: %s", english, type(err).__name__, err)
    log.debug("start-up failure", exc_info=err)
    return _fail(
        f"{chinese}：{err}",
        f"{english}: {type(err).__name__}: {err} (log: {Path(config.terminal.data_dir) / 'logs' / 'kiosk.log'})",
    )
