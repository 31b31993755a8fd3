"""The analytics store: canonical tables as Parquet under `settings.analytics_dir`.

Each load writes a complete new *generation* (`gen-<stamp>-<rand>/<table>.parquet`,
the union of the previous generation and the new folder, deduplicated on each table's
key) into a temporary directory and renames it into place. The generation becomes
current only when the load's relational transaction commits a `LoadRun` naming it;
a load killed before that leaves an unreferenced directory that the next load removes.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from zeroscam.exchange.axf import TABLES, Dataset
from zeroscam.ingest.models import LoadRun
from zeroscam.kit.timeutil import utcnow

# Rows with the same key are one row; the first loaded wins (loads are re-runnable).
KEYS: dict[str, list[str] | None] = {
    "accounts": ["account"],
    "transactions": ["txn_id"],
    "sims": ["msisdn"],
    "cdrs": None,  # no id in AXF: identical rows are one call
    "cells": ["cell_id"],
    "reports": ["report_id"],
    "report_contacts": ["report_id", "type", "value"],
    "report_transfers": ["report_id", "seq"],
}
ORDER = {"accounts": "account", "transactions": "ts, txn_id", "sims": "msisdn", "cdrs": "ts, caller, callee",
         "cells": "cell_id", "reports": "reported_at, report_id", "report_contacts": "report_id, type, value",
         "report_transfers": "report_id, seq"}
MANIFEST = "manifest.json"


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def current_generation(session: Session, settings) -> Path | None:
    """The directory of the generation the last committed load named, if any."""
    gen = session.scalar(select(LoadRun.generation).order_by(LoadRun.id.desc()).limit(1))
    if gen is None:
        return None
    path = settings.analytics_dir / gen
    return path if path.is_dir() else None


def write_generation(dataset: Dataset, previous: Path | None, analytics_dir: Path,
                     pause=lambda step: None) -> tuple[str, dict[str, int], datetime | None, list[str]]:
    """Merge `previous` (a generation dir or None) with the dataset's tables into a new
    generation directory. Returns (name, row counts, as_of, tables that had a file)."""
    analytics_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    tmp = analytics_dir / f".tmp-{name}"
    tmp.mkdir()
    con = dataset.con
    counts: dict[str, int] = {}
    prev_manifest = json.loads((previous / MANIFEST).read_text()) if previous else {}
    for i, table in enumerate(TABLES):
        old = previous / f"{table}.parquet" if previous else None
        if old is not None and old.exists():
            keys = KEYS[table]
            union = (f"SELECT *, 0 AS _zs_o FROM read_parquet({_q(old)}) "
                     f"UNION ALL BY NAME SELECT *, 1 AS _zs_o FROM {table}")
            if keys is None:
                query = f"SELECT DISTINCT * EXCLUDE (_zs_o) FROM ({union})"
            else:
                part = ", ".join(keys)
                query = (f"SELECT * EXCLUDE (_zs_o, _zs_rn) FROM (SELECT *, row_number() OVER "
                         f"(PARTITION BY {part} ORDER BY _zs_o) AS _zs_rn FROM ({union})) WHERE _zs_rn = 1")
        else:
            query = f"SELECT * FROM {table}"
        out = tmp / f"{table}.parquet"
        con.execute(f"COPY (SELECT * FROM ({query}) ORDER BY {ORDER[table]}) TO {_q(out)} (FORMAT parquet)")
        counts[table] = con.execute(f"SELECT count(*) FROM read_parquet({_q(out)})").fetchone()[0]
        if i == 1:
            pause("parquet")
    as_of = dataset.as_of
    if prev_manifest.get("as_of"):
        prev_as_of = datetime.fromisoformat(prev_manifest["as_of"])
        as_of = max(as_of, prev_as_of) if as_of else prev_as_of
    sources = sorted(set(prev_manifest.get("sources", [])) | set(dataset.sources))
    (tmp / MANIFEST).write_text(json.dumps({"as_of": as_of.isoformat() if as_of else None, "sources": sources,
                                            "counts": counts}))
    _fsync_dir(tmp)
    os.replace(tmp, analytics_dir / name)
    _fsync_dir(analytics_dir)
    return name, counts, as_of, sources


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def open_generation(gen_dir: Path, con: duckdb.DuckDBPyConnection | None = None) -> Dataset:
    """A `Dataset` over a generation's Parquet files (views; nothing copied)."""
    con = con or duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # quiet off a terminal (CLI.md)
    manifest = json.loads((gen_dir / MANIFEST).read_text())
    for table in TABLES:
        con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet({_q(gen_dir / f'{table}.parquet')})")
    as_of = datetime.fromisoformat(manifest["as_of"]) if manifest.get("as_of") else None
    sources = {name: gen_dir / f"{name}.parquet" for name in manifest.get("sources", [])}
    return Dataset(con=con, data_dir=gen_dir, as_of=as_of, sources=sources)


def open_store(session: Session, settings) -> Dataset | None:
    """The current analytics store as a `Dataset`, or None before the first load."""
    gen = current_generation(session, settings)
    return open_generation(gen) if gen is not None else None


def clean_generations(analytics_dir: Path, keep: set[str]) -> None:
    """Remove temporary and superseded generations (keeps `keep`)."""
    if not analytics_dir.is_dir():
        return
    for child in analytics_dir.iterdir():
        if child.is_dir() and child.name not in keep and (child.name.startswith("gen-") or child.name.startswith(".tmp-")):
            shutil.rmtree(child, ignore_errors=True)


def point_current(analytics_dir: Path, name: str) -> None:
    """A convenience symlink `current` → the committed generation (not authoritative)."""
    link = analytics_dir / "current"
    tmp = analytics_dir / f".current-{uuid.uuid4().hex[:6]}"
    try:
        os.symlink(name, tmp)
        os.replace(tmp, link)
    except OSError:
        pass
