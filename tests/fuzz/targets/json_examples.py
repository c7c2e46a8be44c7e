"""Example JSON bodies for a pydantic model, from its JSON schema: seeds for the model
targets. Not always valid (patterns and validators are not followed); seeds need not be."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_FORMATS = {"date-time": "2026-11-24T09:30:00+08:00", "date": "2026-11-24", "uri": "https://x.cn/"}


def _example(schema: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> Any:
    if depth > 8:
        return None
    if "$ref" in schema:
        return _example(defs[schema["$ref"].rsplit("/", 1)[1]], defs, depth + 1)
    if "examples" in schema and schema["examples"]:
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _example(options[0], defs, depth + 1)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _example(sub, defs, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [_example(schema.get("items", {}), defs, depth + 1)]
    if kind == "string":
        return _FORMATS.get(schema.get("format", ""), "示例-1")
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return None


def example(model: type[BaseModel], mode: str = "validation") -> Any:
    schema = model.model_json_schema(mode=mode)  # type: ignore[arg-type]
    return _example(schema, schema.get("$defs", {}))
