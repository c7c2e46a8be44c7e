"""The base of every 办件查询 screen: the app hands these screens the ProgressQueryFlow."""

from __future__ import annotations

from kiosk.flows.progress_query import ProgressQueryFlow

from ..common.flow import FlowScreenBase


class PqScreen(FlowScreenBase[ProgressQueryFlow]):
    """A screen of the 办件查询 flow (the identity line shows only while a card is lent)."""
