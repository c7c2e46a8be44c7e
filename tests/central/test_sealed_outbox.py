"""What waits in a terminal's outbox is sealed to central's outbox key: central opens it on
intake (POST /applications/sealed, /print-log/sealed) and treats it like the unsealed body."""

from __future__ import annotations

import base64
import json
from typing import Any

from central_bodies import new_key, pension
from central_helpers import ZHANG_SAN, SignedApi
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi.testclient import TestClient

from central.sealing import open_sealed
from kiosk.store.crypto import seal

SEALED_APPLICATIONS = "/api/v1/applications/sealed"


def sealed(client: TestClient, body: dict[str, Any], key: str) -> dict[str, str]:
    public = base64.b64decode(client.get("/api/v1/keys/outbox").json()["public_key"])
    return {"sealed": base64.b64encode(seal(public, json.dumps(body).encode(), key)).decode()}


def test_the_terminals_seal_opens_with_centrals_key_only() -> None:
    central = X25519PrivateKey.generate()
    public = central.public_key().public_bytes_raw()
    blob = seal(public, b'{"a": 1}', "k1")
    assert open_sealed(central, blob, "k1") == b'{"a": 1}'
    assert seal(public, b'{"a": 1}', "k1") != blob                   # a fresh key each time
    for wrong in (lambda: open_sealed(X25519PrivateKey.generate(), blob, "k1"),
                  lambda: open_sealed(central, blob, "k2"),
                  lambda: open_sealed(central, blob[:-1] + bytes([blob[-1] ^ 1]), "k1")):
        try:
            wrong()
        except ValueError:
            continue
        raise AssertionError("a sealed body opened where it must not")


def test_a_sealed_application_is_submitted_like_an_unsealed_one(
    client: TestClient, api: SignedApi
) -> None:
    key = new_key()
    body = sealed(client, pension(ZHANG_SAN), key)
    first = api.post(SEALED_APPLICATIONS, body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    assert first.json()["item_name"] == "城乡居民基本养老保险参保登记"
    again = api.post(SEALED_APPLICATIONS, body, headers={"Idempotency-Key": key})
    assert (again.status_code, again.json()) == (200, first.json())
    plain = api.post("/api/v1/applications", pension(ZHANG_SAN), headers={"Idempotency-Key": key})
    assert plain.status_code == 200                       # the same content: a replay
    broken = sealed(client, {**pension(ZHANG_SAN), "item_code": ""}, new_key())
    refused = api.post(SEALED_APPLICATIONS, broken, headers={"Idempotency-Key": new_key()})
    assert refused.status_code == 422 and refused.json()["fields"] == {"sealed": "undecryptable"}
    assert client.post(SEALED_APPLICATIONS, json=body, headers={"Idempotency-Key": key}).status_code == 401
