"""Holds (/v1/holds) and cases (/v1/cases)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Query
from sqlalchemy.orm import Session

from zeroscam.cases import service
from zeroscam.cases.models import Case, Hold
from zeroscam.cases.schemas import CaseIn, CaseOut, CaseReportsIn, ConfirmIn, ExtendIn, HoldOut, ReleaseIn
from zeroscam.kit.db import get_session
from zeroscam.kit.pagination import PageParams, page_params
from zeroscam.kit.timeutil import to_iso_bangkok
from zeroscam.members.auth import PrincipalDep

router = APIRouter(tags=["holds and cases"])
SessionDep = Annotated[Session, Depends(get_session)]
ERRORS = {401: {"description": "No valid API key"}, 403: {"description": "Not the caller's step"},
          404: {"description": "Not found"}, 409: {"description": "Not possible in the hold's state"},
          422: {"description": "Invalid request"}}
HoldId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
HoldState = Literal["requested", "held", "complaint", "extended", "released", "expired"]


def _ts(value):
    return to_iso_bangkok(value) if value else None


def hold_out(h: Hold) -> dict:
    return {"id": h.id, "report_id": h.report_id, "case_id": h.case_id, "account": h.account,
            "bank_code": h.bank_code, "bank_org_id": h.bank_org_id, "requested_by_org_id": h.requested_by_org_id,
            "hop": h.hop, "traced_thb": h.traced_thb, "state": service.effective_state(h),
            "requested_at": to_iso_bangkok(h.requested_at), "confirmed_at": _ts(h.confirmed_at),
            "amount_held_thb": h.amount_held_thb, "complaint_at": _ts(h.complaint_at), "expires_at": _ts(h.expires_at),
            "released_at": _ts(h.released_at), "extended_count": h.extended_count,
            "events": [{"ts": to_iso_bangkok(e.ts), "action": e.action, "actor_org_id": e.actor_org_id}
                       for e in h.events]}


@router.get("/v1/holds", response_model=list[HoldOut], responses=ERRORS,
            summary="Holds the caller may see: a bank its accounts', police and regulators all, others their own")
def list_holds(principal: PrincipalDep, session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
               state: Annotated[HoldState | None, Query()] = None,
               report_id: Annotated[str | None, Query(max_length=64)] = None) -> list[dict]:
    holds = service.list_holds(session, principal, state=state, report_id=report_id, limit=page.limit,
                               offset=page.offset)
    out = [hold_out(h) for h in holds]
    session.commit()
    return out


@router.get("/v1/holds/{hold_id}", response_model=HoldOut, responses=ERRORS)
def get_hold(hold_id: HoldId, principal: PrincipalDep, session: SessionDep) -> dict:
    out = hold_out(service.get_hold(session, principal, hold_id))
    session.commit()
    return out


@router.post("/v1/holds/{hold_id}/confirm", response_model=HoldOut, responses=ERRORS,
             summary="The bank confirms the hold and the amount held (72 hours from now)")
def confirm(hold_id: HoldId, body: ConfirmIn, principal: PrincipalDep, session: SessionDep) -> dict:
    out = hold_out(service.confirm(session, principal, hold_id, body.amount_held_thb))
    session.commit()
    return out


@router.post("/v1/holds/{hold_id}/complaint", response_model=HoldOut, responses=ERRORS,
             summary="The victim's police complaint is filed (police or the requester): 7 days from now")
def complaint(hold_id: HoldId, principal: PrincipalDep, session: SessionDep) -> dict:
    out = hold_out(service.complaint(session, principal, hold_id))
    session.commit()
    return out


@router.post("/v1/holds/{hold_id}/extend", response_model=HoldOut, responses=ERRORS,
             summary="The police extend a hold that runs on a complaint")
def extend(hold_id: HoldId, principal: PrincipalDep, session: SessionDep,
           body: Annotated[ExtendIn | None, Body()] = None) -> dict:
    out = hold_out(service.extend(session, principal, hold_id, (body or ExtendIn()).days))
    session.commit()
    return out


@router.post("/v1/holds/{hold_id}/release", response_model=HoldOut, responses=ERRORS,
             summary="Release a hold (the bank, the police or the requester)")
def release(hold_id: HoldId, principal: PrincipalDep, session: SessionDep,
            body: Annotated[ReleaseIn | None, Body()] = None) -> dict:
    out = hold_out(service.release(session, principal, hold_id, (body or ReleaseIn()).reason))
    session.commit()
    return out


def case_out(session: Session, c: Case) -> dict:
    return {"id": c.id, "title": c.title, "org_id": c.org_id, "status": c.status,
            "created_at": to_iso_bangkok(c.created_at), "report_ids": service.case_report_ids(session, c.id)}


@router.post("/v1/cases", status_code=201, response_model=CaseOut, responses=ERRORS)
def create_case(body: CaseIn, principal: PrincipalDep, session: SessionDep) -> dict:
    c = service.create_case(session, principal, body.title, body.report_ids)
    out = case_out(session, c)
    session.commit()
    return out


@router.get("/v1/cases", response_model=list[CaseOut], responses=ERRORS)
def list_cases(principal: PrincipalDep, session: SessionDep,
               page: Annotated[PageParams, Depends(page_params)]) -> list[dict]:
    return [case_out(session, c) for c in service.list_cases(session, principal, limit=page.limit, offset=page.offset)]


@router.get("/v1/cases/{case_id}", response_model=CaseOut, responses=ERRORS)
def get_case(case_id: CaseId, principal: PrincipalDep, session: SessionDep) -> dict:
    return case_out(session, service.get_case(session, principal, case_id))


@router.post("/v1/cases/{case_id}/reports", response_model=CaseOut, responses=ERRORS,
             summary="Add reports to a case")
def add_reports(case_id: CaseId, body: CaseReportsIn, principal: PrincipalDep, session: SessionDep) -> dict:
    c = service.add_reports(session, principal, case_id, body.report_ids)
    out = case_out(session, c)
    session.commit()
    return out
