"""办件查询 without identifying (docs/casework.md §4), on both back ends: the public page
`/t/{number}?c=` and its JSON, and the terminal's signed `/applications/{number}/public`.

The number alone finds nothing (numbers can be guessed): the check code is required, and
a wrong code looks exactly like an unknown number. What is shown is masked (张*), with no
ID number, address, document hash or post tracking number.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from central_helpers import ZHANG_SAN, SignedApi, enroll
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, insert, select, update
from tracking_helpers import add_event, code_of, submit

from central.app import create_app, dispose
from central.models import Application
from central.models_casework import ApplicationPart
from central.timeutil import utcnow

PUBLIC_FIELDS = {"application_number", "item_name", "status", "mode", "applicant_masked",
                 "submitted_at", "timeline", "parts", "next_steps"}  # fmt: skip
POST_NUMBER = "EMS1234567890CN"
HASH = "ab" * 32


def _wrong(code: str) -> str:
    return ("2" if code[0] != "2" else "3") + code[1:]


def test_the_page_needs_the_check_code_and_shows_the_application_masked(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    number = submit(api)
    code = code_of(app, number)
    page = client.get(f"/t/{number}", params={"c": code})
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["referrer-policy"] == "no-referrer"
    text = page.text
    assert "城乡居民基本养老保险参保登记" in text and "张*" in text and number in text
    assert "<script" not in text and "style=" not in text          # no inline code at all
    assert ZHANG_SAN[0] not in text and "张三" not in text
    assert "示例路" not in text and "13800000000" not in text      # the form stays on central
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)       # times in Beijing time
    assert client.get(f"/t/{number}", params={"c": code.lower()}).status_code == 200
    css = client.get("/t/static/track.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_a_wrong_code_and_an_unknown_number_give_the_same_404(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    number = submit(api)
    code = code_of(app, number)
    unknown = str(int(number) + 1)
    pages = [
        client.get(f"/t/{number}", params={"c": _wrong(code)}),
        client.get(f"/t/{number}"),
        client.get(f"/t/{unknown}", params={"c": code}),
        client.get(f"/t/{unknown}", params={"c": code_of(app, unknown)}),  # a real code too
        client.get("/t/not-a-number", params={"c": code}),
    ]
    assert {p.status_code for p in pages} == {404}
    assert len({p.text for p in pages}) == 1 and "未找到该办件" in pages[0].text
    assert number not in pages[0].text
    assert all(p.headers["cache-control"] == "no-store" for p in pages)
    answers = [
        client.get(f"/t/{number}.json", params={"c": _wrong(code)}),
        client.get(f"/t/{unknown}.json", params={"c": code_of(app, unknown)}),
    ]
    assert {a.status_code for a in answers} == {404}
    assert answers[0].json() == answers[1].json() and answers[0].json()["error"] == "not_found"


def test_the_json_is_the_public_view_without_hashes_or_tracking_numbers(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    number = submit(api)
    add_event(app, number, "送达", f"结果已邮寄 {POST_NUMBER}", actor="晋城市社保中心",
              hashes=[HASH], tracking_number=POST_NUMBER)  # fmt: skip
    answer = client.get(f"/t/{number}.json", params={"c": code_of(app, number)})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    view = answer.json()
    assert set(view) == PUBLIC_FIELDS
    assert view["applicant_masked"] == "张*" and view["status"] == "送达"
    assert view["timeline"][0]["step"] == "申请" and view["timeline"][-1]["actor"] == "晋城市社保中心"
    assert all(set(s) == {"step", "at", "note", "actor", "part"} for s in view["timeline"])
    assert view["submitted_at"].endswith("+08:00")
    raw = answer.text
    assert POST_NUMBER not in raw and HASH not in raw and ZHANG_SAN[0] not in raw
    page = client.get(f"/t/{number}", params={"c": code_of(app, number)}).text
    assert POST_NUMBER not in page and HASH[:16] not in page and "晋城市社保中心" in page


def test_joint_parts_show_on_the_page_and_in_the_json(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    number = submit(api)

    def split(conn: Connection) -> None:
        app_id = conn.execute(select(Application.id).where(Application.number == number)).scalar_one()
        conn.execute(update(Application).where(Application.id == app_id)
                     .values(mode="多地联办", parts_total=2))  # fmt: skip
        for seq, (region, dept) in enumerate((("140500", "晋城市医保局"), ("410800", "焦作市医保局")), 1):
            conn.execute(insert(ApplicationPart).values(
                application_id=app_id, seq=seq, region_code=region, department=dept,
                task="异地就医备案", status="办结" if seq == 1 else "办理", updated_at=utcnow()))  # fmt: skip

    app.state.db.run(split)
    add_event(app, number, "办理", "焦作市医保局审核中", part=2, actor="焦作市医保局")
    code = code_of(app, number)
    view = client.get(f"/t/{number}.json", params={"c": code}).json()
    assert view["mode"] == "多地联办"
    assert [(p["seq"], p["department"], p["status"]) for p in view["parts"]] == [
        (1, "晋城市医保局", "办结"), (2, "焦作市医保局", "办理")]
    assert view["timeline"][-1]["part"] == 2
    page = client.get(f"/t/{number}", params={"c": code}).text
    assert "联办子件" in page and "子件2 · 焦作市医保局" in page and "多地联办" in page


def test_the_terminal_looks_up_with_the_check_and_wrong_is_not_found(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    number = submit(api)
    code = code_of(app, number)
    answer = api.get(f"/api/v1/applications/{number}/public?check={code}")
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == PUBLIC_FIELDS and answer.json()["applicant_masked"] == "张*"
    wrong = api.get(f"/api/v1/applications/{number}/public?check={_wrong(code)}")
    unknown = api.get(f"/api/v1/applications/{int(number) + 1}/public?check={code}")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json() and wrong.json()["error"] == "not_found"
    unsigned = client.get(f"/api/v1/applications/{number}/public?check={code}")
    assert unsigned.status_code == 401


def test_without_a_check_the_terminal_gets_30_an_hour_across_workers(
    client: TestClient, app: FastAPI, api: SignedApi, db_url: str
) -> None:
    number = submit(api)
    app.state.clock = lambda: utcnow().replace(minute=5)   # one hour's window throughout
    second = create_app(db_url)                            # another worker, its own engine
    second.state.clock = app.state.clock
    try:
        with TestClient(second) as other_client:
            same_terminal = SignedApi(other_client, api.key, api.terminal_id, api.region)
            _thirty_unchecked(api, same_terminal, number)
    finally:
        dispose(second)
    refused = api.get(f"/api/v1/applications/{number}/public")
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    code = code_of(app, number)
    assert api.get(f"/api/v1/applications/{number}/public?check={code}").status_code == 200
    other = enroll(client, app)                               # the window is per terminal
    assert other.get(f"/api/v1/applications/{number}/public").status_code == 200
    app.state.clock = lambda: utcnow().replace(minute=5) + timedelta(hours=1)   # a new hour
    assert api.get(f"/api/v1/applications/{number}/public").status_code == 200


@pytest.fixture
def two_workers(db_url: str) -> Iterator[tuple[FastAPI, FastAPI]]:
    """Two app instances (two engines) on one database: what two worker processes share."""
    first, second = create_app(db_url), create_app(db_url)
    try:
        yield first, second
    finally:
        dispose(first)
        dispose(second)


def test_two_workers_share_one_clients_page_limit_of_30_a_minute(
    two_workers: tuple[FastAPI, FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two_workers
    monkeypatch.setattr("central.limits._now", lambda: 1_800_000_010.0)
    with TestClient(first) as one, TestClient(second) as two:
        api = enroll(one, first)
        number = submit(api)
        code = code_of(first, number)
        for i in range(30):   # the page and its JSON, either worker, known or guessed
            client = (one, two)[i % 2]
            path = f"/t/{number}" if i % 3 else f"/t/{number}.json"
            target = code if i % 4 else "222222"
            assert client.get(path, params={"c": target}).status_code in (200, 404), i
        refused = two.get(f"/t/{number}", params={"c": code})
        assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
        assert int(refused.headers["retry-after"]) == 50
        assert one.get(f"/t/{number}.json", params={"c": code}).status_code == 429
        monkeypatch.setattr("central.limits._now", lambda: 1_800_000_070.0)   # next minute
        assert one.get(f"/t/{number}", params={"c": code}).status_code == 200


def _thirty_unchecked(one: SignedApi, two: SignedApi, number: str) -> None:
    for i in range(30):
        target = number if i % 2 == 0 else str(int(number) + 1)   # unknown ones count too
        answer = (one, two)[i % 2].get(f"/api/v1/applications/{target}/public")
        assert answer.status_code == (200 if i % 2 == 0 else 404), (i, answer.text)


def test_the_logs_name_the_route_never_the_number_or_its_code(
    client: TestClient, app: FastAPI, api: SignedApi, caplog: pytest.LogCaptureFixture
) -> None:
    number = submit(api)
    code = code_of(app, number)
    with caplog.at_level(logging.DEBUG):
        client.get(f"/t/{number}", params={"c": code})
        client.get(f"/t/{number}.json", params={"c": "222222"})
        api.get(f"/api/v1/applications/{number}/public?check={code}")
    access = [r.getMessage() for r in caplog.records if r.name == "central.access"]
    assert [line.split()[:3] for line in access] == [
        ["GET", "/t/{number}", "200"], ["GET", "/t/{number}", "404"],
        ["GET", "/api/v1/applications/{application_number}/public", "200"]]
    text = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("central"))
    assert number not in text and code not in text and "张" not in text
