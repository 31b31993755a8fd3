"""The audit log is hash-chained: a changed, removed or reordered entry is found."""

from __future__ import annotations

from sqlalchemy import delete, text, update

from zeroscam.audit import service
from zeroscam.audit.models import AuditEntry


def _fill(session, n=5):
    for i in range(n):
        service.record(session, "cli", "org.create", f"org:{i}", {"i": i, "name": f"bank {i}"})
    session.commit()


def test_intact_chain_verifies(session):
    _fill(session)
    result = service.verify(session)
    assert result.ok and result.entries == 5
    assert result.head == session.get(AuditEntry, 5).hash


def test_changed_entry_is_found(session):
    _fill(session)
    session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(subject="org:999"))
    session.commit()
    result = service.verify(session)
    assert not result.ok and result.seq == 3 and "changed" in result.problem


def test_changed_detail_is_found(session):
    _fill(session)
    session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(detail={"i": 1, "name": "other"}))
    session.commit()
    assert not service.verify(session).ok


def test_removed_entry_is_found(session):
    _fill(session)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    session.commit()
    result = service.verify(session)
    assert not result.ok and "missing" in result.problem


def test_removed_and_renumbered_is_found(session):
    _fill(session)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(seq=3))
    session.execute(update(AuditEntry).where(AuditEntry.seq == 5).values(seq=4))
    session.commit()
    result = service.verify(session)
    assert not result.ok and result.seq == 3


def test_reordered_entries_are_found(session):
    _fill(session)
    # Swap entries 2 and 4 (their seq numbers), leaving everything else as it was.
    session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=-2))
    session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(seq=2))
    session.execute(update(AuditEntry).where(AuditEntry.seq == -2).values(seq=4))
    session.commit()
    result = service.verify(session)
    assert not result.ok and result.seq == 2


def test_cli_verify(settings, session):
    import os
    import subprocess
    import sys

    _fill(session, 3)
    cmd = [sys.executable, "-m", "zeroscam", "audit", "verify"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), timeout=120)
    assert r.returncode == 0 and "3 entries" in r.stdout, r.stderr
    session.execute(text("UPDATE audit_log SET action = 'nothing' WHERE seq = 2"))
    session.commit()
    r = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), timeout=120)
    assert r.returncode == 1
    assert "entry 2 was changed" in r.stderr and "Traceback" not in r.stderr


def test_concurrent_writers_keep_one_chain(db_url):
    """Eight writers at once: every entry lands, in one unbroken chain."""
    from concurrent.futures import ThreadPoolExecutor

    from zeroscam.kit.db import session_factory

    make = session_factory(db_url)

    def write(n: int) -> None:
        for i in range(10):
            with make() as s:
                service.record(s, f"org:{n}", "test.write", f"thing:{n}/{i}", {"n": n, "i": i})
                s.commit()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    with make() as s:
        result = service.verify(s)
    assert result.ok and result.entries == 80
