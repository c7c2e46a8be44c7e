"""A citizen prints a proof (证明) at a terminal, and whoever holds the paper can check it:
central offers the proofs the person has, issues each once per idempotency key, keeps what
it issued, and answers a verification code with the document, holder masked."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest
from central_bodies import new_key
from central_helpers import CHEN_MEILING, LI_SI, WANG_WU, ZHANG_SAN, LiveServer, SignedApi, enroll
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from central.app import create_app, dispose
from central.idempotency import once
from central.models import IssuedDocument
from central.proofs import add_months, content_sha256
from central.settings import Settings
from tests.support.signer import HttpxSigner

AVAILABLE = "/api/v1/proofs/available"
ISSUE = "/api/v1/proofs/issue"
LIU_FANG = ("140502198507150022", "刘芳")
CODE = re.compile(r"[A-HJ-NP-Z2-9]{20}")


def _person(person: tuple[str, str]) -> dict[str, str]:
    return {"id_number": person[0], "name": person[1]}


def _issue(
    api: SignedApi, proof: str, person: tuple[str, str], key: str | None = None
) -> httpx.Response:
    body = {"proof_code": proof, **_person(person)}
    return api.post(ISSUE, body, headers={"Idempotency-Key": key or new_key()})


def _stored(app: FastAPI) -> list[IssuedDocument]:
    with app.state.sessions() as session:
        return list(session.scalars(select(IssuedDocument).order_by(IssuedDocument.id)))


# --- which proofs ---------------------------------------------------------------------


def test_a_citizen_is_offered_the_proofs_central_holds_for_them(api: SignedApi) -> None:
    response = api.post(AVAILABLE, _person(ZHANG_SAN))
    assert response.status_code == 200
    proofs = response.json()["proofs"]
    assert [p["code"] for p in proofs] == [
        "shebao_canbao",
        "budongchan_chaxun",
        "geshui_wanshui",
        "wufanzui_jilu",
    ]
    assert proofs[0] == {
        "code": "shebao_canbao",
        "name": "社会保险参保证明",
        "issuer": "晋城市社会保险事业服务中心",
        "description": proofs[0]["description"],
    }
    assert all(p["description"] for p in proofs)


def test_a_proof_names_the_persons_own_issuer_where_it_differs(api: SignedApi) -> None:
    proofs = api.post(AVAILABLE, _person(LIU_FANG)).json()["proofs"]
    hukou = next(p for p in proofs if p["code"] == "huji_zhengming")
    assert hukou["issuer"] == "晋城市公安局城区分局西街派出所"


@pytest.mark.parametrize(
    "person",
    [
        WANG_WU,  # seeded, but has no 晋城 proofs
        (ZHANG_SAN[0], "李四"),  # not the name on record
        ("140500199501010012", "无名"),  # valid number nobody has
    ],
    ids=["no_proofs", "wrong_name", "unknown_person"],
)
def test_someone_without_proofs_is_offered_none(api: SignedApi, person: tuple[str, str]) -> None:
    response = api.post(AVAILABLE, _person(person))
    assert response.status_code == 200
    assert response.json() == {"proofs": []}


def test_the_proof_list_validates_like_the_person_context(api: SignedApi) -> None:
    bad = api.post(AVAILABLE, {"id_number": "110101199003071234", "name": "张三"})
    assert bad.status_code == 422
    assert bad.json()["fields"] == {"id_number": "bad_check_character"}
    extra = api.post(AVAILABLE, {**_person(ZHANG_SAN), "photo": "x"})
    assert extra.status_code == 422


def test_unsigned_proof_requests_are_refused(client: TestClient) -> None:
    assert client.post(AVAILABLE, json=_person(ZHANG_SAN)).status_code == 401
    body = {"proof_code": "shebao_canbao", **_person(ZHANG_SAN)}
    response = client.post(ISSUE, json=body, headers={"Idempotency-Key": new_key()})
    assert response.status_code == 401
    assert response.json()["error"] == "missing_signature"


# --- issuing --------------------------------------------------------------------------


def test_an_issued_proof_is_a_complete_document(api: SignedApi, app: FastAPI) -> None:
    response = _issue(api, "shebao_canbao", ZHANG_SAN)
    assert response.status_code == 201, response.text
    doc = response.json()
    assert re.fullmatch(r"140500-SB-\d{8}-\d{6,}", doc["document_number"])
    assert CODE.fullmatch(doc["verification_code"])
    assert doc["verify_url"] == f"http://testserver/api/v1/documents/{doc['verification_code']}"
    assert (doc["kind"], doc["proof_code"], doc["title"], doc["issuer"]) == (
        "proof",
        "shebao_canbao",
        "社会保险参保证明",
        "晋城市社会保险事业服务中心",
    )
    assert doc["issued_at"].endswith("+08:00")
    issued_on = date.fromisoformat(doc["issued_at"][:10])
    assert doc["document_number"].split("-")[2] == f"{issued_on:%Y%m%d}"
    assert doc["valid_until"] == add_months(issued_on, 3).isoformat()
    assert doc["holder"] == _person(ZHANG_SAN)
    assert {"label": "参保状态", "value": "正常参保"} in doc["fields"]
    # The person's name and number are filled in, no placeholder is left.
    assert ZHANG_SAN[0] in doc["paragraphs"][0] and ZHANG_SAN[1] in doc["paragraphs"][0]
    assert not re.search(r"\{(name|id_number|date)\}", json.dumps(doc, ensure_ascii=False))
    table = doc["table"]
    assert len(table["rows"]) >= 24  # two A4 pages
    assert all(len(row) == len(table["columns"]) for row in table["rows"])
    assert doc["notes"] and any("核验" in note for note in doc["notes"])
    # Central keeps what it issued, with the hash of exactly that content.
    (stored,) = _stored(app)
    assert stored.content == doc and stored.content_sha256 == content_sha256(doc)
    assert stored.terminal_id == api.terminal_id and stored.number == doc["document_number"]


def test_a_proof_without_an_end_date_or_table_says_so(api: SignedApi) -> None:
    doc = _issue(api, "huji_zhengming", LIU_FANG).json()
    assert doc["valid_until"] is None and doc["table"] is None
    assert doc["issuer"] == "晋城市公安局城区分局西街派出所"
    assert re.fullmatch(r"140500-HJ-\d{8}-\d{6,}", doc["document_number"])


def test_a_no_record_proof_mentions_the_day_it_was_issued(api: SignedApi) -> None:
    doc = _issue(api, "budongchan_chaxun", CHEN_MEILING).json()
    day = date.fromisoformat(doc["issued_at"][:10])
    assert f"截至{day.year}年{day.month}月{day.day}日" in doc["paragraphs"][0]


@pytest.mark.parametrize(
    ("proof", "person"),
    [
        ("huji_zhengming", ZHANG_SAN),  # his hukou is in Beijing
        ("shebao_canbao", WANG_WU),
        ("shebao_canbao", (ZHANG_SAN[0], "李四")),  # not the name on record
        ("no_such_proof", ZHANG_SAN),
    ],
)
def test_a_proof_the_person_does_not_have_is_not_found(
    api: SignedApi, app: FastAPI, proof: str, person: tuple[str, str]
) -> None:
    response = _issue(api, proof, person)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert _stored(app) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"proof_code": "SheBao", **_person(ZHANG_SAN)}, "proof_code"),
        ({"proof_code": "shebao_canbao", "id_number": "1101", "name": "张三"}, "id_number"),
        ({"proof_code": "shebao_canbao", "id_number": ZHANG_SAN[0], "name": ""}, "name"),
        ({"proof_code": "shebao_canbao", "id_number": ZHANG_SAN[0]}, "name"),
    ],
)
def test_a_malformed_issue_request_is_a_422(
    api: SignedApi, body: dict[str, Any], field: str
) -> None:
    response = api.post(ISSUE, body, headers={"Idempotency-Key": new_key()})
    assert response.status_code == 422
    assert field in response.json()["fields"]


def test_issuing_needs_an_idempotency_key(api: SignedApi) -> None:
    body = {"proof_code": "shebao_canbao", **_person(ZHANG_SAN)}
    missing = api.post(ISSUE, body)
    assert missing.status_code == 422
    assert missing.json()["fields"] == {"Idempotency-Key": "required"}
    wrong = api.post(ISSUE, body, headers={"Idempotency-Key": "not-a-uuid"})
    assert wrong.status_code == 422


def test_the_same_key_and_body_give_the_same_document_again(api: SignedApi, app: FastAPI) -> None:
    key = new_key()
    first = _issue(api, "geshui_wanshui", LI_SI, key)
    again = _issue(api, "geshui_wanshui", LI_SI, key.upper())  # a UUID in any case
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(_stored(app)) == 1


def test_the_same_key_with_another_body_is_a_conflict(api: SignedApi, app: FastAPI) -> None:
    key = new_key()
    assert _issue(api, "geshui_wanshui", LI_SI, key).status_code == 201
    response = _issue(api, "budongchan_chaxun", LI_SI, key)
    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_conflict"
    assert len(_stored(app)) == 1


def test_keys_are_per_terminal(api: SignedApi, client: TestClient, app: FastAPI) -> None:
    other = enroll(client, app)
    key = new_key()
    mine = _issue(api, "shebao_canbao", ZHANG_SAN, key).json()
    theirs = _issue(other, "shebao_canbao", ZHANG_SAN, key).json()
    assert mine["document_number"] != theirs["document_number"]
    assert mine["verification_code"] != theirs["verification_code"]


def test_documents_get_distinct_numbers_and_codes(api: SignedApi) -> None:
    docs = [_issue(api, "wufanzui_jilu", ZHANG_SAN).json() for _ in range(5)]
    assert len({d["document_number"] for d in docs}) == 5
    assert len({d["verification_code"] for d in docs}) == 5


def test_verify_links_use_the_configured_public_url(db_url: str) -> None:
    settings = Settings(db_url=db_url, public_base_url="https://zwfw.jincheng.example/central")
    app = create_app(db_url, settings)
    try:
        with TestClient(app) as client:
            doc = _issue(enroll(client, app), "shebao_canbao", ZHANG_SAN).json()
    finally:
        dispose(app)
    assert doc["verify_url"] == (
        f"https://zwfw.jincheng.example/central/api/v1/documents/{doc['verification_code']}"
    )


def test_concurrent_retries_with_one_key_issue_exactly_one_document(
    live_server: LiveServer, api: SignedApi
) -> None:
    threads_count, key = 6, new_key()
    barrier = threading.Barrier(threads_count)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def issue() -> None:
        with httpx.Client(
            base_url=live_server.base_url, auth=HttpxSigner(api.key, api.terminal_id), timeout=30
        ) as http:
            barrier.wait()
            response = http.post(
                ISSUE,
                json={"proof_code": "shebao_canbao", **_person(ZHANG_SAN)},
                headers={"Idempotency-Key": key},
            )
        with lock:
            results.append((response.status_code, response.json().get("verification_code", "")))

    threads = [threading.Thread(target=issue) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Counter(status for status, _ in results) == {201: 1, 200: threads_count - 1}, results
    assert len({code for _, code in results}) == 1
    assert len(_stored(live_server.app)) == 1


# --- verifying ------------------------------------------------------------------------


def _dashed(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def test_anyone_can_verify_a_document_and_sees_the_holder_masked(
    api: SignedApi, client: TestClient
) -> None:
    issued = _issue(api, "shebao_canbao", ZHANG_SAN).json()
    response = client.get(f"/api/v1/documents/{issued['verification_code']}")  # unsigned
    assert response.status_code == 200
    answer = response.json()
    assert answer["valid"] is True and answer["issued_by_terminal"] == api.terminal_id
    doc = answer["document"]
    assert doc["holder"] == {"name": "张*", "id_number": "1101**********1233"}
    text = json.dumps(answer, ensure_ascii=False)
    assert ZHANG_SAN[0] not in text and ZHANG_SAN[1] not in text
    assert "张*（公民身份号码：1101**********1233）" in doc["paragraphs"][0]
    # Everything else is what was issued.
    unmasked = {k: v for k, v in issued.items() if k not in ("holder", "paragraphs")}
    assert {k: v for k, v in doc.items() if k not in ("holder", "paragraphs")} == unmasked


@pytest.mark.parametrize("typed", [str.lower, _dashed, lambda c: " ".join(_dashed(c).split("-"))])
def test_a_code_is_found_in_any_case_with_spaces_or_dashes(
    api: SignedApi, client: TestClient, typed: Any
) -> None:
    issued = _issue(api, "wufanzui_jilu", LIU_FANG).json()
    response = client.get(f"/api/v1/documents/{typed(issued['verification_code'])}")
    assert response.status_code == 200
    assert response.json()["document"]["document_number"] == issued["document_number"]


@pytest.mark.parametrize("code", ["K7Q2M9XD4TPLH3VA8WQE", "nonsense", "0" * 20, "A" * 200])
def test_an_unknown_code_is_not_found(client: TestClient, code: str) -> None:
    response = client.get(f"/api/v1/documents/{code}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_colliding_verification_code_is_drawn_again(
    api: SignedApi, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = iter(["K7Q2M9XD4TPLH3VA8WQE", "K7Q2M9XD4TPLH3VA8WQE", "M9XD4TPLH3VA8WQEK7Q2"])
    monkeypatch.setattr("central.proofs.new_verification_code", lambda: next(codes))
    first = _issue(api, "shebao_canbao", ZHANG_SAN).json()
    second = _issue(api, "shebao_canbao", ZHANG_SAN)  # draws the same code first: UNIQUE
    assert second.status_code == 201
    assert (first["verification_code"], second.json()["verification_code"]) == (
        "K7Q2M9XD4TPLH3VA8WQE",
        "M9XD4TPLH3VA8WQEK7Q2",
    )
    assert len(_stored(app)) == 2


def blind_first_look(real: Any) -> Any:
    """`central.idempotency.once` whose first look-up misses: as when another request
    with the same key has not committed yet, so this one's INSERT meets the UNIQUE key."""

    def once(find: Any, replay: Any, create: Any, attempts: int = 1) -> Any:
        looks: list[int] = []

        def late_find() -> Any:
            looks.append(1)
            return None if len(looks) == 1 else find()

        return real(late_find, replay, create, attempts)

    return once


def test_a_request_that_loses_the_race_on_its_key_answers_with_the_winner(
    api: SignedApi, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    first = _issue(api, "shebao_canbao", ZHANG_SAN, key)
    monkeypatch.setattr("central.proofs.once", blind_first_look(once))
    again = _issue(api, "shebao_canbao", ZHANG_SAN, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    conflicting = _issue(api, "wufanzui_jilu", ZHANG_SAN, key)
    assert conflicting.status_code == 409
    assert len(_stored(app)) == 1
