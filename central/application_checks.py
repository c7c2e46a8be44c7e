"""What issue 14 adds to checking an application: the 代办人, the delivery of 异地代收's
result and the photographed pages (docs/casework.md §5–§7). Each returns {field: reason},
merged into the one 422 `validation_failed` of the submission.
"""

from __future__ import annotations

from central.schemas import ApplicationIn, Item, MaterialRefIn, Mode


def agent_errors(body: ApplicationIn, item: Item) -> dict[str, str]:
    """`agent`: agent_not_allowed (the item must be filed in person), agent_is_applicant
    (one person cannot be their own 代办人), authorization_missing (a 授权委托书 without a
    photographed `authorization` page)."""
    agent = body.agent
    if agent is None:
        return {}
    if not item.agent_allowed:
        return {"agent": "agent_not_allowed"}
    if agent.id_number == body.applicant.id_number:
        return {"agent": "agent_is_applicant"}
    if agent.authority == "letter" and not any(e.kind == "authorization" for e in body.evidence):
        return {"agent": "authorization_missing"}
    return {}


def delivery_errors(body: ApplicationIn, mode: Mode) -> dict[str, str]:
    """异地代收 must say how the result comes back (delivery_required); no other mode has
    a delivery (not_allowed). A posted result needs the address; a pickup has none."""
    delivery = body.delivery
    if mode != "异地代收":
        return {"delivery": "not_allowed"} if delivery is not None else {}
    if delivery is None:
        return {"delivery": "delivery_required"}
    if delivery.method == "post" and not delivery.address:
        return {"delivery.address": "required"}
    if delivery.method == "pickup" and delivery.address:
        return {"delivery.address": "not_allowed"}
    return {}


def evidence_errors(body: ApplicationIn, item: Item) -> dict[str, str]:
    """Pages are numbered 1..n, each once (`evidence`: bad_pages); a material page names
    one of the item's paper materials, an authorization page names none
    (`evidence.<page>`: unknown_material)."""
    pages = [e.page for e in body.evidence]
    errors: dict[str, str] = {}
    if sorted(pages) != list(range(1, len(pages) + 1)):
        errors["evidence"] = "bad_pages"
    paper = {m.code for m in item.materials if m.source == "paper"}
    for e in body.evidence:
        if (e.kind == "material") != (e.material_code in paper):
            errors[f"evidence.{e.page}"] = "unknown_material"
    return errors


def materials_with_pages(body: ApplicationIn, item: Item) -> list[MaterialRefIn]:
    """The materials handed in: a paper material photographed at the terminal counts as
    handed in (its reference names the pages) even when the form's list omits it. Pages
    naming anything else are evidence_errors' to refuse."""
    given = list(body.materials)
    named = {m.code for m in given} | {m.code for m in item.materials if m.source != "paper"}
    by_code: dict[str, list[int]] = {}
    for e in body.evidence:
        known = e.material_code in {m.code for m in item.materials}
        if e.kind == "material" and e.material_code and known and e.material_code not in named:
            by_code.setdefault(e.material_code, []).append(e.page)
    for code, pages in by_code.items():
        ref = "evidence:" + ",".join(str(p) for p in pages)
        given.append(MaterialRefIn(code=code, source="paper", ref=ref[:128]))
    return given
