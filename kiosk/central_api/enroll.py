"""Enrollment: make this terminal's key pair and register its public key with central.

The private key is written before central is asked (a crash leaves at most an unused key
file behind) and put into place only once central has accepted it, together with
``terminal.json``: an existing identity is replaced only by a complete new one.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import AlreadyEnrolled, CentralError
from kiosk.central_api.models import OutboxKey
from kiosk.central_api.signing import (
    IDENTITY_FILE,
    KEY_FILE,
    TerminalIdentity,
    keys_dir,
    load_identity,
    public_key_b64,
)
from kiosk.files import ensure_private_dir, fsync_dir, replace_private_file, write_private_file

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnrollmentResult:
    identity: TerminalIdentity
    key_path: Path
    identity_path: Path


def enroll(
    data_dir: Path | str,
    central_url: str,
    code: str,
    *,
    force: bool = False,
    ca_bundle: str | None = None,
    connect_timeout: float = 3.0,
    read_timeout: float = 10.0,
    hostname: str | None = None,
    session: requests.Session | None = None,
) -> EnrollmentResult:
    """Enroll with a one-time code. Raises AlreadyEnrolled (without ``force``),
    CentralRejected (``enrollment_failed``: unknown, used or expired code),
    CentralUnavailable, InvalidResponse; IdentityInvalid when broken identity files are
    in the way (``force`` replaces them)."""
    folder = keys_dir(data_dir)
    if not force:
        existing = load_identity(data_dir)    # IdentityInvalid: broken files, --force repairs
        if existing is not None:
            raise AlreadyEnrolled(existing.terminal_id)
    ensure_private_dir(folder)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pending = folder / f"{KEY_FILE}.new"
    pending.unlink(missing_ok=True)     # left by an enrollment that crashed or was refused
    write_private_file(pending, pem)
    try:
        client = CentralClient(
            central_url, None, ca_bundle=ca_bundle, connect_timeout=connect_timeout,
            read_timeout=read_timeout, session=session,
        )
        with client:
            answer = client.enroll(code.strip(), public_key_b64(key), (hostname or socket.gethostname())[:100])
            outbox_key = _fetch_outbox_key(client)
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    info = {
        "terminal_id": answer.terminal_id,
        "central_url": client.base_url,
        "hall_name": answer.hall_name,
        "region_code": answer.region_code,
        "profile": answer.profile,
        "public_key": public_key_b64(key),
        "enrolled_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    key_path, info_path = folder / KEY_FILE, folder / IDENTITY_FILE
    # Key first, then the file naming it: a crash in between leaves a key without
    # terminal.json, which load_identity reports and a forced enrollment repairs.
    os.replace(pending, key_path)
    fsync_dir(folder)
    replace_private_file(info_path, (json.dumps(info, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    log.info("enrolled as %s at %s", answer.terminal_id, client.base_url)
    # Central's outbox key now, while central is reachable: the first submission is sealed
    # to it, never encrypted under a key that lies on this disk (docs/security.md).
    if outbox_key is not None:
        keep_outbox_key(folder / OUTBOX_KEY_FILE, outbox_key, client.base_url)
    identity = TerminalIdentity(
        answer.terminal_id, key, client.base_url, answer.hall_name, answer.region_code, answer.profile
    )
    return EnrollmentResult(identity, key_path, info_path)


OUTBOX_KEY_FILE = "central-outbox.json"   # in <data_dir>/keys: central's public outbox key


def _fetch_outbox_key(client: CentralClient) -> OutboxKey | None:
    try:
        return client.outbox_key()
    except CentralError as err:   # an older central, or a moment's outage: the outbox asks later
        log.warning("enrollment: central's outbox key not fetched (%s); the outbox will ask", err.code)
        return None


def keep_outbox_key(path: Path, answer: OutboxKey, central_url: str) -> bytes | None:
    """Keep central's outbox public key (32 raw bytes, answered) in ``path``, naming the
    central it came from; None (nothing kept) when the key is malformed."""
    try:
        raw = base64.b64decode(answer.public_key, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        log.warning("central's outbox key is malformed; not kept")
        return None
    ensure_private_dir(path.parent)
    replace_private_file(path, json.dumps(
        {"kid": answer.kid, "alg": answer.alg, "public_key": answer.public_key, "central_url": central_url}
    ).encode())
    return raw
