"""Sharing: the versioned STIX object store behind TAXII, submission status, blind-lookup usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zeroscam.kit.db import Base
from zeroscam.kit.timeutil import utcnow


class SharedObject(Base):
    """One version of one STIX object, with what TLP enforcement needs in columns.

    `subject` names what the object is about ("indicator:12", "org:3", "ring:R7",
    "def:tlp:amber") so publishing can find the latest version and add a new one
    only when the content changed.
    """

    __tablename__ = "sharing_objects"
    __table_args__ = (UniqueConstraint("stix_id", "modified"),
                      Index("ix_sharing_objects_feed", "latest", "date_added", "id"),
                      Index("ix_sharing_objects_subject", "subject", "latest"))

    id: Mapped[int] = mapped_column(primary_key=True)
    stix_id: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(40))
    spec_version: Mapped[str] = mapped_column(String(8), default="2.1")
    modified: Mapped[datetime]
    date_added: Mapped[datetime]
    latest: Mapped[bool] = mapped_column(default=True)
    tlp: Mapped[str] = mapped_column(String(12))
    audience: Mapped[str] = mapped_column(String(10))
    producer_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    recipients: Mapped[str] = mapped_column(String(400), default="")
    expires_at: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]]


class SubmissionStatus(Base):
    """A TAXII status resource for one POSTed envelope."""

    __tablename__ = "sharing_status"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    request_timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    total_count: Mapped[int] = mapped_column(Integer, default=0)
    success_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    successes: Mapped[list[Any]]
    failures: Mapped[list[Any]]


class BlindUsage(Base):
    """How many blind evaluations an org used in one window (rate limit across workers)."""

    __tablename__ = "blind_usage"
    __table_args__ = (UniqueConstraint("org_id", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer, default=0)
