"""Helpers of the 好差评 tests: evaluation bodies, a fixed central clock, the CLI's JSON."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from central_helpers import SignedApi
from fastapi import FastAPI

from central.cli import main

PATH = "/api/v1/evaluations"


def beijing(text: str) -> datetime:
    """A Beijing wall time as central's naive UTC clock value."""
    return datetime.fromisoformat(text) - timedelta(hours=8)


def evaluation(level: int = 2, reasons: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "handling_id": str(uuid.uuid4()),
        "service_id": "yizheng",
        "item_code": None,
        "application_number": None,
        "local_receipt": None,
        "level": level,
        "reasons": (["slow"] if level <= 2 else []) if reasons is None else reasons,
        "comment": None,
        "handled_at": "2026-09-30T10:00:00+08:00",
        "rated_at": "2026-09-30T10:01:00+08:00",
    }
    body.update(extra)
    return body


def rate(api: SignedApi, body: dict[str, Any], key: str | None = None) -> Any:
    return api.post(PATH, body, headers={"Idempotency-Key": key or str(uuid.uuid4())})


def at(app: FastAPI, when: str) -> None:
    """Central's clock stands at Beijing time `when` from now on."""
    moment = beijing(when)
    app.state.clock = lambda: moment


def cli_json(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> tuple[int, Any]:
    """Run `kiosk-central ARGV --json --db URL`: (exit status, stdout parsed)."""
    capsys.readouterr()
    status = main([*argv, "--json", "--db", db_url])
    out = capsys.readouterr().out
    return status, json.loads(out) if out.strip() else None


def workdays_after(day: date, n: int) -> date:
    """The oracle: n working days after `day` by the chinese-calendar package itself."""
    import chinese_calendar

    current = day
    while n:
        current += timedelta(days=1)
        n -= int(chinese_calendar.is_workday(current))
    return current
