"""What a flow's screens share: the flow they show, a header with the masked applicant,
and small coloured tags.

The app hands each screen its flow (``show_flow``) on the main thread only; screens read
its queries and send its intents, nothing else. Each service subclasses ``FlowScreenBase``
once (screens/yizheng/base.py, screens/proofs/base.py): the app gives a screen the flow of
the service it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Protocol, TypeVar

from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.session import SessionSnapshot

from ..dialogs import ask_discard
from ..widgets import KioskScreen


class ScreenFlow(Protocol):
    """What the shared screens ask of every flow."""

    error: str

    @property
    def step(self) -> object: ...

    def load(self) -> None: ...

    def back(self) -> None: ...


F = TypeVar("F", bound=ScreenFlow)


class Tag(Label):
    tone = OptionProperty("primary", options=["primary", "success", "notice", "muted", "danger"])
    solid = BooleanProperty(False)  # white on the colour, for what matters most (免提交)


class FlowHeader(BoxLayout):
    title = StringProperty("")
    applicant = StringProperty("")
    style = OptionProperty("xl", options=["xl", "l"])


class StepButtons(BoxLayout):
    """返回 and the step forward, side by side under a screen. Events: on_back, on_forward."""

    back_text = StringProperty("返回")
    forward_text = StringProperty("下一步")
    forward_ready = BooleanProperty(True)
    # The forward button while not ready: 1 shows it in BigButton's disabled look (grey,
    # still readable: screens/widgets.kv); 0 hides it. Never in between: a faded button
    # is unreadable (the contrast rules hold for disabled text too).
    waiting_opacity = NumericProperty(1.0)

    __events__ = ("on_back", "on_forward")

    def on_back(self) -> None:
        pass

    def on_forward(self) -> None:
        pass


class FlowScreenBase(KioskScreen, Generic[F]):
    """A screen of a service's flow. ``applicant`` is the masked identity line.

    返回 on a screen where the citizen typed into the flow's fields (``flow.fields``, as
    first seen here: prefilled values do not count) asks 放弃已填写的内容吗？ before going back
    and losing them; 继续填写 stays.
    """

    applicant = StringProperty("")
    _flow: F | None = None
    _fields_seen: tuple[int, ...] = ()        # the field objects whose values were noted
    _values_seen: tuple[str, ...] = ()        # their values then (the prefill)

    def show(self, snapshot: SessionSnapshot) -> None:
        identity = snapshot.identity
        self.applicant = f"申请人 {identity.name}　{identity.id_number}" if identity else ""

    def show_flow(self, flow: F | None) -> None:
        """Fill the screen from the flow (main thread). Called on every flow change: cheap
        when nothing this screen shows has changed."""
        self._flow = flow
        fields = list(getattr(flow, "fields", None) or [])
        ids = tuple(id(f) for f in fields)
        if ids != self._fields_seen:
            self._fields_seen, self._values_seen = ids, tuple(str(f.value) for f in fields)

    def typed(self) -> bool:
        """Whether the citizen changed a field since this screen first showed it."""
        fields = list(getattr(self._flow, "fields", None) or [])
        if not fields or tuple(id(f) for f in fields) != self._fields_seen:
            return False
        return tuple(str(f.value) for f in fields) != self._values_seen

    def back(self) -> None:
        flow = self._flow
        if flow is None:
            return
        if self.typed():
            ask_discard(lambda: flow.back() if self._flow is flow else None)
            return
        flow.back()

    def clear_identity(self) -> None:
        self.applicant = ""
        self.clear_flow()

    def clear_flow(self) -> None:
        """Blank everything that came from the flow (subclasses blank what they show)."""
        self._flow = None
        self._fields_seen, self._values_seen = (), ()


def screen_of_step(flow: ScreenFlow | None, screens: Mapping[Any, str], error_screen: str) -> str:
    """The screen that shows the flow's current step (no flow: it could not start)."""
    if flow is None:
        return error_screen
    return screens.get(flow.step, error_screen)
