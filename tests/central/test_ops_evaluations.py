"""The console's 好差评 pages: figures and cases with their filters, a case's page and its
moves as CSRF-checked forms, and who sees what (regional: their region; hall staff: no)."""

from __future__ import annotations

import re

from central_helpers import SignedApi, enroll
from evaluation_helpers import at, evaluation, rate
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ops_helpers import audit_rows, log_in, make_user

PENSION = "11140500MB1947036N4000111001"


def _cases_on(page: str) -> list[str]:
    return re.findall(r'data-case="(ZG[0-9]+)"', page)


def _setup(client: TestClient, app: FastAPI, api: SignedApi) -> dict[str, str]:
    county = enroll(client, app, region="140525")
    jiaozuo = enroll(client, app, region="410800")
    at(app, "2026-11-02T09:00:00")
    numbers = {
        "city": rate(api, evaluation(2, reasons=["slow", "many_visits"], item_code=PENSION,
                                     comment="<b>排队</b>太久")).json()["case_number"],
        "county": rate(county, evaluation(1, reasons=["attitude"])).json()["case_number"],
        "jiaozuo": rate(jiaozuo, evaluation(2, reasons=["device"])).json()["case_number"],
    }  # fmt: skip
    assert rate(api, evaluation(5)).status_code == 201
    at(app, "2026-11-04T10:00:00")  # every visit (due 11-03) is late now
    return numbers


def test_the_list_shows_figures_deadlines_and_overdue_cases(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    numbers = _setup(client, app, api)
    make_user(app, "ops", "admin")
    log_in(client, "ops")
    page = client.get("/ops/evaluations")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert 'id="nav-evaluations"' in text
    assert _cases_on(text) == [numbers["jiaozuo"], numbers["county"], numbers["city"]]
    assert re.search(r'id="total">4<', text) and re.search(r'id="rate">25.0%<', text)
    assert re.search(r'id="overdue-count">3<', text)
    assert "办理时间长" in text and "多次跑动" in text and "设备不好用" in text
    assert "2026-11-03" in text and "2026-11-23" in text  # visit and rectification deadlines
    assert text.count('class="late"') == 3 and "已超期" in text
    client.post(f"/ops/evaluations/{numbers['city']}", data={
        "csrf": _csrf(client, numbers["city"]), "action": "visit", "note": "已电话回访"})  # fmt: skip
    late = client.get("/ops/evaluations?overdue=1").text
    assert _cases_on(late) == [numbers["jiaozuo"], numbers["county"]]
    moving = client.get("/ops/evaluations?state=整改中").text
    assert _cases_on(moving) == [numbers["city"]]
    assert 'class="late"' not in moving


def _csrf(client: TestClient, number: str) -> str:
    page = client.get(f"/ops/evaluations/{number}")
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_a_case_page_and_its_moves(client: TestClient, app: FastAPI, api: SignedApi) -> None:
    numbers = _setup(client, app, api)
    number = numbers["city"]
    make_user(app, "ops", "admin")
    log_in(client, "ops")
    page = client.get(f"/ops/evaluations/{number}").text
    assert "不满意" in page and "城乡居民基本养老保险参保登记" in page and "晋城市政务服务中心" in page
    assert "&lt;b&gt;排队&lt;/b&gt;太久" in page  # the citizen's text, escaped
    assert re.findall(r'id="act-([a-z]+)"', page) == ["visit", "appeal"]
    csrf = _csrf(client, number)
    forged = client.post(f"/ops/evaluations/{number}", data={"action": "visit", "note": "x"})
    assert forged.status_code == 403
    empty = client.post(f"/ops/evaluations/{number}", data={"csrf": csrf, "action": "visit", "note": " "})
    assert empty.status_code == 422
    wrong = client.post(f"/ops/evaluations/{number}", data={"csrf": csrf, "action": "rectified", "note": "x"})
    assert wrong.status_code == 422 and "不允许" in wrong.text
    done = client.post(f"/ops/evaluations/{number}", data={"csrf": csrf, "action": "visit", "note": "已电话回访"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"].endswith("?done=visit")
    page = client.get(done.headers["location"]).text
    assert 'id="state">整改中<' in page and "已电话回访" in page and 'id="done"' in page
    assert re.findall(r'id="act-([a-z]+)"', page) == ["rectified", "appeal"]
    entries = audit_rows(app, "rectification_visit")
    assert [(e.actor, e.target) for e in entries] == [("ops", number)]


def test_regional_operators_see_their_region_only(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    numbers = _setup(client, app, api)
    make_user(app, "jc", "regional", region="140500")
    log_in(client, "jc")
    text = client.get("/ops/evaluations").text
    assert _cases_on(text) == [numbers["county"], numbers["city"]]
    assert re.search(r'id="total">3<', text)  # 焦作's evaluation is not counted
    assert client.get(f"/ops/evaluations/{numbers['county']}").status_code == 200
    assert client.get(f"/ops/evaluations/{numbers['jiaozuo']}").status_code == 404
    assert client.get("/ops/evaluations/ZG20261102999999").status_code == 404
    csrf = _csrf(client, numbers["city"])
    other = client.post(f"/ops/evaluations/{numbers['jiaozuo']}",
                        data={"csrf": csrf, "action": "visit", "note": "x"})  # fmt: skip
    assert other.status_code == 404
    assert audit_rows(app, "rectification_visit") == []


def test_hall_staff_and_strangers_are_kept_out(
    client: TestClient, app: FastAPI, api: SignedApi
) -> None:
    numbers = _setup(client, app, api)
    assert client.get("/ops/evaluations", follow_redirects=False).status_code == 303
    make_user(app, "clerk", "hall_staff", hall="JC-ZWZX")
    answer = client.post("/ops/login", data={"name": "clerk", "password": "console-pass-1"},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert client.get("/ops/evaluations").status_code == 403
    assert client.get(f"/ops/evaluations/{numbers['city']}").status_code == 403
