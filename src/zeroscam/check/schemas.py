"""The check API's shapes (contracts/CLI.md, POST /v1/check)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ITEMS = 1000


class CheckItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str = Field(max_length=40, description="bank_account, phone, url or promptpay "
                      "(also national_id, line_id, facebook, email, crypto_wallet)")
    value: str = Field(max_length=2000)


class CheckRequest(BaseModel):
    items: list[CheckItem] = Field(min_length=1, max_length=MAX_ITEMS)


class CheckResult(BaseModel):
    type: str
    value: str
    risk: Literal["high", "medium", "low", "unknown", "invalid"]
    score: float
    reasons: list[str]
    reports: int
    last_reported_at: str | None
    error: str | None = None


class CheckResponse(BaseModel):
    results: list[CheckResult]


class FeedbackItem(BaseModel):
    type: Literal["bank_account", "phone", "url", "promptpay", "line_id", "facebook", "email", "crypto_wallet"]
    value: str = Field(min_length=1, max_length=2000)
    verdict: Literal["confirm", "clear"] = Field(description="confirm: it is a scam/mule; clear: it is not")


class FeedbackRequest(BaseModel):
    items: list[FeedbackItem] = Field(min_length=1, max_length=MAX_ITEMS)


class FeedbackResult(BaseModel):
    type: str
    value: str
    verdict: str
    risk: str
    error: str | None = None


class FeedbackResponse(BaseModel):
    results: list[FeedbackResult]
