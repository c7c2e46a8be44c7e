"""Central's answers as the terminal reads them (kiosk/central_api/models.py through
``kiosk.central_api.replies.parse``; 4xx error bodies through ``CentralClient._expect`` and
errors.py ``rejected_from_body``).

Input: ``<ModelName>\\n<body bytes>`` for a 200 answer parsed as that response model, or
``error\\n<body>`` for a 422 answer's error body.

Documented errors: kiosk/central_api/errors.py ``CentralError`` and subclasses (a wrong
shape is ``InvalidResponse``, a contract error body ``CentralRejected``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from requests.structures import CaseInsensitiveDict

from kiosk.central_api import models
from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralError
from kiosk.central_api.replies import parse
from kiosk.central_api.retry import Reply
from tests.fuzz.targets.json_examples import example

ALLOWED = (CentralError,)
INSTRUMENT = ("kiosk.central_api",)

MODELS: dict[str, type[BaseModel]] = {
    name: obj
    for name, obj in vars(models).items()
    if isinstance(obj, type) and issubclass(obj, models._Response) and obj is not models._Response
}


def TARGET(data: bytes) -> None:  # noqa: N802
    name, _, body = data.partition(b"\n")
    if name == b"error":
        reply = Reply(422, CaseInsensitiveDict(), body)
        CentralClient._expect(None, reply, (200, 201))  # type: ignore[arg-type]
        return
    model = MODELS.get(name.decode("ascii", "replace"))
    if model is not None:
        parse(model, Reply(200, CaseInsensitiveDict(), body))


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def seeds() -> Iterator[tuple[str, bytes]]:
    from tests.support.fake_central import CATALOGUE  # noqa: PLC0415 - seeds only

    yield "Catalogue-fake-central", b"Catalogue\n" + _json(CATALOGUE)
    yield "error-validation", b"error\n" + _json(
        {"error": "validation_failed", "detail": "form", "fields": {"phone": "bad"}})
    yield "error-not-json", b"error\n<html>502</html>"
    for name, model in sorted(MODELS.items()):
        yield name, name.encode() + b"\n" + _json(example(model, mode="serialization"))
