"""The ops console's application pages (docs/casework.md §5), on both back ends: search
by number, the application masked with its chain of custody and pages, and a page's JPEG
served only with an `evidence.view` audit entry naming the operator. Regional operators
see their region's applications only; hall staff none."""

from __future__ import annotations

import pytest
from central_bodies import pension
from central_helpers import ZHANG_SAN, SignedApi
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ops_helpers import audit_rows, log_in, make_user
from tracking_helpers import EVIDENCE, add_event, jpeg, page_body, ref, submit

RECEIPT = "DEMO-0001-20261123-0007"
HASH = "cd" * 32


@pytest.fixture
def filed(app: FastAPI, api: SignedApi) -> tuple[str, bytes]:
    data = jpeg("bank card")
    body = pension(ZHANG_SAN)
    body["evidence"] = [ref(1, data), ref(2, jpeg("not sent"))]
    number = submit(api, body)
    assert api.post(EVIDENCE, page_body(RECEIPT, 1, data)).status_code == 201
    add_event(app, number, "办结", "审核通过", actor="晋城市社保中心", hashes=[HASH])
    make_user(app, "ops1", "admin")
    make_user(app, "jc-ops", "regional", region="140500")
    make_user(app, "zz-ops", "regional", region="140525")
    make_user(app, "clerk", "hall_staff", hall="JC-ZWZX")
    return number, data


def test_search_opens_the_application_page_masked_with_its_pages(
    client: TestClient, filed: tuple[str, bytes]
) -> None:
    number, _ = filed
    log_in(client, "ops1")
    listing = client.get("/ops/applications")
    assert listing.status_code == 200 and number in listing.text
    assert 'id="nav-applications"' in listing.text
    found = client.get("/ops/applications", params={"number": number}, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/ops/applications/{number}"
    missing = client.get("/ops/applications", params={"number": str(int(number) + 1)})
    assert missing.status_code == 404 and "没有办件" in missing.text
    assert client.get("/ops/applications", params={"number": "abc"}).status_code == 422
    page = client.get(f"/ops/applications/{number}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert "城乡居民基本养老保险参保登记" in text and "张*" in text and "办结" in text
    assert ZHANG_SAN[0] not in text and "张三" not in text and "示例路" not in text
    assert HASH[:12] in text and HASH not in text.replace(f'title="{HASH}"', "")  # shortened
    assert f"/ops/applications/{number}/evidence/1" in text
    assert f"/ops/applications/{number}/evidence/2" not in text and "未收到" in text


def test_a_page_is_served_only_with_its_audit_entry(
    app: FastAPI, client: TestClient, filed: tuple[str, bytes]
) -> None:
    number, data = filed
    log_in(client, "jc-ops")
    assert audit_rows(app, "evidence.view") == []
    image = client.get(f"/ops/applications/{number}/evidence/1")
    assert image.status_code == 200 and image.content == data
    assert image.headers["content-type"] == "image/jpeg"
    assert image.headers["cache-control"] == "no-store"
    views = audit_rows(app, "evidence.view")
    assert [(v.actor, v.target, v.detail["page"], v.detail["via"]) for v in views] == [
        ("jc-ops", number, 1, "console")]
    assert client.get(f"/ops/applications/{number}/evidence/2").status_code == 404
    assert client.get(f"/ops/applications/{number}/evidence/9").status_code == 404
    assert len(audit_rows(app, "evidence.view")) == 1


def test_other_regions_and_hall_staff_are_refused(
    app: FastAPI, client: TestClient, filed: tuple[str, bytes]
) -> None:
    number, _ = filed
    log_in(client, "zz-ops")
    assert number not in client.get("/ops/applications").text
    for path in (f"/ops/applications/{number}", f"/ops/applications/{number}/evidence/1"):
        answer = client.get(path)
        assert answer.status_code == 403 and "张*" not in answer.text, path
    assert client.get("/ops/applications", params={"number": number}).status_code == 403
    clerk = TestClient(app)
    log_in(clerk, "clerk")
    assert clerk.get(f"/ops/applications/{number}").status_code == 403
    assert clerk.get(f"/ops/applications/{number}/evidence/1").status_code == 403
    assert audit_rows(app, "evidence.view") == []
    anonymous = TestClient(app).get(f"/ops/applications/{number}/evidence/1",
                                    follow_redirects=False)  # fmt: skip
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/ops/login"
