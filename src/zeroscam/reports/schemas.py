"""Report shapes: the AXF report (contracts/AXF.md reports.jsonl) in and the views out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCAM_TYPES = ("online_shopping", "loan", "investment", "call_centre", "impersonation", "reward",
              "malicious_app", "romance", "job", "other")
ScamType = Literal["online_shopping", "loan", "investment", "call_centre", "impersonation", "reward",
                   "malicious_app", "romance", "job", "other"]
ContactType = Literal["phone", "bank_account", "promptpay", "url", "line_id", "facebook", "email", "crypto_wallet"]


class Victim(BaseModel):
    model_config = ConfigDict(extra="allow")

    holder_id: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    province: str | None = Field(default=None, max_length=100)


class Contact(BaseModel):
    type: ContactType
    value: str = Field(min_length=1, max_length=500)


class Transfer(BaseModel):
    model_config = ConfigDict(extra="allow")

    ts: str | None = Field(default=None, max_length=40, description="ISO 8601; no offset = Bangkok")
    txn_id: str | None = Field(default=None, max_length=100)
    from_bank: str | None = Field(default=None, max_length=10)
    from_account: str | None = Field(default=None, max_length=40)
    to_bank: str = Field(pattern=r"^\s*\d{1,3}\s*$", max_length=10)
    to_account: str = Field(min_length=1, max_length=40)
    amount: float | None = Field(default=None, ge=0, le=1e12, strict=True)


class ReportIn(BaseModel):
    """A victim report in the AXF shape. `report_id` from a member is kept as its reference."""

    model_config = ConfigDict(extra="allow")

    report_id: str | None = Field(default=None, max_length=64)
    reported_at: str | None = Field(default=None, max_length=40, description="ISO 8601; default now")
    scam_type: ScamType = "other"
    loss_thb: float | None = Field(default=None, ge=0, le=1e12, strict=True)
    victim: Victim = Field(default_factory=Victim)
    contacts: list[Contact] = Field(default_factory=list, max_length=100)
    transfers: list[Transfer] = Field(default_factory=list, max_length=100)
    narrative: str | None = Field(default=None, max_length=20000)


class IdentifierOut(BaseModel):
    kind: str
    value: str
    role: str


class TransferOut(BaseModel):
    seq: int
    ts: str | None
    txn_id: str | None
    src: str | None
    dst: str | None
    amount: float | None


class HoldBrief(BaseModel):
    id: int
    account: str
    bank_code: str
    hop: int
    state: str


class ReportOut(BaseModel):
    id: str
    status: str
    source: str
    reported_at: str
    scam_type: str
    loss_thb: float | None
    victim_province: str | None
    narrative: str | None
    case_id: int | None
    identifiers: list[IdentifierOut]
    transfers: list[TransferOut]
    holds: list[HoldBrief]


class ReportCreated(BaseModel):
    id: str
    merged: bool = Field(description="True when this was a duplicate (same victim, same transfers) of `id`")
    status_token: str | None = Field(description="For the victim to follow the report; shown once")
    holds: list[HoldBrief]
