"""TAXII reads: collections per audience and the TLP rule applied in SQL on every read."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from zeroscam.kit.errors import DataError
from zeroscam.members.models import Org
from zeroscam.sharing import stix
from zeroscam.sharing.models import SharedObject
from zeroscam.sharing.tlp import MEMBER_TYPES, NEED, Level, Reader, audiences_for

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


def reader_for(org: Org) -> Reader:
    return Reader(org_id=org.id, org_type=org.type)


def visible(reader: Reader) -> ColumnElement[bool]:
    """The TLP rule (zeroscam.sharing.tlp.can_read) as a SQL condition on sharing_objects."""
    conds = [SharedObject.tlp == Level.CLEAR.value,
             SharedObject.producer_org_id == reader.org_id,
             and_(SharedObject.tlp == Level.RED.value, SharedObject.recipients.like(f"%,{reader.org_id},%"))]
    if reader.org_type in MEMBER_TYPES:
        conds.append(SharedObject.tlp == Level.GREEN.value)
    audiences = audiences_for(reader.org_type)
    if audiences:
        conds.append(and_(SharedObject.tlp == Level.AMBER.value, SharedObject.audience.in_(audiences)))
    return or_(*conds)


def live(now: datetime) -> ColumnElement[bool]:
    """Expired indicators (and what hangs on them) leave the feeds."""
    return or_(SharedObject.expires_at.is_(None), SharedObject.expires_at > now)


@dataclass(frozen=True)
class CollectionDef:
    alias: str
    title: str
    description: str
    readers: frozenset[str]   # org types that may read it
    writable: bool = False

    @property
    def id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"zeroscam:taxii:collection:{self.alias}"))

    def selects(self, reader: Reader) -> ColumnElement[bool]:
        common = SharedObject.audience == "common"
        amber = lambda aud: or_(common, and_(SharedObject.tlp == Level.AMBER.value,  # noqa: E731
                                             SharedObject.audience == aud))
        if self.alias == "public":
            return SharedObject.tlp == Level.CLEAR.value
        if self.alias == "community":
            return or_(common, SharedObject.tlp == Level.GREEN.value)
        if self.alias == "banks":
            return amber("accounts")
        if self.alias == "telcos":
            return amber("numbers")
        if self.alias == "platforms":
            return amber("web")
        if self.alias == "responders":
            return amber("general")
        if self.alias == "restricted":
            return or_(common, SharedObject.tlp.in_([Level.AMBER_STRICT.value, Level.RED.value]))
        if self.alias == "submissions":
            return or_(common, SharedObject.producer_org_id == reader.org_id)
        raise AssertionError(self.alias)


_ALL = frozenset(MEMBER_TYPES | {"public"})
COLLECTIONS = [
    CollectionDef("public", "Public (TLP:CLEAR)", "Scam URLs, domains and numbers anyone may see.", _ALL),
    CollectionDef("community", "Alliance community (TLP:GREEN)", "What every member may know.", MEMBER_TYPES),
    CollectionDef("banks", "Mule accounts (TLP:AMBER)", "Accounts, for the members that act on them: banks, "
                  "police, regulators.", NEED["accounts"]),
    CollectionDef("telcos", "Scam numbers and SIMs (TLP:AMBER)", "Numbers, for telcos, police, regulators.",
                  NEED["numbers"]),
    CollectionDef("platforms", "Scam links (TLP:AMBER)", "URLs and domains, for platforms, police, regulators.",
                  NEED["web"]),
    CollectionDef("responders", "Rings (TLP:AMBER)", "Rings and what ties them together, for every member that "
                  "acts on scams.", NEED["general"]),
    CollectionDef("restricted", "Restricted (TLP:AMBER+STRICT, TLP:RED)",
                  "Objects for their producer or their named recipients only.", MEMBER_TYPES),
    CollectionDef("submissions", "Submissions", "POST your bundles here: confirmed mule accounts, suspended "
                  "SIMs, sightings and false positives. Reading shows what your org shared.", MEMBER_TYPES,
                  writable=True),
]
_BY_KEY = {c.id: c for c in COLLECTIONS} | {c.alias: c for c in COLLECTIONS}


def collection(key: str) -> CollectionDef | None:
    return _BY_KEY.get(key)


def collection_resource(c: CollectionDef, reader: Reader) -> dict:
    return {"id": c.id, "title": c.title, "description": c.description, "alias": c.alias,
            "can_read": reader.org_type in c.readers,
            "can_write": c.writable and reader.org_type in c.readers,
            "media_types": ["application/stix+json;version=2.1"]}


# ---- filters and paging ------------------------------------------------------

def _encode_next(date_added: datetime, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{date_added.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def _decode_next(token: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stamp, row_id = raw.rsplit("|", 1)
        return datetime.fromisoformat(stamp), int(row_id)
    except (ValueError, UnicodeDecodeError):
        raise DataError("next: not a token this server gave", value=token[:60]) from None


@dataclass
class Filters:
    added_after: datetime | None = None
    limit: int = DEFAULT_LIMIT
    next: str | None = None
    types: list[str] | None = None
    ids: list[str] | None = None
    versions: list[str] | None = None    # "last" (default), "first", "all", or timestamps
    spec_versions: list[str] | None = None

    @classmethod
    def from_query(cls, params, *, allow: tuple[str, ...]) -> Filters:
        known = {"added_after", "limit", "next", "match[type]", "match[id]", "match[version]",
                 "match[spec_version]"}
        for k in params.keys():
            if k in known and k not in allow:
                raise DataError(f"the parameter {k} is not supported on this endpoint")
        f = cls()
        if params.get("added_after"):
            try:
                f.added_after = stix.parse_ts(params["added_after"])
            except ValueError:
                raise DataError("added_after: not a timestamp", value=params["added_after"]) from None
        if params.get("limit") not in (None, ""):
            try:
                limit = int(params["limit"])
            except ValueError:
                raise DataError("limit: not an integer", value=params["limit"]) from None
            if limit < 0:
                raise DataError("limit must not be negative", value=limit)
            f.limit = min(MAX_LIMIT, limit) if limit > 0 else DEFAULT_LIMIT
        f.next = params.get("next") or None

        def split(name):
            v = params.get(name)
            return [x.strip() for x in v.split(",") if x.strip()] if v else None

        f.types, f.ids, f.versions, f.spec_versions = (split("match[type]"), split("match[id]"),
                                                       split("match[version]"), split("match[spec_version]"))
        if f.versions:
            for v in f.versions:
                if v not in ("first", "last", "all"):
                    try:
                        stix.parse_ts(v)
                    except ValueError:
                        raise DataError("match[version]: first, last, all or timestamps", value=v) from None
        return f


def _version_condition(session: Session, versions: list[str] | None) -> ColumnElement[bool]:
    versions = versions or ["last"]
    if "all" in versions:
        return true()
    conds = []
    if "last" in versions:
        conds.append(SharedObject.latest.is_(True))
    if "first" in versions:
        first = (select(SharedObject.stix_id, func.min(SharedObject.modified).label("m"))
                 .group_by(SharedObject.stix_id).subquery())
        conds.append(SharedObject.id.in_(select(SharedObject.id).join(
            first, and_(first.c.stix_id == SharedObject.stix_id, first.c.m == SharedObject.modified))))
    stamps = [stix.parse_ts(v) for v in versions if v not in ("first", "last")]
    if stamps:
        conds.append(SharedObject.modified.in_(stamps))
    return or_(*conds)


@dataclass
class Page:
    rows: list[SharedObject]
    more: bool
    next: str | None

    @property
    def first_added(self) -> datetime | None:
        return min((r.date_added for r in self.rows), default=None)

    @property
    def last_added(self) -> datetime | None:
        return max((r.date_added for r in self.rows), default=None)


def query(session: Session, reader: Reader, coll: CollectionDef, f: Filters, now: datetime, *,
          object_id: str | None = None, all_versions_default: bool = False) -> Page:
    """One page of object versions the reader may see in the collection, oldest added first."""
    stmt = select(SharedObject).where(coll.selects(reader), visible(reader), live(now))
    if object_id is not None:
        stmt = stmt.where(SharedObject.stix_id == object_id)
    if f.ids:
        stmt = stmt.where(SharedObject.stix_id.in_(f.ids))
    if f.types:
        stmt = stmt.where(SharedObject.type.in_(f.types))
    if f.spec_versions and "2.1" not in f.spec_versions:
        stmt = stmt.where(SharedObject.spec_version.in_(f.spec_versions))
    versions = f.versions or (["all"] if all_versions_default else None)
    stmt = stmt.where(_version_condition(session, versions))
    if f.added_after is not None:
        stmt = stmt.where(SharedObject.date_added > f.added_after)
    if f.next:
        added, row_id = _decode_next(f.next)
        stmt = stmt.where(or_(SharedObject.date_added > added,
                              and_(SharedObject.date_added == added, SharedObject.id > row_id)))
    stmt = stmt.order_by(SharedObject.date_added, SharedObject.id).limit(f.limit + 1)
    rows = list(session.scalars(stmt))
    more = len(rows) > f.limit
    rows = rows[:f.limit]
    nxt = _encode_next(rows[-1].date_added, rows[-1].id) if more and rows else None
    return Page(rows, more, nxt)


def readable_rows(session: Session, reader: Reader, now: datetime, limit: int | None = None) -> list[SharedObject]:
    """Every latest, live object the reader may see (for bundle export)."""
    stmt = (select(SharedObject).where(SharedObject.latest.is_(True), visible(reader), live(now))
            .order_by(SharedObject.date_added, SharedObject.id))
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))
