"""The common capture screen (screens/common/capture.py) in a real Kivy window with the real
theme and layouts, fed by a CaptureStep over the simulated document camera (the real
driver and page pipeline): run as a script under Xvfb by tests/ui/test_capture_ui.py.

    python tests/ui/capture_screen_probe.py OUT.json ARTIFACTS_DIR

Walks the states a citizen sees (nothing taken, a good page, a blurred one, two pages kept
with a glare shot under review, the camera unplugged, a kept page enlarged), each in normal
and 适老化 mode: a screenshot ``capture-<state>-<mode>.png`` and the accessibility checker's
findings (tests/support/a11y.py) per state, plus what the screen said, into OUT.json.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screens.fonts import find_cjk_font, register_default_font  # noqa: E402
from tests.support import a11y  # noqa: E402

DPI = 102.0


class ProbeFlow:
    """The least a flow is to the screen: a step, back(), load(); changes reach the screen
    on the main thread like the app's flow listener does."""

    def __init__(self, camera: Any, notify: Callable[[], None]) -> None:
        from kiosk.capture.pages import PageSet
        from kiosk.capture.step import CaptureStep

        self.error = ""
        self.step = "capture"
        self.pages = PageSet()
        self.capture = CaptureStep(camera, self.pages, "authorization", changed=notify)
        self.finished = False

    def load(self) -> None:
        pass

    def back(self) -> None:
        pass


def main() -> None:
    out, artifacts = Path(sys.argv[1]), Path(sys.argv[2])
    artifacts.mkdir(parents=True, exist_ok=True)
    register_default_font(find_cjk_font(None))
    from kivy.config import Config

    Config.set("graphics", "width", "1280")     # the terminal's screen (config [ui])
    Config.set("graphics", "height", "800")
    Config.set("graphics", "resizable", "0")
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.metrics import dp
    from kivy.properties import BooleanProperty, ObjectProperty
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.floatlayout import FloatLayout
    from kivy.uix.screenmanager import NoTransition, ScreenManager
    from kivy.uix.widget import Widget

    from drivers.doccam import samples
    from drivers.doccam.sim import SimulatedDocumentCamera
    from screens.common.capture import CaptureScreen
    from screens.common.kv import load_kv
    from screens.theme import Theme

    class ProbeCaptureScreen(CaptureScreen):
        def step_of(self, flow: Any) -> Any:
            return flow.capture

        def finish(self) -> None:
            self._flow.finished = True  # type: ignore[union-attr]

    camera = SimulatedDocumentCamera("document_camera", warmup_frames=0, flush_frames=0,
                                     candidates=1)
    camera.open()
    results: dict[str, Any] = {"states": {}, "error": None}

    class Probe(App):
        """The app's frame as screens/kiosk_app.py builds it: the top bar's and the fault
        banner's heights above the screen (stand-ins of those heights), dialogs on top."""

        theme = ObjectProperty(None)
        banner = BooleanProperty(False)

        def build(self) -> Any:
            self.theme = Theme()
            load_kv()
            Window.clearcolor = (1, 1, 1, 1)
            root = FloatLayout()
            column = BoxLayout(orientation="vertical")
            top, banner = Widget(size_hint_y=None), Widget(size_hint_y=None)

            def heights(*_: Any) -> None:
                top.height = dp(108) if self.theme.elderly else dp(92)
                banner.height = (self.theme.font_s * 2 * 1.2 + dp(16)) if self.banner else 0

            self.theme.bind(elderly=heights, font_s=heights)
            self.bind(banner=heights)
            heights()
            manager = ScreenManager(transition=NoTransition())
            self.screen = ProbeCaptureScreen(name="capture_probe", title="拍摄授权委托书",
                                             hint="请把签好字的授权委托书逐页放在拍摄区内")
            self.screen.applicant = "申请人 张*　1101**********1233"
            manager.add_widget(self.screen)
            for part in (top, banner, manager):
                column.add_widget(part)
            root.add_widget(column)
            return root

        def on_start(self) -> None:
            self.flow = ProbeFlow(camera, lambda: Clock.schedule_once(lambda _dt: self.redraw()))
            self.redraw()
            threading.Thread(target=self.tour, daemon=True).start()

        def redraw(self) -> None:
            self.screen.show_flow(self.flow)

        # -- the tour runs on its own thread; widget work goes through the main thread --
        def on_main(self, fn: Callable[[], Any]) -> Any:
            box: dict[str, Any] = {}
            done = threading.Event()

            def run(_dt: float) -> None:
                try:
                    box["value"] = fn()
                except Exception as err:  # reported by the tour
                    box["error"] = err
                done.set()

            Clock.schedule_once(run, 0)
            if not done.wait(30):
                raise TimeoutError("the main thread did not answer")
            if "error" in box:
                raise box["error"]
            return box.get("value")

        def settled(self) -> None:
            last, same = None, 0
            while same < 3:
                sig = self.on_main(lambda: a11y.layout_signature(self.layers()))
                same = same + 1 if sig == last else 0
                last = sig

        def until(self, what: Callable[[], bool]) -> None:
            for _ in range(600):
                if self.on_main(what):
                    return
                self.on_main(lambda: None)
            raise TimeoutError("the step did not get there")

        def shoot(self, name: str, problem: str = "") -> None:
            if problem:
                camera.place(samples.shot("letter", problem if problem != "good" else ""))
            self.on_main(self.screen.take)
            self.until(lambda: self.flow.capture.state in ("review", "failed"))

        def look(self, state: str) -> None:
            sizes = {}
            for mode, banner in (("normal", False), ("elderly", False), ("elderly", True),
                                 ("normal", True)):
                self.on_main(lambda m=mode, b=banner: self.variant(m == "elderly", b))  # type: ignore[misc]
                self.settled()
                ctx = a11y.Context(mode=mode, dpi=DPI, clear_color=(1.0, 1.0, 1.0))
                found = self.on_main(lambda c=ctx: a11y.check(self.layers(), c))  # type: ignore[misc]
                if not banner:
                    sizes[mode] = self.on_main(lambda: a11y.font_sizes(self.layers()))
                variant = f"{mode}-banner" if banner else mode
                path = artifacts / f"capture-{state}-{variant}.png"
                self.save(path)
                results["states"][f"{state}-{variant}"] = {
                    "findings": [f.as_dict() for f in found], "shot": str(path),
                    "verdict": self.screen.verdict, "state": self.screen.state,
                    "can_keep": self.screen.can_keep, "kept": self.screen.kept_count,
                    "done": self.screen.done_text, "straightened": self.screen.straightened,
                    "candidate": self.screen.candidate is not None,
                    "preview": self.screen.preview is not None,
                }
            results["states"][f"{state}-growth"] = {
                "findings": [f.as_dict() for f in a11y.growth(sizes["normal"], sizes["elderly"])]}
            self.on_main(lambda: self.variant(False, False))

        def variant(self, elderly: bool, banner: bool) -> None:
            self.theme.elderly = elderly
            self.banner = banner

        def layers(self) -> list[Any]:
            return list(reversed(self.root.children))

        def save(self, path: Path) -> None:
            done = threading.Event()

            def on_flip(window: Any) -> None:
                window.unbind(on_flip=on_flip)
                saved = window.screenshot(name=str(path.with_name(path.stem + "-raw.png")))
                Path(saved).replace(path)
                done.set()

            def arm() -> None:
                Window.bind(on_flip=on_flip)
                Window.canvas.ask_update()

            self.on_main(arm)
            if not done.wait(10):
                raise TimeoutError(f"no frame for {path.name}")

        def tour(self) -> None:
            try:
                self.look("empty")
                self.shoot("good", "good")
                self.look("good")
                self.on_main(self.screen.keep)
                self.shoot("blurred", "blurred")
                self.look("blurred")
                camera.place(samples.shot("letter2"))
                self.on_main(self.screen.retake)
                self.until(lambda: self.flow.capture.state == "review")
                self.on_main(self.screen.keep)
                self.shoot("glare", "glare")
                self.look("kept-glare")
                self.on_main(lambda: self.screen.open_preview(2))
                self.look("preview")
                self.on_main(self.screen.close_preview)
                self.on_main(lambda: self.screen.remove(1))
                results["after_remove"] = self.on_main(lambda: self.screen.kept_count)
                camera.unplug()
                self.until(lambda: camera.status().state.value == "no_device")
                self.on_main(self.screen.take)
                self.until(lambda: self.flow.capture.state == "failed")
                self.look("unplugged")
                self.on_main(self.screen.finish)
                results["finished"] = self.flow.finished
                self.on_main(self.screen.clear_flow)
                results["cleared"] = self.on_main(lambda: (
                    self.screen.candidate is None and self.screen.kept_count == 0
                    and not self.screen.ids.thumbs.children))
            except Exception as err:
                import traceback

                results["error"] = f"{type(err).__name__}: {err}"
                results["traceback"] = traceback.format_exc()
            finally:
                out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
                self.on_main(self.stop)

    try:
        Probe().run()
    finally:
        camera.close()


if __name__ == "__main__":
    main()
