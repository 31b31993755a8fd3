"""Shared fixtures: databases (SQLite and PostgreSQL), settings, sessions, the app, members.

`db_url` is parametrised over `sqlite` and `postgresql`: every test that uses it (or
`settings`, `session`, `app`, `app_client`, which build on it) runs against both.
Each test gets a fresh, fully migrated database, copied from a template migrated
once per run (a file copy for SQLite, `CREATE DATABASE ... TEMPLATE` for
PostgreSQL), and dropped afterwards.

PostgreSQL comes from `ZEROSCAM_TEST_POSTGRES_URL` (default
`postgresql+psycopg://postgres@127.0.0.1:5432/test`); when it cannot be reached
the PostgreSQL variants are skipped, unless `ZEROSCAM_REQUIRE_POSTGRES=1` (CI), then
they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator

import pytest

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEST_ALLIANCE_SECRET = "test-alliance-secret-0123456789abcdef"


def pg_base_url() -> str:
    return os.environ.get("ZEROSCAM_TEST_POSTGRES_URL", PG_DEFAULT)


def pg_required() -> bool:
    return os.environ.get("ZEROSCAM_REQUIRE_POSTGRES", "") in ("1", "true", "yes")


def _pg_url_for(dbname: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(pg_base_url()).set(database=dbname).render_as_string(hide_password=False)


def _pg_admin():
    from sqlalchemy import create_engine

    return create_engine(pg_base_url(), isolation_level="AUTOCOMMIT", pool_pre_ping=True,
                         connect_args={"connect_timeout": 3})


def _pg_create(name: str, template: str | None = None) -> None:
    from sqlalchemy import text

    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    finally:
        admin.dispose()


def _pg_drop(name: str) -> None:
    from sqlalchemy import text

    from zeroscam.kit.db import dispose_engines

    dispose_engines()
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _unavailable(reason: str):
    if pg_required():
        pytest.fail(f"PostgreSQL is required (ZEROSCAM_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL not reachable: {reason}")


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str | None]:
    """A migrated template database, or the reason PostgreSQL is unavailable."""
    from zeroscam.kit.db import dispose_engines, migrate

    name = f"zs_tmpl_{uuid.uuid4().hex[:12]}"
    try:
        _pg_create(name)
    except Exception as exc:  # unreachable, no permission, ...
        yield f"!{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return
    try:
        migrate(_pg_url_for(name))
        dispose_engines()
        yield name
    finally:
        _pg_drop(name)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> str:
    from zeroscam.kit.db import dispose_engines, migrate

    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    migrate(f"sqlite:///{path}")
    dispose_engines()
    return str(path)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, migrated database URL (SQLite file or PostgreSQL database)."""
    from zeroscam.kit.db import dispose_engines

    if request.param == "sqlite":
        template = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "zeroscam.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        dispose_engines()
        return
    template = request.getfixturevalue("_pg_template")
    if template is None or template.startswith("!"):
        _unavailable(template[1:] if template else "no template")
    name = f"zs_t_{uuid.uuid4().hex[:12]}"
    _pg_create(name, template=template)
    try:
        yield _pg_url_for(name)
    finally:
        _pg_drop(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request, tmp_path) -> Iterator[str]:
    """A fresh database with no schema at all (for migration tests)."""
    from zeroscam.kit.db import dispose_engines

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        dispose_engines()
        return
    name = f"zs_e_{uuid.uuid4().hex[:12]}"
    try:
        _pg_create(name)
    except Exception as exc:
        _unavailable(f"{type(exc).__name__}")
    try:
        yield _pg_url_for(name)
    finally:
        _pg_drop(name)


@pytest.fixture
def settings(db_url, tmp_path, monkeypatch):
    """Settings for a test: home under tmp, the test database, testing mode, a fixed alliance secret.

    The environment is set too, so `get_settings()` and CLI commands run in-process see the same."""
    from zeroscam.config import Settings, reset_settings

    home = tmp_path / "home"
    monkeypatch.setenv("ZEROSCAM_HOME", str(home))
    monkeypatch.setenv("ZEROSCAM_DATABASE_URL", db_url)
    monkeypatch.setenv("ZEROSCAM_ALLIANCE_SECRET", TEST_ALLIANCE_SECRET)
    monkeypatch.setenv("ZEROSCAM_TESTING", "1")
    reset_settings()
    yield Settings(home=home, database_url=db_url, alliance_secret=TEST_ALLIANCE_SECRET, testing=True)
    reset_settings()


@pytest.fixture
def session(db_url):
    """A session on the test database (the test commits what it wants others to see)."""
    from zeroscam.kit.db import session_factory

    s = session_factory(db_url)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def app(settings):
    from zeroscam.app import create_app
    from zeroscam.members.auth import key_cache

    key_cache.clear()
    return create_app(settings)


@pytest.fixture
def app_client(app):
    """A TestClient over `create_app` on the migrated test database (lifespan run)."""
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def make_org(db_url) -> Callable[..., tuple[object, str]]:
    """`make_org(name=None, org_type="bank", bank_codes=(), operator=None) -> (org, api_key)`, committed."""
    from zeroscam.kit.db import session_factory
    from zeroscam.members import service

    def make(name: str | None = None, org_type: str = "bank", bank_codes=(), operator: str | None = None):
        with session_factory(db_url)() as s:
            org = service.create_org(s, name or f"{org_type}-{uuid.uuid4().hex[:6]}", org_type,
                                     bank_codes=list(bank_codes), operator=operator)
            key = service.issue_key(s, org)
            s.commit()
            s.refresh(org)
            s.expunge(org)
            return org, key

    return make


@pytest.fixture
def make_user(db_url) -> Callable[..., object]:
    """`make_user(org, username, password="correct horse battery", role="analyst") -> User`, committed."""
    from zeroscam.kit.db import session_factory
    from zeroscam.members import models, service

    def make(org, username: str, password: str = "correct horse battery", role: str = "analyst"):
        with session_factory(db_url)() as s:
            user = service.create_user(s, s.get(models.Org, org.id), username, password, role)
            s.commit()
            s.expunge(user)
            return user

    return make


def bearer(key: str) -> dict[str, str]:
    """Headers for an API key."""
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def auth() -> Callable[[str], dict[str, str]]:
    """`auth(key)` → the Authorization header dict."""
    return bearer
