"""API bodies of what scanned codes mean: the public keys appointment codes are signed
with, and what an electronic ID code resolves to. Like central.schemas, these models are
the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from central.schemas import Model, printable

IdentitySource = Literal["eid", "essc"]


class CodeKeyOut(Model):
    kid: str = Field(description="key id: the `kid` an appointment code's payload names")
    alg: Literal["Ed25519"]
    public_key: str = Field(description="base64 (standard, padded) of the 32 raw key bytes")
    created_at: datetime
    current: bool = Field(description="the key new codes are signed with")


class CodeKeysOut(Model):
    """Every key whose codes are still to be trusted, newest first."""

    keys: list[CodeKeyOut]


class IdentityCodeIn(Model):
    code: Annotated[
        str,
        Field(
            min_length=1, max_length=200, examples=["TONGBAN-EID:3q2-7wEjRYb6m0Zf_xLxwB9hQ2a5cYtU"]
        ),
        AfterValidator(printable),
    ]


class ResolvedIdentityOut(Model):
    """The person an electronic ID code stands for, as their ID card has it."""

    id_number: str
    name: str
    gender: Literal["男", "女"] = Field(description="from the ID number (GB 11643)")
    nation: str | None = Field(description="民族 by name; null when not on record (港澳台)")
    birth_date: date | None = Field(description="from the ID number")
    address: str | None
    source: IdentitySource = Field(description="eid: 电子身份证; essc: 电子社保卡")
