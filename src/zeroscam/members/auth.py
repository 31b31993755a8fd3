"""API-key authentication for the service.

`require_org` (FastAPI dependency) → the caller's `Org` on the request's session.
`require_principal` → a `Principal` from a short-lived in-process cache keyed by the
key's hash, so hot endpoints (/v1/check) do no database work for authentication.
A revoked key may keep working for up to `KEY_CACHE_TTL` seconds in a worker.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from zeroscam.kit.db import get_session
from zeroscam.kit.errors import Unauthorized
from zeroscam.kit.repository import Principal
from zeroscam.members import service
from zeroscam.members.models import Org

KEY_CACHE_TTL = 30.0
_KEY_CACHE_MAX = 10_000

bearer = HTTPBearer(auto_error=False, description="An organisation's API key (`zeroscam org add` prints it).")


class _KeyCache:
    def __init__(self):
        self._data: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, key_hash: str) -> Principal | None:
        hit = self._data.get(key_hash)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key_hash: str, principal: Principal) -> None:
        with self._lock:
            if len(self._data) >= _KEY_CACHE_MAX:
                self._data.clear()
            self._data[key_hash] = (time.monotonic() + KEY_CACHE_TTL, principal)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


key_cache = _KeyCache()


def _unauthorized() -> Unauthorized:
    return Unauthorized("a valid API key is required: Authorization: Bearer <key>")


def require_org(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
                session: Annotated[Session, Depends(get_session)]) -> Org:
    """FastAPI dependency: `Authorization: Bearer <key>` → the Org (401 problem JSON otherwise)."""
    if credentials is None:
        raise _unauthorized()
    org = service.authenticate_key(session, credentials.credentials)
    if org is None:
        raise _unauthorized()
    return org


def principal_from_key(request: Request, key: str) -> Principal:
    """Authenticate a key through the cache; the database only on a miss."""
    key_hash = service.hash_key(key)
    principal = key_cache.get(key_hash)
    if principal is not None:
        return principal
    session = request.app.state.sessionmaker()
    try:
        org = service.authenticate_key(session, key)
        if org is None:
            raise _unauthorized()
        principal = service.principal_for(org)
    finally:
        session.close()
    key_cache.put(key_hash, principal)
    return principal


async def require_principal(request: Request,
                      credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """FastAPI dependency: the calling org as a `Principal` (cached key lookup)."""
    if credentials is None:
        raise _unauthorized()
    return principal_from_key(request, credentials.credentials)


OrgDep = Annotated[Org, Depends(require_org)]
PrincipalDep = Annotated[Principal, Depends(require_principal)]


async def optional_principal(request: Request,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                       ) -> Principal | None:
    """Like `require_principal`, but no key at all gives None (a wrong key is still 401)."""
    if credentials is None:
        return None
    return principal_from_key(request, credentials.credentials)


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
