"""Request bodies central receives (central/schemas.py, code_schemas.py,
document_schemas.py: every ``*In`` model).

Input: ``<ModelName>\\n<body bytes>``. The body is validated with ``model_validate_json``
and, when it is JSON at all, as FastAPI does (``json.loads`` then ``model_validate``; a body
that is not JSON is FastAPI's 400/422 before the model). A body the model accepts must hold
no NUL and no lone surrogate in any string (central/schemas.py: such strings are refused).

Documented errors: pydantic ``ValidationError`` (a 422 with the contract's error body).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from central import code_schemas, document_schemas, schemas
from tests.fuzz.targets.json_examples import example

ALLOWED = (ValidationError,)
INSTRUMENT = ("central.schemas", "central.code_schemas", "central.document_schemas",
              "central.ids")

MODELS: dict[str, type[BaseModel]] = {
    name: obj
    for module in (schemas, code_schemas, document_schemas)
    for name, obj in vars(module).items()
    if name.endswith("In") and isinstance(obj, type) and issubclass(obj, BaseModel)
}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _accepted(model: BaseModel) -> None:
    for text in _strings(model.model_dump()):
        assert "\x00" not in text, "accepted a NUL"
        text.encode("utf-8")  # UnicodeEncodeError: accepted a lone surrogate


def TARGET(data: bytes) -> None:  # noqa: N802
    name, _, body = data.partition(b"\n")
    model = MODELS.get(name.decode("ascii", "replace"))
    if model is None:
        return
    try:
        _accepted(model.model_validate_json(body))
    except ValidationError:
        pass
    try:
        parsed = json.loads(body)
    except Exception:  # noqa: BLE001 - FastAPI answers any undecodable body itself
        return
    _accepted(model.model_validate(parsed))


def seeds() -> Iterator[tuple[str, bytes]]:
    from tests.central.central_bodies import pension  # noqa: PLC0415 - seeds only

    person = ("140502199003071234", "张三")
    yield "ApplicationIn-pension", b"ApplicationIn\n" + json.dumps(
        pension(person), ensure_ascii=False).encode()
    for name, model in sorted(MODELS.items()):
        body = json.dumps(example(model), ensure_ascii=False).encode()
        yield name, name.encode() + b"\n" + body
