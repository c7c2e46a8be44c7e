"""Encryption at rest for what the outbox must keep until central has it.

Two forms, told apart by the blob's first byte:

- ``0x02`` sealed (``seal``): to central's X25519 outbox key (GET /keys/outbox), with an
  ephemeral key, HKDF-SHA256 and AES-256-GCM; bound to the row's idempotency key. The
  terminal cannot open it again: its disk holds nothing that decrypts it. Layout: version,
  ephemeral public key (32), nonce (12), ciphertext+tag. central/sealing.py opens it.
- ``0x01`` local (``PayloadCipher``): AES-256-GCM under ``<data_dir>/keys/store.key`` (0600),
  a random nonce, the row's idempotency key as associated data. The key lies beside the
  database, so this protects against nothing that copies the whole data directory: it is the
  fallback while the terminal does not yet have central's outbox key (docs/security.md).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.files import ensure_private_dir, fsync_dir, write_private_file
from kiosk.store.errors import StoreError

STORE_KEY_FILE = "store.key"
_VERSION = b"\x01"
_AAD_PREFIX = b"tongban-outbox-v1\x00"
SEALED_VERSION = b"\x02"
_SEAL_INFO = b"tongban-seal-v1\x00"
_SEAL_AAD_PREFIX = b"tongban-outbox-sealed-v1\x00"


def seal(public_raw: bytes, plaintext: bytes | bytearray, row_key: str) -> bytes:
    """``plaintext`` sealed to central's X25519 public key (raw 32 bytes), bound to
    ``row_key`` (the idempotency key central gets in the header)."""
    try:
        recipient = X25519PublicKey.from_public_bytes(public_raw)
    except ValueError:
        raise StoreError("outbox_key_invalid", "central's outbox key must be 32 bytes") from None
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO + ephemeral_raw + public_raw,
    ).derive(ephemeral.exchange(recipient))
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext, _SEAL_AAD_PREFIX + row_key.encode())
    return SEALED_VERSION + ephemeral_raw + nonce + sealed


def is_sealed(blob: bytes) -> bool:
    return blob[:1] == SEALED_VERSION


class PayloadCipher:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise StoreError("store_key_invalid", "the store key must be 32 bytes")
        self._aead = AESGCM(key)
        self._master = key

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for ``purpose`` (HKDF-SHA256 from the store key): the print log's
        chain MAC and its ID look-up hash get keys of their own, none of them the
        encryption key itself."""
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None,
            info=b"tongban-store-v1:" + purpose.encode(),
        ).derive(self._master)

    @classmethod
    def load_or_create(cls, keys_dir: Path) -> PayloadCipher:
        ensure_private_dir(keys_dir)
        path = keys_dir / STORE_KEY_FILE
        if not path.exists():
            # Write a complete key under a private name, then link it into place: a second
            # process racing us, or a crash half-way, never sees a partial key.
            tmp = keys_dir / f".{STORE_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
            write_private_file(tmp, secrets.token_bytes(32))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
            fsync_dir(keys_dir)
        try:
            key = path.read_bytes()
        except OSError as err:
            raise StoreError("store_key_unreadable", f"{path}: {err.strerror}") from None
        return cls(key)

    def encrypt(self, plaintext: bytes, row_key: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, _AAD_PREFIX + row_key.encode())

    def decrypt(self, blob: bytes, row_key: str) -> bytes:
        if len(blob) < 1 + 12 + 16 or blob[:1] != _VERSION:
            raise StoreError("payload_undecryptable", "unknown payload format")
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], _AAD_PREFIX + row_key.encode())
        except InvalidTag:
            raise StoreError("payload_undecryptable", "payload does not decrypt with this key") from None
