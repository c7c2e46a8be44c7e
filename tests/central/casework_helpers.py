"""Bodies and helpers of the casework tests (docs/casework.md): 异地代收 with photographed
pages and a delivery, 多地联办 items, 代办, and advancing through the same code the CLI runs."""

from __future__ import annotations

import hashlib
from typing import Any

from central_bodies import (
    LOST_DEED,
    RESIDENCE,
    application,
    housing_fund,
    new_key,
)
from central_helpers import SignedApi
from fastapi import FastAPI

from central.application_advance import advance
from central.schemas import ApplicationOut

APPLICATIONS = "/api/v1/applications"
HUKOU_PROOF = "11140502MB1961408H3000131002"  # 户籍证明开具: 多地联办, 2 parts
DISABILITY = "11140525MB198626519000281001"    # 残疾人证新办: 多地联办, 3 parts, paper M02/M03
HALL = "晋城市政务服务中心"                     # the `api` terminal's hall (central_helpers)
POST = {"method": "post", "address": "北京市东城区示例胡同12号院3号楼"}
PICKUP = {"method": "pickup"}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def page(n: int, kind: str = "material", code: str | None = "M03") -> dict[str, Any]:
    return {"page": n, "kind": kind, "material_code": code if kind == "material" else None,
            "sha256": sha(f"page-{n}"), "size": 1000 + n}


def collect(person: tuple[str, str], delivery: dict[str, Any] | None = None,
            pages: int = 2) -> dict[str, Any]:  # fmt: skip
    """住房公积金提取 at a 晋城 terminal: 异地代收 with `pages` photographed 购房合同 pages."""
    body = housing_fund(person, delivery if delivery is not None else POST)
    body["evidence"] = [page(n) for n in range(1, pages + 1)]
    return body


def hukou_proof(person: tuple[str, str]) -> dict[str, Any]:
    return application(
        HUKOU_PROOF, person, {"phone": "13800000000", "purpose": "就业"},
        [{"code": "M01", "source": "licence", "ref": "1101****3512"}],
    )


def lost_deed(person: tuple[str, str]) -> dict[str, Any]:
    return application(
        LOST_DEED, person, {"phone": "13800000000", "reason": "遗失"},
        [{"code": "M02", "source": "paper", "ref": "遗失声明"}],
    )


def residence(person: tuple[str, str]) -> dict[str, Any]:
    return application(
        RESIDENCE, person, {"phone": "13800000000", "address": "晋城市城区示例路8号"},
        [{"code": "M01", "source": "licence", "ref": "1405****8123"}],
    )


def agent(person: tuple[str, str], authority: str = "present",
          relation: str = "配偶") -> dict[str, Any]:  # fmt: skip
    return {"id_number": person[0], "name": person[1], "relation": relation,
            "authority": authority}


def submit(api: SignedApi, body: dict[str, Any], key: str | None = None) -> Any:
    return api.post(APPLICATIONS, body, headers={"Idempotency-Key": key or new_key()})


def filed(api: SignedApi, body: dict[str, Any]) -> dict[str, Any]:
    response = submit(api, body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def step(app: FastAPI, number: str, **kw: Any) -> ApplicationOut:
    """`kiosk-central application advance` (the same function) on the app's database."""
    out: ApplicationOut = app.state.db.run(advance, number, **kw)
    return out
