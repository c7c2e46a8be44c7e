"""Run the real kiosk app with a scripted scenario; the UI tests start this in a subprocess.

    python tests/ui/harness.py --config SITE.toml --scenario NAME --artifacts DIR
                               --results FILE.json [--sim SOCKET] [--timeout S]
                               [--central SOCKET] [--printers SOCKET] [--cards SOCKET]

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

    def __init__(self, app: Any, scenario: str, artifacts: Path, sim_socket: str | None,
                 central_socket: str | None = None, printers_socket: str | None = None,
                 cards_socket: str | None = None) -> None:
        self.app = app
        self.scenario = scenario
        self.artifacts = artifacts
        self.sim_socket = sim_socket
        self.central_socket = central_socket
        self.printers_socket = printers_socket
        self.cards_socket = cards_socket
        self.results: dict[str, Any] = {"scenario": scenario, "steps": {}, "data": {}, "log": []}
        self.results_path: Path | None = None
        self.started = time.monotonic()

    # -- plumbing --------------------------------------------------------------------------
    def call(self, fn: Callable[[], Any], timeout: float = CALL_TIMEOUT_S) -> Any:
        """Run fn on the Kivy main thread and return its result (or raise its error)."""
        from kivy.clock import Clock

        if threading.current_thread() is threading.main_thread():
            return fn()   # already there (a predicate of wait_until reading the UI)
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
            import faulthandler
            import sys

            faulthandler.dump_traceback(file=sys.stderr, all_threads=True)  # where the main thread is stuck
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
        """Touch the centre of the visible label or button showing exactly ``text``; inside a
        scrolled list, first drag the list (as a finger would) until it is in view."""
        what = f"something to tap showing {text!r}"
        pos, clipped = self.wait_until(lambda: _locate(self.app, text), timeout, what)
        if clipped is not None:
            self.reveal(text)
            pos, _ = self.wait_until(lambda: _locate(self.app, text), timeout, what)
        self.tap_at(*pos)
        self.note(f"tap {text!r} at {pos}")

    def type(self, keys: str, timeout: float = 5.0) -> None:
        """Tap the on-screen key of each character in turn (real touches; keys stay put)."""
        wanted = sorted(set(keys))
        where = self.wait_until(lambda: _key_positions(self.app, wanted), timeout, f"the keys of {keys!r}")
        for key in keys:
            self.tap_at(*where[key], hold=0.0, after=0.0)  # down and up a frame apart
        self.note(f"typed {keys!r}")

    def reveal(self, text: str, attempts: int = 12) -> None:
        """Drag the ScrollView holding the label ``text`` until the label is inside it."""
        for _ in range(attempts):
            found = self.call(lambda: _locate(self.app, text))
            if found is None or found[1] is None:
                return  # gone, or in view
            (_, cy), (sx, sy, sw, sh) = found
            x, y = sx + sw / 2, sy + sh / 2
            shift = max(-0.9 * sh, min(0.9 * sh, y - cy))  # content follows the finger
            self.drag(x, y - shift / 2, x, y + shift / 2)
        raise StepFailed(f"could not scroll {text!r} into view")

    def drag(self, x1: float, y1: float, x2: float, y2: float, steps: int = 4) -> None:
        """A slow finger drag (no fling): down, moves, a rest, up. The first move comes in
        the same frame as the touch: a loaded machine must not turn the drag into a press
        (ScrollView hands a touch that has not moved within 250 ms to what is under it)."""

        def start() -> Any:
            touch = _touch_down(x1, y1)
            _touch_move(touch, x1 + (x2 - x1) / steps, y1 + (y2 - y1) / steps)
            return touch

        touch = self.call(start)
        for i in range(2, steps + 1):
            x, y = x1 + (x2 - x1) * i / steps, y1 + (y2 - y1) * i / steps
            self.call(lambda x=x, y=y: _touch_move(touch, x, y))
        time.sleep(0.2)  # at rest before lifting: no kinetic scroll
        self.call(lambda: _touch_up(touch))
        time.sleep(0.25)
        self.note(f"drag ({x1:.0f},{y1:.0f}) -> ({x2:.0f},{y2:.0f})")

    def stroke(self, points: list[tuple[float, float]], per_frame: int = 4) -> None:
        """A finger writing: down at the first point, the rest as moves (a few per frame, as
        a finger gives them), up at the last: strokes on a handwriting or touch-test pad."""
        touch = self.call(lambda: _touch_down(*points[0]))
        for i in range(1, len(points), per_frame):
            self.call(lambda chunk=points[i:i + per_frame]: [_touch_move(touch, *p) for p in chunk])
        self.call(lambda: _touch_up(touch))

    def tap_at(self, x: float, y: float, hold: float = 0.08, after: float = 0.1) -> None:
        touch = self.call(lambda: _touch_down(x, y))
        time.sleep(hold)
        self.call(lambda: _touch_up(touch))
        time.sleep(after)

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

    def central(self, command: str, timeout: float = 60.0) -> str:
        """A command to the test's central controller (stop, start, count RECEIPT ...)."""
        from drivers.sim_control import send_command

        if not self.central_socket:
            raise StepFailed("no central controller given (--central)")
        reply = send_command(self.central_socket, command, timeout=timeout)
        self.note(f"central {command!r} -> {reply!r}")
        if not reply.startswith("ok"):
            raise StepFailed(f"central controller refused {command!r}: {reply}")
        return reply[2:].strip()

    def printers(self, command: str, timeout: float = 30.0) -> str:
        """A command to the test's simulated printers (tests/ui/printers_control.py)."""
        from drivers.sim_control import send_command

        if not self.printers_socket:
            raise StepFailed("no printers controller given (--printers)")
        reply = send_command(self.printers_socket, command, timeout=timeout)
        self.note(f"printers {command!r} -> {reply!r}")
        if not reply.startswith("ok"):
            raise StepFailed(f"printers controller refused {command!r}: {reply}")
        return reply[2:].strip()

    def cards(self, command: str, timeout: float = 30.0) -> str:
        """A command to the test's smart cards and camera slot (tests/ui/cards_control.py)."""
        from drivers.sim_control import send_command

        if not self.cards_socket:
            raise StepFailed("no cards controller given (--cards)")
        reply = send_command(self.cards_socket, command, timeout=timeout)
        self.note(f"cards {command!r} -> {reply!r}")
        if not reply.startswith("ok"):
            raise StepFailed(f"cards controller refused {command!r}: {reply}")
        return reply[2:].strip()

    # -- recording -------------------------------------------------------------------------
    def shot(self, step: str) -> Path:
        """Screenshot of the next frame plus the visible texts, under ``step``."""

        self.wait_until(lambda: not self.app.manager.transition.is_active, 5, "the transition to end")
        time.sleep(0.35)  # let fades (toast, overlay) finish
        path = self.artifacts / f"ui-{self.scenario}-{step}.png"
        if not self.save_frame(path):
            raise StepFailed(f"no frame drawn for screenshot {step}")
        self.record(step)
        return path

    def save_frame(self, path: Path) -> bool:
        """Save the next frame drawn to ``path``; False when none is drawn within 5 s."""
        from kivy.core.window import Window

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
        return done.wait(5)

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


def _locate(app: Any, text: str) -> tuple[tuple[float, float], Any] | None:
    """(centre, None) of the shown label ``text``; (centre, rect of its ScrollView) when it
    is in a ScrollView but not well inside it; None when there is no such label."""
    from kivy.core.window import Window
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    def find(widget: Any) -> Any:
        if not _is_shown(widget):
            return None
        if isinstance(widget, Label) and widget.text == text:
            return widget
        for child in widget.children:
            found = find(child)
            if found is not None:
                return found
        return None

    label = next((f for f in (find(c) for c in Window.children) if f is not None), None)
    if label is None:
        return None
    centre = label.to_window(*label.center)
    parent = label.parent
    # The window is its own parent: stop there.
    while parent is not None and parent is not Window and not isinstance(parent, ScrollView):
        parent = parent.parent
    if not isinstance(parent, ScrollView):
        return centre, None
    sx, sy = parent.to_window(*parent.pos)
    margin = min(40.0, parent.height / 4)
    if sy + margin <= centre[1] <= sy + parent.height - margin:
        return centre, None
    return centre, (sx, sy, parent.width, parent.height)


def _key_positions(app: Any, keys: list[str]) -> dict[str, tuple[float, float]] | None:
    where = {}
    for key in keys:
        found = _locate(app, key)
        if found is None or found[1] is not None:
            return None
        where[key] = found[0]
    return where


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


def _touch_move(touch: Any, x: float, y: float) -> None:
    from kivy.base import EventLoop

    win = EventLoop.window
    touch.move({"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)})
    EventLoop.post_dispatch_input("update", touch)


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
    parser.add_argument("--central", help="unix socket of the test's central controller")
    parser.add_argument("--printers", help="unix socket of the test's simulated printers")
    parser.add_argument("--cards", help="unix socket of the test's smart cards and camera slot")
    parser.add_argument("--timeout", type=float, default=80.0)
    args = parser.parse_args(argv)
    args.artifacts.mkdir(parents=True, exist_ok=True)

    import scenarios
    import scenarios_a11y
    import scenarios_agent
    import scenarios_appointment
    import scenarios_cards
    import scenarios_collect
    import scenarios_evaluation
    import scenarios_maintenance
    import scenarios_maintenance_mode
    import scenarios_printing
    import scenarios_progress_query
    import scenarios_queue
    import scenarios_voice
    import scenarios_walkthrough

    from kiosk.config import load_config
    from screens.app import run_app

    scenario = {**scenarios.SCENARIOS, **scenarios_printing.SCENARIOS, **scenarios_a11y.SCENARIOS,
                **scenarios_agent.SCENARIOS,
                **scenarios_cards.SCENARIOS, **scenarios_walkthrough.SCENARIOS,
                **scenarios_voice.SCENARIOS, **scenarios_evaluation.SCENARIOS,
                **scenarios_maintenance.SCENARIOS, **scenarios_maintenance_mode.SCENARIOS,
                **scenarios_appointment.SCENARIOS, **scenarios_collect.SCENARIOS,
                **scenarios_queue.SCENARIOS, **scenarios_progress_query.SCENARIOS}[args.scenario]
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
        ui = Ui(app, args.scenario, args.artifacts, args.sim, args.central, args.printers,
                args.cards)
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
