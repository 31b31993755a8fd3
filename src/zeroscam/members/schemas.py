"""Members' API shapes."""

from __future__ import annotations

from pydantic import BaseModel


class OrgOut(BaseModel):
    id: int
    name: str
    type: str
    bank_codes: list[str]
    operator: str | None
