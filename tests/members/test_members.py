"""Members: orgs, API keys stored as hashes, staff passwords, the CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from zeroscam.kit.errors import Conflict, DataError
from zeroscam.members import service
from zeroscam.members.models import ApiKey, User


def test_key_is_stored_only_as_hash(session):
    org = service.create_org(session, "KBank", "bank", bank_codes=["004"])
    key = service.issue_key(session, org)
    session.commit()
    rows = session.scalars(select(ApiKey)).all()
    assert len(rows) == 1
    assert key not in (rows[0].key_hash, rows[0].key_id)
    assert key.split(".", 1)[1] not in rows[0].key_hash
    assert service.authenticate_key(session, key).id == org.id
    assert service.authenticate_key(session, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert service.authenticate_key(session, "") is None
    assert service.authenticate_key(session, "zs_nope.nope") is None


def test_revoked_key_fails(session):
    org = service.create_org(session, "TTB", "bank", bank_codes=["011"])
    key = service.issue_key(session, org)
    service.revoke_keys(session, org)
    assert service.authenticate_key(session, key) is None


def test_basic_auth_by_id_or_name(session):
    org = service.create_org(session, "AIS", "telco", operator="ais")
    key = service.issue_key(session, org)
    assert org.operator == "AIS"
    assert service.authenticate_basic(session, "AIS", key).id == org.id
    assert service.authenticate_basic(session, str(org.id), key).id == org.id
    assert service.authenticate_basic(session, "someone-else", key) is None


def test_org_validation(session):
    with pytest.raises(DataError):
        service.create_org(session, "X", "gang")
    with pytest.raises(DataError):
        service.create_org(session, "Y", "bank", bank_codes=["12a"])
    with pytest.raises(DataError):
        service.create_org(session, "Z", "telco", bank_codes=["014"])
    service.create_org(session, "SCB", "bank", bank_codes=["014"])
    with pytest.raises(Conflict):
        service.create_org(session, "SCB", "bank")
    with pytest.raises(Conflict):
        service.create_org(session, "Other", "bank", bank_codes=["14"])
    assert service.org_for_bank(session, "14").name == "SCB"


def test_users_argon2(session):
    org = service.create_org(session, "AOC", "police")
    user = service.create_user(session, org, "aoc-analyst", "demo-aoc-2025", "analyst")
    session.commit()
    stored = session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$") and "demo-aoc-2025" not in stored
    assert service.authenticate_user(session, "aoc-analyst", "demo-aoc-2025").id == user.id
    assert service.authenticate_user(session, "aoc-analyst", "wrong-password") is None
    assert service.authenticate_user(session, "nobody", "demo-aoc-2025") is None
    with pytest.raises(DataError):
        service.create_user(session, org, "x y", "longenough", "analyst")
    with pytest.raises(DataError):
        service.create_user(session, org, "bob", "short", "analyst")
    with pytest.raises(DataError):
        service.create_user(session, org, "bob", "longenough", "god")
    with pytest.raises(Conflict):
        service.create_user(session, org, "aoc-analyst", "longenough", "admin")


def test_cli_org_add_prints_key_last(settings, session):
    from zeroscam.cli.main import app

    runner = CliRunner()
    r = runner.invoke(app, ["org", "add", "Krungthai", "--type", "bank", "--bank-code", "006"])
    assert r.exit_code == 0, r.output
    key = r.output.strip().splitlines()[-1]
    assert service.authenticate_key(session, key).name == "Krungthai"
    r = runner.invoke(app, ["org", "list"])
    assert "Krungthai" in r.output and "006" in r.output
    r = runner.invoke(app, ["user", "add", "Krungthai", "ktb-admin", "--role", "admin", "--password", "pw-long-enough"])
    assert r.exit_code == 0, r.output
    assert service.authenticate_user(session, "ktb-admin", "pw-long-enough").role == "admin"
    r = runner.invoke(app, ["org", "add", "Bad", "--type", "nope"])
    assert r.exit_code != 0
