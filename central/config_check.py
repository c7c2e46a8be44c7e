"""Checking a configuration document against the terminal's own models (docs/fleet.md §3).

Central shares no code with the terminal: it validates with ``central/config_schema.json``,
the JSON Schema ``kiosk config schema`` generates from ``kiosk.config.KioskConfig`` (a test
keeps it current), checked by ``jsonschema`` (the reference implementation of JSON Schema
for Python, well kept, and already how the ecosystem checks such documents). Every problem
is reported at once as ``"path: message"``, so an operator fixes a document in one go.

``central`` and ``terminal.data_dir`` are refused before the schema is consulted
(``forbidden_section``): a bad URL pushed from central would strand the fleet, and where a
terminal keeps its data is the site's business.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

FORBIDDEN: dict[str, str] = {
    "central": "forbidden_section: [central] is never set remotely "
    "(a bad URL pushed from central would strand the fleet)",
    "terminal.data_dir": "forbidden_section: where a terminal keeps its data is the site file's",
}
MAX_PROBLEMS = 50


class ConfigInvalid(Exception):
    """A document central will not store or publish: ``error`` is the contract's code
    (``config_invalid``, ``forbidden_section``), ``problems`` one ``"path: message"`` each."""

    def __init__(self, problems: list[str], error: str = "config_invalid") -> None:
        self.problems = problems
        self.error = error
        super().__init__("; ".join(problems))


@cache
def schema() -> dict[str, Any]:
    text = (files("central") / "config_schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema())


def check_document(body: Any) -> None:
    """Raise ConfigInvalid with every problem of ``body``, or return."""
    if not isinstance(body, dict):
        raise ConfigInvalid(["(document): must be a JSON object of configuration sections"])
    forbidden = [f"{path}: {why}" for path, why in FORBIDDEN.items() if _has(body, path)]
    if forbidden:
        raise ConfigInvalid(forbidden, "forbidden_section")
    problems: list[str] = []
    for error in sorted(_validator().iter_errors(body), key=lambda e: list(map(str, e.path))):
        problems.extend(_describe(error))
    if problems:
        unique = sorted(dict.fromkeys(problems))
        raise ConfigInvalid(unique[:MAX_PROBLEMS])


def _has(body: dict[str, Any], dotted: str) -> bool:
    node: Any = body
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _path(parts: Any) -> str:
    return ".".join(str(p) for p in parts) or "(document)"


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(error: ValidationError) -> list[str]:
    """One or more ``path: message`` lines for a jsonschema error: an unknown key named as
    such, and for a choice (a device that may be absent, a scanner by its driver) the
    errors of the branch the document meant rather than "not valid under any"."""
    where = _path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known)
        return [f"{_path([*error.absolute_path, k])}: unknown setting" for k in extra]
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches = _branches(error)
        meant = _meant(branches, lambda sub: _at_value(sub) and sub.validator == "type")
        if meant is not None and len(branches) > 1:
            meant = _meant({i: branches[i] for i in meant}, _wrong_driver) or meant
        if meant is not None and len(meant) == 1:
            return [line for sub in branches[meant[0]] for line in _describe(sub)]
        if meant:
            said = [sorted(line for sub in branches[i] for line in _describe(sub)) for i in meant]
            if all(lines == said[0] for lines in said):
                return said[0]   # every branch it may mean says the same
        drivers = sorted({str(sub.validator_value) for subs in branches.values()
                          for sub in subs if _wrong_driver(sub)})
        if meant and drivers:
            return [f"{where}.driver: must be one of {', '.join(drivers)}"]
    return [f"{where}: {_short(error.message)}"]


def _branches(error: ValidationError) -> dict[int, list[ValidationError]]:
    out: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        out.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    return out


def _at_value(sub: ValidationError) -> bool:
    return list(sub.relative_path) == []


def _wrong_driver(sub: ValidationError) -> bool:
    return list(sub.relative_path) == ["driver"] and sub.validator == "const"


def _meant(branches: dict[int, list[ValidationError]],
           excluded: Callable[[ValidationError], bool]) -> list[int] | None:
    """The branches the document may have meant: not excluded by any of their errors (its
    type, or its discriminating `driver` constant, is not the value's); None if none."""
    left = [i for i, subs in sorted(branches.items()) if not any(excluded(s) for s in subs)]
    return left or None
