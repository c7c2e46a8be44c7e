"""The Central API v1 bodies (docs/central-api.md) as pydantic models.

Responses are validated strictly (types are not coerced: a number where a string belongs is
a wrong shape) but tolerate keys they do not know, so central can add fields. Requests
forbid unknown keys. Nothing here is logged: ``ApplicationRequest`` and ``IssuedDocument``
hold the clear identity (their reprs leave it out).

Times on the wire are ISO 8601 with an offset, both ways: a time without one is a wrong
shape (its zone would be a guess). Screens and paper show them in the hall's zone
(kiosk/hall_time.py), never as central or the host wrote them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

ApplicantKind = Literal["person", "company"]
MaterialSource = Literal["licence", "shared", "paper"]
FieldType = Literal["text", "number", "phone", "id_number", "uscc", "date", "select"]
JsonScalar = str | int | float | bool | None


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- catalogue -----------------------------------------------------------------------------
class Material(_Response):
    code: str
    name: str
    required: bool
    source: MaterialSource
    licence_type: str | None = None
    note: str = ""


class FieldRules(_Response):
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    min: float | None = None
    max: float | None = None


class FormField(_Response):
    key: str
    label: str
    type: FieldType
    required: bool
    prefill: str | None = None          # null | "card.<field>" | "licence.<type>.<field>"
    options: list[str] = []
    rules: FieldRules = FieldRules()


class Item(_Response):
    """One 事项 as its 办事指南 describes it."""

    code: str
    name: str
    department: str
    region_code: str
    region_name: str
    level: str                          # 国家级 | 省级 | 市级 | 县级
    scope: str                          # 跨省 | 全省 | 市域
    modes: list[str]                    # 全程网办 | 异地代收代办 | 多地联办
    one_id: bool
    visits: int
    legal_days: int
    promised_days: int
    fee: str
    applicant_kind: ApplicantKind
    conditions: list[str]
    materials: list[Material]
    fields: list[FormField]
    where_to_go: str
    phone: str
    handling_region_code: str
    agent_allowed: bool = True          # 帮办代办 may file it (docs/casework.md §1)
    joint: list[JointPart] = []         # 多地联办: the departments it is split into


class JointPart(_Response):
    region_code: str
    department: str
    task: str


class Region(_Response):
    code: str
    name: str
    parent: str | None = None


class Catalogue(_Response):
    version: str
    items: list[Item]
    regions: list[Region] = []   # place names central knows (the input dictionary's)

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)


# -- contexts ------------------------------------------------------------------------------
class Licence(_Response):
    type: str
    name: str
    number: str                         # masked by central
    issuer: str
    valid_until: dt.date | None = None
    fields: dict[str, Any] = {}


class Pending(_Response):
    """An application of the person not yet done (docs/casework.md §4)."""

    item_code: str
    application_number: str
    status: str
    submitted_at: AwareDatetime


class PersonContext(_Response):
    known: bool
    licences: list[Licence]
    eligible_items: list[str]
    pending: list[Pending] = []


class CompanyContext(_Response):
    known: bool
    is_representative: bool
    company_name: str | None = None
    licences: list[Licence]
    eligible_items: list[str]


# -- applications --------------------------------------------------------------------------
class TimelineStep(_Response):
    step: str               # 申请 代收 受理 流转 办理 办结 送达 归档; 收件 形式审查 寄递 属地受理
    at: AwareDatetime | None = None
    note: str = ""
    actor: str | None = None
    hashes: list[str] = []
    tracking_number: str | None = None
    part: int | None = None             # the 多地联办 sub-case's seq


class AgentView(_Response):
    name_masked: str
    relation: str
    authority: str                      # letter | present


class DeliveryView(_Response):
    method: str                         # post | pickup
    address_masked: str | None = None
    pickup_hall: str | None = None


class Part(_Response):
    seq: int
    region_code: str = ""
    region_name: str
    department: str
    task: str
    status: str
    timeline: list[TimelineStep] = []


class EvidenceView(_Response):
    page: int
    kind: str                           # authorization | material
    material_code: str | None = None
    sha256: str


class Application(_Response):
    """An application as central keeps it (办件). Carries no applicant identity."""

    application_number: str             # 办件编号
    local_receipt: str
    status: str
    item_code: str
    item_name: str
    region_received: str
    region_handling: str
    timeline: list[TimelineStep]
    next_steps: str = ""
    mode: str = "全程网办"              # 全程网办 | 异地代收 | 多地联办
    check_code: str = ""                # 查询码 (printed with the number)
    tracking_url: str | None = None     # the receipt's QR: central's public page
    agent: AgentView | None = None
    delivery: DeliveryView | None = None
    parts: list[Part] = []
    evidence: list[EvidenceView] = []
    submitted_at: AwareDatetime | None = None


class MineApplication(Application):
    """One of the identified citizen's applications (办件查询)."""

    role: str = "applicant"             # applicant | agent
    applicant_masked: str = ""
    todo: str = ""                      # what the citizen must still do


class MineApplications(_Response):
    applications: list[MineApplication]


class PublicApplication(_Response):
    """What the receipt's holder may see: status and timeline, applicant masked."""

    application_number: str
    item_name: str
    status: str
    mode: str
    applicant_masked: str
    submitted_at: AwareDatetime
    timeline: list[TimelineStep]
    parts: list[Part] = []
    next_steps: str = ""


class Applicant(_Request):
    kind: ApplicantKind = "person"
    id_number: str = Field(min_length=1, repr=False)
    name: str = Field(min_length=1, repr=False)


class Agent(_Request):
    """Someone applying on the applicant's (the principal's) behalf (代办人)."""

    id_number: str = Field(min_length=1, repr=False)
    name: str = Field(min_length=1, repr=False)
    relation: str                       # 配偶 父母 子女 … (docs/casework.md §6)
    authority: Literal["letter", "present"]


class EvidenceRef(_Request):
    page: int = Field(ge=1, le=40)
    kind: Literal["authorization", "material"]
    material_code: str | None = None
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=1)


class Delivery(_Request):
    method: Literal["post", "pickup"]
    address: str | None = Field(default=None, repr=False)


class CompanyRef(_Request):
    uscc: str
    name: str


class MaterialRef(_Request):
    code: str
    source: MaterialSource
    ref: str = ""                       # licence number, shared record id, or scan id


class ApplicationRequest(_Request):
    """What the terminal submits. The outbox fills ``local_receipt`` and ``submitted_at``
    when it commits the submission; a flow leaves them empty."""

    item_code: str
    local_receipt: str = ""
    applicant: Applicant = Field(repr=False)
    company: CompanyRef | None = None
    agent: Agent | None = Field(default=None, repr=False)
    form: dict[str, JsonScalar] = Field(default_factory=dict, repr=False)
    materials: list[MaterialRef] = []
    submitted_at: AwareDatetime | None = None
    evidence: list[EvidenceRef] = []
    delivery: Delivery | None = Field(default=None, repr=False)


class EvidenceAck(_Response):
    local_receipt: str
    page: int
    sha256: str


# -- 好差评 (docs/casework.md §8) -------------------------------------------------------------
class EvaluationRequest(_Request):
    handling_id: str
    service_id: str
    item_code: str | None = None
    application_number: str | None = None
    local_receipt: str | None = None
    level: int = Field(ge=1, le=5)
    reasons: list[str] = []
    comment: str | None = Field(default=None, repr=False)
    handled_at: AwareDatetime
    rated_at: AwareDatetime


class EvaluationAck(_Response):
    evaluation_id: int
    case_number: str | None = None


# -- enrollment ----------------------------------------------------------------------------
class Enrollment(_Response):
    terminal_id: str = Field(min_length=1)
    hall_name: str = ""
    region_code: str = ""
    profile: str = ""


# -- proofs and issued documents -----------------------------------------------------------
class ProofSummary(_Response):
    """A proof (证明) central can issue for the person asked about."""

    code: str                           # e.g. "shebao_canbao"
    name: str                           # 社会保险参保证明
    issuer: str
    description: str = ""


class ProofList(_Response):
    proofs: list[ProofSummary]


class DocumentField(_Response):
    label: str
    value: str = Field(repr=False)


class DocumentTable(_Response):
    title: str = ""
    columns: list[str]
    rows: list[list[str]] = Field(repr=False)


class DocumentHolder(_Response):
    name: str = Field(repr=False)
    id_number: str = Field(repr=False)


class IssuedDocument(_Response):
    """A document central issued (what the terminal prints). Clear identity inside: the
    holder, and the name and number in the paragraphs; a verification answer has them
    masked (张*, 1405**********123X)."""

    document_number: str                # 140500-SB-20261123-000123
    verification_code: str              # 20 characters, printed and in the QR code
    verify_url: str                     # what the QR code encodes
    kind: str                           # "proof"
    proof_code: str | None = None
    title: str
    issuer: str
    issued_at: AwareDatetime
    valid_until: dt.date | None = None
    holder: DocumentHolder = Field(repr=False)
    fields: list[DocumentField] = Field(repr=False)
    paragraphs: list[str] = Field(repr=False)
    table: DocumentTable | None = Field(default=None, repr=False)
    notes: list[str] = []


class VerifiedDocument(_Response):
    """GET /documents/{code}: the issued document with its holder masked."""

    valid: bool
    document: IssuedDocument
    issued_by_terminal: str


# -- print log -----------------------------------------------------------------------------
PrintDocType = Literal["application_receipt", "queue_ticket", "notice", "test_page", "proof", "handover"]


class PrintLogEntry(_Request):
    """One finished print attempt as POST /print-log takes it (the terminal's print log
    serialises it once and the outbox sends those bytes). The citizen's ID number goes to
    central (which keeps only its own keyed hash, for look-ups) with the masked form
    (1405**********123X) staff read; the terminal's rows keep the masked form only."""

    entry_id: str
    seq: int = Field(ge=0)
    at: AwareDatetime
    doc_type: PrintDocType
    doc_number: str = ""
    printer: Literal["receipt_printer", "a4_printer"]
    job_id: str = ""
    pages: int = Field(default=0, ge=0)
    content_sha256: str
    result: Literal["printed", "failed"]
    reason: str = ""                    # "" or a stable code such as "paper_out"
    id_masked: str = ""
    id_number: str = ""
    chain_hash: str


class OutboxKey(_Response):
    """GET /keys/outbox: central's X25519 key the outbox seals to (base64 of 32 raw bytes)."""

    kid: str
    alg: Literal["X25519-HKDF-SHA256-A256GCM"]
    public_key: str


class PrintLogMatches(_Response):
    """POST /print-log/lookup: this terminal's entries for one ID number, newest first."""

    entry_ids: list[str]


class PrintLogAck(_Response):
    entry_id: str
    terminal_id: str
    hall_name: str = ""
    received_at: AwareDatetime


# -- what scanned codes mean ---------------------------------------------------------------
class CodeKey(_Response):
    """A public key central signs appointment codes with (GET /keys/codes)."""

    kid: str = Field(min_length=1, max_length=64)
    alg: Literal["Ed25519"]
    public_key: str                     # base64 of the 32 raw Ed25519 bytes
    created_at: AwareDatetime | None = None
    current: bool = False


class CodeKeys(_Response):
    keys: list[CodeKey]


class ResolvedIdentity(_Response):
    """The person an electronic ID code (电子身份证 / 电子社保卡) stands for, as their ID card
    has it. Held like a card read: in memory only; the repr shows none of it."""

    id_number: str = Field(min_length=1, repr=False)
    name: str = Field(min_length=1, repr=False)
    gender: str = Field(repr=False)     # 男 | 女
    nation: str | None = Field(default=None, repr=False)
    birth_date: dt.date | None = Field(default=None, repr=False)
    address: str | None = Field(default=None, repr=False)
    source: Literal["eid", "essc"]
