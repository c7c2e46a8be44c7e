"""好差评 on central (docs/casework.md §8): ``POST /evaluations``, through ``CentralClient.call``
like booking.py. Only the outbox calls it (kind ``evaluation``, kiosk/evaluation/sending.py),
always with the row's Idempotency-Key: the same body again is 200 with the first answer, a
second evaluation of the same handling is 409 ``duplicate`` (一次一评).
"""

from __future__ import annotations

import json

from kiosk.central_api.client import CentralClient
from kiosk.central_api.models import EvaluationAck

__all__ = ["submit_evaluation"]


def submit_evaluation(client: CentralClient, body: bytes, idempotency_key: str) -> EvaluationAck:
    """Deliver one serialised EvaluationRequest; retried by the outbox, not here."""
    return client.call(EvaluationAck, "POST", "/evaluations", json.loads(body),
                       idempotency_key=idempotency_key, ok=(200, 201), retried=False)
