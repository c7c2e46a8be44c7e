"""The base of every 办事指南 screen: the app hands these screens the GuideFlow."""

from __future__ import annotations

from kiosk.flows.guide import GuideFlow

from ..common.flow import FlowScreenBase


class GuideScreen(FlowScreenBase[GuideFlow]):
    """A screen of the 办事指南 flow (nobody is identified: no applicant line)."""
