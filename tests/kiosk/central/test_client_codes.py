"""The terminal and scanned codes, against the real reference central (`kiosk-central
serve`, SQLite): codes made with central's CLI verify offline on the terminal, a rotated
key is fetched when a code names it, and an electronic ID code resolves once. Against the
fake central: what the client sends, and what it makes of a wrong answer."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralRejected, CentralServerError, InvalidResponse
from kiosk.central_api.models import CodeKeys, ResolvedIdentity
from kiosk.central_api.signing import TerminalIdentity, public_key_b64
from kiosk.identify.code_keys import CodeKeyCache
from kiosk.identify.codes import (
    AppointmentVerifier,
    CodeKind,
    CodeReason,
    classify,
    identity_refusal,
)
from tests.support.fake_central import FakeCentral, Reply
from tests.support.real_central import RealCentral, central_available, seed_person

HALL = "晋城市政务服务中心"
PENSION = "11140500MB1947036N4000111001"
ZHANG_SAN = seed_person(0)
CHEN_MEILING = seed_person(3)
BEIJING = dt.timezone(dt.timedelta(hours=8))

real = pytest.mark.skipif(not central_available(), reason="kiosk-central is not installed")


@pytest.fixture(scope="module")
def terminal(real_central: RealCentral) -> Iterator[CentralClient]:
    """A client enrolled with the real central, in a hall of 晋城."""
    key = Ed25519PrivateKey.generate()
    with CentralClient(real_central.url, None) as anonymous:
        enrolled = anonymous.enroll(real_central.add_terminal(hall=HALL), public_key_b64(key), "t")
    identity = TerminalIdentity(enrolled.terminal_id, key, real_central.url, enrolled.hall_name)
    with CentralClient(real_central.url, identity) as client:
        yield client


def appointment(central: RealCentral, hall: str = HALL, start: dt.datetime | None = None) -> str:
    start = start or dt.datetime.now(BEIJING) + dt.timedelta(minutes=10)
    return central._cli("appointment", "issue", "--db", central.db_url, "--item", PENSION,
                        "--hall", hall, "--start", start.isoformat(timespec="minutes"))


def eid(central: RealCentral, id_number: str = ZHANG_SAN.id_number, kind: str = "eid") -> str:
    return central._cli("eid", "issue", "--db", central.db_url, "--id-number", id_number,
                        "--kind", kind)


def verifier(terminal: CentralClient, data_dir: Path) -> AppointmentVerifier:
    keys = CodeKeyCache.for_data_dir(data_dir, terminal, min_refresh_interval=0)
    return AppointmentVerifier(keys, terminal.identity.hall_name)  # type: ignore[union-attr]


@real
def test_the_code_keys_are_public(real_central: RealCentral) -> None:
    with CentralClient(real_central.url, None) as not_enrolled:
        keys = not_enrolled.code_keys()
    assert isinstance(keys, CodeKeys) and keys.keys[0].current and keys.keys[0].alg == "Ed25519"


@real
def test_an_appointment_from_central_is_accepted_offline_in_its_own_hall(
    terminal: CentralClient, real_central: RealCentral, tmp_path: Path
) -> None:
    check = verifier(terminal, tmp_path)
    code = appointment(real_central)
    found = classify(code, check)
    assert found.accepted and found.kind is CodeKind.APPOINTMENT and found.appointment is not None
    assert (found.appointment.hall, found.appointment.item_code) == (HALL, PENSION)
    assert (tmp_path / "keys" / "central-codes.json").is_file()

    offline = AppointmentVerifier(CodeKeyCache.for_data_dir(tmp_path, None), HALL)
    assert classify(code, offline).accepted                             # from the cached key
    other_hall = classify(appointment(real_central, hall="高平市政务服务中心"), check)
    assert other_hall.reason is CodeReason.WRONG_HALL
    past = dt.datetime.now(BEIJING) - dt.timedelta(hours=2)
    assert classify(appointment(real_central, start=past), check).reason is CodeReason.EXPIRED


@real
def test_a_rotated_key_is_fetched_when_a_code_names_it_and_a_retired_one_is_refused(
    terminal: CentralClient, real_central: RealCentral, tmp_path: Path
) -> None:
    check = verifier(terminal, tmp_path)
    old_code = appointment(real_central)
    assert classify(old_code, check).accepted
    new_kid = real_central._cli("code-key", "rotate", "--db", real_central.db_url)
    new = classify(appointment(real_central), check)
    assert new.accepted and new.appointment is not None and new.appointment.kid == new_kid
    old_kid = next(k for k in check.keys.kids() if k != new_kid)  # type: ignore[attr-defined]
    real_central._cli("code-key", "retire", "--db", real_central.db_url, old_kid)
    fresh = verifier(terminal, tmp_path / "another-terminal")
    assert classify(old_code, fresh).reason is CodeReason.FORGED


@real
def test_an_electronic_id_code_resolves_once_to_the_person(
    terminal: CentralClient, real_central: RealCentral
) -> None:
    code = eid(real_central)
    found = classify(code)
    assert found.kind is CodeKind.ELECTRONIC_ID and found.identity_code == code
    person = terminal.resolve_identity_code(found.identity_code)
    assert isinstance(person, ResolvedIdentity)
    assert (person.id_number, person.name, person.gender, person.source) == (
        ZHANG_SAN.id_number, ZHANG_SAN.name, "男", "eid")
    assert person.birth_date == dt.date(1990, 3, 7) and person.nation == "汉" and person.address
    assert ZHANG_SAN.id_number not in repr(person) and ZHANG_SAN.name not in repr(person)

    with pytest.raises(CentralRejected) as used:
        terminal.resolve_identity_code(code)
    assert used.value.status == 410 and identity_refusal(used.value) is CodeReason.USED


@real
def test_a_social_security_card_code_of_a_hong_kong_resident(
    terminal: CentralClient, real_central: RealCentral
) -> None:
    person = terminal.resolve_identity_code(eid(real_central, CHEN_MEILING.id_number, "essc"))
    assert (person.name, person.gender, person.nation, person.source) == (
        CHEN_MEILING.name, "女", None, "essc")


@real
@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        ("TONGBAN-EID:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 404, CodeReason.FORGED),
        ("TONGBAN-EID:short", 422, CodeReason.MALFORMED),
    ],
)
def test_a_code_central_does_not_know_is_refused_with_a_reason(
    terminal: CentralClient, code: str, status: int, reason: CodeReason
) -> None:
    with pytest.raises(CentralRejected) as err:
        terminal.resolve_identity_code(code)
    assert err.value.status == status and identity_refusal(err.value) is reason


# -- against the fake central ----------------------------------------------------------------
RESOLVE = ("POST", "/api/v1/identity/resolve")
EID = "TONGBAN-EID:yMx0Mv9YZzqX_sbe_mnduU5FcC9fR5hQ"


def test_resolving_is_retried_once_with_the_same_key(
    central: FakeCentral, client: CentralClient, no_sleep: list[float]
) -> None:
    central.then(*RESOLVE, Reply(503, b"busy"), Reply(503, b"busy"))
    with pytest.raises(CentralServerError):
        client.resolve_identity_code(EID + "\n")
    sent = [s for s in central.seen if (s.method, s.path) == RESOLVE]
    assert len(sent) == 2 and len(no_sleep) == 1 and 0.5 <= no_sleep[0] <= 1.5  # backoff + jitter
    [key] = {s.headers["idempotency-key"] for s in sent}
    assert uuid.UUID(key).version == 4 and sent[0].verified == "ok"
    assert json.loads(sent[0].body) == {"code": EID}


def test_a_wrong_identity_answer_names_the_field_not_the_person(
    central: FakeCentral, client: CentralClient
) -> None:
    body = {"id_number": ZHANG_SAN.id_number, "name": ZHANG_SAN.name, "gender": 1, "source": "eid"}
    central.then(*RESOLVE, Reply(200, body))
    with pytest.raises(InvalidResponse) as err:
        client.resolve_identity_code(EID)
    assert "gender" in str(err.value) and ZHANG_SAN.name not in str(err.value)


@pytest.mark.parametrize(
    "body", [b"[]", b'{"keys": [{"kid": "a", "alg": "RSA", "public_key": "x"}]}']
)
def test_a_wrong_key_list_is_invalid_response(
    central: FakeCentral, client: CentralClient, body: bytes
) -> None:
    central.then("GET", "/api/v1/keys/codes", Reply(200, body))
    with pytest.raises(InvalidResponse):
        client.code_keys()
