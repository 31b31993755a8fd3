"""Cases (groups of reports) and holds (the Royal Decree's hold workflow)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zeroscam.kit.db import Base
from zeroscam.kit.timeutil import utcnow


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)  # the org that opened it
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Hold(Base):
    """A request that a bank hold the money in one account, for one report.

    States: requested → held (bank confirmed, 72 h clock) → complaint (victim's police
    complaint filed, 7 days) → extended (police) ... → released; `expired` is computed
    from `expires_at` and stored by the next write that sees it.
    """

    __tablename__ = "holds"
    __table_args__ = (UniqueConstraint("report_id", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    account: Mapped[str] = mapped_column(String(40), index=True)
    bank_code: Mapped[str] = mapped_column(String(3), index=True)
    bank_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    requested_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    hop: Mapped[int] = mapped_column(Integer, default=1)
    traced_thb: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(20), default="requested", index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    amount_held_thb: Mapped[float | None] = mapped_column(Float)
    complaint_at: Mapped[datetime | None]
    extended_count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]

    events: Mapped[list[HoldEvent]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="HoldEvent.id")


class HoldEvent(Base):
    """Each step of a hold, timed (for response-time figures) and attributable."""

    __tablename__ = "hold_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    hold_id: Mapped[int] = mapped_column(ForeignKey("holds.id", ondelete="CASCADE"), index=True)
    ts: Mapped[datetime] = mapped_column(default=utcnow)
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
