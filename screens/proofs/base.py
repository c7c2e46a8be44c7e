"""What every 证明打印 screen shares: the flow it shows and the masked applicant.

The look (FlowHeader, Tag, NoticeLabel, BusyRing, ResultMark) is the 一证通办 screens': a
citizen going from one service to the other sees one design. Screens get the flow from the
app (``show_flow``) on the main thread only; they read it and send its intents.
"""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.flows.proofs import ProofFlow
from kiosk.session import SessionSnapshot

from ..widgets import KioskScreen
from ..yizheng import base as _yz_base  # noqa: F401  (kv rules: FlowHeader, Tag, NoticeLabel)


class ProofScreen(KioskScreen):
    """A screen of the 证明打印 flow. ``applicant`` is the masked identity line."""

    applicant = StringProperty("")

    def show(self, snapshot: SessionSnapshot) -> None:
        identity = snapshot.identity
        self.applicant = f"申请人 {identity.name}　{identity.id_number}" if identity else ""

    def show_flow(self, flow: ProofFlow | None) -> None:
        """Fill the screen from the flow (main thread); called on every flow change."""

    def clear_identity(self) -> None:
        self.applicant = ""
        self.clear_flow()

    def clear_flow(self) -> None:
        """Blank everything that came from the flow: proofs, the document, its preview."""
