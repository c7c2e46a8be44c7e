"""The remote configuration layer on disk (docs/fleet.md §3): which version of central's
document a start uses, and the bookkeeping of a version on trial.

``<data_dir>/config/remote/<version>.json`` holds each document the terminal accepted;
``state.json`` says which runs: ``{"current", "last_known_good", "trial", "failed":
{version: reason}}`` plus what the report and the trial need (``state``, ``reason``,
``starts``: the boot ids of the starts on trial, ``expected``: the devices' readiness before
the switch, ``problems``: why a version was rejected). ``current`` is what ``load_config``
lays over the site file; null is the site file alone (``local``).

A start on trial is counted *before* anything that could crash (``begin_start``): a trial
start of the same boot found undecided at the next start crashed, and the terminal goes back
to ``last_known_good`` (reason ``crash``). A start in another boot is a power cut, not a
crash, and does not use the trial up (the RAUC boot-counter mistake).
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk.config_errors import ConfigError, Problem, technician_text
from kiosk.config_files import read_bytes
from kiosk.files import ensure_private_dir, replace_private_file

log = logging.getLogger(__name__)

# The sections a remote document may set; never [central] (a bad URL pushed from central
# would strand the fleet) nor terminal.data_dir (where the data lives is the site's).
REMOTE_SECTIONS = ("terminal", "session", "ui", "staff", "technician", "services", "devices",
                   "voice", "input", "capture")
FORBIDDEN_KEYS = {"terminal": ("data_dir",)}
VERSION = re.compile(r"cfg-[0-9a-f]{12}")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
EMPTY: dict[str, Any] = {"current": None, "last_known_good": None, "trial": None, "failed": {},
                         "state": "ok", "reason": "", "starts": [], "expected": {},
                         "problems": {}}


def folder(data_dir: Path | str) -> Path:
    return Path(data_dir) / "config" / "remote"


def document_path(data_dir: Path | str, version: str) -> Path:
    if not VERSION.fullmatch(version):
        raise ValueError(f"not a configuration version: {version[:40]!r}")
    return folder(data_dir) / f"{version}.json"


def boot_id() -> str:
    try:
        return BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:
        return "unknown"


def read_state(data_dir: Path | str) -> dict[str, Any]:
    """state.json, or the empty state (a missing or damaged file: the site file alone).
    Read like a configuration file (kiosk.config_files): a FIFO or a huge file never hangs
    a start."""
    path = folder(data_dir) / "state.json"
    try:
        data = json.loads(read_bytes(path))
    except ConfigError as err:
        if err.reason != "file not found":
            log.warning("remote configuration: %s unreadable (%s); the site file alone is used",
                        path, err.reason)
        return dict(EMPTY)
    except (ValueError, RecursionError):
        log.warning("remote configuration: %s is not JSON; the site file alone is used", path)
        return dict(EMPTY)
    if not isinstance(data, dict):
        return dict(EMPTY)
    state = {**EMPTY, **data}
    for key in ("current", "last_known_good", "trial"):
        if not (isinstance(state[key], str) and VERSION.fullmatch(state[key])):
            state[key] = None
    for key in ("failed", "expected", "problems"):
        if not isinstance(state[key], dict):
            state[key] = {}
    if not isinstance(state["starts"], list):
        state["starts"] = []
    return state


def _private_folder(data_dir: Path | str) -> Path:
    # Both levels 0700 (mkdir's parents=True would make config/ with the umask's mode).
    ensure_private_dir(Path(data_dir) / "config")
    ensure_private_dir(folder(data_dir))
    return folder(data_dir)


def write_state(data_dir: Path | str, state: dict[str, Any]) -> None:
    _private_folder(data_dir)
    text = json.dumps(state, ensure_ascii=False, sort_keys=True, indent=1)
    replace_private_file(folder(data_dir) / "state.json", text.encode("utf-8"))


def write_document(data_dir: Path | str, version: str, document: dict[str, Any]) -> Path:
    path = document_path(data_dir, version)
    _private_folder(data_dir)
    replace_private_file(path, json.dumps(document, ensure_ascii=False, sort_keys=True,
                                          indent=1).encode("utf-8"))
    return path


def read_document(data_dir: Path | str, version: str) -> dict[str, Any] | None:
    try:
        data = json.loads(read_bytes(document_path(data_dir, version)))
    except (ConfigError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def section_problems(document: Any) -> list[tuple[str, str]]:
    """(key, reason) for what no remote document may hold, whatever the models say."""
    if not isinstance(document, dict):
        return [("", "远程配置应为一个表 (the document must be an object)")]
    out = []
    for key, value in document.items():
        if key not in REMOTE_SECTIONS:
            why = "forbidden_section" if key == "central" else "unknown section"
            out.append((str(key)[:100], f"远程配置不能设置这一节 ({why})"))
        elif isinstance(value, dict):
            out.extend((f"{key}.{name}", "远程配置不能设置这一项 (forbidden_section)")
                       for name in FORBIDDEN_KEYS.get(key, ()) if name in value)
    return out


def rolled_back(state: dict[str, Any], reason: str) -> dict[str, Any]:
    """``state`` with the trial given up: back to the last known good, never tried again."""
    trial = state.get("trial")
    failed = dict(state.get("failed") or {})
    if trial:
        failed[trial] = reason
    return {**state, "current": state.get("last_known_good"), "trial": None, "failed": failed,
            "state": "rolled_back", "reason": reason, "starts": [], "expected": {}}


def begin_start(data_dir: Path | str, boot: str | None = None) -> dict[str, Any]:
    """A start of the kiosk (``kiosk run``): count a trial start, or give up a trial whose
    previous start in this boot never reached a verdict (it crashed). The state to use."""
    state = read_state(data_dir)
    trial = state.get("trial")
    if not trial:
        return state
    boot = boot or boot_id()
    starts = [s for s in state.get("starts", []) if isinstance(s, str)]
    if boot in starts:
        log.warning("remote configuration %s: its last start did not finish the trial; back to %s",
                    trial, state.get("last_known_good") or "the site file")
        state = rolled_back(state, "crash")
    else:
        state = {**state, "current": trial, "starts": [*starts, boot], "state": "trial",
                 "reason": ""}
    write_state(data_dir, state)
    return state


def check_sections(path: Path, document: Any) -> None:
    """Raise ConfigError (every problem) when ``document`` sets what no remote layer may."""
    problems = [Problem(str(path), key, reason) for key, reason in section_problems(document)]
    if problems:
        raise ConfigError.of(problems)


def remote_layers(data_dir: str, starting: bool,
                  remote: tuple[str, dict[str, Any]] | None) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    """The remote layers ``load_config`` tries, in order: the given one alone; else the
    current version, then the last known good (when the current one does not validate)."""
    if remote is not None:
        version, document = remote
        yield version, document_path(data_dir, version), copy.deepcopy(document)
        return
    state = begin_start(data_dir) if starting else read_state(data_dir)
    current = state["current"]   # null: the site file alone, whatever was good before
    for version in dict.fromkeys(v for v in (current, state["last_known_good"]) if v and current):
        kept = read_document(data_dir, version)
        if kept is None:
            log.warning("remote configuration %s: its file is missing or damaged", version)
            continue
        yield version, document_path(data_dir, version), kept


def skipped(data_dir: Path, version: str, err: ConfigError, starting: bool) -> None:
    """A remote layer that failed validation: never used. Logged in the technician's words;
    a version on trial that fails at its start is given up like one that crashed."""
    log.warning("远程配置 %s 未使用 (remote configuration not used):\n%s", version,
                technician_text(err))
    if starting:
        state = read_state(data_dir)
        if state.get("trial") == version:
            state = rolled_back(state, "invalid")
            state["problems"] = {**state.get("problems", {}), version: [p.line() for p in err.problems][:20]}
            write_state(data_dir, state)
