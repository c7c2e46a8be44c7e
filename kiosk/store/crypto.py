"""Encryption at rest for what the outbox must keep until central has it.

AES-256-GCM with a key in ``<data_dir>/keys/store.key`` (0600), a random 96-bit nonce per
row, and the row's idempotency key as associated data (a payload moved to another row does
not decrypt). Blob layout: version byte, nonce, ciphertext+tag.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.files import ensure_private_dir, fsync_dir, write_private_file
from kiosk.store.errors import StoreError

STORE_KEY_FILE = "store.key"
_VERSION = b"\x01"
_AAD_PREFIX = b"tongban-outbox-v1\x00"


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
