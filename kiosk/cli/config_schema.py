"""`kiosk config schema [--out FILE]`: the JSON Schema of a remote configuration layer.

Central validates the documents it publishes (docs/fleet.md §3) with the terminal's own
models, without sharing code with the terminal: this command turns ``KioskConfig``'s
pydantic schema into the schema central keeps as ``central/config_schema.json`` (a test
keeps that file current).

A remote document is one *layer* laid over the site file, so it may set the sections
``REMOTE_SECTIONS`` names (never ``[central]``: a bad URL pushed from central would strand the
fleet; nor ``terminal.data_dir``: where the terminal keeps its data is the site's), and no
key in it is required: ``required`` is dropped everywhere, and a discriminated union
(the code scanner's ``driver``) becomes ``anyOf`` so a layer that changes one setting of a
device without repeating its driver still matches. What the schema cannot say (the
cross-field rules, a printer URL parsed, a service known) the terminal checks again with the
real models before it uses a layer.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig
from kiosk.config_remote import FORBIDDEN_KEYS, REMOTE_SECTIONS

SCHEMA_ID = "https://tongban.example.gov.cn/schemas/kiosk-remote-config.json"


def add_parser(config_sub: Any) -> None:
    schema = config_sub.add_parser(
        "schema", help="print the JSON Schema of a remote configuration document")
    schema.add_argument("--out", metavar="FILE", help="write it to FILE instead of stdout")


def _partial(node: Any) -> Any:
    """Every object of the schema without ``required``, every ``oneOf`` an ``anyOf``."""
    if isinstance(node, list):
        return [_partial(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "required":
            continue
        out["anyOf" if key == "oneOf" else key] = _partial(value)
    return out


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def remote_schema() -> dict[str, Any]:
    """The schema of a remote layer, from ``KioskConfig.model_json_schema()``."""
    full = KioskConfig.model_json_schema()
    properties = {k: v for k, v in full["properties"].items() if k in REMOTE_SECTIONS}
    defs = dict(full["$defs"])
    for section, keys in FORBIDDEN_KEYS.items():
        name = properties[section]["$ref"].rsplit("/", 1)[1]
        model = dict(defs[name])
        model["properties"] = {k: v for k, v in model["properties"].items() if k not in keys}
        defs[name] = model
    # Only the definitions the remote sections use (not [central]'s, [update]'s ...).
    used, todo = set(), _refs(properties)
    while todo:
        name = todo.pop()
        used.add(name)
        todo |= _refs(defs[name]) - used
    body = _partial({"type": "object", "additionalProperties": False, "properties": properties,
                     "$defs": {k: v for k, v in defs.items() if k in used}})
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "Tongban kiosk remote configuration layer (kiosk config schema)",
            "description": "A layer over the site file: the sections " + ", ".join(REMOTE_SECTIONS)
                           + " (not terminal.data_dir); no key is required.",
            **body}


def schema_text() -> str:
    return json.dumps(remote_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def run(args: argparse.Namespace) -> int:
    text = schema_text()
    if not args.out:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as err:
        print(f"kiosk config schema: 无法写入 {args.out}：{err.strerror or err} "
              f"(cannot write the schema file)", file=sys.stderr)
        return 1
    print(f"kiosk config schema: 已写入 {args.out} (wrote the schema)", file=sys.stderr)
    return 0
