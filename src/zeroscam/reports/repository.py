"""Report queries, scoped to the caller (DESIGN.md principle 4).

Police and regulators see every report; any other member sees the reports it filed
and those whose holds were addressed to it (a bank must know why it is asked to hold).
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from zeroscam.cases.models import Hold
from zeroscam.kit.repository import OrgScopedRepository
from zeroscam.reports.models import Report


class ReportRepository(OrgScopedRepository):
    def scope(self, stmt: Select) -> Select:
        p = self.principal
        if p.oversight:
            return stmt
        held_for_me = select(Hold.report_id).where(Hold.bank_org_id == p.org_id)
        return stmt.where(or_(Report.org_id == p.org_id, Report.id.in_(held_for_me)))

    def get(self, report_id: str) -> Report | None:
        return self.session.scalar(self.scoped(select(Report).where(Report.id == report_id)))

    def list(self, *, limit: int = 100, offset: int = 0) -> list[Report]:
        stmt = self.scoped(select(Report)).order_by(Report.reported_at.desc(), Report.id).limit(limit).offset(offset)
        return list(self.session.scalars(stmt))
