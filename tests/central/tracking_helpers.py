"""Helpers of the tracking and evidence tests: submit an application through the signed
API, its check code as central computes it, JPEG pages and their upload bodies (plain or
sealed to central's outbox key, as the terminal's outbox sends them)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import datetime
from typing import Any

from central_bodies import new_key, pension
from central_helpers import ZHANG_SAN, SignedApi
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from sqlalchemy import Connection, insert, update

from central.models import Application, ApplicationEvent
from central.timeutil import utcnow
from central.tracking import check_code, tracking_secret
from kiosk.store.crypto import seal

EVIDENCE = "/api/v1/applications/evidence"


def jpeg(label: str = "授权委托书", size: tuple[int, int] = (420, 594)) -> bytes:
    """A page photographed: a real JPEG with some text-like lines on it."""
    image = Image.new("RGB", size, (250, 250, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, size[0] - 20, 70), outline=(40, 40, 40), width=3)
    for i in range(12):
        y = 100 + i * 36
        draw.line((40, y, size[0] - 40 - (i * 13) % 90, y), fill=(60, 60, 60), width=4)
    draw.text((30, 35), label.encode("ascii", "replace").decode(), fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def ref(page: int, data: bytes, kind: str = "material", code: str | None = "M02") -> dict[str, Any]:
    return {"page": page, "kind": kind, "material_code": code,
            "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}  # fmt: skip


def page_body(receipt: str, page: int, data: bytes, kind: str = "material",
              code: str | None = "M02", sha256: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "local_receipt": receipt,
        "page": page,
        "kind": kind,
        "material_code": code,
        "sha256": sha256 or hashlib.sha256(data).hexdigest(),
        "jpeg_base64": base64.b64encode(data).decode("ascii"),
    }


def sealed(client: TestClient, body: dict[str, Any], key: str) -> dict[str, str]:
    public = base64.b64decode(client.get("/api/v1/keys/outbox").json()["public_key"])
    blob = seal(public, json.dumps(body).encode(), key)
    return {"sealed": base64.b64encode(blob).decode()}


def submit(api: SignedApi, body: dict[str, Any] | None = None) -> str:
    """File an application (the demo pension item by default); its number."""
    answer = api.post("/api/v1/applications", body or pension(ZHANG_SAN),
                      headers={"Idempotency-Key": new_key()})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return str(answer.json()["application_number"])


def code_of(app: FastAPI, number: str) -> str:
    def work(conn: Connection) -> str:
        return check_code(tracking_secret(conn, utcnow()), number)

    result: str = app.state.db.run(work)
    return result


def add_event(app: FastAPI, number: str, step: str, note: str, **columns: Any) -> None:
    """A timeline row written straight into the table (what `advance` writes)."""

    def work(conn: Connection) -> None:
        app_id = conn.execute(
            Application.__table__.select().with_only_columns(Application.id)
            .where(Application.number == number)
        ).scalar_one()  # fmt: skip
        conn.execute(insert(ApplicationEvent).values(
            application_id=app_id, step=step, at=columns.pop("at", utcnow()), note=note,
            **columns))  # fmt: skip
        conn.execute(update(Application).where(Application.id == app_id).values(status=step))

    app.state.db.run(work)


def as_of(moment: datetime) -> Any:
    return lambda: moment
