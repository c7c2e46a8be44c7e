"""身份核验 screens: the identity as read, and the end of the visit."""

from __future__ import annotations

from kiosk.flows.base import Flow

from .result import ResultScreen

SERVICE_ID = "identity_check"


def screen_for(flow: Flow | None) -> str:
    return "result"


def build_screens() -> list[ResultScreen]:
    return [ResultScreen()]


__all__ = ["SERVICE_ID", "build_screens", "screen_for"]
