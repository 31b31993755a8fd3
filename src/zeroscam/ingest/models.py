"""Load runs: which analytics-store generation is current (the commit point of a load)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from zeroscam.kit.db import Base
from zeroscam.kit.timeutil import utcnow


class LoadRun(Base):
    """One completed `zeroscam load`. The newest row names the current Parquet generation:
    a load that dies before its commit leaves no row, so its half-written generation is
    never read (and is removed by the next load)."""

    __tablename__ = "load_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(500))
    as_of: Mapped[datetime | None]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    counts: Mapped[dict[str, Any]]
