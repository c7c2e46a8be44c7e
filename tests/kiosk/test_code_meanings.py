"""A citizen holds a code to the terminal's scanner: the terminal knows what it is, checks an
appointment offline with central's key, and names why a code cannot be used. Codes here
are made with code written from docs/central-api.md, not central's."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.central_api.errors import CentralRejected, CentralUnavailable
from kiosk.central_api.models import CodeKeys
from kiosk.identify.code_keys import CodeKeyCache, StaticKeys
from kiosk.identify.codes import (
    AppointmentVerifier,
    CodeKind,
    CodeMeaning,
    CodeReason,
    classify,
    identity_refusal,
)
from kiosk.printing.documents.receipts import application_lookup_code, print_test_code

BEIJING = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 24, 9, 40, tzinfo=BEIJING)
HALL = "晋城市政务服务中心"
EID = "TONGBAN-EID:yMx0Mv9YZzqX_sbe_mnduU5FcC9fR5hQ"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class CentralKey:
    """Central's side of the contract: a key id, and codes signed with the key."""

    def __init__(self, kid: str = "kid-one") -> None:
        self.kid = kid
        self.private = Ed25519PrivateKey.generate()

    @property
    def public_b64(self) -> str:
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(raw).decode()

    def published(self) -> dict[str, Any]:
        return {"kid": self.kid, "alg": "Ed25519", "public_key": self.public_b64, "current": True}

    def code(self, **changes: Any) -> str:
        payload = {
            "v": 1, "kid": self.kid, "id": "YY14050020261124000001",
            "item_code": "11140500MB1947036N4000111001", "item_name": "城乡居民基本养老保险参保登记",
            "hall": HALL, "region_code": "140500", "start": "2026-11-24T09:30:00+08:00",
            "end": "2026-11-24T10:00:00+08:00", "expires": "2026-11-24T10:00:00+08:00",
            **changes,
        }  # fmt: skip
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        signed = "TONGBAN-APPT:" + b64url(text)
        return f"{signed}.{b64url(self.private.sign(signed.encode()))}"


class Central:
    """A CodeKeySource that counts its calls; `down` makes it unreachable."""

    def __init__(self, *keys: CentralKey) -> None:
        self.keys = list(keys)
        self.calls = 0
        self.down = False

    def code_keys(self) -> CodeKeys:
        self.calls += 1
        if self.down:
            raise CentralUnavailable("connect_failed")
        body = {"keys": [k.published() for k in self.keys]}
        return CodeKeys.model_validate_json(json.dumps(body))


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


KEY = CentralKey()


def verifier(*keys: CentralKey, hall: str = HALL, now: dt.datetime = NOW) -> AppointmentVerifier:
    static = StaticKeys({k.kid: k.private.public_key() for k in keys or (KEY,)})
    return AppointmentVerifier(static, hall, clock=lambda: now)


def meaning(text: str, **kw: Any) -> CodeMeaning:
    return classify(text, verifier(**kw))


# --- what kind of code --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (application_lookup_code("14050020261123000042"), CodeKind.APPLICATION_RECEIPT),
        (KEY.code(), CodeKind.APPOINTMENT),
        (EID, CodeKind.ELECTRONIC_ID),
        (EID.replace("EID", "ESSC"), CodeKind.ELECTRONIC_ID),
        (print_test_code("T-0001", NOW), CodeKind.PRINT_TEST),
        ("TONGBAN-PRINT-TEST", CodeKind.PRINT_TEST),
    ],
)
def test_each_of_our_codes_is_known_by_its_prefix(text: str, kind: CodeKind) -> None:
    found = meaning(text + "\r\n")  # a scanner ends its read with CR LF
    assert (found.kind, found.reason, found.accepted) == (kind, None, True)


def test_a_receipt_opens_the_application_by_its_number() -> None:
    assert meaning("TONGBAN-APP:JC01-20261123-0007").application_number == "JC01-20261123-0007"


def test_an_electronic_id_code_is_kept_whole_for_central_and_out_of_repr() -> None:
    found = meaning(EID.replace("EID", "ESSC"))
    assert found.identity_code == EID.replace("EID", "ESSC") and found.identity_source == "essc"
    assert EID.split(":")[1] not in repr(found)


@pytest.mark.parametrize(
    "text",
    ["https://example.gov.cn/x", "", "tongban-app:1405", "TONGBAN-PRINT-TESTX", "TONGBAN-APPX:1"],
)
def test_anything_else_is_not_supported(text: str) -> None:
    found = meaning(text)
    assert (found.kind, found.reason) == (CodeKind.UNKNOWN, CodeReason.UNSUPPORTED)


@pytest.mark.parametrize(
    "text",
    [
        "TONGBAN-APP:",
        "TONGBAN-APP:1405 0020",
        "TONGBAN-EID:short",
        "TONGBAN-ESSC:has spaces in the token!!",
        "TONGBAN-APPT:" + "A" * 5000,
    ],
)
def test_our_prefix_on_a_broken_code_is_malformed(text: str) -> None:
    assert meaning(text).reason is CodeReason.MALFORMED


# --- appointments, offline -------------------------------------------------------------------


def test_a_genuine_appointment_for_this_hall_is_accepted_with_its_booking() -> None:
    found = meaning(KEY.code())
    assert found.accepted and found.appointment is not None
    booking = found.appointment
    assert (booking.id, booking.item_name, booking.hall) == (
        "YY14050020261124000001",
        "城乡居民基本养老保险参保登记",
        HALL,
    )
    assert booking.start == dt.datetime(2026, 11, 24, 9, 30, tzinfo=BEIJING)


def test_an_appointment_for_another_hall_is_genuine_but_says_where_to_go() -> None:
    found = meaning(KEY.code(hall="高平市政务服务中心"))
    assert found.reason is CodeReason.WRONG_HALL
    assert found.appointment is not None and found.appointment.hall == "高平市政务服务中心"
    assert meaning(KEY.code(hall="高平市政务服务中心"), hall="").accepted  # hall not known


def test_an_appointment_past_its_expiry_is_expired() -> None:
    assert meaning(KEY.code(), now=NOW + dt.timedelta(minutes=20)).reason is CodeReason.EXPIRED
    assert meaning(KEY.code(), now=NOW + dt.timedelta(minutes=19)).accepted


def _parts(code: str) -> tuple[str, str]:
    signed, signature = code.rsplit(".", 1)
    return signed, signature


def _reencoded(code: str, **changes: Any) -> str:
    """The code's payload changed, its signature kept."""
    signed, signature = _parts(code)
    payload = json.loads(base64.urlsafe_b64decode(signed[13:] + "=="))
    text = json.dumps({**payload, **changes}, ensure_ascii=False).encode()
    return f"TONGBAN-APPT:{b64url(text)}.{signature}"


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        (lambda c: _reencoded(c, hall="别的大厅"), CodeReason.FORGED),
        (lambda c: _reencoded(c, expires="2099-01-01T00:00:00+08:00"), CodeReason.FORGED),
        # another booking's payload with this code's signature
        (lambda c: f"{_parts(KEY.code(id='YY2'))[0]}.{_parts(c)[1]}", CodeReason.FORGED),
        (lambda c: CentralKey(KEY.kid).code(), CodeReason.FORGED),  # another key, our kid
        (lambda c: CentralKey("kid-unknown").code(), CodeReason.FORGED),
        (lambda c: c[:-10], CodeReason.MALFORMED),  # truncated signature
        (lambda c: c[:60], CodeReason.MALFORMED),  # truncated payload, no signature
        (lambda c: c.replace(".", "", 1), CodeReason.MALFORMED),
        (lambda c: c + "=", CodeReason.MALFORMED),
        (lambda c: "TONGBAN-APPT:" + b64url(b"[1]") + "." + _parts(c)[1], CodeReason.MALFORMED),
    ],
)
def test_a_tampered_appointment_code_is_rejected_with_the_right_reason(
    forge: Any, reason: CodeReason
) -> None:
    found = meaning(forge(KEY.code()))
    assert (found.kind, found.reason, found.appointment) == (CodeKind.APPOINTMENT, reason, None)


def test_a_signed_payload_of_another_version_or_shape_is_malformed() -> None:
    assert meaning(KEY.code(v=2)).reason is CodeReason.MALFORMED
    assert meaning(KEY.code(start="9:30")).reason is CodeReason.MALFORMED


def test_without_a_verifier_an_appointment_cannot_be_checked() -> None:
    assert classify(KEY.code()).reason is CodeReason.UNVERIFIABLE


# --- central's keys, cached ----------------------------------------------------------------


def cache(tmp_path: Path, central: Central | None, clock: Clock | None = None) -> CodeKeyCache:
    return CodeKeyCache.for_data_dir(tmp_path, central, clock=clock or Clock())


def test_keys_are_fetched_once_then_verified_offline_from_the_file(tmp_path: Path) -> None:
    central = Central(KEY)
    first = AppointmentVerifier(cache(tmp_path, central), HALL, clock=lambda: NOW)
    assert first.verify(KEY.code()).accepted and central.calls == 1
    assert first.verify(KEY.code()).accepted and central.calls == 1
    stored = json.loads((tmp_path / "keys" / "central-codes.json").read_text())
    assert stored["keys"]["keys"][0]["kid"] == KEY.kid

    central.down = True  # a restarted terminal, central out of reach
    again = AppointmentVerifier(cache(tmp_path, central), HALL, clock=lambda: NOW)
    assert again.verify(KEY.code()).accepted and central.calls == 1


def test_a_code_from_a_rotated_key_makes_the_terminal_fetch_the_keys_again(
    tmp_path: Path,
) -> None:
    central, clock = Central(KEY), Clock()
    keys = cache(tmp_path, central, clock)
    check = AppointmentVerifier(keys, HALL, clock=lambda: NOW)
    assert check.verify(KEY.code()).accepted
    rotated = CentralKey("kid-two")
    central.keys.insert(0, rotated)
    clock.now += 60
    assert check.verify(rotated.code()).accepted and central.calls == 2
    assert set(keys.kids()) == {KEY.kid, rotated.kid}


def test_unknown_keys_do_not_make_the_terminal_ask_central_on_every_scan(tmp_path: Path) -> None:
    central, clock = Central(KEY), Clock()
    check = AppointmentVerifier(cache(tmp_path, central, clock), HALL, clock=lambda: NOW)
    for n in range(5):
        assert check.verify(CentralKey(f"made-up-{n}").code()).reason is CodeReason.FORGED
    assert central.calls == 1
    clock.now += 11
    check.verify(CentralKey("made-up-late").code())
    assert central.calls == 2


def test_with_central_out_of_reach_an_unknown_key_is_unverifiable_not_forged(
    tmp_path: Path,
) -> None:
    central = Central(KEY)
    central.down = True
    check = AppointmentVerifier(cache(tmp_path, central), HALL, clock=lambda: NOW)
    assert check.verify(KEY.code()).reason is CodeReason.UNVERIFIABLE
    central.down = False
    assert cache(tmp_path, central).refresh()
    assert AppointmentVerifier(cache(tmp_path, central), HALL, clock=lambda: NOW).verify(
        KEY.code()
    ).accepted


def test_a_day_old_cache_is_refreshed_so_a_retired_key_stops_verifying(tmp_path: Path) -> None:
    central, clock = Central(KEY), Clock()
    keys = cache(tmp_path, central, clock)
    check = AppointmentVerifier(keys, HALL, clock=lambda: NOW)
    assert check.verify(KEY.code()).accepted
    central.keys = [CentralKey("kid-new")]  # central retired KEY
    clock.now += 25 * 3600
    assert check.verify(KEY.code()).reason is CodeReason.FORGED
    assert keys.kids() == ["kid-new"]


def test_a_stale_cache_still_verifies_when_central_is_out_of_reach(tmp_path: Path) -> None:
    central, clock = Central(KEY), Clock()
    check = AppointmentVerifier(cache(tmp_path, central, clock), HALL, clock=lambda: NOW)
    assert check.verify(KEY.code()).accepted
    central.down, clock.now = True, clock.now + 25 * 3600
    assert check.verify(KEY.code()).accepted and central.calls == 2


def test_a_corrupt_cache_file_is_fetched_again(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "central-codes.json").write_text("{not json")
    central = Central(KEY)
    assert AppointmentVerifier(cache(tmp_path, central), HALL, clock=lambda: NOW).verify(
        KEY.code()
    ).accepted
    assert central.calls == 1


# --- central's refusals of an electronic ID --------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "reason"),
    [
        (404, "not_found", CodeReason.FORGED),
        (410, "code_expired", CodeReason.EXPIRED),
        (410, "code_used", CodeReason.USED),
        (422, "validation_failed", CodeReason.MALFORMED),
        (401, "bad_signature", None),
    ],
)
def test_central_refusing_an_electronic_id_gives_a_reason_about_the_code(
    status: int, error: str, reason: CodeReason | None
) -> None:
    assert identity_refusal(CentralRejected(status, error)) is reason


# --- hostile codes (issue 10 §2) -------------------------------------------------------------

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _spellings(text: str) -> list[str]:
    """Every other base64url spelling of the same bytes: the last character's unused bits
    set otherwise (only the canonical spelling has them zero)."""
    decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    others = []
    for char in _ALPHABET:
        other = text[:-1] + char
        if other != text and base64.urlsafe_b64decode(other + "=" * (-len(other) % 4)) == decoded:
            others.append(other)
    return others


def test_an_appointment_verifies_in_its_one_canonical_spelling_only() -> None:
    code = KEY.code()
    signed, signature = _parts(code)
    others = _spellings(signature)
    assert len(others) == 15  # 64 bytes: 86 characters, the last carrying 4 unused bits
    for other in others:
        found = meaning(f"{signed}.{other}")
        assert (found.reason, found.appointment) == (CodeReason.MALFORMED, None), other
    assert meaning(code).accepted


def test_a_payload_signed_in_a_non_canonical_spelling_is_refused() -> None:
    # Even central's own signature over a non-canonical payload text does not make it a code.
    for extra in ("", "x", "xy"):  # one of these leaves unused bits in the payload's last char
        canonical = _parts(KEY.code(item_name="城乡居民基本养老保险参保登记" + extra))[0]
        payload_text = canonical.removeprefix("TONGBAN-APPT:")
        for other in _spellings(payload_text)[:3]:
            signed = "TONGBAN-APPT:" + other
            code = f"{signed}.{b64url(KEY.private.sign(signed.encode()))}"
            assert meaning(code).reason is CodeReason.MALFORMED


@pytest.mark.parametrize("payload", [b"[" * 1000, b'[{"":' * 500, b"[" * 2000])
def test_a_deeply_nested_payload_is_malformed_not_a_recursion_error(payload: bytes) -> None:
    for signature in (b64url(bytes(64)), "A" * 10):
        code = f"TONGBAN-APPT:{b64url(payload)}.{signature}"
        found = meaning(code)
        assert (found.kind, found.reason) == (CodeKind.APPOINTMENT, CodeReason.MALFORMED)


def test_a_payload_that_is_not_utf8_is_malformed() -> None:
    payload = b64url(b'{"kid":"\xff"}')
    assert meaning(f"TONGBAN-APPT:{payload}.{b64url(bytes(64))}").reason is CodeReason.MALFORMED
