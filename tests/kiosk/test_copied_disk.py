"""A copied data directory gives no ID number back (issue 10 §1).

The attack as it was done: take a copy of ``<data_dir>`` after the terminal served a citizen
(a receipt printed, an application still waiting in the outbox, nothing delivered yet: the
most the disk ever holds), read the masked numbers of the print log (first 4 and last 4
digits), and try every region digit pair and birth date (1900 to today) that fits the check
character against whatever the disk offers to check a guess with (the print log's ID hashes
under a key derived from ``keys/store.key``), and decrypt whatever the outbox holds with that
key. Before the fix this recovered the number in about a second (the issue measured 7.4 s);
now the print log keeps no hash, the outbox is sealed to central's key, and the attack has
nothing to confirm a guess with.

The setup uses only what the terminal had before the fix too (PrintLog.begin/finish,
Outbox.submit_application, central's outbox key in ``keys/central-outbox.json``), so the same
test shows the old design failing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.outbox import Outbox
from kiosk.printing.printlog import PRINTED, PrintLog
from kiosk.store import open_store
from kiosk.store.crypto import PayloadCipher
from kiosk.store.errors import StoreError
from tests.support.central_fixtures import CITIZEN_ID, application_request

BOUND_S = 60.0                      # the attacker's time budget (the took 7.4 s)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
_ID_LIKE = re.compile(r"\d{17}[\dX]")


@dataclass
class Attack:
    found: set[str] = field(default_factory=set)
    oracles: int = 0                 # things on the disk a guess could be checked against
    tried: int = 0                   # guesses checked against them
    exhausted: bool = True           # every candidate was tried within the bound
    seconds: float = 0.0


def _valid(number: str) -> bool:
    return CHECK[sum(int(c) * w for c, w in zip(number[:17], WEIGHTS, strict=True)) % 11] == number[17]


def attack(copy: Path, bound_s: float = BOUND_S) -> Attack:
    """What someone holding a copy of the data directory gets out of it."""
    started = time.monotonic()
    result = Attack()
    cipher = PayloadCipher((copy / "keys" / "store.key").read_bytes())
    db = sqlite3.connect(copy / "kiosk.db")
    try:
        print_rows = db.execute("SELECT id_masked, id_hash FROM print_log").fetchall()
        outbox_rows = db.execute(
            "SELECT idempotency_key, payload_encrypted FROM outbox WHERE payload_encrypted IS NOT NULL"
        ).fetchall()
    finally:
        db.close()

    # 1. Whatever the outbox holds, opened with the key beside the database.
    for key, blob in outbox_rows:
        try:
            text = cipher.decrypt(bytes(blob), key).decode()
        except StoreError:
            continue
        result.oracles += 1
        result.found.update(n for n in _ID_LIKE.findall(text) if _valid(n))

    # 2. The print log's masked numbers, brute-forced against its hashes.
    lookup_key = cipher.derive("print-log-id-lookup")
    targets = {(masked, digest) for masked, digest in print_rows if masked and digest}
    result.oracles += len(targets)
    days = (dt.date.today() - dt.date(1900, 1, 1)).days + 1
    dates = [(dt.date(1900, 1, 1) + dt.timedelta(d)).strftime("%Y%m%d") for d in range(days)]
    by_residue: dict[int, list[str]] = {}
    for day in dates:
        by_residue.setdefault(sum(int(c) * w for c, w in zip(day, WEIGHTS[6:14], strict=True)) % 11, []).append(day)
    for masked, digest in targets:
        head, tail = masked[:4], masked[-4:]
        known = sum(int(c) * w for c, w in zip(head + tail[:3], WEIGHTS[:4] + WEIGHTS[14:], strict=True))
        wanted = CHECK.index(tail[3])
        for region in range(100):
            if time.monotonic() - started > bound_s:
                result.exhausted = False
                break
            r = f"{region:02d}"
            residue = (wanted - known - int(r[0]) * WEIGHTS[4] - int(r[1]) * WEIGHTS[5]) % 11
            for day in by_residue.get(residue, ()):
                guess = head + r + day + tail
                result.tried += 1
                if hmac.compare_digest(hmac.new(lookup_key, guess.encode(), hashlib.sha256).hexdigest(), digest):
                    result.found.add(guess)
                    break
    result.seconds = time.monotonic() - started
    return result


def test_a_copied_data_directory_gives_no_id_number_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    central = X25519PrivateKey.generate()   # central's outbox key, as an enrolled terminal has it
    (data / "keys").mkdir(parents=True)
    (data / "keys" / "central-outbox.json").write_text(json.dumps({
        "kid": "k1", "alg": "X25519-HKDF-SHA256-A256GCM",
        "public_key": base64.b64encode(central.public_key().public_bytes_raw()).decode(),
    }))
    store = open_store(data)
    try:
        box = Outbox(store, client_factory=lambda: None)  # type: ignore[arg-type,return-value]
        plog = PrintLog(store, box)
        box.submit_application(application_request(id_number=CITIZEN_ID))
        entry = plog.begin(doc_type="application_receipt", doc_number="T-20261123-0001",
                           printer="receipt_printer", content=b"receipt", pages=1, id_number=CITIZEN_ID)
        plog.finish(entry, result=PRINTED, job_id="7")
    finally:
        store.close()
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)

    result = attack(copy)

    assert CITIZEN_ID not in result.found, (
        f"the copy gave the number back ({result.tried} guesses, {result.seconds:.1f} s)")
    assert result.found == set()
    assert result.oracles == 0          # nothing on the disk to check a guess against
    assert result.exhausted and result.seconds < BOUND_S
    raw = b"".join(p.read_bytes() for p in copy.rglob("*") if p.is_file())
    assert CITIZEN_ID.encode() not in raw and CITIZEN_ID[6:14].encode() not in raw


def test_the_attack_does_find_a_number_the_disk_offers_a_hash_of(tmp_path: Path) -> None:
    """The attack itself works: given what the old design kept (a row's keyed hash under a
    key derived from store.key), it recovers the number well within its bound."""
    data = tmp_path / "data"
    open_store(data).close()
    cipher = PayloadCipher((data / "keys" / "store.key").read_bytes())
    digest = hmac.new(cipher.derive("print-log-id-lookup"), CITIZEN_ID.encode(), hashlib.sha256).hexdigest()
    db = sqlite3.connect(data / "kiosk.db")
    with db:
        db.execute(
            "INSERT INTO print_log (seq, entry_id, event, at, at_text, doc_type, doc_number, printer,"
            " content_sha256, result, id_masked, id_hash, prev_mac, mac) VALUES"
            " (1, 'e', 'sent', 0, '', 'proof', 'A1', 'a4_printer', '', 'sending', ?, ?, '', '')",
            ("1101**********1233", digest),
        )
    db.close()
    result = attack(data)
    assert result.found == {CITIZEN_ID} and result.seconds < BOUND_S
