"""The accessibility check on the running app (tests/support/a11y.py's rules), from the
scenario's worker thread: settle the layout, check in normal and elderly mode, with and
without a fault banner, screenshot each, and keep every finding for the report.

``Auditor.visit(name)`` checks what is on the glass now under ``name`` (a screen, or an
overlay shown over one). ``Auditor.force(name)`` first switches to a registered screen the
tour did not reach, filled from the current session and flow. The banner is a real device
fault: ``banner_on`` / ``banner_off`` are the scenario's (e.g. the receipt printer's paper).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support import a11y

SETTLED_FRAMES = 3        # the same layout this many frames in a row
SETTLE_TIMEOUT_S = 15.0
MODES = ("normal", "elderly")


class Auditor:
    def __init__(self, ui: Any, banner_on: Callable[[], None], banner_off: Callable[[], None]) -> None:
        self.ui = ui
        self.app = ui.app
        self.banner_on, self.banner_off = banner_on, banner_off
        self.dpi = float(getattr(self.app.kiosk_config.ui, "dpi", 102.0))
        self.visits: list[dict[str, Any]] = []
        self.registered: list[str] = list(self.call(lambda: list(self.app.manager.screen_names)))
        self.checked: set[str] = set()
        data = ui.results["data"]
        data["a11y"] = {"dpi": self.dpi, "registered": self.registered, "visits": self.visits}

    def call(self, fn: Callable[[], Any]) -> Any:
        return self.ui.call(fn)

    # -- one screen in every variant -----------------------------------------------------------
    def visit(self, name: str) -> None:
        """Normal, elderly, elderly with the banner, normal with the banner; back to normal.
        ``A11Y_SCREENS=home,pf_preview`` (environment) checks only those, for a quick look
        while fixing a layout; the test then fails on the screens left out."""
        only = [n for n in os.environ.get("A11Y_SCREENS", "").split(",") if n]
        if only and name not in only:
            return
        sizes: dict[str, dict[str, tuple[float, str]]] = {}
        for banner in (False, True):
            if banner:
                self.banner_on()
            order = MODES if not banner else tuple(reversed(MODES))
            for mode in order:
                self._set_elderly(mode == "elderly")
                variant = f"{mode}-banner" if banner else mode
                found, fonts = self._check(name, mode, variant)
                if not banner:
                    sizes[mode] = fonts
                self._record(name, variant, found)
        self.banner_off()
        self._set_elderly(False)
        grown = a11y.growth(sizes["normal"], sizes["elderly"])
        for finding in grown:
            finding.screen = name
        self._record(name, "elderly-growth", grown, shot=False)
        self.checked.add(name)
        self.ui.note(f"a11y checked {name}")

    def force(self, name: str) -> None:
        """Show a registered screen the tour did not reach, filled from the current session
        and flow, with routing held off while it is checked."""
        from screens import routing

        only = [n for n in os.environ.get("A11Y_SCREENS", "").split(",") if n]
        if only and name not in only:
            return
        original = routing.show
        routing.show = lambda *_args, **_kw: None   # the app's redraw would route away
        try:
            def switch() -> None:
                screen = self.app.screens[name]
                state = self.app.terminal.state()
                screen.show(state.session)
                if hasattr(screen, "show_flow"):
                    screen.show_flow(self.app.terminal.flow)
                if hasattr(screen, "show_staff"):
                    screen.show_staff(self.app.terminal.staff)
                self.app.manager.current = name

            self.call(switch)
            self.ui.note(f"a11y forced {name}")
            self.visit(name)
        finally:
            routing.show = original
            self.call(lambda: self.app._redraw())

    def unchecked(self) -> list[str]:
        return [n for n in self.registered if n not in self.checked]

    # -- pieces ----------------------------------------------------------------------------------
    def _set_elderly(self, on: bool) -> None:
        # As the top bar's 适老化 button does (theme and the session's idle timeout).
        self.call(lambda: self.app.toggle_elderly() if bool(self.app.theme.elderly) != on else None)
        self.ui.wait_until(lambda: bool(self.app.theme.elderly) == on, 5, f"elderly mode {on}")

    def roots(self) -> list[Any]:
        """The layers in draw order: the app root's children, then other window children."""
        from kivy.core.window import Window

        layers = list(reversed(self.app.root.children))
        layers += [w for w in reversed(Window.children) if w is not self.app.root]
        return layers

    def settle(self) -> None:
        """Frames until the layout stops changing (each call runs on its own frame)."""
        self.ui.wait_until(lambda: not self.app.manager.transition.is_active, SETTLE_TIMEOUT_S,
                           "the transition to end")
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        last, same = None, 0
        while same < SETTLED_FRAMES:
            sig = self.call(lambda: a11y.layout_signature(self.roots()))
            same = same + 1 if sig == last else 0
            last = sig
            if time.monotonic() > deadline:
                raise AssertionError(f"layout did not settle within {SETTLE_TIMEOUT_S} s")

    def _check(self, name: str, mode: str, variant: str) -> tuple[list[a11y.Finding], dict[str, tuple[float, str]]]:
        self.settle()
        ctx = a11y.Context(mode=mode, dpi=self.dpi, clear_color=tuple(self._clear_color()))

        def run() -> tuple[list[a11y.Finding], dict[str, tuple[float, str]]]:
            roots = self.roots()
            return a11y.check(roots, ctx), a11y.font_sizes(roots)

        found, fonts = self.call(run)
        for finding in found:
            finding.screen = name
            finding.mode = variant
        self._screenshot(f"a11y-{name}-{variant}.png")
        return found, fonts

    def _clear_color(self) -> list[float]:
        from kivy.core.window import Window

        return list(self.call(lambda: list(Window.clearcolor)[:3]))

    def _record(self, name: str, variant: str, found: list[a11y.Finding], shot: bool = True) -> None:
        self.visits.append({"screen": name, "mode": variant,
                            "shot": f"a11y-{name}-{variant}.png" if shot else "",
                            "findings": [f.as_dict() for f in found]})
        self.ui.save()

    def _screenshot(self, file_name: str) -> Path:
        path = Path(self.ui.artifacts) / file_name
        if not self.ui.save_frame(path):
            raise AssertionError(f"no frame drawn for {file_name}")
        return path
