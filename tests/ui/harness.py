"""Run the real kiosk app with a scripted scenario; the UI tests start this in a subprocess.

    python tests/ui/harness.py --config SITE.toml --scenario NAME --artifacts DIR
                               --results FILE.json [--sim SOCKET] [--timeout S]

The app is started through ``screens.app.run_app`` exactly as ``kiosk run --windowed``
starts it. The scenario (tests/ui/scenarios.py) runs on a worker thread and drives the app
only through ``Ui``: every look at a widget and every touch runs on the Kivy clock; the
worker just waits. Touches are MotionEvents posted through the event loop, so they take
the same path as touches from the input provider (Window.on_touch_down first). Each
``ui.shot(step)`` saves a screenshot ``DIR/ui-<scenario>-<step>.png`` and the texts of the
visible labels; the results file is rewritten after every step, so a hang or crash still
leaves what happened.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

CALL_TIMEOUT_S = 10.0
_touch_ids = itertools.count(1000)


class StepFailed(AssertionError):
    pass


class Ui:
    """The scenario's handle on the running app. Call from the worker thread only."""

    def __init__(self, app: Any, scenario: str, artifacts: Path, sim_socket: str | None) -> None:
        self.app = app
        self.scenario = scenario
        self.artifacts = artifacts
        self.sim_socket = sim_socket
        self.results: dict[str, Any] = {"scenario": scenario, "steps": {}, "data": {}, "log": []}
        self.results_path: Path | None = None
        self.started = time.monotonic()

    # -- plumbing --------------------------------------------------------------------------
    def call(self, fn: Callable[[], Any], timeout: float = CALL_TIMEOUT_S) -> Any:
        """Run fn on the Kivy main thread and return its result (or raise its error)."""
        from kivy.clock import Clock

        done = threading.Event()
        box: dict[str, Any] = {}

        def run(_dt: float) -> None:
            try:
                box["value"] = fn()
            except BaseException as err:  # handed back to the worker
                box["error"] = err
            finally:
                done.set()

        Clock.schedule_once(run, 0)
        if not done.wait(timeout):
            raise StepFailed(f"main thread did not run a call within {timeout} s (UI blocked?)")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def note(self, text: str) -> None:
        self.results["log"].append(f"{time.monotonic() - self.started:6.2f} {text}")
        self.save()

    def save(self) -> None:
        if self.results_path is not None:
            tmp = self.results_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.results, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, self.results_path)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait_until(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.call(predicate)
            if value:
                return value
            if time.monotonic() > deadline:
                raise StepFailed(f"timed out after {timeout} s waiting for {what}; screen={self.screen()} "
                                 f"texts={[t['text'] for t in self.texts()]}")
            time.sleep(0.05)

    # -- reading the UI --------------------------------------------------------------------
    def screen(self) -> str:
        return str(self.call(lambda: self.app.manager.current))

    def settled(self) -> bool:
        return bool(self.call(lambda: not self.app.manager.transition.is_active))

    def wait_screen(self, name: str, timeout: float = 10.0) -> None:
        manager = self.app.manager
        self.wait_until(lambda: manager.current == name and not manager.transition.is_active,
                        timeout, f"screen {name!r}")
        self.note(f"screen {name}")

    def texts(self, everywhere: bool = False) -> list[dict[str, Any]]:
        return list(self.call(lambda: collect_texts(self.app, everywhere)))

    def visible_text(self) -> str:
        return "\n".join(t["text"] for t in self.texts())

    def wait_text(self, fragment: str, timeout: float = 10.0) -> None:
        self.wait_until(lambda: any(fragment in t["text"] for t in collect_texts(self.app, False)),
                        timeout, f"text {fragment!r}")
        self.note(f"text {fragment!r}")

    def wait_no_text(self, fragment: str, timeout: float = 10.0) -> None:
        self.wait_until(lambda: not any(fragment in t["text"] for t in collect_texts(self.app, False)),
                        timeout, f"text {fragment!r} to go")
        self.note(f"no text {fragment!r}")

    # -- acting ----------------------------------------------------------------------------
    def tap(self, text: str, timeout: float = 5.0) -> None:
        """Touch the centre of the visible label or button showing exactly ``text``."""
        pos = self.wait_until(lambda: find_text_center(self.app, text), timeout, f"something to tap showing {text!r}")
        self.tap_at(*pos)
        self.note(f"tap {text!r} at {pos}")

    def tap_at(self, x: float, y: float) -> None:
        touch = self.call(lambda: _touch_down(x, y))
        time.sleep(0.08)
        self.call(lambda: _touch_up(touch))
        time.sleep(0.1)

    def key(self, keycode: int) -> Any:
        """A key press as SDL delivers it: on_key_down, then on_keyboard."""
        from kivy.core.window import Window

        def press() -> Any:
            if Window.dispatch("on_key_down", keycode, 0, None, []):
                return True
            return Window.dispatch("on_keyboard", keycode, 0, None, [])

        return self.call(press)

    def request_close(self) -> Any:
        from kivy.core.window import Window

        return self.call(lambda: Window.dispatch("on_request_close"))

    def sim(self, command: str) -> str:
        from drivers.sim_control import send_command

        if not self.sim_socket:
            raise StepFailed("no simulator socket given (--sim)")
        reply = send_command(self.sim_socket, command)
        self.note(f"sim {command!r} -> {reply!r}")
        if not reply.startswith("ok"):
            raise StepFailed(f"simulator refused {command!r}: {reply}")
        return reply

    # -- recording -------------------------------------------------------------------------
    def shot(self, step: str) -> Path:
        """Screenshot of the next frame plus the visible texts, under ``step``."""
        from kivy.core.window import Window

        self.wait_until(lambda: not self.app.manager.transition.is_active, 5, "the transition to end")
        time.sleep(0.35)  # let fades (toast, overlay) finish
        path = self.artifacts / f"ui-{self.scenario}-{step}.png"
        path.unlink(missing_ok=True)
        done = threading.Event()

        def on_flip(window: Any) -> None:
            window.unbind(on_flip=on_flip)
            # Before the buffer swap: the back buffer holds the finished frame.
            saved = window.screenshot(name=str(path.with_name(path.stem + "-raw.png")))
            os.replace(saved, path)
            done.set()

        def arm() -> None:
            Window.bind(on_flip=on_flip)
            Window.canvas.ask_update()

        self.call(arm)
        if not done.wait(5):
            raise StepFailed(f"no frame drawn for screenshot {step}")
        self.record(step)
        return path

    def record(self, step: str) -> dict[str, Any]:
        snapshot = {
            "screen": self.screen(),
            "texts": self.texts(),
            "all_texts": [t["text"] for t in self.texts(everywhere=True)],
            "elderly": bool(self.call(lambda: self.app.theme.elderly)),
            "banner": self.call(lambda: self.app.banner.message),
            "overlay": self.call(lambda: self.app.overlay.shown and self.app.overlay.mode),
            "window": list(self.call(lambda: _window_size())),
        }
        self.results["steps"][step] = snapshot
        self.note(f"recorded {step}")
        return snapshot


# -- helpers that run on the main thread -----------------------------------------------------

def _window_size() -> tuple[int, int]:
    from kivy.core.window import Window

    return Window.size


def _is_shown(widget: Any) -> bool:
    return widget.opacity > 0 and widget.width > 0 and widget.height > 0


def collect_texts(app: Any, everywhere: bool) -> list[dict[str, Any]]:
    """Label texts: visible ones (in the window, opacity > 0), or every label of every
    screen and overlay, shown or not (``everywhere``: for "nothing personal remains")."""
    from kivy.core.window import Window
    from kivy.uix.label import Label

    out: list[dict[str, Any]] = []

    def walk(widget: Any, shown: bool, where: str) -> None:
        shown = shown and _is_shown(widget)
        name = getattr(widget, "name", "") if widget.__class__.__name__.endswith("Screen") else ""
        where = name or where
        if isinstance(widget, Label) and widget.text and (shown or everywhere):
            x, y = widget.to_window(*widget.pos)
            out.append({
                "text": widget.text,
                "font_size": round(float(widget.font_size), 1),
                "pos": [round(x), round(y)],
                "size": [round(widget.width), round(widget.height)],
                "where": where,
                "shown": shown,
            })
        for child in widget.children:
            walk(child, shown, where)

    for child in Window.children:
        walk(child, True, "chrome")
    if everywhere:
        for screen in app.manager.screens:
            if screen.parent is None:
                walk(screen, False, screen.name)
    return out


def find_text_center(app: Any, text: str) -> tuple[float, float] | None:
    for item in collect_texts(app, False):
        if item["text"] == text:
            x, y = item["pos"]
            w, h = item["size"]
            return (x + w / 2, y + h / 2)
    return None


def _make_touch(x: float, y: float) -> Any:
    from kivy.base import EventLoop
    from kivy.input.motionevent import MotionEvent

    class HarnessTouch(MotionEvent):
        def depack(self, args: dict[str, float]) -> None:
            self.is_touch = True
            self.sx, self.sy = args["x"], args["y"]
            self.profile = ["pos"]
            super().depack(args)

    win = EventLoop.window
    return HarnessTouch("harness", next(_touch_ids), {"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)},
                        is_touch=True, type_id="touch")


def _touch_down(x: float, y: float) -> Any:
    from kivy.base import EventLoop

    touch = _make_touch(x, y)
    EventLoop.post_dispatch_input("begin", touch)
    return touch


def _touch_up(touch: Any) -> None:
    from kivy.base import EventLoop

    EventLoop.post_dispatch_input("end", touch)


# -- the process -----------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--artifacts", required=True, type=Path)
    parser.add_argument("--results", required=True, type=Path)
    parser.add_argument("--sim")
    parser.add_argument("--timeout", type=float, default=80.0)
    args = parser.parse_args(argv)
    args.artifacts.mkdir(parents=True, exist_ok=True)

    import scenarios

    from kiosk.config import load_config
    from screens.app import run_app

    scenario = scenarios.SCENARIOS[args.scenario]
    config = load_config(args.config)
    state: dict[str, Any] = {"ui": None, "ok": False}

    def fail_hard() -> None:
        # The scenario hung: keep what we have and end the process.
        ui = state["ui"]
        if ui is not None:
            ui.results["error"] = f"harness timeout after {args.timeout} s"
            ui.save()
        os._exit(4)

    watchdog = threading.Timer(args.timeout, fail_hard)
    watchdog.daemon = True
    watchdog.start()

    def on_started(app: Any) -> None:
        ui = Ui(app, args.scenario, args.artifacts, args.sim)
        ui.results_path = args.results
        state["ui"] = ui

        def work() -> None:
            try:
                scenario(ui)
                state["ok"] = True
            except BaseException as err:
                ui.results["error"] = f"{type(err).__name__}: {err}"
                ui.results["traceback"] = traceback.format_exc()
            finally:
                ui.results["ok"] = state["ok"]
                ui.save()
                if not ui.results.get("keep_running"):
                    from kivy.clock import Clock

                    Clock.schedule_once(lambda _dt: app.stop(), 0)

        threading.Thread(target=work, name="scenario", daemon=True).start()

    code = run_app(config, windowed=True, on_started=on_started)
    watchdog.cancel()
    ui = state["ui"]
    if ui is not None:
        ui.results["exit_code"] = code
        ui.save()
    if code != 0:
        return code
    return 0 if state["ok"] else 3


if __name__ == "__main__":
    sys.exit(main())
