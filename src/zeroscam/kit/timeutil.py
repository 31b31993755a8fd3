"""Time: parsing AXF timestamps, the as-of cut, and output formatting.

Inside the platform every timestamp is a naive `datetime` in UTC (DuckDB
`TIMESTAMP`); outputs are written in Bangkok time with an explicit offset.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")


def parse_ts(value: str | datetime | date) -> datetime:
    """Parse an ISO 8601 date or timestamp; no offset means Bangkok. Returns naive UTC."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if not text:
            raise ValueError("empty timestamp")
        if text.endswith("Z") or text.endswith("z"):
            text = text[:-1] + "+00:00"
        dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=BANGKOK)
    return dt.astimezone(timezone.utc).replace(tzinfo=None)


def to_iso_bangkok(dt: datetime | None) -> str:
    """Naive-UTC (or aware) datetime → `2025-03-01T21:40:00+07:00`."""
    if dt is None:
        return ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(BANGKOK).isoformat(timespec="seconds")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
