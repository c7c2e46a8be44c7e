"""The base of every 一证通办 screen: the app hands these screens the YizhengFlow. The
header, tags and the rest they share with the other services are in screens/common/."""

from __future__ import annotations

from kiosk.flows.yizheng import YizhengFlow

from ..common.flow import FlowScreenBase


class FlowScreen(FlowScreenBase[YizhengFlow]):
    """A screen of the 一证通办 flow. ``applicant`` is the masked identity line."""
