"""The base of every 预约办事 screen: the app hands these screens the AppointmentFlow. They
share the other services' parts (screens/common/: header, tags, busy ring, tile list)."""

from __future__ import annotations

from kiosk.flows.appointment import AppointmentFlow

from ..common.flow import FlowScreenBase


class AppointmentScreen(FlowScreenBase[AppointmentFlow]):
    """A screen of the 预约办事 flow. ``applicant`` is the masked identity line."""

    def place(self, flow: AppointmentFlow | None) -> str:
        """What is being booked, as one line: item · hall (· date and time once chosen)."""
        if flow is None or flow.item is None or flow.hall is None:
            return ""
        return f"{flow.item.name}　{flow.hall.name}"
