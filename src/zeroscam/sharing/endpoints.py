"""TAXII 2.1 under /taxii2/ and blind lookups under /v1/blind/.

TAXII: discovery, API root, collections, objects (GET with filters and paging,
POST of envelopes with a status resource), single object, versions, manifest,
status. Bearer API keys or HTTP Basic (org id or name, API key). Errors are TAXII
error messages with the TAXII media type. TLP is enforced on every read
(`repository.visible`).
"""

from __future__ import annotations

import base64
import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeroscam.kit.db import get_session
from zeroscam.kit.errors import (
    Conflict,
    DataError,
    Forbidden,
    NotAcceptable,
    NotFound,
    TooLarge,
    Unauthorized,
    UnsupportedMediaType,
    ZeroscamError,
)
from zeroscam.kit.timeutil import utcnow
from zeroscam.members import service as members
from zeroscam.members.auth import OrgDep
from zeroscam.members.models import Org
from zeroscam.sharing import blind, repository, service, stix
from zeroscam.sharing.models import SubmissionStatus

TAXII_MEDIA = "application/taxii+json;version=2.1"
API_ROOT = "api1"
MAX_CONTENT_LENGTH = 10 * 1024 * 1024


class TaxiiJSON(Response):
    """What the OpenAPI document says TAXII endpoints answer."""

    media_type = TAXII_MEDIA


def taxii_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=TAXII_MEDIA, headers=headers)


def taxii_error(status: int, title: str, description: str) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="zeroscam TAXII", Bearer'} if status == 401 else None
    return taxii_response({"title": title, "description": description, "http_status": str(status)},
                          status, headers)


class TaxiiRoute(APIRoute):
    """Errors on TAXII routes (authentication included) answer as TAXII error messages."""

    def get_route_handler(self):
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except ZeroscamError as exc:
                status = 400 if exc.status == 422 else exc.status  # TAXII says 400 for bad requests
                return taxii_error(status, "Bad request" if status == 400 else exc.title, exc.message)
            except RequestValidationError:
                return taxii_error(400, "Bad request", "the request parameters are not valid")

        return handler


_TAXII_BODY = {"content": {TAXII_MEDIA: {"schema": {"type": "object"}}}}
taxii = APIRouter(prefix="/taxii2", tags=["taxii"], route_class=TaxiiRoute, default_response_class=TaxiiJSON,
                  responses={200: {"description": "TAXII resource", **_TAXII_BODY}})
router = APIRouter()


# ---- authentication, content negotiation ---------------------------------------

def taxii_org(request: Request, session: Annotated[Session, Depends(get_session)]) -> Org:
    """Bearer <API key>, or Basic <org id or name>:<API key>."""
    header = request.headers.get("authorization", "")
    scheme, _, cred = header.partition(" ")
    org = None
    if scheme.lower() == "bearer" and cred.strip():
        org = members.authenticate_key(session, cred.strip())
    elif scheme.lower() == "basic" and cred.strip():
        try:
            user, _, password = base64.b64decode(cred.strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            user, password = "", ""
        if user and password:
            org = members.authenticate_basic(session, user, password)
    if org is None:
        raise Unauthorized("authenticate with Bearer <API key> or Basic <org id or name>:<API key>")
    return org


TaxiiOrg = Annotated[Org, Depends(taxii_org)]

# Query parameters, declared for the OpenAPI document; `repository.Filters` parses them.
AddedAfter = Annotated[str | None, Query(alias="added_after", description="Only versions added after this time.")]
Limit = Annotated[str | None, Query(alias="limit", description="Page size (at most 1000).")]
Next = Annotated[str | None, Query(alias="next", description="The `next` of the previous page.")]
MatchType = Annotated[str | None, Query(alias="match[type]", description="STIX types, comma-separated.")]
MatchId = Annotated[str | None, Query(alias="match[id]", description="STIX ids, comma-separated.")]
MatchVersion = Annotated[str | None, Query(alias="match[version]", description="last (default), first, all, "
                                           "or timestamps, comma-separated.")]
MatchSpec = Annotated[str | None, Query(alias="match[spec_version]", description="2.1")]
SessionDep = Annotated[Session, Depends(get_session)]


def _acceptable(request: Request) -> None:
    """406 unless the client takes TAXII 2.1 JSON (a missing Accept or */* is taken as yes)."""
    accept = request.headers.get("accept")
    if not accept:
        return
    for item in accept.split(","):
        parts = [p.strip().lower() for p in item.split(";")]
        media, params = parts[0], [p.replace(" ", "") for p in parts[1:]]
        versions = [p.split("=", 1)[1] for p in params if p.startswith("version=")]
        if media in ("*/*", "application/*"):
            return
        if media == "application/taxii+json" and (not versions or "2.1" in versions):
            return
    raise NotAcceptable("this server answers application/taxii+json;version=2.1")


def _collection(key: str, org: Org, *, write: bool = False) -> repository.CollectionDef:
    coll = repository.collection(key)
    if coll is None:
        raise NotFound("no such collection")
    res = repository.collection_resource(coll, repository.reader_for(org))
    if write and not res["can_write"]:
        raise Forbidden("this collection does not take your objects")
    if not write and not res["can_read"]:
        raise Forbidden("your organisation may not read this collection")
    return coll


def _api_root(name: str) -> None:
    if name != API_ROOT:
        raise NotFound("no such API root")


def _date_headers(page: repository.Page) -> dict:
    if not page.rows:
        return {}
    return {"X-TAXII-Date-Added-First": stix.ts(page.first_added), "X-TAXII-Date-Added-Last": stix.ts(page.last_added)}


def _audit_read(session: Session, org: Org, coll: repository.CollectionDef, page: repository.Page) -> None:
    """PDPA: log who saw what (ids only, no content), one entry per page that carried objects."""
    if not page.rows:
        return
    from zeroscam.audit import service as audit

    audit.record(session, f"org:{org.id}", "sharing.read", f"taxii:{coll.alias}",
                 {"objects": len(page.rows), "first": page.rows[0].stix_id, "last": page.rows[-1].stix_id})
    session.commit()


def _envelope(page: repository.Page) -> dict:
    body: dict = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if page.rows:
        body["objects"] = [r.payload for r in page.rows]
    return body


# ---- discovery, API root, collections --------------------------------------------

@taxii.get("/", summary="TAXII discovery")
def discovery(request: Request, org: TaxiiOrg) -> Response:
    _acceptable(request)
    base = str(request.base_url).rstrip("/")
    return taxii_response({"title": "zeroscam alliance TAXII server",
                           "description": "Scam intelligence of the anti-scam alliance (STIX 2.1).",
                           "contact": "the platform operator",
                           "default": f"{base}/taxii2/{API_ROOT}/",
                           "api_roots": [f"{base}/taxii2/{API_ROOT}/"]})


@taxii.get("/{api_root}/", summary="TAXII API root")
def api_root(api_root: str, request: Request, org: TaxiiOrg) -> Response:
    _acceptable(request)
    _api_root(api_root)
    return taxii_response({"title": "zeroscam sharing", "description": "Collections per audience; TLP 2.0.",
                           "versions": [TAXII_MEDIA], "max_content_length": MAX_CONTENT_LENGTH})


@taxii.get("/{api_root}/collections/", summary="TAXII collections")
def collections(api_root: str, request: Request, org: TaxiiOrg) -> Response:
    _acceptable(request)
    _api_root(api_root)
    reader = repository.reader_for(org)
    listed = [repository.collection_resource(c, reader) for c in repository.COLLECTIONS]
    # Only the collections this org may use (TAXII 2.1, 5.1).
    return taxii_response({"collections": [c for c in listed if c["can_read"] or c["can_write"]]})


@taxii.get("/{api_root}/collections/{collection_id}/", summary="TAXII collection")
def get_collection(api_root: str, collection_id: str, request: Request, org: TaxiiOrg) -> Response:
    _acceptable(request)
    _api_root(api_root)
    coll = repository.collection(collection_id)
    if coll is None:
        raise NotFound("no such collection")
    return taxii_response(repository.collection_resource(coll, repository.reader_for(org)))


# ---- objects ---------------------------------------------------------------------

_ALL_FILTERS = ("added_after", "limit", "next", "match[type]", "match[id]", "match[version]",
                "match[spec_version]")


def _read_page(api_root: str, collection_id: str, request: Request, org, session, allow: tuple[str, ...],
               **query):
    """The checks every TAXII read shares (Accept, API root, collection access), then one page of
    what this org may read under TLP. Returns (collection, filters, page)."""
    _acceptable(request)
    _api_root(api_root)
    coll = _collection(collection_id, org)
    f = repository.Filters.from_query(request.query_params, allow=allow)
    page = repository.query(session, repository.reader_for(org), coll, f, service.sharing_now(session), **query)
    return coll, f, page


@taxii.get("/{api_root}/collections/{collection_id}/objects/", summary="TAXII get objects")
def get_objects(api_root: str, collection_id: str, request: Request, org: TaxiiOrg, session: SessionDep,
                added_after: AddedAfter = None, limit: Limit = None, next: Next = None, match_type: MatchType = None,
                match_id: MatchId = None, match_version: MatchVersion = None,
                match_spec_version: MatchSpec = None) -> Response:
    coll, _f, page = _read_page(api_root, collection_id, request, org, session, _ALL_FILTERS)
    _audit_read(session, org, coll, page)
    return taxii_response(_envelope(page), headers=_date_headers(page))


@taxii.get("/{api_root}/collections/{collection_id}/objects/{object_id}/", summary="TAXII get an object")
def get_object(api_root: str, collection_id: str, object_id: str, request: Request, org: TaxiiOrg,
               session: SessionDep, added_after: AddedAfter = None, limit: Limit = None, next: Next = None,
               match_version: MatchVersion = None, match_spec_version: MatchSpec = None) -> Response:
    coll, f, page = _read_page(api_root, collection_id, request, org, session,
                               ("added_after", "limit", "next", "match[version]", "match[spec_version]"),
                               object_id=object_id)
    if not page.rows and not f.next and not f.added_after and not f.versions:
        raise NotFound("no such object in this collection")
    _audit_read(session, org, coll, page)
    return taxii_response(_envelope(page), headers=_date_headers(page))


@taxii.get("/{api_root}/collections/{collection_id}/objects/{object_id}/versions/",
           summary="TAXII object versions")
def get_versions(api_root: str, collection_id: str, object_id: str, request: Request, org: TaxiiOrg,
                 session: SessionDep, added_after: AddedAfter = None, limit: Limit = None, next: Next = None,
                 match_spec_version: MatchSpec = None) -> Response:
    _coll, f, page = _read_page(api_root, collection_id, request, org, session,
                                ("added_after", "limit", "next", "match[spec_version]"),
                                object_id=object_id, all_versions_default=True)
    if not page.rows and not f.next and not f.added_after:
        raise NotFound("no such object in this collection")
    body: dict = {"more": page.more, "versions": [stix.ts(r.modified) for r in page.rows]}
    if page.next:
        body["next"] = page.next
    return taxii_response(body, headers=_date_headers(page))


@taxii.get("/{api_root}/collections/{collection_id}/manifest/", summary="TAXII manifest")
def get_manifest(api_root: str, collection_id: str, request: Request, org: TaxiiOrg, session: SessionDep,
                 added_after: AddedAfter = None, limit: Limit = None, next: Next = None, match_type: MatchType = None,
                 match_id: MatchId = None, match_version: MatchVersion = None,
                 match_spec_version: MatchSpec = None) -> Response:
    _coll, _f, page = _read_page(api_root, collection_id, request, org, session, _ALL_FILTERS)
    body: dict = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if page.rows:
        body["objects"] = [{"id": r.stix_id, "date_added": stix.ts(r.date_added), "version": stix.ts(r.modified),
                            "media_type": "application/stix+json;version=2.1"} for r in page.rows]
    return taxii_response(body, headers=_date_headers(page))


def _content_type_ok(request: Request) -> None:
    ctype = request.headers.get("content-type", "")
    parts = [p.strip().lower().replace(" ", "") for p in ctype.split(";")]
    versions = [p.split("=", 1)[1] for p in parts[1:] if p.startswith("version=")]
    if parts[0] != "application/taxii+json" or (versions and "2.1" not in versions):
        raise UnsupportedMediaType("send application/taxii+json;version=2.1")


def _status_body(st: SubmissionStatus) -> dict:
    body = {"id": st.id, "status": st.status, "request_timestamp": stix.ts(st.request_timestamp),
            "total_count": st.total_count, "success_count": st.success_count,
            "failure_count": st.failure_count, "pending_count": st.pending_count}
    if st.successes:
        body["successes"] = st.successes
    if st.failures:
        body["failures"] = st.failures
    return body


@taxii.post("/{api_root}/collections/{collection_id}/objects/", summary="TAXII add objects", status_code=202,
            responses={202: {"description": "TAXII status resource", **_TAXII_BODY}})
async def add_objects(api_root: str, collection_id: str, request: Request, org: TaxiiOrg,
                      session: SessionDep) -> Response:
    _acceptable(request)
    _api_root(api_root)
    _collection(collection_id, org, write=True)
    _content_type_ok(request)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_CONTENT_LENGTH:
        raise TooLarge(f"at most {MAX_CONTENT_LENGTH} bytes")
    raw = await request.body()
    if len(raw) > MAX_CONTENT_LENGTH:
        raise TooLarge(f"at most {MAX_CONTENT_LENGTH} bytes")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise DataError("the body is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("objects"), list):
        raise DataError("the body must be a TAXII envelope with an objects list")
    key = request.app.state.alliance_key
    for attempt in range(3):  # a concurrent post of the same identifier wins a unique key: take it again
        now = utcnow()
        try:
            outcome = service.ingest_envelope(session, org, body["objects"], alliance_key=key, now=now)
            break
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise Conflict("another submission of the same objects is under way; try again") from None
    st = SubmissionStatus(id=str(uuid.uuid4()), org_id=org.id, status="complete", request_timestamp=now,
                          total_count=len(body["objects"]), success_count=len(outcome.successes),
                          failure_count=len(outcome.failures), pending_count=0,
                          successes=outcome.successes, failures=outcome.failures)
    session.add(st)
    from zeroscam.audit import service as audit

    audit.record(session, f"org:{org.id}", "sharing.ingest", f"taxii-status:{st.id}",
                 {"total": st.total_count, "accepted": st.success_count, "refused": st.failure_count})
    session.commit()
    return taxii_response(_status_body(st), status=202)


@taxii.get("/{api_root}/status/{status_id}/", summary="TAXII status")
def get_status(api_root: str, status_id: str, request: Request, org: TaxiiOrg, session: SessionDep) -> Response:
    _acceptable(request)
    _api_root(api_root)
    st = session.get(SubmissionStatus, status_id)
    if st is None or st.org_id != org.id:
        raise NotFound("no such status resource")
    return taxii_response(_status_body(st))


router.include_router(taxii)


# ---- blind lookups -----------------------------------------------------------------

class EvaluateRequest(BaseModel):
    elements: list[str] = Field(min_length=1, max_length=blind.MAX_BATCH,
                                description="Blinded ristretto255 elements, 64 hex digits each.")


@router.post("/v1/blind/evaluate", tags=["blind"],
             summary="OPRF(ristretto255, SHA-512) BlindEvaluate under the platform's key (rate-limited).")
def blind_evaluate(body: EvaluateRequest, request: Request, org: OrgDep, session: SessionDep) -> Response:
    key = blind.server_key(request.app)
    blind.charge(session, org.id, len(body.elements), blind.limit_for(request.app), utcnow())
    evaluated = blind.evaluate_hex(key, body.elements)
    session.commit()
    return Response(orjson.dumps({"key_id": key.key_id, "evaluated": evaluated}), media_type="application/json")


@router.get("/v1/blind/set", tags=["blind"],
            summary="The truncated PRF outputs of listed identifiers you may read, in one prefix bucket.")
def blind_set(request: Request, org: OrgDep, session: SessionDep, prefix: str = "") -> Response:
    key = blind.server_key(request.app)
    outputs = blind.bucket(request.app, session, repository.reader_for(org), key, prefix)
    return Response(orjson.dumps({"key_id": key.key_id, "prefix": prefix.lower(), "outputs": outputs}),
                    media_type="application/json")

