"""Errors of the local store, with stable codes."""

from __future__ import annotations


class StoreError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)
