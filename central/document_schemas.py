"""API bodies of what terminals print: proofs (证明) central issues, the verification of an
issued document, and the print-log entries terminals report. Like central.schemas, these
models are the OpenAPI document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from central.ids import check_id_number
from central.schemas import IdNumber, Model, Moment, Name, printable

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
HEX64 = r"^[0-9a-f]{64}$"
# 18-character ID numbers as the house masks them: 4 digits, 10 stars, 3 digits and the
# check character. Anything with more visible digits is refused: central never takes a
# clear ID number into the print log's columns (`id_number` is hashed, never stored).
ID_MASKED_PATTERN = r"^([0-9]{4}\*{10}[0-9]{3}[0-9X])?$"

ProofCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", examples=["shebao_canbao"])]
DocType = Literal["application_receipt", "queue_ticket", "notice", "test_page", "proof", "handover"]
PrinterKind = Literal["receipt_printer", "a4_printer"]


# --- proofs ---------------------------------------------------------------------------


class ProofSummary(Model):
    code: str
    name: str
    issuer: str
    description: str


class ProofsAvailableOut(Model):
    proofs: list[ProofSummary]


class ProofIssueIn(Model):
    proof_code: ProofCode
    id_number: IdNumber
    name: Name


class DocumentField(Model):
    label: str
    value: str


class DocumentTable(Model):
    title: str
    columns: list[str]
    rows: list[list[str]]


class DocumentHolder(Model):
    name: str
    id_number: str


class IssuedDocumentOut(Model):
    """A document as central issued it: what the terminal prints, and (holder masked)
    what a verification shows."""

    document_number: str = Field(examples=["140500-SB-20261123-000123"])
    verification_code: str = Field(description="20 characters of A-Z and 2-9 without I and O")
    verify_url: str = Field(description="where the printed QR code points")
    kind: Literal["proof"]
    proof_code: str
    title: str
    issuer: str
    issued_at: datetime
    valid_until: date | None
    holder: DocumentHolder
    fields: list[DocumentField]
    paragraphs: list[str]
    table: DocumentTable | None
    notes: list[str]


class VerifiedDocumentOut(Model):
    valid: bool
    document: IssuedDocumentOut = Field(
        description="personal data masked: the holder's name and ID number wherever they "
        "appear, and the fields and table columns the document type's schema marks personal "
        "(address, phone, account, date of birth ...), also where their values recur in "
        "the text"
    )
    issued_by_terminal: str


# --- what of a document is personal --------------------------------------------------

# How a personal value is masked on the public verification page (central.proofs.mask):
# name 张*, id_number 1405**********123X, address 晋城市****, phone 138****5678,
# account ****5678, date and hidden ****.
PersonalKind = Literal["name", "id_number", "address", "phone", "account", "date", "hidden"]


@dataclass(frozen=True)
class DocumentSchema:
    """Every field label and table column a proof type prints, each public (None) or the
    kind of personal value it holds. The verification page masks by this schema; a label or
    column it does not list is masked whole (fail closed), and the seed refuses a proof
    whose labels or columns its type's schema does not list."""

    fields: Mapping[str, PersonalKind | None]
    columns: Mapping[str, PersonalKind | None]


_PUBLIC = None
DOCUMENT_SCHEMAS: Mapping[str, DocumentSchema] = {
    "shebao_canbao": DocumentSchema(
        fields=dict.fromkeys(
            [
                "参保状态",
                "参保单位",
                "参保地",
                "参保身份",
                "参保险种",
                "首次参保年月",
                "累计缴费月数",
            ],
            _PUBLIC,
        ),
        columns=dict.fromkeys(
            [
                "费款所属期",
                "缴费基数(元)",
                "养老保险(元)",
                "医疗保险(元)",
                "失业保险(元)",
                "缴费状态",
            ],
            _PUBLIC,
        ),
    ),
    "budongchan_chaxun": DocumentSchema(
        fields=dict.fromkeys(["查询范围", "查询结果"], _PUBLIC),
        columns={
            "不动产权证号": "account",
            "坐落": "address",
            "面积": _PUBLIC,
            "用途": _PUBLIC,
            "登记日期": _PUBLIC,
        },
    ),
    "geshui_wanshui": DocumentSchema(
        fields=dict.fromkeys(["扣缴义务人", "所属期间", "实缴金额合计", "主管税务机关"], _PUBLIC),
        columns=dict.fromkeys(
            ["税款所属期", "税种", "品目名称", "入库日期", "实缴金额(元)"], _PUBLIC
        ),
    ),
    "huji_zhengming": DocumentSchema(
        fields={
            "性别": _PUBLIC,
            "民族": _PUBLIC,
            "出生日期": "date",
            "户籍地址": "address",
            "与户主关系": _PUBLIC,
            "户籍登记机关": _PUBLIC,
        },
        columns={},
    ),
    "wufanzui_jilu": DocumentSchema(
        fields=dict.fromkeys(["查询用途", "查询结果"], _PUBLIC), columns={}
    ),
}
# A proof type with no schema here: every field value and table cell is masked whole.
UNKNOWN_DOCUMENT = DocumentSchema(fields={}, columns={})


# --- print log ------------------------------------------------------------------------


def _optional_id_number(value: str) -> str:
    reason = check_id_number(value) if value else None
    if reason:
        raise PydanticCustomError(reason, "not a GB 11643 ID number ({reason})", {"reason": reason})
    return value


class PrintLogIn(Model):
    """One finished print attempt (printed or failed), as the terminal logged it."""

    entry_id: Annotated[str, Field(pattern=UUID_PATTERN)]
    seq: Annotated[int, Field(ge=0, le=2_147_483_647)]
    at: Moment
    doc_type: DocType
    doc_number: Annotated[str, Field(max_length=64), AfterValidator(printable)]
    printer: PrinterKind
    job_id: Annotated[str, Field(max_length=64), AfterValidator(printable)]
    pages: Annotated[int, Field(ge=0, le=10_000)]
    content_sha256: Annotated[str, Field(pattern=HEX64)]
    result: Literal["printed", "failed"]
    reason: Annotated[str, Field(pattern=r"^([a-z][a-z0-9_]{0,63})?$")]
    id_masked: Annotated[str, Field(pattern=ID_MASKED_PATTERN, examples=["1405**********123X"])]
    id_number: Annotated[
        str,
        Field(
            pattern=r"^([0-9]{17}[0-9X])?$",
            description="the citizen's number, or empty: central keeps only its own keyed hash",
        ),
        AfterValidator(_optional_id_number),
    ] = ""
    id_hash: Annotated[
        str,
        Field(
            pattern=r"^([0-9a-f]{32,128})?$",
            description="deprecated (terminals before 2026-12): accepted and ignored",
        ),
    ] = ""
    chain_hash: Annotated[str, Field(pattern=HEX64)]


class SealedIn(Model):
    """A body sealed to central's outbox key (GET /keys/outbox; central.sealing): base64 of
    version 0x02, the ephemeral X25519 public key, the nonce and the AES-256-GCM ciphertext,
    bound to the request's Idempotency-Key. Opened, it is the unsealed endpoint's body."""

    sealed: Annotated[str, Field(min_length=1, max_length=4_000_000, pattern=r"^[A-Za-z0-9+/=]+$")]


class OutboxKeyOut(Model):
    """Central's key terminals seal their outbox to (so their disk holds nothing they can
    decrypt): `public_key` is base64 of the 32 raw X25519 bytes."""

    kid: str
    alg: Literal["X25519-HKDF-SHA256-A256GCM"]
    public_key: str


class PrintLogLookupIn(Model):
    id_number: IdNumber


class PrintLogLookupOut(Model):
    """The signing terminal's entries for one ID number, newest first (at most 1000)."""

    entry_ids: list[str]


class PrintLogAck(Model):
    entry_id: str
    terminal_id: str
    hall_name: str
    received_at: datetime
