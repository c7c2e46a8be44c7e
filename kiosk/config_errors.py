"""Configuration errors: every problem of a file named by file, key and reason, in Chinese
first (the pydantic text kept in brackets for searching), sorted by file then key.

``ConfigError`` carries one problem or many (``problems``); its first problem is also
``file`` / ``key`` / ``reason``. ``kiosk config check`` and ``kiosk run`` print them with
``technician_text``: a Chinese heading, one ``file: key: reason`` line each, then the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError
from pydantic_core import ErrorDetails

MAX_KEY, MAX_REASON = 100, 300


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Problem(NamedTuple):
    file: str
    key: str
    reason: str

    def line(self) -> str:
        return f"{self.file}: {self.key}: {self.reason}" if self.key else f"{self.file}: {self.reason}"


class ConfigError(Exception):
    """One or more configuration problems, each named by file and key."""

    def __init__(self, file: Path | str, key: str, reason: str,
                 more: Sequence[Problem] = ()) -> None:
        # A hostile file's key or value can be any length: each line stays short.
        first = Problem(str(file) or "(未知文件)", short(key, MAX_KEY), short(reason, MAX_REASON))
        self.problems: list[Problem] = sorted({first, *more}, key=lambda p: (p.file, p.key, p.reason))
        self.file, self.key, self.reason = self.problems[0]
        super().__init__("\n".join(p.line() for p in self.problems))

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> ConfigError:
        first, *rest = problems
        return cls(first.file, first.key, first.reason, rest)


FIX = ("修改方法：按上面每行所指的文件和设置项改正，再运行 `kiosk config check FILE` 确认 "
       "(fix each line above, then run kiosk config check)")


def technician_text(err: ConfigError) -> str:
    """What `kiosk config check` and `kiosk run` print: Chinese heading, the problems, the fix."""
    count = len(err.problems)
    return "\n".join([f"kiosk: 配置有误，共 {count} 处 (configuration error):",
                      *(p.line() for p in err.problems), FIX])


# pydantic error type -> Chinese reason (ctx fills the braces); the English text follows.
_WORDS: dict[str, str] = {
    "missing": "缺少必填项",
    "extra_forbidden": "没有这个设置项（拼写错误？请改正或删除）",
    "bool_type": "应为 true 或 false（不加引号）",
    "int_type": "应为整数（不加引号）",
    "float_type": "应为数字（不加引号）",
    "string_type": "应为加引号的文字",
    "list_type": "应为列表 [...]",
    "model_type": "应为一个表 [...]",
    "dict_type": "应为一个表 [...]",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "literal_error": "应为以下之一：{expected}",
    "string_pattern_mismatch": "格式不对",
    "too_short": "至少要有 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "union_tag_invalid": "driver 应为以下之一：{expected_tags}",
    "union_tag_not_found": "缺少 driver（应为以下之一：{expected_tags}）",
    "value_error": "取值无效",
    "is_instance_of": "类型不对",
    "frozen_instance": "不能修改",
}


def reason_for(error: ErrorDetails) -> str:
    """A Chinese reason for one pydantic error, its English message kept in brackets."""
    english = error["msg"].removeprefix("Value error, ")
    words = _WORDS.get(error["type"], "取值无效")
    ctx = {k: int(v) if isinstance(v, float) and v.is_integer() else v
           for k, v in (error.get("ctx") or {}).items()}
    try:
        chinese = words.format(**ctx)
    except (KeyError, IndexError, ValueError):
        chinese = words.split("{")[0].rstrip("：（ ")
    return f"{chinese} ({english})"


def key_path(loc: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """``loc`` as keys of the file: the tags pydantic adds for a discriminated union (the
    ``camera`` of ``devices.code_scanner.camera.width``) are left out."""
    out: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, dict) and part not in node and not last:
            continue
        out.append(part)
        node = node.get(part) if isinstance(node, dict) else (
            node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node) else None)
    return tuple(out)


def problems_of(err: ValidationError, culprit_of: Any, data: Any = None) -> list[Problem]:
    """Every error of ``err`` as a Problem; ``culprit_of(loc, type)`` names the file to fix;
    ``data`` (what was validated) turns pydantic's locations into the file's keys."""
    out: list[Problem] = []
    for error in err.errors():
        loc = key_path(tuple(error["loc"]), data) if data is not None else tuple(error["loc"])
        key = ".".join(str(p) for p in loc)
        out.append(Problem(str(culprit_of(loc, error["type"])), short(key, MAX_KEY),
                           short(reason_for(error), MAX_REASON)))
    return out
