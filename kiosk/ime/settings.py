"""The ``[input]`` section: which pinyin engine, which fuzzy initials, how many candidates."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from kiosk.config_devices import Strict

Fuzzy = Literal["z-zh", "c-ch", "s-sh", "n-l"]


class InputSettings(Strict):
    # rime: librime (Debian librime1 + rime-data-luna-pinyin); libpinyin: Debian libpinyin15.
    engine: Literal["rime", "libpinyin"] = "rime"
    # Fuzzy initials common in the north, off unless listed (e.g. ["z-zh", "n-l"]).
    fuzzy: list[Fuzzy] = []
    page_size: Annotated[int, Field(ge=3, le=9)] = 5

    @field_validator("fuzzy")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("fuzzy lists a pair twice")
        return value
