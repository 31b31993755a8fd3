"""The AXF reader: an AXF folder → validated, canonical DuckDB tables.

Contract: docs/internals.md ("The AXF reader → canonical tables"); the format:
../shared/contracts/AXF.md; how it works: docs/axf-reader.md.

Bulk tables are read by DuckDB with every column as VARCHAR and are validated
and cast in SQL, so tens of millions of rows stream without a Python object per
row. Identifiers and timestamps are settled by a fast SQL path for the common
written forms; the DISTINCT values it cannot settle are normalised once in
Python and written back (an UPDATE touching only those rows). The first bad row
raises `DataError` naming file, line, column and value.
"""

from __future__ import annotations

import csv
import math
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import duckdb
import orjson

from zeroscam.identifiers import CONTACT_TYPES, bank_account, holder_id, phone
from zeroscam.identifiers import normalize as normalize_identifier
from zeroscam.identifiers import sql as fast
from zeroscam.kit.errors import DataError, IdentifierError, MissingTableError
from zeroscam.kit.timeutil import parse_ts

if TYPE_CHECKING:
    import pandas as pd
# pandas is imported where it is used: the reader starts on the files while a command
# imports what it needs after reading (`cli/detect.py`)

BULK_TABLES = ("accounts", "transactions", "sims", "cdrs", "cells")
TABLES = BULK_TABLES + ("reports", "report_contacts", "report_transfers")
CHANNELS = ("promptpay", "transfer", "card", "cash_in", "cash_out", "crypto_out")
CDR_KINDS = ("voice", "sms")
HOLDER_TYPES = ("person", "company")

# Canonical tables exactly as docs/internals.md lists them (name, DuckDB type).
SCHEMAS: dict[str, list[tuple[str, str]]] = {
    "accounts": [("account", "VARCHAR"), ("bank", "VARCHAR"), ("holder_id", "VARCHAR"),
                 ("holder_type", "VARCHAR"), ("opened_at", "TIMESTAMP"), ("status", "VARCHAR"),
                 ("holder_birth_year", "INTEGER"), ("province", "VARCHAR"), ("kyc_channel", "VARCHAR")],
    "transactions": [("txn_id", "VARCHAR"), ("ts", "TIMESTAMP"), ("channel", "VARCHAR"), ("src", "VARCHAR"),
                     ("dst", "VARCHAR"), ("amount", "DOUBLE"), ("src_device", "VARCHAR")],
    "sims": [("msisdn", "VARCHAR"), ("operator", "VARCHAR"), ("holder_id", "VARCHAR"),
             ("registered_at", "TIMESTAMP"), ("sim_type", "VARCHAR"), ("status", "VARCHAR")],
    "cdrs": [("ts", "TIMESTAMP"), ("kind", "VARCHAR"), ("caller", "VARCHAR"), ("callee", "VARCHAR"),
             ("duration_s", "INTEGER"), ("cell_id", "VARCHAR"), ("imei", "VARCHAR")],
    "cells": [("cell_id", "VARCHAR"), ("lat", "DOUBLE"), ("lon", "DOUBLE"), ("province", "VARCHAR"),
              ("border_km", "DOUBLE")],
    "reports": [("report_id", "VARCHAR"), ("reported_at", "TIMESTAMP"), ("scam_type", "VARCHAR"),
                ("loss_thb", "DOUBLE"), ("victim_holder_id", "VARCHAR"), ("victim_phone", "VARCHAR"),
                ("victim_province", "VARCHAR"), ("narrative", "VARCHAR"), ("raw", "VARCHAR")],
    "report_contacts": [("report_id", "VARCHAR"), ("type", "VARCHAR"), ("value", "VARCHAR"), ("raw", "VARCHAR")],
    "report_transfers": [("report_id", "VARCHAR"), ("seq", "INTEGER"), ("ts", "TIMESTAMP"), ("txn_id", "VARCHAR"),
                         ("src", "VARCHAR"), ("dst", "VARCHAR"), ("amount", "DOUBLE")],
}

# Input columns of each bulk file (AXF.md): required, then optional.
REQUIRED = {
    "accounts": ("bank", "account", "holder_id", "holder_type", "opened_at"),
    "transactions": ("txn_id", "ts", "channel", "src_bank", "src_account", "dst_bank", "dst_account", "amount"),
    "sims": ("msisdn", "operator", "holder_id", "registered_at"),
    "cdrs": ("ts", "kind", "caller", "callee", "duration_s"),
    "cells": ("cell_id", "lat", "lon"),
}
OPTIONAL = {
    "accounts": ("status", "holder_birth_year", "province", "kyc_channel"),
    "transactions": ("src_device",),
    "sims": ("sim_type", "status"),
    "cdrs": ("cell_id", "imei"),
    "cells": ("province", "border_km"),
}
# The time column that the as-of cut applies to.
TIME_COLUMN = {"accounts": "opened_at", "transactions": "ts", "sims": "registered_at", "cdrs": "ts",
               "reports": "reported_at"}

Progress = Callable[[str], None]


@dataclass
class Dataset:
    """The canonical tables of one AXF folder on a DuckDB connection."""

    con: duckdb.DuckDBPyConnection
    data_dir: Path
    as_of: datetime | None
    sources: dict[str, Path] = field(default_factory=dict)
    # Files present in the folder but not read (open_dataset(tables=...)): their
    # canonical tables are empty; only their latest time counted for the as-of.
    skipped: dict[str, Path] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        """Whether the folder had the file behind table `name`."""
        if name in ("report_contacts", "report_transfers"):
            name = "reports"
        return name in self.sources

    def require(self, name: str, needed_for: str) -> None:
        """Raise `MissingTableError` unless table `name`'s file was in the folder."""
        if not self.has(name):
            raise MissingTableError(str(self.data_dir), name if name in BULK_TABLES else "reports", needed_for)

    def count(self, name: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]

    def counts(self) -> dict[str, int]:
        """Row count of every canonical table."""
        return {name: self.count(name) for name in TABLES}

    def df(self, name: str) -> pd.DataFrame:
        return self.con.execute(f"SELECT * FROM {name}").df()

    def export_parquet(self, out_dir: str | Path) -> dict[str, Path]:
        """Write every canonical table as `<out_dir>/<table>.parquet` (for the Spark engine)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in TABLES:
            path = out / f"{name}.parquet"
            self.con.execute(f"COPY (SELECT * FROM {name}) TO '{_sql_str(path)}' (FORMAT parquet)")
            paths[name] = path
        return paths


def open_dataset(data_dir: str | Path, as_of: datetime | str | None = None, *,
                 con: duckdb.DuckDBPyConnection | None = None, progress=None,
                 tables: Iterable[str] | None = None) -> Dataset:
    """Read, validate and normalise an AXF folder; leave the canonical tables on `dataset.con`.

    `as_of` (naive UTC datetime, or an ISO string; no offset = Bangkok) drops
    every row later than it; the default is the latest timestamp in the data,
    over every file in the folder (also the ones not read).
    `tables` names the tables to read and validate (None = all; "reports" brings
    report_contacts and report_transfers). The other files are not validated and
    their canonical tables stay empty; when no as-of is given, only their time
    column is scanned (a cheap max) so the default as-of does not depend on
    which tables a command reads.
    `progress` is anything with `.advance(label)` (e.g. `kit.progress.steps`) or
    a callable taking a label. Raises `DataError` on the first bad row.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError("not an AXF folder (no such directory)", file=str(data_dir))
    if isinstance(as_of, str):
        try:
            as_of = parse_ts(as_of)
        except ValueError as exc:
            raise DataError("as-of is not an ISO 8601 time", value=as_of) from exc
    con = con if con is not None else duckdb.connect()
    # Row order is file order only while DuckDB keeps insertion order (its default):
    # "first occurrence wins" and error line numbers rely on it.
    con.execute("SET preserve_insertion_order = true")
    # Our own progress bar speaks on a terminal; DuckDB's would print even into pipes and logs.
    con.execute("SET enable_progress_bar = false")
    wanted = _wanted_tables(tables)
    tick = _ticker(progress)
    sources: dict[str, Path] = {}
    skipped: dict[str, Path] = {}
    find_error: tuple[str, DataError] | None = None  # raised when the serial reader would reach it
    for name in BULK_TABLES:
        try:
            path = _find_file(data_dir, name)
        except DataError as exc:
            find_error = (name, exc)
            break
        if path is not None:
            (sources if name in wanted else skipped)[name] = path
    reports_path = data_dir / "reports.jsonl"
    if reports_path.is_file() and find_error is None:
        (sources if "reports" in wanted else skipped)["reports"] = reports_path
    # Work that needs no staged table runs in threads next to the staging (DuckDB leaves
    # a core idle part of the time and releases the GIL): parsing reports.jsonl (Python)
    # and, for the default as-of, scanning the time column of the files not read (each on
    # its own cursor). Results and errors are taken in the order of the serial reader.
    pool = ThreadPoolExecutor(1 + len(skipped)) if find_error is None and (
        "reports" in sources or (as_of is None and skipped)) else None
    parsed = pool.submit(_parse_reports, reports_path) if pool is not None and "reports" in sources else None
    cursors = {name: con.cursor() for name in skipped} if pool is not None and as_of is None else {}
    unread = {name: pool.submit(_latest_time_unread, cursors[name], name, path) for name, path in skipped.items()
              if name in cursors}
    try:
        staged: dict[str, str] = {}
        finals: dict[str, list[tuple[str, str]]] = {}
        for name in BULK_TABLES:
            if find_error is not None and find_error[0] == name:
                raise find_error[1]
            if name not in sources:
                continue
            reader = _BulkReader(con, name, sources[name])
            staged[name] = reader.stage()
            finals[name] = reader.final
            tick(name)
        if parsed is not None:
            _stage_reports(con, *parsed.result())
            staged["reports"] = "_axf_stage_reports"
            tick("reports")
        if as_of is None:
            as_of = _latest_time(con, staged)
            skipped_latest = [t for t in (f.result() for f in unread.values()) if t is not None]
            as_of = max([t for t in [as_of, *skipped_latest] if t is not None], default=None)
        _finalise(con, staged, finals, as_of)
        tick("canonical tables")
    except BaseException:
        _drop_scratch(con)
        raise
    finally:
        if pool is not None:
            for future in [parsed, *unread.values()]:
                if future is not None:
                    future.cancel()
            pool.shutdown(wait=True)
        for cursor in cursors.values():
            cursor.close()
    return Dataset(con=con, data_dir=data_dir, as_of=as_of, sources=sources, skipped=skipped)


def _wanted_tables(tables: Iterable[str] | None) -> set[str]:
    """The bulk tables and/or "reports" to read; None = all."""
    if tables is None:
        return set(BULK_TABLES) | {"reports"}
    wanted = set()
    for name in tables:
        name = "reports" if name in ("report_contacts", "report_transfers") else name
        if name not in BULK_TABLES and name != "reports":
            raise ValueError(f"unknown AXF table {name!r}")
        wanted.add(name)
    return wanted


def table_files(data_dir: str | Path) -> dict[str, Path]:
    """The AXF files present in `data_dir`, by table (no reading)."""
    data_dir = Path(data_dir)
    found = {name: p for name in BULK_TABLES if (p := _find_file(data_dir, name)) is not None}
    if (data_dir / "reports.jsonl").is_file():
        found["reports"] = data_dir / "reports.jsonl"
    return found


# ---------------------------------------------------------------- helpers


def _drop_scratch(con) -> None:
    """Remove the reader's temporary tables (after a failure on a shared connection)."""
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, '_axf_')"
                               ).fetchall():
        con.execute(f"DROP TABLE IF EXISTS {_ident(name)}")


def _ticker(progress) -> Progress:
    if progress is None:
        return lambda label: None
    if hasattr(progress, "advance"):
        return lambda label: progress.advance(label)
    return progress


def _sql_str(value: object) -> str:
    return str(value).replace("'", "''")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _find_file(data_dir: Path, name: str) -> Path | None:
    csv_path, pq_path = data_dir / f"{name}.csv", data_dir / f"{name}.parquet"
    if csv_path.is_file() and pq_path.is_file():
        raise DataError(f"both {name}.csv and {name}.parquet are present; keep one", file=str(data_dir))
    if csv_path.is_file():
        return csv_path
    if pq_path.is_file():
        return pq_path
    return None


def _csv_line(path: Path, record: int) -> int:
    """File line (1-based) on which data record `record` (0-based, header excluded) starts.

    Only on the error path: counts physical lines so that quoted newlines are right.
    """
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f)
        last = 0
        index = -1  # the header is record -1
        for _ in reader:
            if index == record:
                return last + 1
            last = reader.line_num
            index += 1
            # Blank lines are skipped by both readers: csv yields [] for them.
        return last + 1


class _BulkReader:
    """Stages one CSV/Parquet table in one pass over the file.

    The staging table holds the fast-path canonical columns, the raw text of the
    columns that may need Python, and `_bad0`: the first failed plain check
    (missing value, enum, number) of the row. Python then settles the DISTINCT
    raw values the fast path left open (an UPDATE touching only those rows), one
    scan finds the first bad row, and the final select composes account keys.
    The staging table's rowid is the file's row order (DuckDB keeps insertion order).
    """

    def __init__(self, con, name: str, path: Path):
        self.con, self.name, self.path = con, name, path
        self.stage_table = f"_axf_stage_{name}"
        self.columns: dict[str, str] = {}  # staging column → SQL over the raw row `r`
        # values several columns and checks use (lower-cased enums, parsed numbers), computed
        # once per row in a projection under `r` (DuckDB would evaluate each use anew)
        self.derived: dict[str, str] = {}
        self.plain_checks: list[tuple[str, str, str]] = []  # (condition over r, input column, message)
        self.parse_checks: list[tuple[str, str, str]] = []  # (condition over staging, input column, message)
        self.fallbacks: list[tuple[str, Callable[[str], object], str, str | None]] = []
        self.resolvers: dict[str, Callable[[str], object]] = {}
        self.final: list[tuple[str, str]] = []  # canonical column → SQL over the staging table

    # -- reading

    def _duck_error(self, exc: Exception) -> DataError:
        """DuckDB's reader errors → one line naming the file and, when DuckDB says it, the line."""
        text = str(exc)
        m = re.search(r"[Ll]ine:?\s*(\d+)", text)
        first = text.splitlines()[0] if text else type(exc).__name__
        first = re.sub(r"^[A-Za-z ]+Error: ", "", first)
        for known, message in (("Expected Number of Columns", "wrong number of fields"),
                               ("unterminated quote", "unterminated quoted field"),
                               ("Invalid unicode", "not UTF-8 text")):
            if known.lower() in text.lower():
                first = message
                break
        return DataError(f"cannot read {self.name}: {first}", file=str(self.path),
                         line=int(m.group(1)) if m else None)

    def _csv_header(self) -> list[str]:
        """The header row, read by Python's csv module (no sniffing: AXF fixes the dialect)."""
        with open(self.path, "rb") as f:
            first = f.readline()
        try:
            header = next(csv.reader([first.decode("utf-8-sig")]), None)
        except UnicodeDecodeError:
            raise DataError("not UTF-8 text", file=str(self.path), line=1) from None
        if not header:
            raise DataError("empty file: no header row", file=str(self.path), line=1)
        return header

    def _reader_sql(self) -> str:
        p = _sql_str(self.path)
        if self.path.suffix == ".parquet":
            return f"read_parquet('{p}')"
        names: list[str] = []
        for col in self.header:
            name = col
            while name in names:  # duplicated names: keep the first under its own name
                name += "_"
            names.append(name)
        columns = ", ".join(f"'{_sql_str(n)}': 'VARCHAR'" for n in names)
        return (f"read_csv('{p}', delim=',', quote='\"', escape='\"', header=true, auto_detect=false, "
                f"columns={{{columns}}}, strict_mode=true, encoding='utf-8')")

    def _source_sql(self) -> str:
        """The file as a relation of trimmed VARCHAR columns (NULL for empty), absent optional columns NULL."""
        if self.path.suffix == ".parquet":
            try:
                self.header = [r[0] for r in self.con.execute(
                    f"DESCRIBE SELECT * FROM {self._reader_sql()}").fetchall()]
            except duckdb.Error as exc:
                raise self._duck_error(exc) from None
        else:
            self.header = self._csv_header()
        by_key: dict[str, str] = {}
        for col in self.header:
            by_key.setdefault(col.strip().lower(), col)
        for col in REQUIRED[self.name]:
            if col not in by_key:
                raise DataError("missing required column", file=str(self.path), line=1, column=col)
        select = ", ".join(
            f"{fast.trimmed(f'CAST({_ident(by_key[c])} AS VARCHAR)')} AS {c}" if c in by_key
            else f"CAST(NULL AS VARCHAR) AS {c}" for c in REQUIRED[self.name] + OPTIONAL[self.name])
        return f"(SELECT {select} FROM {self._reader_sql()})"

    # -- planning (per table methods below call these)

    def fast(self, column: str, fast_sql: Callable[[str], str], python: Callable[[str], object], what: str,
             sql_type: str = "VARCHAR", when_raw: str | None = None, when_stage: str | None = None) -> str:
        """A column settled by the SQL fast path, else by Python on its distinct raw values."""
        if column not in self.columns:
            expr = fast_sql(f"r.{column}")
            if when_raw:
                expr = f"(CASE WHEN {when_raw} THEN {expr} END)"
            self.columns[column] = f"CAST({expr} AS {sql_type})"
            self.columns[f"_raw_{column}"] = f"r.{column}"
            self.fallbacks.append((column, python, sql_type, when_stage))
            self.resolvers[column] = python
            scope = f" AND ({when_stage})" if when_stage else ""
            self.parse_checks.append((f"_raw_{column} IS NOT NULL AND {column} IS NULL{scope}", column,
                                      f"not a valid {what}"))
        return column

    def plain(self, name: str, expr: str) -> str:
        self.columns[name] = expr
        return name

    def derive(self, name: str, expr: str) -> str:
        """`expr` over the raw row, computed once per row; returns its reference `r.name`."""
        self.derived.setdefault(name, expr)
        return f"r.{name}"

    def lower(self, column: str) -> str:
        return self.derive(f"_lc_{column}", f"lower(r.{column})")

    def check(self, condition: str, column: str, message: str) -> None:
        """A check on the raw row (evaluated while staging)."""
        self.plain_checks.append((condition, column, message))

    def require(self, column: str, when_raw: str | None = None) -> None:
        self.check(f"r.{column} IS NULL" + (f" AND ({when_raw})" if when_raw else ""), column, "missing value")

    # -- building

    def stage(self) -> str:
        source = self._source_sql()
        self.final = getattr(self, f"_plan_{self.name}")()
        if self.derived:
            extra = ", ".join(f"{expr} AS {name}" for name, expr in self.derived.items())
            source = f"(SELECT r.*, {extra} FROM {source} r)"
        bad0 = ("CASE " + " ".join(f"WHEN {c} THEN {i}" for i, (c, _, _) in enumerate(self.plain_checks)) + " END"
                if self.plain_checks else "CAST(NULL AS INTEGER)")
        select = ", ".join(f"{expr} AS {name}" for name, expr in self.columns.items())
        # A raw value is kept only where the fast path left its column open: Python and
        # the error report read nothing else, and storing every raw string costs time.
        kept = ", ".join(f"(CASE WHEN {name[5:]} IS NULL THEN {name} END) AS {name}" if name.startswith("_raw_")
                         else name for name in self.columns)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.stage_table} AS "
                             f"SELECT {kept}, _bad0 FROM (SELECT {select}, {bad0} AS _bad0 FROM {source} r)")
        except duckdb.Error as exc:
            raise self._duck_error(exc) from None
        for column, python, sql_type, when in self.fallbacks:
            self._settle(column, python, sql_type, when)
        conditions = ["_bad0 IS NOT NULL"] + [c for c, _, _ in self.parse_checks]
        which = ("CASE WHEN _bad0 IS NOT NULL THEN _bad0 " +
                 " ".join(f"WHEN {c} THEN {len(self.plain_checks) + i}" for i, (c, _, _) in enumerate(self.parse_checks))
                 + " END")
        first = self.con.execute(f"SELECT rowid, {which} FROM {self.stage_table} WHERE {' OR '.join(conditions)} "
                                 f"ORDER BY rowid LIMIT 1").fetchone()
        if first is not None:
            self._raise(first[0], (self.plain_checks + self.parse_checks)[first[1]])
        return self.stage_table

    def _settle(self, column: str, python, sql_type: str, when: str | None) -> None:
        """Normalise in Python the distinct raw values the fast path left open; write answers back."""
        scope = f" AND ({when})" if when else ""
        open_values = self.con.execute(
            f"SELECT DISTINCT _raw_{column} FROM {self.stage_table} "
            f"WHERE {column} IS NULL AND _raw_{column} IS NOT NULL{scope}").fetchall()
        answers = []
        for (value,) in open_values:
            try:
                answers.append((value, python(value)))
            except (IdentifierError, ValueError, TypeError, OverflowError):
                pass  # left NULL: the parse check reports the first such row
        if not answers:
            return
        import pandas as pd

        frame = pd.DataFrame(answers, columns=["raw", "canon"])
        if sql_type == "TIMESTAMP":
            frame["canon"] = pd.to_datetime(frame["canon"])
        map_name = f"_axf_map_{self.name}_{column}"
        self.con.register(f"{map_name}_df", frame)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {map_name} AS "
                             f"SELECT raw, CAST(canon AS {sql_type}) AS canon FROM {map_name}_df")
            self.con.execute(f"UPDATE {self.stage_table} SET {column} = m.canon FROM {map_name} m "
                             f"WHERE {self.stage_table}.{column} IS NULL AND {self.stage_table}._raw_{column} = m.raw")
        finally:
            self.con.unregister(f"{map_name}_df")
            self.con.execute(f"DROP TABLE IF EXISTS {map_name}")

    def _raise(self, row: int, check: tuple[str, str, str]) -> None:
        _, column, message = check
        if f"_raw_{column}" in self.columns:
            value = self.con.execute(f"SELECT _raw_{column} FROM {self.stage_table} WHERE rowid = ?", [row]).fetchone()[0]
        else:
            value = self.con.execute(f"SELECT {column} FROM {self._source_sql()} LIMIT 1 OFFSET ?", [row]).fetchone()[0]
        if column in self.resolvers and value is not None and message.startswith("not a valid"):
            try:
                self.resolvers[column](value)
            except IdentifierError as exc:
                message = f"{message}: {exc.reason}"
            except ValueError as exc:
                message = f"{message}: {exc}"
        line = row + 1 if self.path.suffix == ".parquet" else _csv_line(self.path, row)
        raise DataError(message, file=str(self.path), line=line, column=column, value=value)

    # -- column kinds

    def _timestamp(self, column: str, when_raw: str | None = None, when_stage: str | None = None) -> str:
        return self.fast(column, fast.timestamp, parse_ts, "timestamp (ISO 8601)", "TIMESTAMP", when_raw, when_stage)

    def _enum(self, column: str, allowed: tuple[str, ...]) -> str:
        listed = ", ".join(f"'{a}'" for a in allowed)
        self.check(f"r.{column} IS NOT NULL AND {self.lower(column)} NOT IN ({listed})", column,
                   f"must be one of {', '.join(allowed)}")
        return self.plain(column, self.lower(column))

    def _number(self, column: str, *, positive: bool = False, low: float | None = None,
                high: float | None = None) -> str:
        # thousands separators dropped (replace only where there is one: it copies the string)
        expr = self.derive(f"_num_{column}", f"(CASE WHEN contains(r.{column}, ',') "
                                             f"THEN TRY_CAST(replace(r.{column}, ',', '') AS DOUBLE) "
                                             f"ELSE TRY_CAST(r.{column} AS DOUBLE) END)")
        bad = f"{expr} IS NULL OR isnan({expr}) OR isinf({expr})"
        message = "not a number"
        if positive:
            bad += f" OR {expr} <= 0"
            message = "must be a number > 0"
        if low is not None:
            bad += f" OR {expr} < {low}"
            message = f"must be a number >= {low}"
        if high is not None:
            bad += f" OR {expr} > {high}"
            message = f"must be a number between {low} and {high}"
        self.check(f"r.{column} IS NOT NULL AND ({bad})", column, message)
        return self.plain(column, expr)

    def _integer(self, column: str, low: int | None = None) -> str:
        number = self.derive(f"_num_{column}", f"TRY_CAST(r.{column} AS DOUBLE)")
        bad = f"{number} IS NULL OR {number} <> round({number}) OR abs({number}) > 2147483647"
        if low is not None:
            bad += f" OR {number} < {low}"
        self.check(f"r.{column} IS NOT NULL AND ({bad})", column,
                   "must be a whole number" + (f" >= {low}" if low is not None else ""))
        return self.plain(column, f"CAST({number} AS INTEGER)")

    def _account(self, bank_col: str, account_col: str, when_raw: str | None = None,
                 when_stage: str | None = None) -> str:
        """SQL over the staging table for the `BANK-DIGITS` key."""
        bank = self.fast(bank_col, fast.bank_code, bank_account.bank_code, "bank code (1-3 digits)",
                         when_raw=when_raw, when_stage=when_stage)
        digits = self.fast(account_col, fast.account_digits, bank_account.account_digits,
                           "account number (6-20 digits)", when_raw=when_raw, when_stage=when_stage)
        return f"({bank} || '-' || {digits})"

    def _require_all(self, *skip: str) -> None:
        for col in REQUIRED[self.name]:
            if col not in skip:
                self.require(col)

    # -- per table: returns [(canonical column, SQL over the staging table)]

    def _plan_accounts(self):
        self._require_all()
        key = self._account("bank", "account")
        return [
            ("account", key),
            ("bank", "bank"),
            ("holder_id", self.fast("holder_id", fast.holder_id, holder_id.normalize, "holder_id")),
            ("holder_type", self._enum("holder_type", HOLDER_TYPES)),
            ("opened_at", self._timestamp("opened_at")),
            ("status", self.plain("status", "COALESCE(lower(r.status), 'active')")),
            ("holder_birth_year", self._integer("holder_birth_year", low=1800)),
            ("province", self.plain("province", "r.province")),
            ("kyc_channel", self.plain("kyc_channel", "lower(r.kyc_channel)")),
        ]

    def _plan_transactions(self):
        self._require_all("src_bank", "src_account", "dst_bank", "dst_account")
        channel = self._enum("channel", CHANNELS)
        src_raw, dst_raw = f"{self.lower('channel')} <> 'cash_in'", f"{self.lower('channel')} <> 'cash_out'"
        src_stage, dst_stage = "channel <> 'cash_in'", "channel <> 'cash_out'"
        for col in ("src_bank", "src_account"):
            self.require(col, src_raw)
        for col in ("dst_bank", "dst_account"):
            self.require(col, dst_raw)
        src = self._account("src_bank", "src_account", src_raw, src_stage)
        dst = self._account("dst_bank", "dst_account", dst_raw, dst_stage)
        return [
            ("txn_id", self.plain("txn_id", "r.txn_id")),
            ("ts", self._timestamp("ts")),
            ("channel", channel),
            ("src", f"(CASE WHEN {src_stage} THEN {src} END)"),
            ("dst", f"(CASE WHEN {dst_stage} THEN {dst} END)"),
            ("amount", self._number("amount", positive=True)),
            ("src_device", self.plain("src_device", "r.src_device")),
        ]

    def _plan_sims(self):
        self._require_all()
        return [
            ("msisdn", self.fast("msisdn", fast.phone, phone.normalize, "phone number")),
            ("operator", self.plain("operator", "upper(r.operator)")),
            ("holder_id", self.fast("holder_id", fast.holder_id, holder_id.normalize, "holder_id")),
            ("registered_at", self._timestamp("registered_at")),
            ("sim_type", self.plain("sim_type", "lower(r.sim_type)")),
            ("status", self.plain("status", "COALESCE(lower(r.status), 'active')")),
        ]

    def _plan_cdrs(self):
        self._require_all("duration_s")
        kind = self._enum("kind", CDR_KINDS)
        self.require("duration_s", f"{self.lower('kind')} = 'voice'")
        imei_digits = "regexp_replace(r.imei, '[ ./-]', '', 'g')"
        return [
            ("ts", self._timestamp("ts")),
            ("kind", kind),
            ("caller", self.fast("caller", fast.phone, phone.normalize, "phone number")),
            ("callee", self.fast("callee", fast.phone, phone.normalize, "phone number")),
            ("duration_s", self._integer("duration_s", low=0)),
            ("cell_id", self.plain("cell_id", "r.cell_id")),
            # IMEIs group calls by handset; kept as digits without a Luhn check because
            # real switches log IMEISVs and spare-digit forms (docs/axf-reader.md).
            ("imei", self.plain("imei", f"(CASE WHEN regexp_full_match({imei_digits}, '[0-9]{{14,16}}') "
                                        f"THEN {imei_digits} ELSE r.imei END)")),
        ]

    def _plan_cells(self):
        self._require_all()
        return [
            ("cell_id", self.plain("cell_id", "r.cell_id")),
            ("lat", self._number("lat", low=-90, high=90)),
            ("lon", self._number("lon", low=-180, high=180)),
            ("province", self.plain("province", "r.province")),
            ("border_km", self._number("border_km", low=0)),
        ]


# ---------------------------------------------------------------- reports.jsonl


def _parse_reports(path: Path) -> tuple[list, list, list]:
    """Parse reports.jsonl line by line (reports are few next to transactions): the rows
    of reports, report_contacts and report_transfers."""
    reports, contacts, transfers = [], [], []
    file = str(path)
    seen: set[str] = set()
    with open(path, "rb") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise DataError(f"not valid JSON: {exc}", file=file, line=line_no) from None
            if not isinstance(obj, dict):
                raise DataError("a report must be a JSON object", file=file, line=line_no)
            row = _report_row(obj, line, file, line_no)
            report_id = row[0]
            contact_rows = _contact_rows(obj, report_id, file, line_no)
            transfer_rows = _transfer_rows(obj, report_id, file, line_no)
            if report_id in seen:
                continue  # a re-sent report counts once: the first one wins
            seen.add(report_id)
            reports.append(row)
            contacts.extend(contact_rows)
            transfers.extend(transfer_rows)
    return reports, contacts, transfers


def _stage_reports(con, reports: list, contacts: list, transfers: list) -> None:
    """The parsed report rows → staging tables (their rowid is the file order)."""
    _to_table(con, "_axf_stage_reports", reports, SCHEMAS["reports"])
    _to_table(con, "_axf_stage_report_contacts", contacts, SCHEMAS["report_contacts"])
    _to_table(con, "_axf_stage_report_transfers", transfers, SCHEMAS["report_transfers"])


def _to_table(con, name: str, rows: list[tuple], schema: list[tuple[str, str]]) -> None:
    """Rows → a temp table in the given order (its rowid is the file order)."""
    columns = [c for c, _ in schema]
    import pandas as pd

    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    casts = ", ".join(f"CAST({_ident(c)} AS {t}) AS {_ident(c)}" for c, t in schema)
    con.register(f"{name}_df", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {casts} FROM {name}_df")
    con.unregister(f"{name}_df")


def _text(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    text = str(value).strip()
    return text or None


def _json_number(value, field_name: str, file: str, line: int, *, positive: bool) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise DataError("not a number", file=file, line=line, column=field_name, value=value) from None
    if isinstance(value, bool) or math.isnan(number) or math.isinf(number) or \
            (positive and number <= 0) or number < 0:
        raise DataError("must be a number > 0" if positive else "must be a number >= 0",
                        file=file, line=line, column=field_name, value=value)
    return number


def _json_ts(value, field_name: str, file: str, line: int, required: bool) -> datetime | None:
    if value is None or value == "":
        if required:
            raise DataError("missing value", file=file, line=line, column=field_name)
        return None
    try:
        return parse_ts(str(value))
    except ValueError:
        raise DataError("not a valid timestamp (ISO 8601)", file=file, line=line, column=field_name,
                        value=value) from None


@lru_cache(maxsize=200_000)
def _normalize_cached(kind: str, value: str | int | float) -> tuple[str | None, str | None]:
    """(canonical, None) or (None, reason); reports repeat the same numbers and accounts."""
    try:
        return normalize_identifier(kind, value), None
    except IdentifierError as exc:
        return None, exc.reason


def _normalize_value(kind: str, value) -> tuple[str | None, str | None]:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return _normalize_cached(kind, value)
    return None, "not a string"


def _json_identifier(kind: str, value, field_name: str, file: str, line: int) -> str | None:
    if value is None or value == "":
        return None
    canonical, reason = _normalize_value(kind, value)
    if canonical is None:
        raise DataError(f"not a valid {kind}: {reason}", file=file, line=line, column=field_name, value=value)
    return canonical


def _report_row(obj: dict, line: bytes, file: str, line_no: int) -> tuple:
    report_id = _text(obj, "report_id")
    if report_id is None:
        raise DataError("missing value", file=file, line=line_no, column="report_id")
    victim = obj.get("victim") or {}
    if not isinstance(victim, dict):
        raise DataError("victim must be an object", file=file, line=line_no, column="victim", value=victim)
    return (
        report_id,
        _json_ts(obj.get("reported_at"), "reported_at", file, line_no, required=True),
        (_text(obj, "scam_type") or "").lower() or None,
        _json_number(obj.get("loss_thb"), "loss_thb", file, line_no, positive=False),
        _json_identifier("holder_id", victim.get("holder_id"), "victim.holder_id", file, line_no),
        _json_identifier("phone", victim.get("phone"), "victim.phone", file, line_no),
        _text(victim, "province"),
        _text(obj, "narrative"),
        line.decode("utf-8", errors="replace").strip(),
    )


def _contact_rows(obj: dict, report_id: str, file: str, line_no: int) -> list[tuple]:
    items = obj.get("contacts") or []
    if not isinstance(items, list):
        raise DataError("contacts must be a list", file=file, line=line_no, column="contacts", value=items)
    rows = []
    for item in items:
        if not isinstance(item, dict):
            raise DataError("a contact must be an object", file=file, line=line_no, column="contacts", value=item)
        kind = (_text(item, "type") or "").lower() or None
        raw = _text(item, "value")
        value = None
        # Victims write messy things: an unparseable contact keeps its raw text.
        if kind in CONTACT_TYPES and raw is not None:
            value = _normalize_value(kind, raw)[0]
        rows.append((report_id, kind, value, raw))
    return rows


def _transfer_rows(obj: dict, report_id: str, file: str, line_no: int) -> list[tuple]:
    items = obj.get("transfers") or []
    if not isinstance(items, list):
        raise DataError("transfers must be a list", file=file, line=line_no, column="transfers", value=items)
    rows = []
    for seq, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise DataError("a transfer must be an object", file=file, line=line_no, column="transfers", value=item)
        prefix = f"transfers[{seq - 1}]"
        keys = []
        for side in ("from", "to"):
            bank, account = item.get(f"{side}_bank"), item.get(f"{side}_account")
            if (bank in (None, "")) and (account in (None, "")):
                keys.append(None)
                continue
            try:
                code = bank_account.bank_code(bank)
            except IdentifierError:
                raise DataError("not a valid bank code (1-3 digits)", file=file, line=line_no,
                                column=f"{prefix}.{side}_bank", value=bank) from None
            try:
                keys.append(bank_account.from_fields(code, account))
            except IdentifierError:
                raise DataError("not a valid account number (6-20 digits)", file=file, line=line_no,
                                column=f"{prefix}.{side}_account", value=account) from None
        rows.append((
            report_id, seq,
            _json_ts(item.get("ts"), f"{prefix}.ts", file, line_no, required=False),
            _text(item, "txn_id"),
            keys[0], keys[1],
            _json_number(item.get("amount"), f"{prefix}.amount", file, line_no, positive=True),
        ))
    return rows


# ---------------------------------------------------------------- as-of and final tables


def _latest_time(con, staged: dict[str, str]) -> datetime | None:
    parts = [f"SELECT max({TIME_COLUMN[name]}) AS t FROM {table}"
             for name, table in staged.items() if name in TIME_COLUMN]
    if "reports" in staged:
        parts.append("SELECT max(ts) AS t FROM _axf_stage_report_transfers")
    if not parts:
        return None
    return con.execute(f"SELECT max(t) FROM ({' UNION ALL '.join(parts)})").fetchone()[0]


_COMMON_TS = "____-__-__T__:__:__+07:00"


def _latest_time_unread(con, name: str, path: Path) -> datetime | None:
    """The latest time in a file that is not read: one scan of its time column only.

    Unlike reading, nothing is validated: values that are not timestamps are
    skipped. The common written forms go through the SQL fast path; the distinct
    rest through `parse_ts`, the same as the reader.
    """
    p = _sql_str(path)
    if name == "reports":
        return _latest_report_time(path)
    column = TIME_COLUMN.get(name)
    if column is None:
        return None
    if path.suffix == ".parquet":
        header = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{p}')").fetchall()]
    else:
        with open(path, "rb") as f:
            first = f.readline()
        try:
            header = next(csv.reader([first.decode("utf-8-sig")]), None) or []
        except UnicodeDecodeError:
            return None
    by_key = {}
    for col in header:
        by_key.setdefault(col.strip().lower(), col)
    if column not in by_key:
        return None
    if path.suffix == ".parquet":
        source = f"read_parquet('{p}')"
    else:
        names: list[str] = []
        for col in header:
            n = col
            while n in names:
                n += "_"
            names.append(n)
        cols = ", ".join(f"'{_sql_str(n)}': 'VARCHAR'" for n in names)
        source = (f"read_csv('{p}', delim=',', quote='\"', escape='\"', header=true, auto_detect=false, "
                  f"columns={{{cols}}}, strict_mode=false, ignore_errors=true, encoding='utf-8')")
    raw = fast.trimmed(f"CAST({_ident(by_key[column])} AS VARCHAR)")
    # The usual written form (`2025-03-01T21:40:00+07:00`) is fixed-width with one offset,
    # so its latest value is its largest string: no per-row timestamp parse. Every other
    # form goes the usual way. Should the largest such string not be a valid time, the
    # whole column is parsed instead.
    common = f"v LIKE '{_COMMON_TS}'"
    try:
        # first only the largest common string and whether any other form occurs at all
        # (usually none: then no value is parsed and no list is built)
        top, others = con.execute(
            f"SELECT max(v) FILTER (WHERE {common}), count(*) FILTER (WHERE v IS NOT NULL AND NOT {common}) "
            f"FROM (SELECT {raw} AS v FROM {source})").fetchone()
        latest, open_values = None, []
        if others:
            latest, open_values = con.execute(
                f"SELECT max(t), list(DISTINCT v) FILTER (WHERE t IS NULL AND v IS NOT NULL) FROM "
                f"(SELECT v, {fast.timestamp('v')} AS t "
                f"FROM (SELECT {raw} AS v FROM {source}) WHERE v IS NOT NULL AND NOT {common})").fetchone()
        top_t = con.execute(f"SELECT {fast.timestamp('v')} FROM (SELECT CAST(? AS VARCHAR) AS v)",
                            [top]).fetchone()[0] if top is not None else None
        if top is not None and top_t is None:
            latest, open_values = con.execute(
                f"SELECT max(t), list(DISTINCT v) FILTER (WHERE t IS NULL AND v IS NOT NULL) FROM "
                f"(SELECT v, {fast.timestamp('v')} AS t FROM (SELECT {raw} AS v FROM {source}))").fetchone()
        elif top_t is not None:
            latest = top_t if latest is None or top_t > latest else latest
    except duckdb.Error:
        return None
    for value in open_values or []:
        latest = _later(latest, value)
    return latest


def _later(latest: datetime | None, value) -> datetime | None:
    """The later of `latest` and `value` parsed as a time (`latest` when it does not parse)."""
    try:
        t = parse_ts(value)
    except (ValueError, TypeError, OverflowError):
        return latest
    return t if latest is None or t > latest else latest


def _latest_report_time(path: Path) -> datetime | None:
    """reported_at and transfer times of reports.jsonl, unvalidated (lines that do not parse are skipped)."""
    latest = None
    with open(path, "rb") as fh:
        for line in fh:
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(obj, dict):
                continue
            values = [obj.get("reported_at")]
            transfers = obj.get("transfers")
            if isinstance(transfers, list):
                values += [t.get("ts") for t in transfers if isinstance(t, dict)]
            for value in values:
                if isinstance(value, str):
                    latest = _later(latest, value)
    return latest


def _finalise(con, staged: dict[str, str], finals: dict[str, list[tuple[str, str]]],
              as_of: datetime | None) -> None:
    """Cut at as-of, drop re-sent rows, and create every canonical table (in file order)."""
    for name in TABLES:
        source = staged.get(name)
        if name in ("report_contacts", "report_transfers") and "reports" in staged:
            source = f"_axf_stage_{name}"
        if source is None:
            empty = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in SCHEMAS[name])
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {empty} LIMIT 0")
            continue
        if name in ("report_contacts", "report_transfers"):
            # A report's contacts and transfers live and die with the report.
            cols = ", ".join(f"s.{c}" for c, _ in SCHEMAS[name])
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {cols} FROM {source} s "
                        f"WHERE s.report_id IN (SELECT report_id FROM reports) ORDER BY s.rowid")
            continue
        exprs = finals.get(name) or [(c, c) for c, _ in SCHEMAS[name]]
        select = ", ".join(f"CAST({expr} AS {t}) AS {c}" for (c, expr), (_, t) in zip(exprs, SCHEMAS[name]))
        where, params = "", []
        if as_of is not None and name in TIME_COLUMN:
            time_expr = dict(exprs)[TIME_COLUMN[name]]
            where, params = f"WHERE {time_expr} <= ?", [as_of]
        key = {"transactions": "txn_id", "accounts": dict(exprs).get("account")}.get(name)
        # Cut first, then keep the first occurrence of a key by file order: identical
        # to reading files already cut at as-of. The window runs only when needed: when
        # there are more rows than groups (the distinct keys, and one group for NULL) —
        # a distinct count is about twice as fast as grouping the keys.
        if key and con.execute(f"SELECT count(*) > count(DISTINCT k) + CAST(count(*) > count(k) AS INTEGER) "
                               f"FROM (SELECT {key} AS k FROM {source} {where})", params).fetchone()[0]:
            sql = (f"SELECT {select} FROM {source} {where} "
                   f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY rowid) = 1 ORDER BY rowid")
        else:
            sql = f"SELECT {select} FROM {source} {where}"
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}", params)
    for table in set(staged.values()) | {"_axf_stage_report_contacts", "_axf_stage_report_transfers"}:
        con.execute(f"DROP TABLE IF EXISTS {table}")


__all__ = ["Dataset", "open_dataset", "table_files", "SCHEMAS", "TABLES", "BULK_TABLES", "CHANNELS"]
