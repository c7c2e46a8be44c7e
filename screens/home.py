"""Home: the services this terminal offers, as large tiles.

An unavailable service stays on screen, greyed, with its reason in words; tapping it says
why instead of doing nothing.
"""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.services import ServiceView

from . import words
from .widgets import KioskScreen


class ServiceTile(ButtonBehavior, BoxLayout):
    service_id = StringProperty("")
    title = StringProperty("")
    subtitle = StringProperty("")
    available = BooleanProperty(True)
    reason = StringProperty("")
    reason_text = StringProperty("")
    roomy = BooleanProperty(True)   # room for the subtitle under the title (home.kv)

    def on_reason(self, _inst: object, value: str) -> None:
        self.reason_text = words.service_reason(value) if value else ""

    def on_release(self) -> None:
        App.get_running_app().service_tapped(self.service_id)


CARD_HINT = "也可直接将身份证放在感应区，自动进入{title}"


class HomeScreen(KioskScreen):
    columns = 4
    card_hint = StringProperty("")
    other_ways = StringProperty("")   # the social security card and codes, when ready
    _shown: list[ServiceView] | None = None

    def set_card_hint(self, default: ServiceView | None, ways: frozenset[str] = frozenset()) -> None:
        """``ways``: the devices ready to identify a citizen besides the ID card reader
        (words.OTHER_WAYS keys)."""
        offered = default is not None and default.available
        self.card_hint = CARD_HINT.format(title=default.title) if offered and default else ""
        self.other_ways = words.other_ways(ways, lead="还可") if offered else ""

    def set_services(self, services: list[ServiceView]) -> None:
        if services == self._shown:
            return
        self._shown = list(services)
        grid = self.ids.tiles
        grid.clear_widgets()
        grid.cols = self.columns if len(services) > 4 else max(1, min(len(services), 2))
        for view in services:
            grid.add_widget(
                ServiceTile(
                    service_id=view.id,
                    title=view.title,
                    subtitle=view.subtitle,
                    available=view.available,
                    reason=view.reason,
                )
            )
