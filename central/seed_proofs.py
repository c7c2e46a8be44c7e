"""The demo proofs (central/seed/proofs.toml): proof types and what each citizen's proofs
say. Loaded, checked against the people and regions of the other seed files, and written
by `central.seeding.seed` (idempotent like the rest: what exists is left alone)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.document_schemas import DOCUMENT_SCHEMAS
from central.models import PersonProof, ProofType

PLACEHOLDERS = frozenset({"name", "id_number", "date"})
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeedField(_Strict):
    label: str = Field(min_length=1, max_length=40)
    value: str = Field(max_length=200)


class SeedTable(_Strict):
    title: str = Field(max_length=100)
    columns: list[str] = Field(min_length=1, max_length=10)
    rows: list[list[str]]


class SeedProofType(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name: str = Field(min_length=1, max_length=50)
    issuer: str = Field(min_length=1, max_length=100)
    description: str = Field(max_length=200)
    region_code: str = Field(pattern=r"^[0-9]{6}$")
    number_prefix: str = Field(pattern=r"^[A-Z]{1,8}$")
    valid_months: int | None = Field(default=None, ge=1, le=120)
    notes: list[str] = []


class SeedProof(_Strict):
    id_number: str
    proof: str
    issuer: str | None = Field(default=None, max_length=100)
    fields: list[SeedField] = []
    paragraphs: list[str] = []
    table: SeedTable | None = None

    def content(self) -> dict[str, Any]:
        """What person_proofs.content keeps."""
        return self.model_dump(mode="json", include={"fields", "paragraphs", "table"})


@dataclass(frozen=True)
class ProofSeed:
    types: list[SeedProofType]
    proofs: list[SeedProof]


class ProofSeedError(ValueError):
    """proofs.toml is inconsistent (central.seeding reports it as a SeedError)."""


def load_proof_seed(person_ids: set[str], region_codes: set[str]) -> ProofSeed:
    raw = tomllib.loads((files("central") / "seed" / "proofs.toml").read_text(encoding="utf-8"))
    try:
        data = ProofSeed(
            [SeedProofType.model_validate(t) for t in raw["proof_types"]],
            [SeedProof.model_validate(p) for p in raw["proofs"]],
        )
    except (KeyError, ValidationError) as err:
        raise ProofSeedError(f"proofs.toml: {err}") from err
    _check(data, person_ids, region_codes)
    return data


def _texts(proof: SeedProof) -> list[str]:
    table = proof.table
    cells = [cell for row in table.rows for cell in row] if table else []
    return [*(f.value for f in proof.fields), *proof.paragraphs, *cells]


def _check(data: ProofSeed, person_ids: set[str], region_codes: set[str]) -> None:
    codes = [t.code for t in data.types]
    if len(set(codes)) != len(codes):
        raise ProofSeedError("proofs.toml: duplicate proof type codes")
    for proof_type in data.types:
        if proof_type.region_code not in region_codes:
            raise ProofSeedError(f"proof type {proof_type.code}: unknown region")
    seen: set[tuple[str, str]] = set()
    for proof in data.proofs:
        where = f"proofs.toml: {proof.proof} of {proof.id_number[:4]}…"
        if proof.proof not in codes:
            raise ProofSeedError(f"{where}: unknown proof type")
        if proof.id_number not in person_ids:
            raise ProofSeedError(f"{where}: not a person of people.toml")
        if (proof.id_number, proof.proof) in seen:
            raise ProofSeedError(f"{where}: listed twice")
        seen.add((proof.id_number, proof.proof))
        if proof.table and any(len(row) != len(proof.table.columns) for row in proof.table.rows):
            raise ProofSeedError(f"{where}: a table row does not have one cell per column")
        schema = DOCUMENT_SCHEMAS.get(proof.proof)
        if schema is None:
            raise ProofSeedError(f"{where}: no document schema (central.document_schemas)")
        labels = {f.label for f in proof.fields} | set(proof.table.columns if proof.table else [])
        unlisted = labels - set(schema.fields) - set(schema.columns)
        if unlisted:
            raise ProofSeedError(f"{where}: labels not in the document schema {sorted(unlisted)}")
        unknown = {n for text in _texts(proof) for n in _PLACEHOLDER.findall(text)} - PLACEHOLDERS
        if unknown:
            raise ProofSeedError(f"{where}: unknown placeholders {sorted(unknown)}")


def seed_proofs(session: Session, data: ProofSeed, count: Callable[[str], None]) -> None:
    """Add the proof types and person proofs that are missing (in the caller's transaction)."""
    for position, proof_type in enumerate(data.types):
        if session.get(ProofType, proof_type.code) is None:
            session.add(ProofType(position=position, **proof_type.model_dump()))
            count("proof types")
    session.flush()  # person_proofs refer to them
    for proof in data.proofs:
        exists = session.scalar(
            select(PersonProof.id).where(
                PersonProof.id_number == proof.id_number, PersonProof.proof_code == proof.proof
            )
        )
        if exists is None:
            session.add(
                PersonProof(
                    id_number=proof.id_number,
                    proof_code=proof.proof,
                    issuer=proof.issuer,
                    content=proof.content(),
                )
            )
            count("person proofs")
