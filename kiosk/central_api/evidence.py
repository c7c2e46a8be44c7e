"""Evidence pages on central (docs/casework.md §5): the body of ``POST
/applications/evidence`` and its delivery, called through ``CentralClient.call``.

A page travels only through the outbox, sealed to central's outbox key; the delivery
hands central the sealed envelope ``{"sealed": ...}`` as it is (the terminal cannot open
it), bound to the row's Idempotency-Key. Central stores the page idempotently by
(terminal, local receipt, page) and answers 201, or 200 for a page it has already.
"""

from __future__ import annotations

import base64
import json

from kiosk.central_api.client import CentralClient
from kiosk.central_api.models import EvidenceAck, EvidenceRef

EVIDENCE_PATH = "/applications/evidence"


def evidence_body(local_receipt: str, ref: EvidenceRef, jpeg: bytes | bytearray) -> bytearray:
    """The EvidenceIn JSON of one page, in a bytearray the caller zeroes once sealed.

    Built around the base64 text rather than through json.dumps of the whole, so the only
    copies of the page are this buffer and base64's own (immutable, freed at once)."""
    head = json.dumps({
        "local_receipt": local_receipt, "page": ref.page, "kind": ref.kind,
        "material_code": ref.material_code, "sha256": ref.sha256,
    }, ensure_ascii=False, separators=(",", ":"))
    body = bytearray(head[:-1].encode("utf-8"))
    body += b',"jpeg_base64":"'
    body += base64.b64encode(jpeg)
    body += b'"}'
    return body


def deliver_evidence(client: CentralClient, body: bytes, idempotency_key: str) -> None:
    """The outbox's delivery of one ``evidence`` row: ``body`` is the sealed envelope (or,
    were a row ever kept unsealed, the page's EvidenceIn itself; central takes both).
    Raises CentralError like the client's own calls; never retried here (the outbox
    retries with the same key and bytes)."""
    document = json.loads(body)
    try:
        client.call(EvidenceAck, "POST", EVIDENCE_PATH, document, idempotency_key=idempotency_key,
                    ok=(200, 201), retried=False)
    finally:
        document.clear()
