"""Account features for mule detection: one row per account seen by the as-of time.

Per-account aggregates are SQL in DuckDB's dialect run through the engine seam
(Spark transpiles it). Amounts are summed as integer satang and times as integer
epoch seconds, so both engines produce bit-identical numbers. Graph features over
the aggregated transfer graph (money-weighted hops from reported accounts,
scatter-gather, chains) are computed after the SQL with sparse matrices — the same
code for both engines.

Every feature is a number (NaN allowed) named for what it measures; the mapping to
reason codes is `FEATURE_CODES`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from zeroscam.analytics.detection.common import drop, materialize, ts_literal

DAY = 86400
HOUR = 3600
TINY_CENTS = 1_000          # a credit of 10 baht or less: a "test" credit
ROUND_CENTS = 100_000       # a multiple of 1,000 baht
ATM_CENTS = 500_000         # cash-outs in multiples of 5,000 baht (ATM note limits)

_TEMP = ("mf_acct", "mf_tx", "mf_pair", "mf_cp", "mf_agg", "mf_holder", "mf_srcdev", "mf_dev")


@dataclass
class AccountFeatures:
    """frame: one row per account key (`account`), sorted by it, with `bank`, `holder_id`
    and the numeric feature columns. edges: the aggregated transfer graph
    (src_pos, dst_pos: the accounts' rows in `frame`; cents, n, first_t), sorted by
    (src_pos, dst_pos), self-transfers left out. labels: report evidence per
    account (account, n_reports, n_victims, first_reported_t)."""

    frame: pd.DataFrame
    edges: pd.DataFrame
    labels: pd.DataFrame
    as_of: object
    devices: pd.DataFrame | None = None
    # (gather_sources, scatter_sinks) per frame row, computed next to the SQL (`_scatter_gather`)
    scatter_gather: object = None
    # per frame row, an integer code of `holder_id` (same holder, same code): comparing codes
    # per edge is ten times cheaper than comparing the strings
    holder_code: np.ndarray | None = None
    # `device_evidence`'s per-device layout, computed on its first call
    _device_layout: tuple | None = field(default=None, repr=False)


# Distinct banks per account as a bitmask of bank numbers (one bit each, up to 62 banks: a
# `bit_or` costs a third of a `COUNT(DISTINCT)`); past that, counted distinct.
MASK_BANKS = 62


def _distinct_banks(column: str, mask: bool) -> str:
    if mask:
        return f"CAST(bit_count(bit_or(CAST(1 AS BIGINT) << {column})) AS BIGINT)"
    return f"COUNT(DISTINCT {column})"


def _sql_steps(as_of, bank_mask: bool = True) -> list[tuple[str, str]]:
    t_asof = f"CAST(FLOOR(epoch({ts_literal(as_of)})) AS BIGINT)"
    return [
        # the universe: every account in accounts or at an end of a transaction, with its
        # row in the frame (`pos`, by account): every later step keys accounts by that
        # integer, so no per-event string is hashed, sorted or joined on
        ("mf_acct", f"""
            SELECT u.account, ROW_NUMBER() OVER (ORDER BY u.account) - 1 AS pos,
                   SUBSTRING(u.account, 1, 3) AS bank,
                   DENSE_RANK() OVER (ORDER BY SUBSTRING(u.account, 1, 3)) AS bank_no,
                   COALESCE(a.holder_id, 'acct:' || u.account) AS holder_id,
                   CASE WHEN a.account IS NULL THEN 1 ELSE 0 END AS unknown_kyc,
                   CASE WHEN a.holder_type = 'company' THEN 1 ELSE 0 END AS company,
                   CASE WHEN a.kyc_channel = 'app' THEN 1 WHEN a.kyc_channel = 'agent' THEN 2
                        WHEN a.kyc_channel = 'branch' THEN 0 END AS kyc_channel_code,
                   CAST(FLOOR(epoch(a.opened_at)) AS BIGINT) AS opened_t,
                   {"EXTRACT(YEAR FROM " + ts_literal(as_of) + ")"} - CAST(a.holder_birth_year AS INTEGER) AS holder_age
            FROM (SELECT account FROM accounts
                  UNION SELECT dst FROM transactions WHERE amount > 0 AND dst IS NOT NULL
                  UNION SELECT src FROM transactions WHERE amount > 0 AND src IS NOT NULL) u
            LEFT JOIN (SELECT account, MIN(holder_id) AS holder_id, MIN(holder_type) AS holder_type,
                              MIN(kyc_channel) AS kyc_channel, MIN(opened_at) AS opened_at,
                              MIN(holder_birth_year) AS holder_birth_year
                       FROM accounts GROUP BY account) a ON a.account = u.account"""),
        # transactions with both ends as positions (NULL for the cash side) and banks
        ("mf_tx", """
            SELECT x.txn_id, CAST(FLOOR(epoch(x.ts)) AS BIGINT) AS t, s.pos AS src, d.pos AS dst,
                   CASE x.channel WHEN 'cash_in' THEN 1 WHEN 'cash_out' THEN 2 WHEN 'crypto_out' THEN 3
                        ELSE 0 END AS chan,
                   s.bank_no AS src_bank, d.bank_no AS dst_bank, x.src_device AS device,
                   CASE WHEN s.bank_no <> d.bank_no THEN 1 ELSE 0 END AS other_bank,
                   CAST(ROUND(x.amount * 100) AS BIGINT) AS cents
            FROM transactions x LEFT JOIN mf_acct s ON s.account = x.src LEFT JOIN mf_acct d ON d.account = x.dst
            WHERE x.amount > 0"""),
        # one row per (payer, payee) pair: the transfer graph, the counterparty
        # counts and the edges all come from it
        ("mf_pair", """
            SELECT src, dst, MIN(src_bank) AS src_bank, MIN(dst_bank) AS dst_bank, SUM(cents) AS cents,
                   COUNT(*) AS n, MIN(t) AS first_t, MAX(t) AS last_t
            FROM mf_tx GROUP BY src, dst"""),
        # counterparties: per account, its payers (pairs into it) and payees (pairs out of
        # it); each pair is one counterparty, so distinct counts are plain counts. A payer
        # is social when the account also paid it (the reverse pair exists).
        ("mf_cp", f"""
            SELECT COALESCE(i.pos, o.pos) AS pos,
              COALESCE(i.in_cp, 0) AS in_cp, COALESCE(o.out_cp, 0) AS out_cp,
              COALESCE(i.in_cp_stranger, 0) AS in_cp_stranger,
              COALESCE(i.in_cents_stranger, 0) AS in_cents_stranger,
              COALESCE(o.out_banks, 0) AS out_banks, COALESCE(i.in_banks, 0) AS in_banks,
              COALESCE(i.in_cp_7d, 0) AS in_cp_7d, COALESCE(o.out_cp_7d, 0) AS out_cp_7d
            FROM (
              SELECT p.dst AS pos, COUNT(*) AS in_cp,
                SUM(CASE WHEN r.src IS NULL THEN 1 ELSE 0 END) AS in_cp_stranger,
                SUM(CASE WHEN r.src IS NULL THEN p.cents ELSE 0 END) AS in_cents_stranger,
                {_distinct_banks("p.src_bank", bank_mask)} AS in_banks,
                SUM(CASE WHEN p.last_t > {t_asof} - {7 * DAY} THEN 1 ELSE 0 END) AS in_cp_7d
              FROM mf_pair p LEFT JOIN mf_pair r ON r.src = p.dst AND r.dst = p.src
              WHERE p.src IS NOT NULL AND p.dst IS NOT NULL
              GROUP BY p.dst) i
            FULL OUTER JOIN (
              SELECT src AS pos, COUNT(*) AS out_cp, {_distinct_banks("dst_bank", bank_mask)} AS out_banks,
                SUM(CASE WHEN last_t > {t_asof} - {7 * DAY} THEN 1 ELSE 0 END) AS out_cp_7d
              FROM mf_pair WHERE src IS NOT NULL AND dst IS NOT NULL
              GROUP BY src) o
            ON o.pos = i.pos"""),
        # per account over its events (one per account side of a transaction: +1 money
        # in, -1 money out), in time order: one sort, aggregated straight away
        ("mf_agg", f"""
            SELECT e.acct AS pos,
              SUM(CASE WHEN dir > 0 THEN 1 ELSE 0 END) AS in_n,
              SUM(CASE WHEN dir < 0 THEN 1 ELSE 0 END) AS out_n,
              SUM(CASE WHEN dir > 0 THEN cents ELSE 0 END) AS in_cents,
              SUM(CASE WHEN dir < 0 THEN cents ELSE 0 END) AS out_cents,
              SUM(CASE WHEN dir > 0 AND chan = 1 THEN cents ELSE 0 END) AS cash_in_cents,
              SUM(CASE WHEN dir < 0 AND chan = 2 THEN 1 ELSE 0 END) AS cash_out_n,
              SUM(CASE WHEN dir < 0 AND chan = 2 THEN cents ELSE 0 END) AS cash_out_cents,
              SUM(CASE WHEN dir < 0 AND chan = 2 AND cents % {ATM_CENTS} = 0
                       AND cents >= {2 * ATM_CENTS} THEN 1 ELSE 0 END) AS atm_limit_n,
              SUM(CASE WHEN dir < 0 AND cents % {ROUND_CENTS} = 0 THEN 1 ELSE 0 END) AS round_out_n,
              SUM(CASE WHEN dir < 0 AND chan = 3 THEN cents ELSE 0 END) AS crypto_cents,
              SUM(CASE WHEN dir > 0 AND chan = 3 THEN 1 ELSE 0 END) AS crypto_in_n,
              SUM(CASE WHEN dir > 0 AND cents <= {TINY_CENTS} THEN 1 ELSE 0 END) AS tiny_in_n,
              SUM(CASE WHEN dir > 0 AND next_out_t - t <= {HOUR} THEN cents ELSE 0 END) AS fwd_1h_cents,
              SUM(CASE WHEN dir > 0 AND next_out_t - t <= {DAY} THEN cents ELSE 0 END) AS fwd_1d_cents,
              SUM(CASE WHEN dir > 0 THEN LEAST(COALESCE(next_out_t - t, {7 * DAY}), {7 * DAY}) ELSE 0 END)
                AS fwd_wait_sum,
              MAX(balance) AS max_balance,
              SUM(CASE WHEN dir < 0 THEN balance ELSE 0 END) AS post_out_balance_sum,
              SUM(CASE WHEN dir < 0 AND other_bank = 1 THEN cents ELSE 0 END) AS out_other_bank_cents,
              MIN(t) AS first_t, MAX(t) AS last_t,
              MIN(CASE WHEN dir > 0 THEN t END) AS first_in_t,
              COUNT(*) + 1 + MAX(COALESCE(gap, 0) * 100000000 - rn) AS gap_key,
              SUM(CASE WHEN dir > 0 AND t > {t_asof} - {DAY} THEN 1 ELSE 0 END) AS in_n_1d,
              SUM(CASE WHEN dir > 0 AND t > {t_asof} - {7 * DAY} THEN 1 ELSE 0 END) AS in_n_7d,
              SUM(CASE WHEN dir < 0 AND t > {t_asof} - {7 * DAY} THEN 1 ELSE 0 END) AS out_n_7d,
              SUM(CASE WHEN dir > 0 AND t > {t_asof} - {30 * DAY} THEN 1 ELSE 0 END) AS in_n_30d,
              SUM(CASE WHEN dir < 0 AND t > {t_asof} - {30 * DAY} THEN 1 ELSE 0 END) AS out_n_30d,
              COUNT(*) AS events
            FROM (
              SELECT *,
                -- t only grows along the order, so the first later money out has the
                -- smallest time (FIRST_VALUE is cheaper than a MIN over the frame)
                FIRST_VALUE(CASE WHEN dir < 0 THEN t END IGNORE NULLS) OVER (
                    PARTITION BY acct ORDER BY t, dir DESC, txn_id
                    ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_out_t,
                SUM(dir * cents) OVER (PARTITION BY acct ORDER BY t, dir DESC, txn_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS balance,
                t - LAG(t) OVER (PARTITION BY acct ORDER BY t, dir DESC, txn_id) AS gap,
                ROW_NUMBER() OVER (PARTITION BY acct ORDER BY t, dir DESC, txn_id) AS rn
              FROM (SELECT dst AS acct, 1 AS dir, t, cents, chan, other_bank, txn_id
                    FROM mf_tx WHERE dst IS NOT NULL
                    UNION ALL
                    SELECT src AS acct, -1 AS dir, t, cents, chan, other_bank, txn_id
                    FROM mf_tx WHERE src IS NOT NULL) ev) e
            GROUP BY e.acct"""),
        # the holder: how many accounts, at how many banks, opened how close together; SIMs
        ("mf_holder", f"""
            SELECT a.pos,
                   COUNT(DISTINCT b.account) AS holder_accounts,
                   COUNT(DISTINCT b.bank) AS holder_banks,
                   COUNT(DISTINCT CASE WHEN ABS(b.opened_t - a.opened_t) <= {14 * DAY} THEN b.bank END)
                     AS holder_banks_14d
            FROM mf_acct a JOIN mf_acct b ON a.holder_id = b.holder_id
            GROUP BY a.pos"""),
        # the app devices each account pays from, with how many payments
        ("mf_srcdev", """
            SELECT src AS pos, device, COUNT(*) AS n FROM mf_tx
            WHERE src IS NOT NULL AND device IS NOT NULL GROUP BY src, device"""),
        # devices used by several holders
        ("mf_dev", """
            SELECT d.pos, MAX(h.holders) AS device_holders
            FROM mf_srcdev d
            JOIN (SELECT x.device, COUNT(DISTINCT m.holder_id) AS holders
                  FROM mf_srcdev x JOIN mf_acct m ON m.pos = x.pos GROUP BY x.device) h
              ON h.device = d.device
            GROUP BY d.pos"""),
    ]


FRAME_SQL = """
SELECT a.account, a.bank, a.holder_id, a.unknown_kyc, a.company, a.kyc_channel_code, a.opened_t,
       a.holder_age, h.holder_accounts, h.holder_banks, h.holder_banks_14d,
       COALESCE(s.holder_sims, 0) AS holder_sims, COALESCE(d.device_holders, 0) AS device_holders,
       g.*, c.in_cp, c.out_cp, c.in_cp_stranger, c.in_cents_stranger, c.out_banks, c.in_banks,
       c.in_cp_7d, c.out_cp_7d, v.devices
FROM mf_acct a
LEFT JOIN mf_agg g ON g.pos = a.pos
LEFT JOIN mf_cp c ON c.pos = a.pos
LEFT JOIN (SELECT pos, COUNT(*) AS devices FROM mf_srcdev GROUP BY pos) v ON v.pos = a.pos
LEFT JOIN mf_holder h ON h.pos = a.pos
LEFT JOIN (SELECT holder_id, COUNT(DISTINCT msisdn) AS holder_sims FROM sims GROUP BY holder_id) s
       ON s.holder_id = a.holder_id
LEFT JOIN mf_dev d ON d.pos = a.pos
ORDER BY a.pos
"""

DEVICES_SQL = """
SELECT a.account, s.device, s.n FROM mf_srcdev s JOIN mf_acct a ON a.pos = s.pos
ORDER BY a.account, s.device
"""

EDGES_SQL = """
SELECT src AS src_pos, dst AS dst_pos, cents, n, first_t FROM mf_pair
WHERE src IS NOT NULL AND dst IS NOT NULL AND src <> dst
ORDER BY src, dst
"""
POSITIONS_SQL = "SELECT account FROM mf_acct ORDER BY pos"
COUNT_SQL = "SELECT COUNT(*) FROM mf_acct"

# The accounts victim reports name: the receiving side of reported transfers and the
# bank accounts given as contacts. Independent victims = distinct reports' victims.
LABELS_SQL = """
SELECT account, COUNT(DISTINCT report_id) AS n_reports,
       COUNT(DISTINCT victim) AS n_victims, MIN(CAST(FLOOR(epoch(reported_at)) AS BIGINT)) AS first_reported_t
FROM (
  SELECT t.dst AS account, r.report_id, COALESCE(r.victim_holder_id, r.victim_phone, r.report_id) AS victim,
         r.reported_at
  FROM report_transfers t JOIN reports r ON r.report_id = t.report_id WHERE t.dst IS NOT NULL
  UNION ALL
  SELECT c.value AS account, r.report_id, COALESCE(r.victim_holder_id, r.victim_phone, r.report_id) AS victim,
         r.reported_at
  FROM report_contacts c JOIN reports r ON r.report_id = c.report_id WHERE c.type = 'bank_account'
) x GROUP BY account
"""

VICTIM_PAYERS_SQL = """
SELECT DISTINCT src AS account FROM report_transfers WHERE src IS NOT NULL
"""


def compute(engine, as_of) -> AccountFeatures:
    """Run the feature SQL and derive the ratio features. Deterministic, as-of exact
    (the canonical tables hold nothing later than `as_of`)."""
    restore = None
    if engine.name == "duckdb":
        # Every result is sorted below and every sum is over integers, so DuckDB may
        # produce rows in any order: that frees its sorts and table writes to run in parallel.
        restore = engine.con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
        engine.execute("SET preserve_insertion_order = false")
    pool = None
    try:
        steps = _sql_steps(as_of)
        for i, (name, query) in enumerate(steps):
            materialize(engine, name, query)
            if name == "mf_acct" and (engine.sql("SELECT max(bank_no) FROM mf_acct").iloc[0, 0] or 0) > MASK_BANKS:
                # too many banks for a bitmask: the remaining steps count banks distinct
                steps[i + 1:] = _sql_steps(as_of, bank_mask=False)[i + 1:]
            if name == "mf_pair":
                # the edges are final once the pairs are: the scatter-gather count (a sparse
                # matrix product, single-threaded, GIL released) runs in a thread while the
                # engine computes the other features
                edges = engine.sql(EDGES_SQL)
                pool = ThreadPoolExecutor(1)
                sg = pool.submit(_scatter_gather, edges["src_pos"].to_numpy(np.int64),
                                 edges["dst_pos"].to_numpy(np.int64), int(engine.sql(COUNT_SQL).iloc[0, 0]))
        frame = engine.sql(FRAME_SQL)
        sql_order = engine.sql(POSITIONS_SQL)["account"]
        labels = engine.sql(LABELS_SQL)
        victims = engine.sql(VICTIM_PAYERS_SQL)
        devices = engine.sql(DEVICES_SQL)
        drop(engine, *reversed(_TEMP))
    finally:
        if pool is not None:
            pool.shutdown(wait=False)
        if restore is not None:
            engine.execute(f"SET preserve_insertion_order = {str(bool(restore)).lower()}")

    frame = frame.loc[:, ~frame.columns.duplicated()]
    if not frame["account"].is_monotonic_increasing:  # SQL sorted it already (same collation)
        frame = frame.sort_values("account", kind="stable").reset_index(drop=True)
    labels = labels.sort_values("account", kind="stable").reset_index(drop=True)
    frame = _derive(frame, as_of)
    frame["victim_payer"] = frame["account"].isin(set(victims["account"])).astype(np.float64)
    index = pd.Index(frame["account"])
    holder_code = pd.factorize(frame["holder_id"])[0]
    # SQL's account order is the frame's (both sort by code point); mapping through the
    # keys keeps the positions right whatever the engine's collation
    to_frame = index.get_indexer(sql_order)
    src_pos = to_frame[edges["src_pos"].to_numpy(np.int64)]
    dst_pos = to_frame[edges["dst_pos"].to_numpy(np.int64)]
    if np.array_equal(to_frame, np.arange(len(to_frame))):
        order = slice(None)  # same order as the frame: SQL sorted the edges by (src, dst) already
    else:
        # by (src, dst): one stable argsort of a combined key (twice as fast as lexsort)
        width = len(index) + 1
        order = np.argsort((src_pos + 1) * width + (dst_pos + 1), kind="stable")
    edges = pd.DataFrame({"src_pos": src_pos[order], "dst_pos": dst_pos[order],
                          "cents": edges["cents"].to_numpy()[order], "n": edges["n"].to_numpy()[order],
                          "first_t": edges["first_t"].to_numpy()[order]})
    devices["pos"] = index.get_indexer(devices["account"])
    devices = devices[devices["pos"] >= 0].reset_index(drop=True)
    pos, device = devices["pos"].to_numpy(), devices["device"].to_numpy(object)
    same = pos[1:] == pos[:-1]
    if not ((pos[1:] >= pos[:-1]).all() and (device[1:][same] > device[:-1][same]).all()):
        # the engine sorted with another collation: by account, then device, as the frame
        devices = devices.sort_values(["pos", "device"], kind="stable").reset_index(drop=True)
    devices["device_code"] = pd.factorize(devices["device"])[0]
    devices["holder_code"] = holder_code[devices["pos"].to_numpy()]
    # counts per SQL position → per frame row (integer counts: order does not matter)
    gather, scatter = sg.result()
    gather_f, scatter_f = np.zeros(len(index)), np.zeros(len(index))
    gather_f[to_frame], scatter_f[to_frame] = gather, scatter
    return AccountFeatures(frame=frame, edges=edges, labels=labels, as_of=as_of, devices=devices,
                           scatter_gather=(gather_f, scatter_f), holder_code=holder_code)


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(np.float64)


def _ratio(a, b) -> np.ndarray:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.divide(a, b, out=np.full_like(a, np.nan), where=b > 0)


def _derive(frame: pd.DataFrame, as_of) -> pd.DataFrame:
    t_asof = float(pd.Timestamp(as_of).value // 10**9)
    count_cols = ["in_n", "out_n", "in_cents", "out_cents", "in_cp", "out_cp", "in_cp_stranger",
                  "in_cents_stranger", "cash_in_cents", "cash_out_n", "cash_out_cents", "atm_limit_n",
                  "round_out_n", "crypto_cents", "crypto_in_n", "tiny_in_n", "fwd_1h_cents", "fwd_1d_cents",
                  "fwd_wait_sum", "out_banks", "out_other_bank_cents", "in_banks", "in_n_1d", "in_n_7d",
                  "out_n_7d", "in_n_30d", "out_n_30d", "in_cp_7d", "out_cp_7d", "devices",
                  "post_out_balance_sum"]
    for col in count_cols:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").fillna(0).astype(np.float64)
    f = pd.DataFrame({"account": frame["account"], "bank": frame["bank"], "holder_id": frame["holder_id"]})
    in_c, out_c = frame["in_cents"].to_numpy(), frame["out_cents"].to_numpy()
    in_n, out_n = frame["in_n"].to_numpy(), frame["out_n"].to_numpy()
    f["in_n"], f["out_n"] = in_n, out_n
    f["in_thb"], f["out_thb"] = in_c / 100, out_c / 100
    f["in_cp"], f["out_cp"] = frame["in_cp"].to_numpy(), frame["out_cp"].to_numpy()
    f["in_avg_thb"] = _ratio(in_c, in_n) / 100
    f["out_avg_thb"] = _ratio(out_c, out_n) / 100
    f["pass_ratio"] = np.minimum(_ratio(out_c, in_c), 2.0)
    f["fwd_1h_share"] = _ratio(frame["fwd_1h_cents"], in_c)
    f["fwd_1d_share"] = _ratio(frame["fwd_1d_cents"], in_c)
    f["fwd_wait_h"] = _ratio(frame["fwd_wait_sum"], in_n) / HOUR
    f["max_balance_rel"] = _ratio(_num(frame, "max_balance"), in_c)
    f["post_out_balance_rel"] = _ratio(_ratio(frame["post_out_balance_sum"], out_n), _ratio(in_c, in_n))
    f["stranger_cp_share"] = _ratio(frame["in_cp_stranger"], frame["in_cp"])
    f["stranger_cents_share"] = _ratio(frame["in_cents_stranger"], in_c)
    f["in_cp_stranger"] = frame["in_cp_stranger"].to_numpy()
    f["cash_in_share"] = _ratio(frame["cash_in_cents"], in_c)
    f["cash_out_share"] = _ratio(frame["cash_out_cents"], out_c)
    f["atm_limit_n"] = frame["atm_limit_n"].to_numpy()
    f["round_out_share"] = _ratio(frame["round_out_n"], out_n)
    f["crypto_share"] = _ratio(frame["crypto_cents"], out_c)
    f["exchange"] = (frame["crypto_in_n"].to_numpy() > 0).astype(np.float64)
    f["tiny_in_n"] = frame["tiny_in_n"].to_numpy()
    f["out_banks"], f["in_banks"] = frame["out_banks"].to_numpy(), frame["in_banks"].to_numpy()
    f["out_other_bank_share"] = _ratio(frame["out_other_bank_cents"], out_c)
    first_t, last_t = _num(frame, "first_t"), _num(frame, "last_t")
    opened_t, first_in_t = _num(frame, "opened_t"), _num(frame, "first_in_t")
    f["active_days"] = (last_t - first_t) / DAY
    f["days_since_last"] = (t_asof - last_t) / DAY
    f["age_days"] = (t_asof - opened_t) / DAY
    f["age_at_first_in_days"] = (first_in_t - opened_t) / DAY
    gap_key = _num(frame, "gap_key")
    gap_s = np.floor(gap_key / 1e8)
    n_after = gap_key - gap_s * 1e8
    total = in_n + out_n
    f["max_gap_days"] = gap_s / DAY
    f["burst_after_gap_share"] = _ratio(n_after, total)
    for col in ("in_n_1d", "in_n_7d", "out_n_7d", "in_n_30d", "out_n_30d", "in_cp_7d", "out_cp_7d"):
        f[col] = frame[col].to_numpy()
    f["recent_in_share"] = _ratio(frame["in_n_30d"], in_n)
    f["devices"] = frame["devices"].to_numpy()
    f["device_holders"] = _num(frame, "device_holders")
    f["unknown_kyc"] = _num(frame, "unknown_kyc")
    f["company"] = _num(frame, "company")
    f["kyc_channel_code"] = _num(frame, "kyc_channel_code")
    f["holder_age"] = _num(frame, "holder_age")
    f["holder_accounts"] = _num(frame, "holder_accounts")
    f["holder_banks"] = _num(frame, "holder_banks")
    f["holder_banks_14d"] = _num(frame, "holder_banks_14d")
    f["holder_sims"] = _num(frame, "holder_sims")
    return f


# ---------------------------------------------------------------- graph features


def graph_features(features: AccountFeatures, labeled: np.ndarray) -> pd.DataFrame:
    """Features over the transfer graph, aligned with `features.frame`.

    labeled: bool per account, the accounts reports name. Money-weighted hops:
    `from_reported_1` is the share of an account's inflow paid by reported accounts,
    `_2`/`_3` the share arriving from them over 2/3 hops (flow fractions
    multiplied along the path). `to_reported_1` is the share of its outflow paid to
    reported accounts. `in_from_pass` / `out_to_pass` measure chains: the share of
    money coming from / going to accounts that pass money on within a day.
    Scatter-gather: `gather_sources` counts sources whose money reaches this account
    over at least two distinct intermediates; `scatter_sinks` the converse.
    """
    frame, edges = features.frame, features.edges
    n = len(frame)
    src = edges["src_pos"].to_numpy()
    dst = edges["dst_pos"].to_numpy()
    keep = (src >= 0) & (dst >= 0)
    src, dst = src[keep], dst[keep]
    w = edges["cents"].to_numpy(np.float64)[keep]
    in_tot = np.bincount(dst, weights=w, minlength=n)
    out_tot = np.bincount(src, weights=w, minlength=n)
    # Pin[a, b]: share of a's inflow that came from b; Pout[a, b]: share of a's outflow to b
    p_in = edge_matrix(dst, src, w / np.maximum(in_tot[dst], 1), n)
    p_out = edge_matrix(src, dst, w / np.maximum(out_tot[src], 1), n)
    lab = np.asarray(labeled, dtype=np.float64)
    out = pd.DataFrame(index=frame.index)
    holder = holder_codes(features)
    own = (holder[src] == holder[dst]).astype(np.float64)
    out["own_in_share"] = np.bincount(dst, weights=w * own, minlength=n) / np.maximum(in_tot, 1)
    out["own_out_share"] = np.bincount(src, weights=w * own, minlength=n) / np.maximum(out_tot, 1)
    h1 = p_in @ lab
    h2 = p_in @ h1
    h3 = p_in @ h2
    out["from_reported_1"] = h1
    out["from_reported_2"] = h2
    out["from_reported_3"] = h3
    out["to_reported_1"] = p_out @ lab
    out["device_reported"] = _device_reported(features, lab)
    out["reported_payers"] = edge_matrix(dst, src, np.ones_like(w), n) @ lab
    fwd = np.nan_to_num(frame["fwd_1d_share"].to_numpy(np.float64)) * np.clip(
        np.nan_to_num(frame["pass_ratio"].to_numpy(np.float64)), 0, 1)
    out["in_from_pass"] = p_in @ fwd
    out["out_to_pass"] = p_out @ fwd
    out["pass_in_from_pass"] = fwd * out["in_from_pass"].to_numpy()
    gather, scatter = features.scatter_gather if features.scatter_gather is not None \
        else _scatter_gather(src, dst, n)
    out["gather_sources"], out["scatter_sinks"] = gather, scatter
    return out


def edge_matrix(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n: int):
    """The n×n sparse matrix with `values` at (`rows`, `cols`), pairs unique. The edges come
    sorted by (src, dst): when `rows` (or `cols`) is sorted that way the compressed layout is
    built straight from the counts per row (or as the transpose of one built per column),
    without the sort a generic build does. Sums in products come out in the same order
    (same values, bit for bit)."""
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)

    def sorted_by(major: np.ndarray, minor: np.ndarray) -> bool:
        key = major * (n + 1) + minor  # strictly increasing: sorted by (major, minor), no pair twice
        return bool((key[1:] > key[:-1]).all())

    def compressed(major: np.ndarray, minor: np.ndarray):
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(major, minlength=n), out=indptr[1:])
        return sparse.csr_matrix((values, minor, indptr), shape=(n, n))

    if sorted_by(rows, cols):
        return compressed(rows, cols)
    if sorted_by(cols, rows):
        return compressed(cols, rows).T
    return sparse.csr_matrix((values, (rows, cols)), shape=(n, n))


def holder_codes(features) -> np.ndarray:
    """Integer code of each frame row's holder (same holder, same code): one compare per
    edge, no strings. Works on anything with `frame` (and, when computed, `holder_code`)."""
    codes = getattr(features, "holder_code", None)
    return codes if codes is not None else pd.factorize(features.frame["holder_id"])[0]


def _scatter_gather(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Scatter-gather through intermediates of modest degree (bounds the matrix product):
    per account, the sources whose money reaches it over at least two distinct
    intermediates (gather) and the sinks it reaches so (scatter). Edges without self-loops."""
    in_deg = np.bincount(dst, minlength=n)
    out_deg = np.bincount(src, minlength=n)
    modest = (in_deg <= 50) & (out_deg <= 50)
    # the two halves of a path: into a modest intermediate, and out of one
    into = modest[dst]
    s1, m1 = src[into], dst[into]
    out_of = modest[src]
    m2, t2 = src[out_of], dst[out_of]
    # a pair counts only over two intermediates, so a source needs two modest payees and a
    # sink two modest payers: the other edges are dropped before the product (same counts,
    # half the work on the bench world)
    two_payees = np.bincount(s1, minlength=n)[s1] >= 2
    two_payers = np.bincount(t2, minlength=n)[t2] >= 2
    s1, m1, m2, t2 = s1[two_payees], m1[two_payees], m2[two_payers], t2[two_payers]
    first = edge_matrix(s1, m1, np.ones(len(s1)), n)
    second = edge_matrix(m2, t2, np.ones(len(m2)), n)
    two = (first @ second).tocoo()
    ok = (two.row != two.col) & (two.data >= 2)
    return (np.bincount(two.col[ok], minlength=n).astype(np.float64),
            np.bincount(two.row[ok], minlength=n).astype(np.float64))


def _device_reported(features: AccountFeatures, lab: np.ndarray) -> np.ndarray:
    """Per account: how many *other holders'* reported accounts used one of its app
    devices for outgoing transfers (rings drive their mule accounts from a few phones)."""
    n = len(features.frame)
    dev = features.devices
    if dev is None or dev.empty:
        return np.zeros(n)
    dev = dev[["pos", "device_code", "holder_code"]].assign(lab=lab[dev["pos"].to_numpy()] > 0)
    reported = dev[dev["lab"]][["device_code", "holder_code", "pos"]].drop_duplicates()
    if reported.empty:
        return np.zeros(n)
    pairs = dev[["pos", "device_code", "holder_code"]].merge(reported, on="device_code", suffixes=("", "_r"))
    pairs = pairs[pairs["holder_code"] != pairs["holder_code_r"]]
    counts = pairs.groupby("pos")["pos_r"].nunique()
    out = np.zeros(n)
    out[counts.index.to_numpy()] = counts.to_numpy()
    return out


def device_evidence(features: AccountFeatures, score: np.ndarray) -> np.ndarray:
    """Per account: evidence that its app devices are a ring's phones.

    A ring drives the accounts of several nominees from a few phones; a family tablet
    drives the accounts of a household, where at most one member may have sold an
    account. So a device counts by the score of the *second* most mule-like other
    person on it (each person by their most mule-like account there): it takes two
    other people's mule accounts on one device. Each device is weighted by the share
    of this account's outgoing transfers made from it (a victim whose phone a ring took
    over made one payment of many from it)."""
    n = len(features.frame)
    dev = features.devices
    if dev is None or dev.empty:
        return np.zeros(n)
    # the device table's layout does not change between calls (propagation calls this once
    # per hop): computed once, kept on the features object
    layout = getattr(features, "_device_layout", None)
    if layout is None or layout[0] is not dev:
        layout = (dev, *_device_layout(dev, n))
        try:
            features._device_layout = layout
        except AttributeError:
            pass  # a read-only stand-in: computed again next time
    _, p, h, share, pair, pair_d, pair_h = layout
    # best score per (device, person), then per device its people best first
    best = np.full(len(pair_d), -np.inf)
    np.maximum.at(best, pair, np.asarray(score, dtype=np.float64)[p])
    order = np.lexsort((pair_h, -best, pair_d))
    d_sorted = pair_d[order]
    rank = np.arange(len(order)) - np.searchsorted(d_sorted, d_sorted, side="left")
    n_dev = int(pair_d.max()) + 1
    top_s = np.zeros((3, n_dev))
    top_h = np.full((3, n_dev), -1, dtype=np.int64)
    for r in range(3):
        pick = order[rank == r]
        top_s[r, pair_d[pick]] = best[pick]
        top_h[r, pair_d[pick]] = pair_h[pick]
    # second-best other person: skip this account's own holder when it is among the top
    d = pair_d[pair]
    own_first_two = (top_h[0, d] == h) | (top_h[1, d] == h)
    second_other = np.where(own_first_two, top_s[2, d], top_s[1, d])
    out = np.bincount(p, weights=second_other * share, minlength=n)
    return np.clip(out, 0.0, 1.0)


def _device_layout(dev: pd.DataFrame, n: int):
    """Per device row: position, holder code, share of the account's payments from the device
    and its (device, person) pair; per pair: device and holder codes."""
    p = dev["pos"].to_numpy()
    d = dev["device_code"].to_numpy().astype(np.int64)
    h = dev["holder_code"].to_numpy().astype(np.int64)
    cnt = dev["n"].to_numpy(np.float64)
    share = cnt / np.bincount(p, weights=cnt, minlength=n)[p]
    pairs, pair = np.unique(d * (int(h.max()) + 1) + h, return_inverse=True)
    return p, h, share, pair.ravel(), pairs // (int(h.max()) + 1), pairs % (int(h.max()) + 1)
