"""The relational store: one declarative `Base`, engines, sessions, migrations.

Every domain's `models.py` subclasses `Base` from here, so `Base.metadata` is the
whole schema and Alembic (migrations/) sees it. The schema itself is built only
through the migrations: `migrate(url)` runs `alembic upgrade head`.

DESIGN.md principle 4: the boundary owns the transaction. Request handlers, CLI
commands and jobs open a session, call services (which only `flush`) and commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names, so migrations can alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The one declarative base for every table of the operational store."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime()}


REPO_ROOT = Path(__file__).resolve().parents[3]
MIGRATIONS_DIR = REPO_ROOT / "migrations"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer (several workers)
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    """A new engine for `url`, with SQLite set up for several processes (WAL, busy timeout)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine(url: str) -> Engine:
    """A process-wide engine per URL (engines own connection pools; make them once)."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests dropping databases; forked workers)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def session_factory(url_or_engine: str | Engine) -> sessionmaker[Session]:
    engine = get_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(url_or_engine: str | Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (for CLI commands and jobs)."""
    session = session_factory(url_or_engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config(str(REPO_ROOT / "alembic.ini")) if (REPO_ROOT / "alembic.ini").exists() else Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def migrate(url: str, revision: str = "heads") -> None:
    """Bring the database at `url` to `revision` (default: every head) with Alembic.

    Parts add their own revisions; independent branches (each after 0001_foundation)
    are all applied by the default "heads"."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) if heads else None


def import_all_models() -> None:
    """Import every domain's models so `Base.metadata` is complete (missing domains are skipped)."""
    import importlib

    for domain in ("members", "audit", "reports", "cases", "check", "ingest", "indicators", "sharing"):
        try:
            importlib.import_module(f"zeroscam.{domain}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"zeroscam.{domain}.models":
                raise


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: a session on the app's database, closed after the request.

    Handlers commit; an exception rolls back (nothing half-written survives)."""
    session: Session = request.app.state.sessionmaker()
    if request.method not in ("GET", "HEAD", "OPTIONS") and session.get_bind().dialect.name == "sqlite":
        # Writes on SQLite: take the write lock first (waiting up to the busy timeout),
        # so the request never loses a race between its reads and its first write.
        session.execute(text("DELETE FROM risk_version WHERE 0 = 1"))
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
