"""Where the console's data and actions come from: the fleet (central.fleet,
central.fleet_commands), configuration documents (central.config_docs), releases and
rollouts (central.updates). The console adds roles, pages and links on top; the rules
(what a command may carry, how a rollout pauses) and their audit entries live in those
modules, shared with the CLI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from central import config_docs, fleet, fleet_commands
from central.updates import errors, releases, rollout_admin, rollouts

UnknownTerminal = fleet_commands.UnknownTerminal
CommandInvalid = fleet_commands.CommandInvalid
ConfigInvalid = config_docs.ConfigInvalid
ConfigNotFound = config_docs.ConfigNotFound
UpdatesError = errors.UpdatesError


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


def commands_for(conn: Connection, terminal_id: str) -> list[dict[str, Any]]:
    return fleet_commands.commands_for(conn, terminal_id)


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
    return rollouts.list_rollouts(conn)


def rollout_status(conn: Connection, rollout_id: int) -> dict[str, Any]:
    """`rollout status --json`'s document; UpdatesError `unknown_rollout` when none."""
    return rollouts.rollout_status(conn, rollout_id)


def start_rollout(
    conn: Connection,
    version: str,
    waves: list[int] | str,
    threshold: float,
    scope: dict[str, str],
    actor: str,
    now: datetime,
) -> int:
    """Start a rollout; central.updates writes its audit entry (actor)."""
    return rollout_admin.start_rollout(conn, version, waves, threshold, scope, actor, now)


def rollout_action(
    conn: Connection, action: str, rollout_id: int, actor: str, reason: str, now: datetime
) -> None:
    """pause | resume | abort; central.updates writes the audit entry (actor)."""
    if action == "pause":
        rollout_admin.pause(conn, rollout_id, actor, reason, now)
    elif action == "resume":
        rollout_admin.resume(conn, rollout_id, actor, now)
    elif action == "abort":
        rollout_admin.abort(conn, rollout_id, actor, now)
    else:
        raise ValueError(action)
