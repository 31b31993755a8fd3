"""Victim reports, the identifiers they name and the transfers they describe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zeroscam.kit.db import Base
from zeroscam.kit.timeutil import utcnow


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # load | api | public
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)  # submitting member
    reported_at: Mapped[datetime] = mapped_column(index=True)
    scam_type: Mapped[str] = mapped_column(String(30))
    loss_thb: Mapped[float | None] = mapped_column(Float)
    # The victim is kept as a keyed token (HMAC, alliance key) for duplicate detection
    # and counting distinct victims; the raw identifiers stay only inside `raw`.
    victim_token: Mapped[str | None] = mapped_column(String(80), index=True)
    victim_province: Mapped[str | None] = mapped_column(String(100))
    narrative: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any]]
    dedup_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="received")
    status_token_hash: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    identifiers: Mapped[list[ReportIdentifier]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ReportIdentifier.id")
    transfers: Mapped[list[ReportTransfer]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ReportTransfer.seq")


class ReportIdentifier(Base):
    """An identifier a report names, canonical. role: contact | transfer | narrative."""

    __tablename__ = "report_identifiers"
    __table_args__ = (Index("ix_report_identifiers_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))


class ReportTransfer(Base):
    __tablename__ = "report_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    ts: Mapped[datetime | None]
    txn_id: Mapped[str | None] = mapped_column(String(100))
    src: Mapped[str | None] = mapped_column(String(40))
    dst: Mapped[str | None] = mapped_column(String(40), index=True)
    amount: Mapped[float | None] = mapped_column(Float)
