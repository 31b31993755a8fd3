"""Hold and case queries, scoped to the caller (DESIGN.md principle 4).

Holds: police and regulators see all; a bank sees the holds on its own accounts;
any member sees the holds it requested. Cases: police and regulators see all;
others the cases they opened. Anything else looks like it does not exist (404).
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from zeroscam.cases.models import Case, Hold
from zeroscam.kit.repository import OrgScopedRepository


class HoldRepository(OrgScopedRepository):
    def scope(self, stmt: Select) -> Select:
        p = self.principal
        if p.oversight:
            return stmt
        return stmt.where(or_(Hold.bank_org_id == p.org_id, Hold.requested_by_org_id == p.org_id))

    def get(self, hold_id: int, *, for_update: bool = False) -> Hold | None:
        stmt = self.scoped(select(Hold).where(Hold.id == hold_id))
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalar(stmt)

    def list(self, *, states: tuple[str, ...] | None = None, report_id: str | None = None,
             limit: int = 100, offset: int = 0) -> list[Hold]:
        stmt = self.scoped(select(Hold))
        if states:
            stmt = stmt.where(Hold.state.in_(states))
        if report_id:
            stmt = stmt.where(Hold.report_id == report_id)
        return list(self.session.scalars(stmt.order_by(Hold.requested_at.desc(), Hold.id.desc())
                                          .limit(limit).offset(offset)))


class CaseRepository(OrgScopedRepository):
    def scope(self, stmt: Select) -> Select:
        if self.principal.oversight:
            return stmt
        return stmt.where(Case.org_id == self.principal.org_id)

    def get(self, case_id: int) -> Case | None:
        return self.session.scalar(self.scoped(select(Case).where(Case.id == case_id)))

    def list(self, *, limit: int = 100, offset: int = 0) -> list[Case]:
        return list(self.session.scalars(self.scoped(select(Case)).order_by(Case.id.desc()).limit(limit).offset(offset)))
