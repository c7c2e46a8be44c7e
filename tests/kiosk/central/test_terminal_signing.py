"""Request signing follows the contract byte for byte, and the identity files are private."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.central_api.errors import IdentityInvalid
from kiosk.central_api.signing import TerminalIdentity, load_identity, sign_headers

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
IDENTITY = TerminalIdentity("T-0001", KEY)
BODY = '{"id_number":"110101199003071233","name":"张三"}'.encode()


def test_a_fixed_key_nonce_and_time_give_the_fixed_signature() -> None:
    headers = sign_headers(IDENTITY, "post", "/api/v1/persons/context", BODY,
                           now=1795000000.7, nonce="0123456789abcdef0123456789abcdef")
    assert headers == {
        "X-Terminal-Id": "T-0001",
        "X-Timestamp": "1795000000",
        "X-Nonce": "0123456789abcdef0123456789abcdef",
        "X-Signature": "mwH5xq8vHYWCZobN0vhe7FDA/uf/hScWvWjoJpxb3JKNNQcuahPKWBcrxt7pQNrFhQDJgbCrudHX3WtgN11eAg==",
    }


def test_the_signature_verifies_over_the_contract_string() -> None:
    # Written out from docs/central-api.md, not built by the code under test.
    signed = (
        b"TONGBAN-SIG-V1\n"
        b"POST\n"
        b"/api/v1/persons/context\n"
        b"1795000000\n"
        b"0123456789abcdef0123456789abcdef\n"
        b"T-0001\n"
        b"05a3b0470f4e09eadd65a609f79a4fd69fff9245eda77f228c0d58a3873c5bd7"
    )
    headers = sign_headers(IDENTITY, "POST", "/api/v1/persons/context", BODY,
                           now=1795000000, nonce="0123456789abcdef0123456789abcdef")
    KEY.public_key().verify(base64.b64decode(headers["X-Signature"]), signed)


def test_get_without_body_signs_the_hash_of_nothing_and_the_query() -> None:
    signed = ("TONGBAN-SIG-V1\nGET\n/api/v1/catalogue?x=1\n1795000000\n" + "0" * 32 + "\nT-0001\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").encode()
    headers = sign_headers(IDENTITY, "GET", "/api/v1/catalogue?x=1", b"", now=1795000000, nonce="0" * 32)
    KEY.public_key().verify(base64.b64decode(headers["X-Signature"]), signed)
    assert headers["X-Signature"] == (
        "USrMGlI8mlYlqjCXZX/ZW63Zsmlma47vCiK84m7ug4AEf+DC3s3FD4Q3Ft0d4OZ+XBSoQvJ07f2nKYA7Uc9tAQ==")


def test_every_request_gets_a_fresh_32_hex_nonce() -> None:
    nonces = {sign_headers(IDENTITY, "GET", "/api/v1/catalogue", b"")["X-Nonce"] for _ in range(200)}
    assert len(nonces) == 200
    assert all(len(n) == 32 and n == n.lower() and int(n, 16) >= 0 for n in nonces)


def _write_identity(data_dir: Path, mode: int = 0o600) -> None:
    keys = data_dir / "keys"
    keys.mkdir(parents=True, mode=0o700)
    pem = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    (keys / "terminal.key").write_bytes(pem)
    os.chmod(keys / "terminal.key", mode)
    (keys / "terminal.json").write_text(json.dumps({"terminal_id": "T-0042", "central_url": "http://127.0.0.1:1"}))


def test_load_identity_none_before_enrollment_then_the_enrolled_one(tmp_path: Path) -> None:
    assert load_identity(tmp_path) is None
    _write_identity(tmp_path)
    identity = load_identity(tmp_path)
    assert identity is not None
    assert identity.terminal_id == "T-0042" and identity.central_url == "http://127.0.0.1:1"
    assert identity.public_key_b64() == IDENTITY.public_key_b64()
    assert "PRIVATE" not in repr(identity) and "private_key" not in repr(identity)


def test_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    _write_identity(tmp_path, mode=0o644)
    with pytest.raises(IdentityInvalid, match="chmod 600"):
        load_identity(tmp_path)


@pytest.mark.parametrize("breakage", ["no_json", "garbage_key", "no_terminal_id"])
def test_broken_identity_files_are_a_typed_error(tmp_path: Path, breakage: str) -> None:
    _write_identity(tmp_path)
    keys = tmp_path / "keys"
    if breakage == "no_json":
        (keys / "terminal.json").unlink()
    elif breakage == "garbage_key":
        (keys / "terminal.key").write_bytes(b"not a key")
    else:
        (keys / "terminal.json").write_text("{}")
    with pytest.raises(IdentityInvalid) as err:
        load_identity(tmp_path)
    assert err.value.code == "identity_invalid"
