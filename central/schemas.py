"""The API's bodies (pydantic). These models are the OpenAPI document: what they say is what
central/openapi.json publishes, so they describe the real shapes, errors included.

Strings that reach the database refuse control characters and lone surrogates: PostgreSQL
rejects NUL in text and UTF-8 has no surrogates, and a malformed request must be a 422,
never a 500.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from central.ids import check_id_number, check_uscc

ErrorCode = Literal[
    "not_found",
    "validation_failed",
    "idempotency_conflict",
    "enrollment_failed",
    "internal",
    "missing_signature",
    "unknown_terminal",
    "bad_signature",
    "stale_timestamp",
    "replayed_nonce",
    "method_not_allowed",
    "bad_request",
    "code_expired",
    "code_used",
    "public_url_required",
    "payload_too_large",
    "rate_limited",
    # The hall's day (docs/hall-day.md): booking, cancelling, check-in, the queue.
    "too_soon",
    "too_far",
    "closed",
    "full",
    "duplicate",
    "suspended",
    "calendar_unknown",
    "invalid_id",
    "too_late",
    "too_early",
    "not_today",
    "cancelled",
    "already_checked_in",
    "empty",
    # Running the fleet (docs/fleet.md).
    "no_config",
]
Step = Literal[
    "申请", "代收", "受理", "流转", "办理", "办结", "送达", "归档",
    # 异地代收's chain of custody (docs/casework.md §3)
    "收件", "形式审查", "寄递", "属地受理",
]
Mode = Literal["全程网办", "异地代收", "多地联办"]
Relation = Literal[
    "配偶", "父母", "子女", "兄弟姐妹", "祖父母外祖父母", "孙子女外孙子女", "其他亲属", "其他"
]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Profile = Literal["hall", "bank", "community"]
Source = Literal["licence", "shared", "paper"]
FieldType = Literal["text", "number", "phone", "id_number", "uscc", "date", "select"]


def printable(value: str) -> str:
    if any(ord(c) < 0x20 or ord(c) == 0x7F or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise PydanticCustomError("bad_characters", "control characters or lone surrogates")
    return value


def _id_number(value: str) -> str:
    reason = check_id_number(value)
    if reason:
        raise PydanticCustomError(reason, "not a GB 11643 ID number ({reason})", {"reason": reason})
    return value


def _uscc(value: str) -> str:
    reason = check_uscc(value)
    if reason:
        raise PydanticCustomError(
            reason, "not a GB 32100 credit code ({reason})", {"reason": reason}
        )
    return value


def _plausible_moment(value: datetime) -> datetime:
    # An aware datetime near year 1 or 9999 overflows when converted to UTC.
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("out_of_range", "time out of range") from None
    if not 2000 <= utc.year <= 2999:
        raise PydanticCustomError("out_of_range", "time out of range")
    return value


Name = Annotated[str, Field(min_length=1, max_length=50), AfterValidator(printable)]
Text = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(printable)]
# 18 characters with a valid GB 11643 check character and (but for 9...) a real birth date.
IdNumber = Annotated[
    str,
    Field(pattern=r"^[0-9]{17}[0-9X]$", examples=["110101199003071233"]),
    AfterValidator(_id_number),
]
Uscc = Annotated[
    str,
    Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", examples=["91140500MA0KD3N58C"]),
    AfterValidator(_uscc),
]
Moment = Annotated[AwareDatetime, AfterValidator(_plausible_moment)]


def _form_value(value: object) -> str | int | float | bool | None:
    # One validator instead of a Union, so an error's location is just form.<key>.
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):  # Python's JSON parser accepts NaN and Infinity
            raise PydanticCustomError("not_finite", "a number must be finite")
        return value
    if isinstance(value, str):
        if len(value) > 500:
            raise PydanticCustomError("too_long", "at most 500 characters")
        return printable(value)
    raise PydanticCustomError("bad_type", "a form value is a string, number, boolean or null")


FormValue = Annotated[
    Any,
    PlainValidator(_form_value),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": 500},
                {"type": "integer"},
                {"type": "number"},
                {"type": "boolean"},
                {"type": "null"},
            ]
        }
    ),
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ---------------------------------------------------------------------------


class ErrorBody(Model):
    """Every non-2xx answer."""

    error: ErrorCode
    detail: str


class ValidationErrorBody(ErrorBody):
    """422: which fields failed and why (stable reason codes, e.g. `required`, `too_long`)."""

    fields: dict[str, str]


# --- health and enrollment -----------------------------------------------------------


class HealthOut(Model):
    status: Literal["ok"]
    catalogue_version: str | None


class EnrollIn(Model):
    code: Annotated[str, Field(min_length=1, max_length=32), AfterValidator(printable)]
    public_key: Annotated[
        str,
        Field(
            min_length=1, max_length=64, description="base64 of the 32 raw Ed25519 public key bytes"
        ),
    ]
    hostname: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(printable)]


class EnrollOut(Model):
    terminal_id: str
    hall_name: str
    region_code: str
    profile: Profile


# --- catalogue ------------------------------------------------------------------------


class Material(Model):
    code: str
    name: str
    required: bool
    source: Source
    licence_type: str | None
    note: str


class FieldRules(TypedDict, total=False):
    min_length: int
    max_length: int
    pattern: str
    min: int
    max: int


class FormField(Model):
    key: str
    label: str
    type: FieldType
    required: bool
    prefill: str | None = Field(description='null | "card.<field>" | "licence.<type>.<field>"')
    options: list[str]
    rules: FieldRules


class Item(Model):
    code: str
    name: str
    department: str
    region_code: str
    region_name: str
    level: Literal["国家级", "省级", "市级", "县级"]
    scope: Literal["跨省", "全省", "市域"]
    modes: list[Literal["全程网办", "异地代收代办", "多地联办"]]
    one_id: bool
    visits: Annotated[int, Field(ge=0, le=1)]
    legal_days: Annotated[int, Field(ge=0)]
    promised_days: Annotated[int, Field(ge=0)]
    fee: str
    applicant_kind: Literal["person", "company"]
    conditions: list[str]
    materials: list[Material]
    fields: list[FormField]
    where_to_go: str
    phone: str
    handling_region_code: str
    agent_allowed: bool = True          # 帮办代办 may file it (docs/casework.md §1)
    joint: list[JointPart] = []         # 多地联办: the departments it is split into


class JointPart(Model):
    region_code: str
    department: str
    task: str


class RegionOut(Model):
    code: str
    name: str
    parent: str | None = None


class CatalogueOut(Model):
    version: str
    items: list[Item]
    # 行政区划 central knows (the names of the codes items carry, and their parents): the
    # terminal's input dictionary takes its place names from here.
    regions: list[RegionOut] = []


# --- person and company context ----------------------------------------------------------


class LicenceOut(Model):
    type: str
    name: str
    number: str = Field(description="masked")
    issuer: str
    valid_until: date | None
    fields: dict[str, str]


class PersonContextIn(Model):
    id_number: IdNumber
    name: Name


class PendingOut(Model):
    """An application of the person not yet 办结 / 送达 / 归档 (docs/casework.md §4)."""

    item_code: str
    application_number: str
    status: Step
    submitted_at: datetime


class PersonContextOut(Model):
    known: bool
    licences: list[LicenceOut]
    eligible_items: list[str]
    pending: list[PendingOut] = []


class CompanyContextIn(Model):
    uscc: Uscc
    representative_id_number: IdNumber


class CompanyContextOut(Model):
    known: bool
    is_representative: bool
    company_name: str | None
    licences: list[LicenceOut]
    eligible_items: list[str]


# --- applications ---------------------------------------------------------------------


class ApplicantIn(Model):
    kind: Literal["person", "company"]
    id_number: IdNumber
    name: Name


class CompanyIn(Model):
    uscc: Uscc
    name: Text


class AgentIn(Model):
    """The 代办人 (the applicant is the principal): docs/casework.md §6."""

    id_number: IdNumber
    name: Name
    relation: Relation
    authority: Literal["letter", "present"]


class EvidenceRef(Model):
    """A page photographed for the application; its bytes come as kind `evidence`."""

    page: Annotated[int, Field(ge=1, le=40)]
    kind: Literal["authorization", "material"]
    material_code: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,16}$")] | None = None
    sha256: Sha256
    size: Annotated[int, Field(ge=1, le=4 * 1024 * 1024)]


class DeliveryIn(Model):
    """How 异地代收's result comes back: posted to an address, or picked up at this hall."""

    method: Literal["post", "pickup"]
    address: Annotated[str, Field(min_length=5, max_length=100), AfterValidator(printable)] | None = None


class MaterialRefIn(Model):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,16}$")]
    source: Source
    ref: Annotated[str, Field(max_length=128), AfterValidator(printable)]


class ApplicationIn(Model):
    item_code: Annotated[str, Field(pattern=r"^[0-9A-Z]{1,40}$")]
    local_receipt: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(printable)]
    applicant: ApplicantIn
    company: CompanyIn | None = None
    agent: AgentIn | None = None
    form: Annotated[dict[Annotated[str, Field(max_length=40)], FormValue], Field(max_length=60)]
    materials: Annotated[list[MaterialRefIn], Field(max_length=30)]
    submitted_at: Moment
    evidence: Annotated[list[EvidenceRef], Field(max_length=40)] = []
    delivery: DeliveryIn | None = None


class TimelineStep(Model):
    step: Step
    at: datetime
    note: str
    actor: str | None = None
    hashes: list[str] = []
    tracking_number: str | None = None
    part: int | None = None               # the 多地联办 sub-case's seq


class AgentOut(Model):
    name_masked: str
    relation: Relation
    authority: Literal["letter", "present"]


class DeliveryOut(Model):
    method: Literal["post", "pickup"]
    address_masked: str | None = None
    pickup_hall: str | None = None


class PartOut(Model):
    seq: int
    region_code: str
    region_name: str
    department: str
    task: str
    status: Step
    timeline: list[TimelineStep]


class EvidenceOut(Model):
    page: int
    kind: Literal["authorization", "material"]
    material_code: str | None = None
    sha256: str


class ApplicationOut(Model):
    application_number: str
    local_receipt: str
    status: Step
    item_code: str
    item_name: str
    region_received: str
    region_handling: str
    timeline: list[TimelineStep]
    next_steps: str
    mode: Mode = "全程网办"
    check_code: str = ""
    tracking_url: str | None = None
    agent: AgentOut | None = None
    delivery: DeliveryOut | None = None
    parts: list[PartOut] = []
    evidence: list[EvidenceOut] = []
    submitted_at: datetime | None = None


class PublicStep(Model):
    step: Step
    at: datetime
    note: str
    actor: str | None = None
    part: int | None = None


class PublicPart(Model):
    seq: int
    region_name: str
    department: str
    task: str
    status: Step


class PublicApplicationOut(Model):
    """Status and timeline for anyone holding the receipt: nothing personal but a masked
    applicant (docs/casework.md §4)."""

    application_number: str
    item_name: str
    status: Step
    mode: Mode
    applicant_masked: str
    submitted_at: datetime
    timeline: list[PublicStep]
    parts: list[PublicPart] = []
    next_steps: str


class MineIn(Model):
    id_number: IdNumber
    name: Name


class MineApplication(ApplicationOut):
    role: Literal["applicant", "agent"]
    applicant_masked: str
    todo: str


class MineOut(Model):
    applications: list[MineApplication]


class EvidenceIn(Model):
    """One page of an application's evidence (delivered sealed through the outbox)."""

    local_receipt: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(printable)]
    page: Annotated[int, Field(ge=1, le=40)]
    kind: Literal["authorization", "material"]
    material_code: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,16}$")] | None = None
    sha256: Sha256
    jpeg_base64: Annotated[str, Field(min_length=4, max_length=6 * 1024 * 1024)]


class EvidenceAck(Model):
    local_receipt: str
    page: int
    sha256: str


# --- 好差评 (docs/casework.md §8) -------------------------------------------------------

ReasonCode = Literal[
    "attitude", "slow", "unclear", "many_visits", "materials", "device", "result", "other"
]
LEVEL_NAMES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


class EvaluationIn(Model):
    handling_id: Annotated[
        str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    ]
    service_id: Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")]
    item_code: Annotated[str, Field(pattern=r"^[0-9A-Z]{1,40}$")] | None = None
    application_number: Annotated[str, Field(pattern=r"^[0-9]{14,32}$")] | None = None
    local_receipt: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(printable)] | None = None
    level: Annotated[int, Field(ge=1, le=5)]
    reasons: Annotated[list[ReasonCode], Field(max_length=8)] = []
    comment: Annotated[str, Field(max_length=200), AfterValidator(printable)] | None = None
    handled_at: Moment
    rated_at: Moment


class EvaluationOut(Model):
    evaluation_id: int
    case_number: str | None
