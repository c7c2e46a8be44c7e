"""The base of every 好差评 screen: the app hands these screens the EvaluationFlow."""

from __future__ import annotations

import datetime as dt

from kivy.app import App

from kiosk.flows.evaluation import EvaluationFlow

from ..common.flow import FlowScreenBase


class EvaluationScreen(FlowScreenBase[EvaluationFlow]):
    """A screen of the 好差评 flow."""


def hall_zone() -> dt.tzinfo | None:
    """The hall's time zone (times on screen are the hall's), from the running terminal."""
    app = App.get_running_app()
    terminal = getattr(app, "terminal", None)
    return getattr(terminal, "zone", None)
