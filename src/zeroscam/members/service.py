"""Members: organisations, API keys (shown once, stored as hashes), staff logins.

Services only flush; the caller (CLI command, request handler) commits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from zeroscam.kit.errors import Conflict, DataError, NotFound
from zeroscam.kit.repository import Principal
from zeroscam.members.models import ORG_TYPES, ROLES, ApiKey, Org, OrgBankCode, User

KEY_PREFIX = "zs_"
_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-password-" + secrets.token_hex(8))


def create_org(session: Session, name: str, org_type: str, *, bank_codes: list[str] | tuple[str, ...] = (),
               operator: str | None = None) -> Org:
    """Create an organisation. Banks carry their 3-digit BOT code(s); telcos their operator name."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise DataError("organisation name must be 1 to 200 characters", value=name)
    if org_type not in ORG_TYPES:
        raise DataError(f"organisation type must be one of {', '.join(ORG_TYPES)}", value=org_type)
    codes = []
    for code in bank_codes:
        code = str(code).strip()
        if not re.fullmatch(r"\d{1,3}", code):
            raise DataError("a bank code is 3 digits, e.g. 014", value=code)
        codes.append(code.zfill(3))
    if codes and org_type != "bank":
        raise DataError("only a bank carries bank codes", value=",".join(codes))
    if session.scalar(select(Org.id).where(Org.name == name)) is not None:
        raise Conflict(f"an organisation named {name!r} already exists")
    for code in codes:
        owner = session.get(OrgBankCode, code)
        if owner is not None:
            raise Conflict(f"bank code {code} already belongs to organisation {owner.org_id}")
    org = Org(name=name, type=org_type, operator=(operator.strip().upper() if operator else None))
    org.bank_codes = [OrgBankCode(bank_code=c) for c in dict.fromkeys(codes)]
    session.add(org)
    session.flush()
    return org


def list_orgs(session: Session) -> list[Org]:
    return list(session.scalars(select(Org).order_by(Org.id)))


def find_org(session: Session, name_or_id: str | int) -> Org:
    """An org by numeric id or exact name; NotFound otherwise."""
    org = None
    text = str(name_or_id).strip()
    if text.isdigit():
        org = session.get(Org, int(text))
    if org is None:
        org = session.scalar(select(Org).where(Org.name == text))
    if org is None:
        raise NotFound(f"no organisation {text!r}")
    return org


def org_for_bank(session: Session, bank_code: str) -> Org | None:
    """The member bank that owns a 3-digit bank code, if it is a member."""
    link = session.get(OrgBankCode, str(bank_code).zfill(3))
    return link.org if link is not None else None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _split_key(key: str) -> str | None:
    """The key id of a well-formed key (`zs_<keyid>.<secret>`), else None."""
    if not key or not key.startswith(KEY_PREFIX) or "." not in key or len(key) > 200:
        return None
    key_id, _, secret = key[len(KEY_PREFIX):].partition(".")
    if not key_id or not secret:
        return None
    return key_id


def issue_key(session: Session, org: Org, label: str | None = None) -> str:
    """A new API key for `org`. Returned once; only its SHA-256 is stored."""
    key_id = secrets.token_hex(8)
    key = f"{KEY_PREFIX}{key_id}.{secrets.token_urlsafe(32)}"
    session.add(ApiKey(org_id=org.id, key_id=key_id, key_hash=hash_key(key), label=label))
    session.flush()
    return key


def authenticate_key(session: Session, key: str) -> Org | None:
    """The org that owns a valid, unrevoked API key; None otherwise."""
    key_id = _split_key(key)
    if key_id is None:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash, hash_key(key)):
        return None
    return session.get(Org, row.org_id)


def authenticate_basic(session: Session, user: str, password: str) -> Org | None:
    """HTTP Basic for TAXII: user = the org's id or name, password = one of its API keys."""
    org = authenticate_key(session, password)
    if org is None:
        return None
    if user.strip() not in (str(org.id), org.name):
        return None
    return org


def revoke_keys(session: Session, org: Org) -> int:
    from zeroscam.kit.timeutil import utcnow

    n = 0
    for row in session.scalars(select(ApiKey).where(ApiKey.org_id == org.id, ApiKey.revoked_at.is_(None))):
        row.revoked_at = utcnow()
        n += 1
    session.flush()
    return n


def create_user(session: Session, org: Org, username: str, password: str, role: str = "analyst") -> User:
    """A staff login for `org` with an argon2id password hash."""
    username = (username or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.@-]{2,100}", username):
        raise DataError("username: 2 to 100 letters, digits, '_', '.', '@' or '-'", value=username)
    if role not in ROLES:
        raise DataError(f"role must be one of {', '.join(ROLES)}", value=role)
    if not password or len(password) < 8:
        raise DataError("password must be at least 8 characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"a user named {username!r} already exists")
    user = User(org_id=org.id, username=username, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate_user(session: Session, username: str, password: str) -> User | None:
    """The enabled user with this username and password; None otherwise (same time either way)."""
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or user.disabled:
        try:
            _hasher.verify(_DUMMY_HASH, password or "")
        except (VerificationError, InvalidHashError):
            pass
        return None
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.flush()
    return user


def principal_for(org: Org, user: User | None = None) -> Principal:
    """The caller as the repositories see it."""
    return Principal(org_id=org.id, org_name=org.name, org_type=org.type, bank_codes=org.codes,
                     operator=org.operator, username=user.username if user else None,
                     role=user.role if user else None)
