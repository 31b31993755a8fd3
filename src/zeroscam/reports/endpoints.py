"""POST /v1/reports, GET /v1/reports, GET /v1/reports/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from sqlalchemy.orm import Session

from zeroscam.kit.db import get_session
from zeroscam.kit.pagination import PageParams, page_params
from zeroscam.members.auth import OptionalPrincipalDep, PrincipalDep
from zeroscam.reports import service
from zeroscam.reports.schemas import ReportCreated, ReportIn, ReportOut

router = APIRouter(tags=["reports"])
SessionDep = Annotated[Session, Depends(get_session)]
ERRORS = {401: {"description": "No valid API key"}, 404: {"description": "Not found"},
          422: {"description": "Invalid report"}}


@router.post("/v1/reports", status_code=201, response_model=ReportCreated, responses=ERRORS,
             summary="File a victim report (AXF shape); holds are requested at once")
def create_report(body: ReportIn, request: Request, principal: PrincipalDep, session: SessionDep) -> dict:
    out = service.submit_report(session, body, key=request.app.state.alliance_key, source="api",
                                principal=principal, settings=request.app.state.settings)
    session.commit()
    return {"id": out.report.id, "merged": out.merged, "status_token": out.status_token,
            "holds": [service.hold_brief(h) for h in out.holds]}


@router.get("/v1/reports", response_model=list[ReportOut], responses=ERRORS,
            summary="Reports the caller may see, newest first")
def list_reports(principal: PrincipalDep, session: SessionDep,
                 page: Annotated[PageParams, Depends(page_params)]) -> list[dict]:
    reports = service.list_reports(session, principal, limit=page.limit, offset=page.offset)
    views = [service.view(session, r) for r in reports]
    session.commit()
    return views


@router.get("/v1/reports/{report_id}", response_model=ReportOut, responses=ERRORS,
            summary="One report: for the filing member, police, regulators, the banks asked to hold, "
                    "or the victim with the status token (header X-Status-Token)")
def get_report(report_id: Annotated[str, Path(max_length=64)], principal: OptionalPrincipalDep, session: SessionDep,
               x_status_token: Annotated[str | None, Header(max_length=200)] = None) -> dict:
    report, victim = service.get_report(session, report_id, principal=principal, status_token=x_status_token)
    out = service.view(session, report, victim=victim)
    session.commit()
    return out
