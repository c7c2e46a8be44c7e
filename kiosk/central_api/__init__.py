"""The terminal's side of the Central API v1 (docs/central-api.md).

Flows get their client from ``connect(config)`` (one client may serve every thread: it keeps a
session per thread); the outbox from ``kiosk.outbox.open_outbox``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.central_api.catalogue import CatalogueCache
from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import (
    AlreadyEnrolled,
    CentralError,
    CentralRejected,
    CentralServerError,
    CentralUnavailable,
    IdentityInvalid,
    InvalidResponse,
    NotEnrolled,
)
from kiosk.central_api.models import (
    Agent,
    Applicant,
    Application,
    ApplicationRequest,
    Catalogue,
    CodeKey,
    CodeKeys,
    CompanyContext,
    CompanyRef,
    FormField,
    IssuedDocument,
    Item,
    Licence,
    Material,
    MaterialRef,
    PersonContext,
    PrintLogEntry,
    ProofSummary,
    ResolvedIdentity,
    TimelineStep,
    VerifiedDocument,
)
from kiosk.central_api.signing import TerminalIdentity, load_identity, sign_headers
from kiosk.config import KioskConfig

if TYPE_CHECKING:
    from kiosk.store import Store

# Reasons connect() gives for not returning a client (stable codes).
NOT_ENROLLED = "not_enrolled"
IDENTITY_INVALID = "identity_invalid"
NO_CENTRAL_URL = "no_central_url"


def client_for(config: KioskConfig, identity: TerminalIdentity, cache: CatalogueCache | None = None) -> CentralClient:
    """A client for an enrolled terminal. The central it enrolled with wins over [central] url."""
    url = identity.central_url or config.central.url
    if url is None:
        raise NotEnrolled("no central URL: set [central] url and enroll")
    return CentralClient(
        url,
        identity,
        ca_bundle=str(config.central.ca_bundle) if config.central.ca_bundle else None,
        connect_timeout=config.central.connect_timeout_s,
        read_timeout=config.central.read_timeout_s,
        cache=cache,
    )


def connect(config: KioskConfig, store: Store | None = None) -> tuple[CentralClient | None, str | None]:
    """(client, None), or (None, reason) with reason one of ``not_enrolled``,
    ``identity_invalid``, ``no_central_url``. With a store, the catalogue is cached in it."""
    try:
        identity = load_identity(Path(config.terminal.data_dir))
    except IdentityInvalid:
        return None, IDENTITY_INVALID
    if identity is None:
        return None, NOT_ENROLLED
    if not (identity.central_url or config.central.url):
        return None, NO_CENTRAL_URL
    return client_for(config, identity, store), None


__all__ = [
    "Agent", "AlreadyEnrolled", "Applicant", "Application", "ApplicationRequest", "Catalogue",
    "CatalogueCache", "CodeKey", "CodeKeys", "CentralClient", "CentralError", "CentralRejected", "CentralServerError",
    "CentralUnavailable", "CompanyContext", "CompanyRef", "FormField", "IDENTITY_INVALID",
    "IdentityInvalid", "InvalidResponse", "IssuedDocument", "Item", "Licence", "Material", "MaterialRef",
    "NOT_ENROLLED", "NO_CENTRAL_URL", "NotEnrolled", "PersonContext", "PrintLogEntry",
    "ProofSummary", "ResolvedIdentity", "TerminalIdentity", "TimelineStep", "VerifiedDocument", "client_for", "connect", "load_identity", "sign_headers",
]
