"""Hold and case shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class HoldEventOut(BaseModel):
    ts: str
    action: str
    actor_org_id: int | None


class HoldOut(BaseModel):
    id: int
    report_id: str
    case_id: int | None
    account: str
    bank_code: str
    bank_org_id: int | None
    requested_by_org_id: int | None
    hop: int
    traced_thb: float | None
    state: str
    requested_at: str
    confirmed_at: str | None
    amount_held_thb: float | None
    complaint_at: str | None
    expires_at: str | None
    released_at: str | None
    extended_count: int
    events: list[HoldEventOut]


class ConfirmIn(BaseModel):
    amount_held_thb: float = Field(ge=0, le=1e12, strict=True)


class ExtendIn(BaseModel):
    days: int = Field(default=7, ge=1, le=30, strict=True)


class ReleaseIn(BaseModel):
    reason: str = Field(default="", max_length=200)


class CaseIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    report_ids: list[str] = Field(default_factory=list, max_length=1000)


class CaseReportsIn(BaseModel):
    report_ids: list[str] = Field(min_length=1, max_length=1000)


class CaseOut(BaseModel):
    id: int
    title: str
    org_id: int
    status: str
    created_at: str
    report_ids: list[str]
