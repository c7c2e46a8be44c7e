"""The outbox's ``evidence`` kind: an application and its photographed pages are committed
in ONE transaction, every page sealed to central's outbox key; each page is delivered as
the sealed envelope to POST /applications/evidence and its payload dropped once central
answered; no page bytes are ever in the SQLite files in the clear."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from central.sealing import open_sealed
from drivers.doccam import samples
from drivers.doccam.page import process_frame
from kiosk.capture.pages import Page, PageSet
from kiosk.capture.quality import Quality
from kiosk.central_api.errors import CentralRejected, CentralUnavailable
from kiosk.central_api.models import Application, ApplicationRequest, OutboxKey
from kiosk.outbox import KIND_EVIDENCE, Outbox
from kiosk.outbox_rows import OutboxRows
from kiosk.store import Store, StoreError
from kiosk.store.crypto import is_sealed
from kiosk.store.schema import DELIVERED, PENDING
from kiosk.store.schema import outbox as outbox_table
from tests.support.central_fixtures import application_request, store  # noqa: F401 - fixture


class SealingCentral:
    """A client with central's outbox key that records what the outbox sends."""

    def __init__(self) -> None:
        self.private = X25519PrivateKey.generate()
        self.calls: list[tuple[str, str, dict[str, Any], str]] = []
        self.applications: list[tuple[bytes, str, bool]] = []
        self.refuse_evidence: CentralRejected | None = None

    def outbox_key(self) -> OutboxKey:
        raw = self.private.public_key().public_bytes_raw()
        return OutboxKey(kid="k", alg="X25519-HKDF-SHA256-A256GCM",
                         public_key=base64.b64encode(raw).decode())

    def submit_application_json(self, body: bytes, key: str, sealed: bool = False) -> Application:
        self.applications.append((body, key, sealed))
        raise CentralUnavailable("timeout")     # the application stays pending here

    def call(self, model: type[Any], method: str, path: str, body: dict[str, Any] | None = None,
             *, idempotency_key: str | None = None, ok: tuple[int, ...] = (200,),
             retried: bool = True) -> Any:
        assert body is not None and idempotency_key is not None and not retried
        self.calls.append((method, path, dict(body), idempotency_key))
        if self.refuse_evidence is not None:
            raise self.refuse_evidence
        page = self.opened(len(self.calls) - 1)
        return model.model_validate({"local_receipt": page["local_receipt"], "page": page["page"],
                                     "sha256": page["sha256"]})

    def opened(self, index: int) -> dict[str, Any]:
        _, _, body, key = self.calls[index]
        plain = open_sealed(self.private, base64.b64decode(body["sealed"]), key)
        return dict(json.loads(plain))

    def close(self) -> None:
        pass


def shot_page(name: str, kind: str = "authorization", material_code: str | None = None) -> Page:
    captured = process_frame(samples.shot(name))
    return Page.of(captured, kind, material_code, Quality())  # type: ignore[arg-type]


def with_pages(pages: PageSet) -> ApplicationRequest:
    return application_request().model_copy(update={"evidence": pages.refs()})


@pytest.fixture
def sealing() -> SealingCentral:
    return SealingCentral()


@pytest.fixture
def box(store: Store, sealing: SealingCentral) -> Outbox:  # noqa: F811 - fixture
    outbox = Outbox(store, lambda: sealing)  # type: ignore[arg-type,return-value]
    outbox.refresh_seal_key(sealing)  # type: ignore[arg-type]
    return outbox


@pytest.fixture
def pages() -> PageSet:
    kept = PageSet()
    kept.add(shot_page("letter"))
    kept.add(shot_page("letter2"))
    kept.add(shot_page("contract", "material", "M03"))
    return kept


def rows(store: Store) -> list[Any]:  # noqa: F811 - fixture name
    with store.read() as conn:
        return list(conn.execute(select(outbox_table).order_by(outbox_table.c.id)).all())


def test_application_and_pages_are_committed_together_all_sealed(
        box: Outbox, store: Store, pages: PageSet, sealing: SealingCentral) -> None:  # noqa: F811
    submission = box.submit_application(with_pages(pages), evidence=pages.pages())
    committed = rows(store)
    assert [r.kind for r in committed] == ["application", *[KIND_EVIDENCE] * 3]
    receipt = submission.local_receipt
    assert [r.local_receipt for r in committed[1:]] == [f"{receipt}/p1", f"{receipt}/p2",
                                                        f"{receipt}/p3"]
    assert all(r.state == PENDING and is_sealed(r.payload_encrypted) for r in committed)
    for row in committed[1:]:
        with pytest.raises(StoreError):           # the terminal cannot open its own rows
            store.cipher.decrypt(row.payload_encrypted, row.idempotency_key)
    box.stop()


def test_a_failure_midway_commits_nothing(box: Outbox, store: Store, pages: PageSet,  # noqa: F811
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    real = OutboxRows._add_page
    added: list[int] = []

    def second_fails(self: OutboxRows, *args: Any) -> None:
        added.append(1)
        if len(added) == 2:
            raise OSError("disk full")
        real(self, *args)

    monkeypatch.setattr(OutboxRows, "_add_page", second_fails)
    with pytest.raises(OSError):
        box.submit_application(with_pages(pages), evidence=pages.pages())
    assert rows(store) == []


def test_pages_are_never_kept_under_the_store_key(store: Store, pages: PageSet) -> None:  # noqa: F811
    keyless = Outbox(store, lambda: SealingCentral())  # type: ignore[arg-type,return-value]
    assert not keyless.can_seal()
    with pytest.raises(StoreError) as refused:
        keyless.submit_application(with_pages(pages), evidence=pages.pages())
    assert refused.value.code == "outbox_key_unknown"
    assert rows(store) == []
    plain = keyless.submit_application(application_request())    # no pages: as before
    assert plain.local_receipt and len(rows(store)) == 1


def test_refs_must_match_the_pages(box: Outbox, store: Store, pages: PageSet) -> None:  # noqa: F811
    kept = pages.pages()
    with pytest.raises(ValueError):
        box.submit_application(application_request(), evidence=kept)          # refs missing
    with pytest.raises(ValueError):
        box.submit_application(with_pages(pages), evidence=kept[:2])           # a page missing
    with pytest.raises(ValueError):
        box.submit_application(with_pages(pages), evidence=[kept[1], kept[0], kept[2]])
    kept[2].jpeg[100] ^= 0xFF                                                  # bytes changed
    with pytest.raises(ValueError):
        box.submit_application(with_pages(pages), evidence=kept)
    assert rows(store) == []


def test_each_page_is_delivered_sealed_and_its_payload_dropped(
        box: Outbox, store: Store, pages: PageSet, sealing: SealingCentral) -> None:  # noqa: F811
    submission = box.submit_application(with_pages(pages), evidence=pages.pages())
    refs = pages.refs()
    for n in (1, 2, 3):
        done = box.deliver_now(f"{submission.local_receipt}/p{n}", timeout=10)
        assert done.delivered and done.state == DELIVERED
    box.stop()
    assert [(m, p) for m, p, _, _ in sealing.calls] == [("POST", "/applications/evidence")] * 3
    for index, ref in enumerate(refs):
        assert set(sealing.calls[index][2]) == {"sealed"}        # the envelope, unopened
        page = sealing.opened(index)
        assert set(page) == {"local_receipt", "page", "kind", "material_code", "sha256",
                             "jpeg_base64"}
        assert page["local_receipt"] == submission.local_receipt and page["page"] == ref.page
        assert (page["kind"], page["material_code"]) == (ref.kind, ref.material_code)
        jpeg = base64.b64decode(page["jpeg_base64"])
        assert hashlib.sha256(jpeg).hexdigest() == ref.sha256 == page["sha256"]
        assert len(jpeg) == ref.size and jpeg[:3] == b"\xff\xd8\xff"
    delivered = [r for r in rows(store) if r.kind == KIND_EVIDENCE]
    assert all(r.state == DELIVERED and r.payload_encrypted is None for r in delivered)
    application = rows(store)[0]
    assert application.state == PENDING and application.payload_encrypted is not None


def test_a_refused_page_is_failed_for_operations_not_retried_forever(
        box: Outbox, pages: PageSet, sealing: SealingCentral) -> None:
    sealing.refuse_evidence = CentralRejected(422, "hash_mismatch", "the page's hash differs")
    submission = box.submit_application(with_pages(pages), evidence=pages.pages())
    done = box.deliver_now(f"{submission.local_receipt}/p1", timeout=10)
    box.stop()
    assert done.state == "failed" and done.error_code == "hash_mismatch"


def test_a_sealed_row_of_a_kind_registered_without_sealed_is_still_refused(
        box: Outbox, store: Store, sealing: SealingCentral) -> None:  # noqa: F811
    got: list[bytes] = []
    box.register("other", lambda client, body, key: got.append(body))
    with store.write() as conn:
        box.enqueue_in(conn, "other", b'{"x":1}', "other-1", "8d1e1c3c-1111-4a4a-9a9a-000000000001")
    done = box.deliver_now("other-1", timeout=10)
    box.stop()
    assert done.error_code == "sealed_unsupported" and got == []


def test_no_page_bytes_in_the_database_files_in_the_clear(
        box: Outbox, store: Store, pages: PageSet, tmp_path: Path) -> None:  # noqa: F811
    kept = pages.pages()
    needles: list[bytes] = []
    for page in kept:   # the JPEG/JFIF header, a run of the image data, and it in base64
        needles += [bytes(page.jpeg[:20]), bytes(page.jpeg[1000:1032]),
                    base64.b64encode(bytes(page.jpeg[999:1047]))]
    submission = box.submit_application(with_pages(pages), evidence=kept)
    box.deliver_now(f"{submission.local_receipt}/p1", timeout=10)
    box.stop()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".db") or ".db-" in p.name or p.suffix == ".sqlite" for p in files)
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"page bytes in {path.name}"
