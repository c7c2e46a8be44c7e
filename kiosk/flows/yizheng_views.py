"""一证通办 as the screens see it: the items, their materials, the form's fields and the result,
and how central's answers (the catalogue, a person's or company's context, the outbox's
outcome) map onto them. Plain data: no I/O, no session, no card fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.central_api.models import CompanyContext, Item, Material, Pending, PersonContext
    from kiosk.outbox_rows import Submission


@dataclass(frozen=True)
class ItemView:
    code: str
    name: str
    department: str
    scope: str
    modes: tuple[str, ...]
    visits: int
    promised_days: int
    applicant_kind: str
    eligible: bool


@dataclass(frozen=True)
class MaterialView:
    code: str
    name: str
    required: bool
    exempt: bool      # 免提交: taken from 电子证照 or shared data
    source: str       # licence | shared | paper
    note: str


@dataclass
class FieldState:
    key: str
    label: str
    type: str
    required: bool
    options: list[str]
    value: str = ""
    error: str = ""


@dataclass(frozen=True)
class ResultView:
    delivered: bool
    local_receipt: str
    application_number: str
    item_name: str
    status: str
    timeline: tuple[tuple[str, str, str], ...]
    next_steps: str
    error: str  # "" or a stable code when central refused the application
    check_code: str = ""  # 查询码, printed beside the number
    tracking_url: str | None = None  # the receipt's QR (central's public page)


@dataclass
class Context:
    """What central told about the person (or the company) of this visit; ``offline`` when
    it could not be asked."""

    known: bool = False
    offline: bool = False
    licences: dict[str, dict[str, str]] = field(default_factory=dict)
    licence_types: set[str] = field(default_factory=set)
    eligible: set[str] = field(default_factory=set)
    pending: tuple[Pending, ...] = ()    # the person's applications not yet done (§4)


def context_of(ctx: PersonContext | CompanyContext) -> Context:
    """A person's or company's context from central."""
    licences = {lic.type: {k: str(v) for k, v in (lic.fields or {}).items()} for lic in ctx.licences}
    return Context(known=bool(ctx.known), licences=licences,
                   licence_types=set(licences), eligible=set(ctx.eligible_items),
                   pending=tuple(getattr(ctx, "pending", ())))


def item_views(catalogue: Iterable[Item], ctx: Context) -> list[ItemView]:
    """The catalogue's 一证通办 items for this person: online, the ones completable with the
    card alone first."""
    views = []
    for item in catalogue:
        if not item.one_id:
            continue
        eligible = item.code in ctx.eligible if not ctx.offline else True
        if item.applicant_kind == "company":
            eligible = not ctx.offline  # needs the company context from central
        views.append(ItemView(item.code, item.name, item.department, item.scope,
                              tuple(item.modes), item.visits, item.promised_days,
                              item.applicant_kind, eligible))
    # Catalogue order (central's, which is meaningful to citizens) within each group.
    return sorted(views, key=lambda v: (not v.eligible, v.applicant_kind != "person"))


def exempt(material: Material, person: Context, company: Context) -> bool:
    """免提交: a licence or shared-data material the person or company has (offline: assumed)."""
    have = person.licence_types | company.licence_types
    return material.source in ("licence", "shared") and (person.offline or material.licence_type in have)


def material_views(item: Item, person: Context, company: Context) -> list[MaterialView]:
    return [MaterialView(m.code, m.name, m.required, exempt(m, person, company), m.source, m.note)
            for m in item.materials]


def result_view(outcome: Submission, item_name: str) -> ResultView:
    """What the citizen is shown of the outbox's outcome of a submission."""
    app = outcome.application
    if app is not None:
        return ResultView(
            delivered=True, local_receipt=outcome.local_receipt,
            application_number=app.application_number, item_name=app.item_name or item_name,
            status=app.status,
            timeline=tuple((s.step, s.at.isoformat() if s.at else "", s.note) for s in app.timeline),
            next_steps=app.next_steps, error="",
            check_code=app.check_code, tracking_url=app.tracking_url,
        )
    # Only a permanent failure is a refusal: a pending submission's last error (central
    # down, a timeout) just means it is still waiting in the outbox.
    refused = outcome.state == "failed"
    return ResultView(
        delivered=False, local_receipt=outcome.local_receipt, application_number="",
        item_name=item_name, status="", timeline=(), next_steps="",
        error=(outcome.error_code or "refused") if refused else "",
    )
