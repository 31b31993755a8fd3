"""Risk: the signals that feed it, the precomputed entries the check API reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zeroscam.kit.db import Base
from zeroscam.kit.timeutil import utcnow


class RiskSignal(Base):
    """One piece of evidence about one identifier (kind + canonical value).

    `ref` makes a signal replaceable: the same (kind, value, source, ref) is updated,
    not duplicated (a report id for report signals, "org:N" for a member's word,
    the model name for detector scores).
    """

    __tablename__ = "risk_signals"
    __table_args__ = (UniqueConstraint("kind", "value", "source", "ref"),
                      Index("ix_risk_signals_kind_value", "kind", "value"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(30))
    ref: Mapped[str] = mapped_column(String(100), default="")
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="SET NULL"))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(60))
    victim_token: Mapped[str | None] = mapped_column(String(80))
    observed_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskEntry(Base):
    """The precomputed answer for one identifier; the check API serves these from memory."""

    __tablename__ = "risk_entries"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(300), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    risk: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[Any]]
    reports: Mapped[int] = mapped_column(Integer, default=0)
    victims: Mapped[int] = mapped_column(Integer, default=0)
    last_reported_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskVersion(Base):
    """One row; bumped by every refresh so that workers know to reload."""

    __tablename__ = "risk_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class HolderLink(Base):
    """Which holder (keyed token of the holder id) holds an account or a number.

    Filled by `zeroscam load` from accounts and sims; lets a flagged holder lift all
    their accounts and numbers (the Central Fraud Registry acts on the person) and
    a PromptPay national ID resolve to its holder's accounts.
    """

    __tablename__ = "holder_links"
    __table_args__ = (Index("ix_holder_links_holder", "holder_token"),)

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # bank_account | phone
    value: Mapped[str] = mapped_column(String(300), primary_key=True)
    holder_token: Mapped[str] = mapped_column(String(80))
