"""The base of every 排队取号 screen: the app hands these screens the QueueTicketFlow. They
look like the other services' screens (screens/common/)."""

from __future__ import annotations

from kiosk.flows.queue_ticket import QueueTicketFlow

from ..common.flow import FlowScreenBase


class QueueScreen(FlowScreenBase[QueueTicketFlow]):
    """A screen of the 排队取号 flow (nobody is identified: no applicant line)."""
