"""Writing AXF CSVs in canonical forms (importers, exports, test fixtures).

Times are written in Bangkok time with their offset, accounts as separate
`bank` / `account` columns, identifiers in canonical form. Files are written
atomically (a reader never sees half a file).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from zeroscam.kit.timeutil import to_iso_bangkok

# Column order of each AXF file (contracts/AXF.md).
COLUMNS: dict[str, list[str]] = {
    "accounts": ["bank", "account", "holder_id", "holder_type", "opened_at", "status", "holder_birth_year",
                 "province", "kyc_channel"],
    "transactions": ["txn_id", "ts", "channel", "src_bank", "src_account", "dst_bank", "dst_account", "amount",
                     "src_device"],
    "sims": ["msisdn", "operator", "holder_id", "registered_at", "sim_type", "status"],
    "cdrs": ["ts", "kind", "caller", "callee", "duration_s", "cell_id", "imei"],
    "cells": ["cell_id", "lat", "lon", "province", "border_km"],
}


def format_ts(value: datetime | None) -> str:
    """Naive-UTC (or aware) datetime → `2025-03-01T21:40:00+07:00`; None → empty."""
    return to_iso_bangkok(value) if value is not None else ""


def format_amount(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def split_account(key: str | None) -> tuple[str, str]:
    """`014-9876543210` → (`014`, `9876543210`); None → (``, ``)."""
    if not key:
        return "", ""
    bank, _, digits = key.partition("-")
    return bank, digits


class CsvTableWriter:
    """Stream rows (dicts or sequences) into one AXF CSV; atomic on close."""

    def __init__(self, path: str | Path, columns: list[str], extra: list[str] | None = None):
        self.path = Path(path)
        self.columns = list(columns) + list(extra or [])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(self.path.name + ".tmp")
        self._file = open(self._tmp, "w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(self.columns)
        self.rows = 0

    def write(self, row: Mapping | Iterable) -> None:
        if isinstance(row, Mapping):
            values = [row.get(c) for c in self.columns]
        else:
            values = list(row)
        self._csv.writerow(["" if v is None else _cell(v) for v in values])
        self.rows += 1

    def close(self) -> Path:
        self._file.close()
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        self._file.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> CsvTableWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _cell(value) -> str:
    if isinstance(value, datetime):
        return format_ts(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def write_rows(path: str | Path, columns: list[str], rows: Iterable[Mapping | Iterable]) -> Path:
    """Write all `rows` to `path` with header `columns`."""
    with CsvTableWriter(path, columns) as writer:
        for row in rows:
            writer.write(row)
    return writer.path


def copy_query(con, query: str, path: str | Path) -> Path:
    """Write a DuckDB query's result as a CSV with a header (streamed by DuckDB)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    escaped = str(tmp).replace("'", "''")
    con.execute(f"COPY ({query}) TO '{escaped}' (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"')")
    os.replace(tmp, path)
    return path


def sql_ts(column: str) -> str:
    """SQL: naive-UTC TIMESTAMP column → AXF text in Bangkok time with offset."""
    local = f"({column} + INTERVAL 7 HOUR)"
    return (f"(CASE WHEN {column} IS NULL THEN NULL WHEN microsecond({column}) % 1000000 = 0 "
            f"THEN strftime({local}, '%Y-%m-%dT%H:%M:%S+07:00') "
            f"ELSE strftime({local}, '%Y-%m-%dT%H:%M:%S.%f+07:00') END)")


def write_dataset(dataset, out_dir: str | Path) -> dict[str, Path]:
    """Write an opened dataset's canonical tables back as an AXF folder (canonical forms)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = dataset.con
    queries = {
        "accounts": (f"SELECT bank, split_part(account, '-', 2) AS account, holder_id, holder_type, "
                     f"{sql_ts('opened_at')} AS opened_at, status, holder_birth_year, province, kyc_channel "
                     f"FROM accounts"),
        "transactions": (f"SELECT txn_id, {sql_ts('ts')} AS ts, channel, split_part(src, '-', 1) AS src_bank, "
                         f"split_part(src, '-', 2) AS src_account, split_part(dst, '-', 1) AS dst_bank, "
                         f"split_part(dst, '-', 2) AS dst_account, printf('%.2f', amount) AS amount, src_device "
                         f"FROM transactions"),
        "sims": f"SELECT msisdn, operator, holder_id, {sql_ts('registered_at')} AS registered_at, sim_type, status FROM sims",
        "cdrs": f"SELECT {sql_ts('ts')} AS ts, kind, caller, callee, duration_s, cell_id, imei FROM cdrs",
        "cells": "SELECT cell_id, lat, lon, province, border_km FROM cells",
    }
    paths = {}
    for name, query in queries.items():
        if dataset.has(name):
            # split_part of NULL gives '' which CSV writes as an empty cell: null, as AXF wants.
            paths[name] = copy_query(con, query, out / f"{name}.csv")
    if dataset.has("reports"):
        path = out / "reports.jsonl"
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for (raw,) in con.execute("SELECT raw FROM reports").fetchall():
                f.write(raw + "\n")
        os.replace(tmp, path)
        paths["reports"] = path
    return paths
