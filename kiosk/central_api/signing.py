"""Request signing (Central API v1, "Signing"): Ed25519 over a canonical string.

The terminal's identity is its id from enrollment plus a private key kept in
``<data_dir>/keys/terminal.key`` (PEM, PKCS8, mode 0600) and ``terminal.json``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.central_api.errors import IdentityInvalid

SIGNATURE_VERSION = "TONGBAN-SIG-V1"
KEYS_DIR = "keys"
KEY_FILE = "terminal.key"
IDENTITY_FILE = "terminal.json"


@dataclass(frozen=True)
class TerminalIdentity:
    terminal_id: str
    private_key: Ed25519PrivateKey = field(repr=False)
    # Where the terminal enrolled, and what central told it then (terminal.json).
    central_url: str | None = None
    hall_name: str = ""
    region_code: str = ""
    profile: str = ""

    def public_key_b64(self) -> str:
        return public_key_b64(self.private_key)


def public_key_b64(private_key: Ed25519PrivateKey) -> str:
    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def keys_dir(data_dir: Path | str) -> Path:
    return Path(data_dir) / KEYS_DIR


def string_to_sign(
    method: str, path_with_query: str, timestamp: str, nonce: str, terminal_id: str, body: bytes
) -> bytes:
    lines = (
        SIGNATURE_VERSION,
        method.upper(),
        path_with_query,
        timestamp,
        nonce,
        terminal_id,
        hashlib.sha256(body).hexdigest(),
    )
    return "\n".join(lines).encode("utf-8")


def sign_headers(
    identity: TerminalIdentity,
    method: str,
    path_with_query: str,
    body: bytes,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four signature headers for one request. ``now``/``nonce`` are for tests only:
    a nonce must never be reused."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16) if nonce is None else nonce
    message = string_to_sign(method, path_with_query, timestamp, nonce, identity.terminal_id, body)
    signature = identity.private_key.sign(message)
    return {
        "X-Terminal-Id": identity.terminal_id,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": base64.b64encode(signature).decode("ascii"),
    }


def load_identity(data_dir: Path | str) -> TerminalIdentity | None:
    """The enrolled identity, or None when the terminal has not been enrolled.

    Raises IdentityInvalid when the files exist but are unusable (unreadable, corrupt, or a
    key file others can read: like ssh, a private key open to others is refused).
    """
    folder = keys_dir(data_dir)
    key_path, info_path = folder / KEY_FILE, folder / IDENTITY_FILE
    if not info_path.exists() and not key_path.exists():
        return None
    if not info_path.exists() or not key_path.exists():
        missing = info_path if not info_path.exists() else key_path
        raise IdentityInvalid(f"{missing} is missing; enroll again with --force")
    try:
        mode = stat.S_IMODE(key_path.stat().st_mode)
        if mode & 0o077:
            raise IdentityInvalid(f"{key_path} is readable by others (mode {mode:o}); chmod 600 it")
        info = json.loads(info_path.read_text(encoding="utf-8"))
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except OSError as err:
        raise IdentityInvalid(f"cannot read {err.filename}: {err.strerror}") from None
    except (ValueError, TypeError) as err:
        raise IdentityInvalid(f"corrupt identity in {folder}: {type(err).__name__}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise IdentityInvalid(f"{key_path} is not an Ed25519 key")
    if not isinstance(info, dict) or not isinstance(info.get("terminal_id"), str) or not info["terminal_id"]:
        raise IdentityInvalid(f"{info_path} has no terminal_id")

    def text(name: str) -> str:
        value = info.get(name)
        return value if isinstance(value, str) else ""

    return TerminalIdentity(
        terminal_id=info["terminal_id"],
        private_key=key,
        central_url=text("central_url") or None,
        hall_name=text("hall_name"),
        region_code=text("region_code"),
        profile=text("profile"),
    )
