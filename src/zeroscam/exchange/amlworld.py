"""IBM AMLworld transactions (HI-Small_Trans.csv and its siblings) → an AXF folder + truth/.

Input header: `Timestamp,From Bank,Account,To Bank,Account,Amount Received,
Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering`
(note the duplicated `Account`). Everything runs in DuckDB: millions of rows
never become Python objects. The mapping (docs/axf-reader.md):

- bank → 3-digit code: IDs below 1000 keep their number; larger IDs are hashed
  (md5) into 000-999. Stable across files and runs.
- account → digits: the original bank ID (7 digits) followed by the hex account
  ID as a decimal number (11 digits); IDs that are not short hex are hashed. The
  bank part keeps two banks that share a code from sharing an account.
- payment format → channel: ACH/Wire/Cheque/Reinvestment → transfer, Credit
  Card → card, Bitcoin → crypto_out, Cash between two accounts → a cash_out of
  the payer plus a cash_in of the payee (txn ids suffixed -out/-in), Cash on a
  self-loop → cash_in (a deposit).
- amount: `Amount Paid`; its currency goes to an extra `currency` column
  (readers ignore it). No conversion.
- accounts.csv: every account seen; holder `tok:<md5 of entity or account>`;
  opened a year before the first transaction in the file (age carries no signal).
- truth/: transactions.csv (txn_id,is_scam), scam_txns.csv and accounts.csv in
  the simulator's shapes (docs/simulator.md) plus every other truth file
  evaluate reads (header-only where AMLworld has no data); rings are the connected
  components of laundering transfers.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from zeroscam.exchange.writer import copy_query, format_ts, sql_ts, write_rows
from zeroscam.kit.disjoint import DisjointSet
from zeroscam.kit.errors import DataError

RAW_COLUMNS = ["ts", "from_bank", "from_account", "to_bank", "to_account", "amount_received", "receiving_currency",
               "amount_paid", "payment_currency", "payment_format", "is_laundering"]
EXPECTED_HEADER = ["Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received",
                   "Receiving Currency", "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering"]

CHANNEL_OF_FORMAT = {"ach": "transfer", "wire": "transfer", "cheque": "transfer", "reinvestment": "transfer",
                     "credit card": "card", "bitcoin": "crypto_out"}


def _bank_code_sql(x: str) -> str:
    num = f"TRY_CAST({x} AS BIGINT)"
    return (f"(CASE WHEN {num} IS NOT NULL AND {num} BETWEEN 0 AND 999 THEN lpad(CAST({num} AS VARCHAR), 3, '0') "
            f"ELSE lpad(CAST(CAST(('0x' || substr(md5({x}), 1, 8)) AS BIGINT) % 1000 AS VARCHAR), 3, '0') END)")


def _account_digits_sql(bank: str, account: str) -> str:
    num = f"TRY_CAST({bank} AS BIGINT)"
    bank_part = (f"(CASE WHEN {num} IS NOT NULL AND {num} BETWEEN 0 AND 9999999 THEN lpad(CAST({num} AS VARCHAR), 7, '0') "
                 f"ELSE lpad(CAST(CAST(('0x' || substr(md5({bank}), 1, 8)) AS BIGINT) % 10000000 AS VARCHAR), 7, '0') END)")
    acct_part = (f"(CASE WHEN regexp_full_match({account}, '[0-9A-Fa-f]{{1,9}}') "
                 f"THEN lpad(CAST(CAST(('0x' || {account}) AS BIGINT) AS VARCHAR), 11, '0') "
                 f"ELSE lpad(CAST(CAST(('0x' || substr(md5({account}), 1, 10)) AS BIGINT) % 100000000000 AS VARCHAR), 11, '0') END)")
    return f"({bank_part} || {acct_part})"


def import_amlworld(trans_file: str | Path, out_dir: str | Path, *, accounts_file: str | Path | None = None,
                    con: duckdb.DuckDBPyConnection | None = None) -> dict[str, int]:
    """Convert one AMLworld transaction CSV; returns row counts written."""
    path = Path(trans_file)
    out = Path(out_dir)
    if not path.is_file():
        raise DataError("no such file", file=str(path))
    con = con if con is not None else duckdb.connect()
    p = str(path).replace("'", "''")
    header = [r[0] for r in con.execute(
        f"DESCRIBE SELECT * FROM read_csv('{p}', header=true, all_varchar=true, delim=',')").fetchall()]
    if len(header) != len(EXPECTED_HEADER):
        raise DataError(f"expected the AMLworld header {','.join(EXPECTED_HEADER)}", file=str(path), line=1,
                        value=",".join(header))
    names = ", ".join(f"'{c}'" for c in RAW_COLUMNS)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _aml_raw AS SELECT * FROM read_csv('{p}', header=true, "
                    f"names=[{names}], all_varchar=true, delim=',', quote='\"', strict_mode=true)")
    except duckdb.Error as exc:
        raise DataError(f"cannot read AMLworld CSV: {str(exc).splitlines()[0]}", file=str(path)) from None
    ts = ("COALESCE(try_strptime(trim(ts), '%Y/%m/%d %H:%M'), try_strptime(trim(ts), '%Y/%m/%d %H:%M:%S'), "
          "TRY_CAST(trim(ts) AS TIMESTAMP))")
    amount = "TRY_CAST(trim(amount_paid) AS DOUBLE)"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _aml AS
        SELECT rowid + 1 AS n, rowid + 2 AS line, {ts} AS local_ts,
               {_bank_code_sql('trim(from_bank)')} AS src_bank,
               {_account_digits_sql('trim(from_bank)', 'trim(from_account)')} AS src_account,
               {_bank_code_sql('trim(to_bank)')} AS dst_bank,
               {_account_digits_sql('trim(to_bank)', 'trim(to_account)')} AS dst_account,
               {amount} AS amount, trim(payment_currency) AS currency,
               lower(trim(payment_format)) AS fmt,
               trim(from_bank) = trim(to_bank) AND trim(from_account) = trim(to_account) AS self_loop,
               TRY_CAST(trim(is_laundering) AS INTEGER) AS is_laundering,
               ts AS raw_ts, amount_paid AS raw_amount, is_laundering AS raw_label,
               from_bank, from_account, to_bank, to_account
        FROM _aml_raw""")
    bad = con.execute("""
        SELECT line, CASE WHEN local_ts IS NULL THEN 'Timestamp'
                          WHEN amount IS NULL OR isnan(amount) OR amount < 0 THEN 'Amount Paid'
                          WHEN is_laundering IS NULL OR is_laundering NOT IN (0, 1) THEN 'Is Laundering'
                          WHEN from_account IS NULL OR to_account IS NULL THEN 'Account' END AS col,
               CASE WHEN local_ts IS NULL THEN raw_ts WHEN amount IS NULL OR isnan(amount) OR amount < 0 THEN raw_amount
                    WHEN is_laundering IS NULL OR is_laundering NOT IN (0, 1) THEN raw_label END AS value
        FROM _aml WHERE local_ts IS NULL OR amount IS NULL OR isnan(amount) OR amount < 0
              OR is_laundering IS NULL OR is_laundering NOT IN (0, 1) OR from_account IS NULL OR to_account IS NULL
        ORDER BY line LIMIT 1""").fetchone()
    if bad is not None:
        raise DataError("bad value", file=str(path), line=int(bad[0]), column=bad[1], value=bad[2])
    # Amount 0 (AMLworld has a few) is not a valid AXF transfer: skipped, and counted.
    channel_case = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CHANNEL_OF_FORMAT.items())
    # Timestamps carry no zone: read as Bangkok wall time, stored as naive UTC.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _aml_txn AS
        WITH base AS (SELECT *, local_ts - INTERVAL 7 HOUR AS ts FROM _aml WHERE amount > 0)
        SELECT n, 0 AS part, 'AML-' || n AS txn_id, ts, CASE fmt {channel_case} ELSE 'transfer' END AS channel,
               src_bank, src_account, dst_bank, dst_account, amount, currency, is_laundering
          FROM base WHERE fmt <> 'cash'
        UNION ALL
        SELECT n, 0, 'AML-' || n, ts, 'cash_in', NULL, NULL, dst_bank, dst_account, amount, currency, is_laundering
          FROM base WHERE fmt = 'cash' AND self_loop
        UNION ALL
        SELECT n, 1, 'AML-' || n || '-out', ts, 'cash_out', src_bank, src_account, NULL, NULL, amount, currency,
               is_laundering FROM base WHERE fmt = 'cash' AND NOT self_loop
        UNION ALL
        SELECT n, 2, 'AML-' || n || '-in', ts, 'cash_in', NULL, NULL, dst_bank, dst_account, amount, currency,
               is_laundering FROM base WHERE fmt = 'cash' AND NOT self_loop""")
    skipped = con.execute("SELECT count(*) FROM _aml WHERE amount = 0").fetchone()[0]
    out.mkdir(parents=True, exist_ok=True)
    copy_query(con, f"""SELECT txn_id, {sql_ts('ts')} AS ts, channel, src_bank, src_account, dst_bank, dst_account,
                               printf('%.2f', amount) AS amount, NULL AS src_device, currency
                        FROM _aml_txn ORDER BY n, part""", out / "transactions.csv")
    _accounts(con, out, path, accounts_file)
    _truth(con, out / "truth")
    counts = {name: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for name, t in (("transactions", "_aml_txn"), ("accounts", "_aml_accounts"))}
    counts["skipped_zero_amount"] = skipped
    counts["laundering_transactions"] = con.execute(
        "SELECT count(*) FROM _aml_txn WHERE is_laundering = 1").fetchone()[0]
    for table in ("_aml_raw", "_aml", "_aml_txn", "_aml_accounts", "_aml_entities"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return counts


def _accounts(con, out: Path, trans_path: Path, accounts_file: str | Path | None) -> None:
    """accounts.csv from the accounts seen; entities from HI-*_accounts.csv when given."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _aml_entities (bank VARCHAR, account VARCHAR, entity VARCHAR,
                   entity_name VARCHAR)""")
    if accounts_file is not None:
        apath = Path(accounts_file)
        if not apath.is_file():
            raise DataError("no such file", file=str(apath))
        a = str(apath).replace("'", "''")
        try:
            # Bank Name,Bank ID,Account Number,Entity ID,Entity Name
            con.execute(f"""INSERT INTO _aml_entities
                SELECT trim("Bank ID"), trim("Account Number"), trim("Entity ID"), trim("Entity Name")
                FROM read_csv('{a}', header=true, all_varchar=true, delim=',')""")
        except duckdb.Error as exc:
            raise DataError(f"cannot read AMLworld accounts CSV: {str(exc).splitlines()[0]}", file=str(apath)) from None
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _aml_accounts AS
        WITH seen AS (
            SELECT DISTINCT src_bank AS bank, src_account AS account, from_bank AS orig_bank, from_account AS orig_account
              FROM _aml WHERE amount > 0
            UNION
            SELECT DISTINCT dst_bank, dst_account, to_bank, to_account FROM _aml WHERE amount > 0)
        SELECT s.bank, s.account,
               'tok:' || substr(md5(COALESCE('entity:' || e.entity, 'account:' || trim(s.orig_bank) || ':' ||
                                    trim(s.orig_account))), 1, 16) AS holder_id,
               CASE WHEN regexp_matches(lower(COALESCE(e.entity_name, '')), 'corporation|partnership|company|llc|inc')
                    THEN 'company' ELSE 'person' END AS holder_type
        FROM seen s
        LEFT JOIN _aml_entities e ON TRY_CAST(e.bank AS BIGINT) = TRY_CAST(trim(s.orig_bank) AS BIGINT)
                                 AND e.account = trim(s.orig_account)
        QUALIFY row_number() OVER (PARTITION BY s.bank, s.account ORDER BY s.orig_bank, s.orig_account) = 1""")
    opened = con.execute("SELECT min(local_ts) - INTERVAL 365 DAY - INTERVAL 7 HOUR FROM _aml").fetchone()[0]
    con.execute("ALTER TABLE _aml_accounts ADD COLUMN opened_at TIMESTAMP")
    con.execute("UPDATE _aml_accounts SET opened_at = ?", [opened])
    copy_query(con, f"""SELECT bank, account, holder_id, holder_type, {sql_ts('opened_at')} AS opened_at,
                               'active' AS status, NULL AS holder_birth_year, NULL AS province, NULL AS kyc_channel
                        FROM _aml_accounts ORDER BY bank, account""", out / "accounts.csv")


# Column lists of the simulator's truth files (docs/simulator.md), so `zeroscam evaluate` reads ours.
TRUTH_COLUMNS = {
    "accounts": ["account", "bank", "holder_id", "ring_id", "role", "tier", "opened_at", "sold_at", "first_scam_ts"],
    "sims": ["msisdn", "ring_id", "role", "holder_id", "registered_at", "first_use_ts"],
    "holders": ["holder_id", "ring_id", "role", "nominee_kind", "mule_accounts", "ring_sims"],
    "rings": ["ring_id", "scam_type", "organiser_holder_id", "start_ts", "victims", "reported_victims", "loss_thb",
              "accounts", "sims", "cashout", "atm_chunk_thb", "layers", "farm_province", "farm_border_km"],
    "victims": ["victim_id", "holder_id", "ring_id", "scam_type", "age", "payments", "loss_thb", "first_paid_at",
                "reported", "report_id", "reported_at"],
    "scam_txns": ["txn_id", "ring_id", "victim_id", "report_id", "kind", "hop", "ts", "src", "dst", "amount"],
    "reports": ["report_id", "reported_at", "victim_id", "ring_id", "mistaken", "target_account"],
    "lookalike_accounts": ["account", "kind"],
    "lookalike_sims": ["msisdn", "kind"],
}
_SCAM_KIND = {"cash_out": "cashout_atm", "crypto_out": "crypto_out"}


def _truth(con, truth: Path) -> None:
    """Labels in the simulator's truth shapes, so `zeroscam evaluate` can score.

    AMLworld has laundering labels only: no victims, reports, SIMs or look-alikes
    (those files are written with their headers and no rows).
    """
    truth.mkdir(parents=True, exist_ok=True)
    copy_query(con, "SELECT txn_id, is_laundering AS is_scam FROM _aml_txn ORDER BY n, part", truth / "transactions.csv")
    rows = con.execute("""
        SELECT txn_id, src_bank || '-' || src_account, dst_bank || '-' || dst_account, channel, ts, amount
        FROM _aml_txn WHERE is_laundering = 1 ORDER BY n, part""").fetchall()
    # Rings from the original payer → payee edges (a cash hand-over still links the two).
    ring_of = _components(con.execute("""
        SELECT src_bank || '-' || src_account, dst_bank || '-' || dst_account
        FROM _aml WHERE is_laundering = 1 AND amount > 0 ORDER BY n""").fetchall())
    scam_rows = []
    touched: dict[str, dict] = {}
    rings: dict[str, dict] = {}
    for txn_id, src, dst, channel, ts, amount in rows:
        ring = ring_of.get(src or dst)
        scam_rows.append({"txn_id": txn_id, "ring_id": ring, "kind": _SCAM_KIND.get(channel, "layer"), "ts": ts,
                          "src": src, "dst": dst, "amount": f"{amount:.2f}"})
        info_ring = rings.setdefault(ring, {"start": ts, "atm": False, "crypto": False, "amount": 0.0})
        info_ring["start"] = min(info_ring["start"], ts)
        info_ring["atm"] |= channel == "cash_out"
        info_ring["crypto"] |= channel == "crypto_out"
        for key, direction in ((src, "out"), (dst, "in")):
            if key is None:
                continue
            info = touched.setdefault(key, {"in": 0, "out": 0, "cash": 0, "first": ts, "ring": ring_of.get(key)})
            info[direction] += 1
            info["first"] = min(info["first"], ts)
            if direction == "out" and channel in ("cash_out", "crypto_out"):
                info["cash"] += 1
    write_rows(truth / "scam_txns.csv", TRUTH_COLUMNS["scam_txns"], scam_rows)
    holders = dict(con.execute("SELECT bank || '-' || account, holder_id FROM _aml_accounts").fetchall())
    opened = dict(con.execute("SELECT bank || '-' || account, opened_at FROM _aml_accounts").fetchall())
    account_rows = []
    for key in sorted(touched, key=lambda k: (touched[k]["ring"] or "", k)):
        info = touched[key]
        if info["cash"]:
            role = "cashout"
        elif info["in"] and info["out"]:
            role = "layer"
        elif info["out"]:
            role = "collector"  # where the dirty money first sits
        else:
            role = "cashout"  # end of the laundering chain
        account_rows.append({"account": key, "bank": key[:3], "holder_id": holders.get(key), "ring_id": info["ring"],
                             "role": role, "opened_at": opened.get(key), "first_scam_ts": info["first"]})
    write_rows(truth / "accounts.csv", TRUTH_COLUMNS["accounts"], account_rows)
    holder_rows: dict[tuple[str, str], int] = {}
    for row in account_rows:
        if row["holder_id"]:
            holder_rows[(row["holder_id"], row["ring_id"])] = holder_rows.get((row["holder_id"], row["ring_id"]), 0) + 1
    write_rows(truth / "holders.csv", TRUTH_COLUMNS["holders"],
               [{"holder_id": h, "ring_id": r, "role": "nominee", "mule_accounts": n, "ring_sims": 0}
                for (h, r), n in sorted(holder_rows.items())])
    members = {}
    for row in account_rows:
        members[row["ring_id"]] = members.get(row["ring_id"], 0) + 1
    write_rows(truth / "rings.csv", TRUTH_COLUMNS["rings"], [
        {"ring_id": ring, "scam_type": "laundering", "start_ts": info["start"], "victims": 0, "reported_victims": 0,
         "loss_thb": "0.00", "accounts": members.get(ring, 0), "sims": 0,
         "cashout": "both" if info["atm"] and info["crypto"] else "atm" if info["atm"] else
                    "crypto" if info["crypto"] else None}
        for ring, info in sorted(rings.items())])
    for name in ("sims", "victims", "reports", "lookalike_accounts", "lookalike_sims"):
        write_rows(truth / f"{name}.csv", TRUTH_COLUMNS[name], [])
    window = con.execute("SELECT min(ts), max(ts), count(*) FROM _aml_txn").fetchone()
    import json

    (truth / "params.json").write_text(json.dumps({
        "source": "amlworld", "window_start": format_ts(window[0]), "window_end": format_ts(window[1]),
        "counts": {"transactions": window[2], "laundering_transactions": len(rows)},
    }, indent=2, sort_keys=True) + "\n")


def _components(edges: list[tuple[str | None, str | None]]) -> dict[str, str]:
    """Account → ring id (`AML-R0001`…) by connected components of laundering transfers."""
    groups = DisjointSet()
    for a, b in edges:
        for x in (a, b):
            if x is not None:
                groups.add(x)
        if a is not None and b is not None:
            groups.union(a, b)
    roots = sorted({groups.find(x) for x in groups.parent})
    names = {root: f"AML-R{i + 1:04d}" for i, root in enumerate(roots)}
    return {x: names[groups.find(x)] for x in groups.parent}
