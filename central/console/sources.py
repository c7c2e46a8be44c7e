"""Where the console's data and actions come from: the fleet (central.fleet,
central.fleet_commands), configuration documents (central.config_docs), releases and
rollouts (central.updates). The console adds roles, pages and links on top; the rules
(what a command may carry, how a rollout pauses) and their audit entries live in those
modules, shared with the CLI.

While central.updates.rollouts is not there yet, its reads fall back to
central.console.interim and its actions answer `NotReady` (issue 13 is built in parallel).
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from central import config_docs, fleet, fleet_commands
from central.console import interim
from central.updates import releases

UnknownTerminal = fleet_commands.UnknownTerminal
CommandInvalid = fleet_commands.CommandInvalid
ConfigInvalid = config_docs.ConfigInvalid
ConfigNotFound = config_docs.ConfigNotFound


class NotReady(Exception):
    """The module behind an action has not landed."""


def _rollouts(name: str, *, required: bool = False) -> Any:
    try:
        found = getattr(importlib.import_module("central.updates.rollouts"), name)
    except (ImportError, AttributeError):
        if required:
            raise NotReady(f"central.updates.rollouts.{name}") from None
        return getattr(interim, name)
    return found


# --- fleet ----------------------------------------------------------------------------


def fleet_list(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    return fleet.fleet_list(conn, now)


def terminal_detail(conn: Connection, terminal_id: str, now: datetime) -> dict[str, Any]:
    """The terminal's detail (central.fleet.terminal_detail) and the configuration version
    central has for it; UnknownTerminal when it is not enrolled."""
    detail = fleet.terminal_detail(conn, terminal_id, now, history=100)
    if detail is None:
        raise UnknownTerminal(terminal_id)
    detail["config_effective"] = config_docs.effective_version(conn, terminal_id) or ""
    return detail


def queue_command(
    conn: Connection, terminal_id: str, kind: str, args: dict[str, Any], actor: str, now: datetime
) -> int:
    """Queue a remote operation; central.fleet_commands writes its audit entry (actor)."""
    return fleet_commands.queue_command(conn, terminal_id, kind, args, actor, now)


def command_detail(conn: Connection, command_id: int) -> dict[str, Any] | None:
    return fleet_commands.command_detail(conn, command_id)


# --- configuration --------------------------------------------------------------------


def list_documents(conn: Connection) -> list[dict[str, Any]]:
    return config_docs.list_documents(conn)


def config_diff(conn: Connection, scope: str, key: str, a: int, b: int) -> list[str]:
    return config_docs.diff(conn, scope, key, a, b)


def config_publish(
    conn: Connection, scope: str, key: str, version: int, actor: str, now: datetime
) -> None:
    """Publish a version; central.config_docs writes its audit entry (actor)."""
    config_docs.publish(conn, scope, key, version, actor, now)


# --- releases and rollouts ------------------------------------------------------------


def list_releases(conn: Connection) -> list[dict[str, Any]]:
    return releases.list_releases(conn)


def list_rollouts(conn: Connection) -> list[dict[str, Any]]:
    return list(_rollouts("list_rollouts")(conn))


def rollout_status(conn: Connection, rollout_id: int) -> dict[str, Any]:
    return dict(_rollouts("rollout_status")(conn, rollout_id))


def start_rollout(
    conn: Connection,
    version: str,
    waves: list[int],
    threshold: float,
    scope: dict[str, str],
    actor: str,
    now: datetime,
) -> int:
    start = _rollouts("start_rollout", required=True)
    return int(start(conn, version, waves, threshold, scope, actor, now))


def rollout_action(
    conn: Connection, action: str, rollout_id: int, actor: str, reason: str, now: datetime
) -> None:
    """pause | resume | abort (central.updates.rollouts)."""
    do = _rollouts(action, required=True)
    if action == "pause":
        do(conn, rollout_id, actor, reason, now)
    else:
        do(conn, rollout_id, actor, now)
