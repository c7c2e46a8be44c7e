"""The ``[evaluation]`` section of the terminal's configuration (好差评, docs/casework.md §8)."""

from __future__ import annotations

from kiosk.config_devices import Strict


class EvaluationSettings(Strict):
    # After a completed service, 好差评 is offered before the session ends (跳过 one tap).
    offer_after_service: bool = True
