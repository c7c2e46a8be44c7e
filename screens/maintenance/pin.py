"""The technician's PIN screen: the same PIN entry as staff mode's, its own gate and words."""

from __future__ import annotations

from kivy.app import App

from kiosk.flows.pin_mode import PinMode
from kiosk.flows.technician import TechnicianFlow

from ..staff import ModePinScreen
from . import words


class MaintPinScreen(ModePinScreen):
    def mode(self) -> PinMode:
        return App.get_running_app().terminal.technician   # type: ignore[no-any-return]

    def not_configured(self) -> str:
        return words.NOT_CONFIGURED

    def show_technician(self, flow: TechnicianFlow) -> None:
        self.show_mode(flow)
