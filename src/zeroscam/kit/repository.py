"""Repository base: queries on member-owned data are scoped to the caller's org.

DESIGN.md principle 4. A repository is built for one caller (`Principal`) and every
query it makes on member-owned rows goes through `scoped()`, which adds the
organisation filter. Reading another member's row therefore looks exactly like
reading a row that does not exist (404), never like a permission error that
would confirm the row exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select
from sqlalchemy.orm import Session

# Member types that see across organisations for their statutory work.
OVERSIGHT_TYPES = frozenset({"police", "regulator"})


@dataclass(frozen=True)
class Principal:
    """Who is asking: an organisation (and, from the web console, one of its staff)."""

    org_id: int
    org_name: str
    org_type: str
    bank_codes: tuple[str, ...] = ()
    operator: str | None = None
    username: str | None = None
    role: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def oversight(self) -> bool:
        return self.org_type in OVERSIGHT_TYPES

    @property
    def actor(self) -> str:
        """How the audit log names this caller (no personal data: org id and staff username)."""
        return f"org:{self.org_id}" + (f"/user:{self.username}" if self.username else "")


class OrgScopedRepository:
    """Base for repositories of member-owned rows. Subclasses implement `scope(stmt)`."""

    def __init__(self, session: Session, principal: Principal):
        self.session = session
        self.principal = principal

    def scope(self, stmt: Select) -> Select:  # pragma: no cover - abstract
        raise NotImplementedError

    def scoped(self, stmt: Select) -> Select:
        return self.scope(stmt)
