"""What scanned codes mean, central's side: appointment codes signed with a key terminals
fetch unsigned and verify offline (checked here with code written from the contract, not
central's), and single-use electronic ID codes a signed terminal resolves to the person."""

from __future__ import annotations

import base64
import json
import threading
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from central_bodies import new_key
from central_helpers import CHEN_MEILING, ZHANG_SAN, LiveServer, SignedApi, enroll
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from central.appointment_codes import AppointmentError, issue_appointment
from central.code_keys import add_key, retire_key
from central.eid import birth_date_of, gender_of, issue_identity_code
from central.models import Appointment, CodeSigningKey, IdentityToken, Person
from central.seeding import load_seed, seed
from central.timeutil import BEIJING, utcnow
from tests.support.signer import HttpxSigner

KEYS = "/api/v1/keys/codes"
RESOLVE = "/api/v1/identity/resolve"
PENSION = "11140500MB1947036N4000111001"  # 城乡居民基本养老保险参保登记, handled in 140500
HALL = "晋城市政务服务中心"


@pytest.fixture(autouse=True)
def no_codes_yet(app: FastAPI) -> None:
    """The PostgreSQL database is shared between tests: start without keys or codes."""
    with app.state.sessions() as session:
        for model in (IdentityToken, Appointment, CodeSigningKey):
            session.execute(delete(model))
        session.commit()


def _b64url(text: str) -> bytes:
    """Strictly, as terminals decode: the one canonical unpadded spelling of the bytes."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    assert base64.urlsafe_b64encode(data).rstrip(b"=").decode() == text, "not canonical"
    return data


def verify_by_contract(code: str, keys: dict[str, Any]) -> dict[str, Any]:
    """docs/central-api.md, "Appointment codes", done by hand: the payload when the code
    verifies with the published key its `kid` names (InvalidSignature otherwise)."""
    assert code.startswith("TONGBAN-APPT:") and "=" not in code
    signed, signature = code.rsplit(".", 1)
    payload = json.loads(_b64url(signed.removeprefix("TONGBAN-APPT:")))
    published = {k["kid"]: k for k in keys["keys"]}[payload["kid"]]
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(published["public_key"]))
    key.verify(_b64url(signature), signed.encode("ascii"))
    return dict(payload)


def _appointment(app: FastAPI, start: datetime, hall: str = HALL, **kw: Any) -> str:
    with app.state.sessions() as session:
        return issue_appointment(session, PENSION, hall, start, 30, utcnow(), **kw).code


def _eid(app: FastAPI, person: str = ZHANG_SAN[0], **kw: Any) -> str:
    with app.state.sessions() as session:
        issued = issue_identity_code(session.connection(), person, kw.pop("now", utcnow()), **kw)
        session.commit()
    return issued.code


def _resolve(api: SignedApi, code: str, key: str | None = None) -> httpx.Response:
    return api.post(RESOLVE, {"code": code}, headers={"Idempotency-Key": key or new_key()})


# --- appointment codes ------------------------------------------------------------------


def test_terminals_fetch_the_code_key_unsigned_and_it_stays_the_same(client: TestClient) -> None:
    first = client.get(KEYS)
    assert first.status_code == 200
    [key] = first.json()["keys"]
    assert key["alg"] == "Ed25519" and key["current"] is True and len(key["kid"]) == 16
    assert len(base64.b64decode(key["public_key"], validate=True)) == 32
    assert datetime.fromisoformat(key["created_at"]).utcoffset() == timedelta(hours=8)
    assert client.get(KEYS).json() == first.json()  # made once, on first use


def test_an_appointment_code_carries_the_booking_and_verifies_with_the_published_key(
    app: FastAPI, client: TestClient
) -> None:
    start = datetime(2026, 11, 24, 9, 30, tzinfo=BEIJING)
    code = _appointment(app, start, person=ZHANG_SAN[0])
    payload = verify_by_contract(code, client.get(KEYS).json())
    assert payload == {
        "v": 1,
        "kid": payload["kid"],
        "id": payload["id"],
        "item_code": PENSION,
        "item_name": "城乡居民基本养老保险参保登记",
        "hall": HALL,
        "region_code": "140500",
        "start": "2026-11-24T09:30:00+08:00",
        "end": "2026-11-24T10:00:00+08:00",
        "expires": "2026-11-24T10:00:00+08:00",
    }
    assert payload["id"].startswith("YY14050020261124") and len(payload["id"]) >= 22
    assert ZHANG_SAN[0] not in json.dumps(payload)  # who booked stays central
    with app.state.sessions() as session:
        [row] = session.query(Appointment).all()
        assert (row.number, row.person_id_number) == (payload["id"], ZHANG_SAN[0])


def test_issued_codes_are_canonical_base64url_so_strict_terminals_accept_them(
    app: FastAPI, client: TestClient
) -> None:
    # Terminals refuse any spelling but the canonical one (unpadded, unused bits zero).
    # Halls of 0 to 2 more characters put the payload's end at each place base64 leaves
    # unused bits; the 64-byte signature always has 4.
    start = datetime(2026, 11, 24, 9, 30, tzinfo=BEIJING)
    codes = [_appointment(app, start, hall=HALL + "x" * n) for n in range(3)]
    keys = client.get(KEYS).json()
    for code in codes:
        verify_by_contract(code, keys)  # its _b64url checks each part re-encodes to itself


def test_a_changed_payload_or_another_keys_signature_does_not_verify(
    app: FastAPI, client: TestClient
) -> None:
    start = datetime(2026, 11, 24, 9, 30, tzinfo=BEIJING)
    code = _appointment(app, start)
    keys = client.get(KEYS).json()
    signed, signature = code.rsplit(".", 1)
    payload = json.loads(_b64url(signed.removeprefix("TONGBAN-APPT:")))
    payload["hall"] = "别的大厅"
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    changed = "TONGBAN-APPT:" + base64.urlsafe_b64encode(text).rstrip(b"=").decode()
    with pytest.raises(InvalidSignature):
        verify_by_contract(f"{changed}.{signature}", keys)
    other = _appointment(app, start, hall="别的大厅")
    with pytest.raises(InvalidSignature):
        verify_by_contract(f"{other.rsplit('.', 1)[0]}.{signature}", keys)


def test_after_rotation_new_codes_use_the_new_key_and_old_codes_still_verify(
    app: FastAPI, client: TestClient
) -> None:
    start = datetime(2026, 11, 24, 9, 30, tzinfo=BEIJING)
    old_code = _appointment(app, start)
    with app.state.sessions() as session:
        new_kid = add_key(session.connection(), utcnow())
        session.commit()
    new_code = _appointment(app, start)
    keys = client.get(KEYS).json()
    assert [k["kid"] for k in keys["keys"]][0] == new_kid and len(keys["keys"]) == 2
    assert [k["current"] for k in keys["keys"]] == [True, False]
    assert verify_by_contract(new_code, keys)["kid"] == new_kid
    old_kid = verify_by_contract(old_code, keys)["kid"]

    with app.state.sessions() as session:
        assert retire_key(session.connection(), old_kid, utcnow())
        session.commit()
    assert [k["kid"] for k in client.get(KEYS).json()["keys"]] == [new_kid]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"item_code": "99999999999999999999999999999"}, "no item"),
        ({"hall": "  "}, "--hall"),
        ({"minutes": 2}, "--minutes"),
        ({"person": "110101199003071234"}, "--person"),
        ({"region": "999999"}, "unknown region"),
        ({"start": datetime(2026, 11, 24, 9, 30)}, "time zone"),
    ],
)
def test_an_appointment_that_cannot_be_is_refused_with_its_reason(
    app: FastAPI, changes: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {
        "item_code": PENSION,
        "hall": HALL,
        "start": datetime(2026, 11, 24, 9, 30, tzinfo=BEIJING),
        "minutes": 30,
        "now": utcnow(),
        **changes,
    }
    with app.state.sessions() as session, pytest.raises(AppointmentError, match=message):
        issue_appointment(session, **args)


# --- electronic ID codes ----------------------------------------------------------------


def test_an_electronic_id_code_resolves_to_the_person_on_the_card(
    app: FastAPI, api: SignedApi
) -> None:
    response = _resolve(api, _eid(app))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id_number": ZHANG_SAN[0],
        "name": ZHANG_SAN[1],
        "gender": "男",
        "nation": "汉",
        "birth_date": "1990-03-07",
        "address": "北京市东城区示例胡同12号",
        "source": "eid",
    }


def test_a_social_security_card_code_says_so_and_a_hong_kong_resident_has_no_nation(
    app: FastAPI, api: SignedApi
) -> None:
    body = _resolve(api, _eid(app, CHEN_MEILING[0], source="essc")).json()
    assert (body["name"], body["gender"], body["nation"], body["source"]) == (
        CHEN_MEILING[1],
        "女",
        None,
        "essc",
    )
    assert body["birth_date"] == "1992-08-15"


def test_a_used_code_is_refused_but_the_same_request_retried_gets_the_same_answer(
    app: FastAPI, api: SignedApi, client: TestClient
) -> None:
    code, key = _eid(app), new_key()
    first = _resolve(api, code, key)
    assert first.status_code == 200
    assert _resolve(api, code, key).json() == first.json()  # a lost answer, retried
    again = _resolve(api, code)  # a new scan of the same (photographed) code
    assert (again.status_code, again.json()["error"]) == (410, "code_used")
    other_terminal = enroll(client, app)
    replay = _resolve(other_terminal, code, key)  # even with the winner's key
    assert (replay.status_code, replay.json()["error"]) == (410, "code_used")


def test_an_expired_code_is_refused(app: FastAPI, api: SignedApi) -> None:
    code = _eid(app, now=utcnow() - timedelta(minutes=6))
    response = _resolve(api, code)
    assert (response.status_code, response.json()["error"]) == (410, "code_expired")


@pytest.mark.parametrize(
    "code",
    ["TONGBAN-EID:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "TONGBAN-ESSC:<from the eid code>"],
)
def test_a_code_central_never_issued_is_not_found(app: FastAPI, api: SignedApi, code: str) -> None:
    if "<" in code:  # the right token with the other prefix is another code
        code = "TONGBAN-ESSC:" + _eid(app).removeprefix("TONGBAN-EID:")
    response = _resolve(api, code)
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


@pytest.mark.parametrize(
    "code", ["TONGBAN-EID:short", "TONGBAN-EID:has spaces in it!!!!!", "TONGBAN-APP:1405", "x"]
)
def test_anything_else_is_malformed(api: SignedApi, code: str) -> None:
    response = _resolve(api, code)
    assert response.status_code == 422
    assert response.json()["fields"] == {"code": "malformed"}


def test_resolving_needs_a_signature_and_an_idempotency_key(
    app: FastAPI, api: SignedApi, client: TestClient
) -> None:
    code = _eid(app)
    unsigned = client.post(RESOLVE, json={"code": code}, headers={"Idempotency-Key": new_key()})
    assert (unsigned.status_code, unsigned.json()["error"]) == (401, "missing_signature")
    keyless = api.post(RESOLVE, {"code": code})
    assert keyless.status_code == 422 and "Idempotency-Key" in keyless.json()["fields"]
    assert _resolve(api, code).status_code == 200  # neither attempt used it up


def test_of_terminals_racing_for_one_code_exactly_one_gets_the_person(
    app: FastAPI, api: SignedApi, live_server: LiveServer
) -> None:
    code, racers = _eid(app), 6
    barrier = threading.Barrier(racers)
    statuses: list[int] = []
    lock = threading.Lock()

    def race() -> None:
        auth = HttpxSigner(api.key, api.terminal_id)
        with httpx.Client(base_url=live_server.base_url, auth=auth, timeout=30) as http:
            barrier.wait()
            response = http.post(
                RESOLVE, json={"code": code}, headers={"Idempotency-Key": new_key()}
            )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] + [410] * (racers - 1)


def test_seeding_fills_the_card_details_of_persons_seeded_before_they_existed(
    app: FastAPI,
) -> None:
    with app.state.sessions() as session:
        session.execute(update(Person).values(nation=None, address=None))
        session.commit()
        assert str(seed(session, utcnow())) == "added 7 person details"
        assert session.get(Person, ZHANG_SAN[0]).nation == "汉"  # type: ignore[union-attr]
        assert str(seed(session, utcnow())) == "nothing to add: already seeded"


def test_an_electronic_id_names_what_the_simulator_card_of_the_same_person_says() -> None:
    sim_cards = Path(__file__).resolve().parents[2] / "drivers" / "idcard" / "sim_cards.toml"
    cards = tomllib.loads(sim_cards.read_text(encoding="utf-8"))["cards"]
    persons = {p.id_number: p for p in load_seed().persons}
    for key in ("zhang_san", "li_si", "wang_wu", "chen_hk"):
        card, person = cards[key], persons[cards[key]["id_number"]]
        assert (person.nation, person.address) == (card.get("nation"), card["address"])
        assert gender_of(person.id_number) == card["gender"]
        assert str(birth_date_of(person.id_number)) == card["birth_date"]
