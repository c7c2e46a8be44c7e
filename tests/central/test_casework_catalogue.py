"""Catalogue 2026.12.1 (docs/casework.md §1): who may file through an agent, the departments
a 多地联办 item is split into, the paper 购房合同 of 住房公积金提取; seeding checks them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from casework_helpers import HUKOU_PROOF
from central_bodies import HOUSING_FUND, MARRIAGE, PENSION, RESIDENCE
from central_helpers import SignedApi

from central.schemas import JointPart
from central.seeding import SeedData, SeedError, _check, load_seed

CATALOGUE = "/api/v1/catalogue"


def test_the_published_items_carry_agent_allowed_and_joint(api: SignedApi) -> None:
    body = api.get(CATALOGUE).json()
    assert body["version"] == "2026.12.1"
    items = {i["code"]: i for i in body["items"]}
    assert {c for c, i in items.items() if not i["agent_allowed"]} == {MARRIAGE, RESIDENCE}
    joint = {c for c, i in items.items() if i["joint"]}
    assert joint == {c for c, i in items.items() if "多地联办" in i["modes"]}
    assert len(joint) == 5
    assert all(2 <= len(items[c]["joint"]) <= 3 for c in joint)
    assert items[HUKOU_PROOF]["joint"] == [
        {"region_code": "140502", "department": "晋城市公安局城区分局户政科", "task": "户籍信息核查"},
        {"region_code": "140500", "department": "晋城市公安局人口管理支队", "task": "户籍证明审核出具"},
    ]
    assert items[PENSION]["joint"] == [] and items[PENSION]["agent_allowed"] is True
    contract = [m for m in items[HOUSING_FUND]["materials"] if m["code"] == "M03"]
    assert contract == [{"code": "M03", "name": "购房合同", "required": True, "source": "paper",
                         "licence_type": None, "note": "可在终端拍摄提交"}]


def _with_item(index: int, **changes: object) -> SeedData:
    data = load_seed()
    items = list(data.items)
    items[index] = items[index].model_copy(update=changes)
    return replace(data, items=items)


def test_seeding_refuses_joint_without_the_mode_and_the_mode_without_joint() -> None:
    data = load_seed()
    online = next(i for i, item in enumerate(data.items) if "多地联办" not in item.modes)
    split = next(i for i, item in enumerate(data.items) if "多地联办" in item.modes)
    part = JointPart(region_code="140500", department="晋城市某局", task="审核")
    with pytest.raises(SeedError, match="exactly when modes holds 多地联办"):
        _check(_with_item(online, joint=[part]))
    with pytest.raises(SeedError, match="exactly when modes holds 多地联办"):
        _check(_with_item(split, joint=[]))
    elsewhere = part.model_copy(update={"region_code": "999999"})
    with pytest.raises(SeedError, match="unknown region 999999"):
        _check(_with_item(split, joint=[elsewhere]))
