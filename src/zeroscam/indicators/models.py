"""Indicators: what the alliance knows to be bad (mule accounts, scam numbers, URLs, domains).

One row per (kind, token, producer): the platform's own view ("platform") and each
member's attributed view ("org:N") of the same identifier are separate rows, so that
a member's TLP and attribution survive the merge. Detectors may read confirmed rows
as labels (docs/sharing.md, "Labels for detectors").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zeroscam.kit.db import Base
from zeroscam.kit.timeutil import utcnow


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("kind", "token", "producer"),
                      Index("ix_indicators_value", "kind", "value"),
                      Index("ix_indicators_valid_until", "valid_until"))

    id: Mapped[int] = mapped_column(primary_key=True)
    stix_id: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))            # bank_account | phone | url | domain
    value: Mapped[str | None] = mapped_column(String(300))   # canonical; None when only a token came in
    token: Mapped[str] = mapped_column(String(80))           # keyed token (HMAC, alliance key)
    bank_code: Mapped[str | None] = mapped_column(String(3))
    label: Mapped[str] = mapped_column(String(40))           # mule_account | scam_number | suspended_sim | scam_url | scam_domain
    producer: Mapped[str] = mapped_column(String(20))        # "platform" or "org:N"
    producer_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    tlp: Mapped[str] = mapped_column(String(12))
    recipients: Mapped[str] = mapped_column(String(400), default="")  # ",3,7," (TLP:RED)
    confidence: Mapped[int] = mapped_column(Integer)         # 0..100 at last_seen, before decay
    reasons: Mapped[list[Any]]
    ring_id: Mapped[str | None] = mapped_column(String(80))
    confirmed: Mapped[bool] = mapped_column(default=False)   # a member's own confirmation (label for detectors)
    sightings: Mapped[int] = mapped_column(Integer, default=0)
    false_positives: Mapped[int] = mapped_column(Integer, default=0)
    revoked: Mapped[bool] = mapped_column(default=False)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndicatorSighting(Base):
    """A member's word on an indicator: seen and confirmed, or a false positive."""

    __tablename__ = "indicator_sightings"
    __table_args__ = (UniqueConstraint("indicator_id", "org_id", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stix_id: Mapped[str] = mapped_column(String(80), unique=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(20))         # confirmed | false_positive
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
