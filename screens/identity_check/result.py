"""Result of the identity check (身份核验): the identity as read, and what the citizen can
do next with it. Every other service available now is offered as a tile that starts it
with the same identity (no second card read); 完成 ends the visit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.services import ServiceView
from kiosk.session import SessionSnapshot

from .. import words
from ..common.tiles import same_height
from ..widgets import KioskScreen

SERVICE_ID = "identity_check"


class NextServiceTile(ButtonBehavior, BoxLayout):
    """A compact service tile that goes on with the identity already confirmed: the title,
    and under it why it is paused (greyed) or that no second identification is needed."""

    service_id = StringProperty("")
    title = StringProperty("")
    available = BooleanProperty(True)
    reason_text = StringProperty("")

    def on_release(self) -> None:
        app: Any = App.get_running_app()
        view = app.terminal.state().service(self.service_id)
        if view is None or not view.available or app.terminal.switch_service(self.service_id) is None:
            reason = view.reason if view is not None and view.reason else "unavailable"
            app.toast.show(words.unavailable_notice(self.title, reason), seconds=6)


class ResultScreen(KioskScreen):
    take_away = StringProperty(words.take_away("id_card"))
    has_next = BooleanProperty(False)
    _offered: tuple[tuple[str, bool, str], ...] | None = None

    def show(self, snapshot: SessionSnapshot) -> None:
        self.ids.panel.fill(snapshot.identity)
        if snapshot.identity is not None:
            self.take_away = words.take_away(snapshot.identity.source)

    def show_services(self, services: Sequence[ServiceView]) -> None:
        """The services to go on with: implemented ones besides this, with their state. A
        paused one stays in its place, greyed with its reason (nothing moves under a finger)."""
        offered = tuple((s.id, s.available, s.reason) for s in services
                        if s.id != SERVICE_ID and s.reason != "not_in_version")
        if offered == self._offered:
            return
        self._offered = offered
        grid = self.ids.next_services
        grid.clear_widgets()
        by_id = {s.id: s for s in services}
        for service_id, available, reason in offered:
            view = by_id[service_id]
            grid.add_widget(NextServiceTile(
                service_id=service_id, title=view.title, available=available,
                reason_text=words.service_reason(reason) if reason else words.NO_SECOND_CHECK))
        grid.cols = 2 if len(offered) > 1 else 1
        tiles = list(reversed(grid.children))
        for n in range(0, len(tiles), grid.cols):
            same_height(tiles[n:n + grid.cols])   # a row as high as its taller tile
        self.has_next = bool(offered)
        self.ids.next_scroll.scroll_y = 1   # rebuilt (a service paused or back): from the top

    def clear_identity(self) -> None:
        self.ids.panel.clear()
