"""GET /v1/me — who the key belongs to (integrators test their key with it)."""

from __future__ import annotations

from fastapi import APIRouter

from zeroscam.members.auth import PrincipalDep
from zeroscam.members.schemas import OrgOut

router = APIRouter(tags=["members"])


@router.get("/v1/me", response_model=OrgOut, responses={401: {"description": "No valid API key"}})
def me(principal: PrincipalDep) -> OrgOut:
    return OrgOut(id=principal.org_id, name=principal.org_name, type=principal.org_type,
                  bank_codes=list(principal.bank_codes), operator=principal.operator)
