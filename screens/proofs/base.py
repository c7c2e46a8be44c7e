"""The base of every 证明打印 screen: the app hands these screens the ProofFlow. They look
like the 一证通办 screens (screens/common/: header, tags, busy ring, marks): a citizen
going from one service to the other sees one design."""

from __future__ import annotations

from kiosk.flows.proofs import ProofFlow

from ..common.flow import FlowScreenBase


class ProofScreen(FlowScreenBase[ProofFlow]):
    """A screen of the 证明打印 flow. ``applicant`` is the masked identity line."""
