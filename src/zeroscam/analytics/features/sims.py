"""Features of phone numbers for the mule-SIM detector: one row per number seen.

Written once as SQL in DuckDB's dialect against the canonical tables
(docs/internals.md) and run through the engine seam, so DuckDB and Spark give
the same table. The SQL does the scans and joins (counts, distinct counts,
min/max times); ratios and time spans are derived afterwards in pandas from
those exact integers, which keeps both engines bit-identical.

Everything is as of `as_of`: the dataset already holds no row later than that,
and the only times used besides the data's own are `as_of` itself.

A number is "seen" when it is a registered SIM, made a call or SMS, received
one, or is named in a report (docs/detect-sims.md explains the choice).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zeroscam.analytics.detection.common import drop, materialize

# Domain constants (not learned from any data): a "very short" answered call,
# and the distance to a land border within which a cell counts as a border cell.
SHORT_CALL_S = 30
BORDER_KM = 10.0
DAY_S = 86_400

# Model inputs: every column here is numeric and none is the entity's own label.
MODEL_FEATURES = [
    "n_out", "n_in", "out_share", "n_callees", "callees_per_out", "stranger_share",
    "share_sms", "share_unanswered", "share_short", "mean_talk_s", "max_day_out", "max_day_sms",
    "out_per_active_day", "active_days", "span_days",
    "n_called_victims", "called_victim_share",
    "is_sim", "sim_age_days", "first_use_age_days", "is_company",
    "h_sims", "h_sims_7d", "h_sims_30d", "h_days_since_last_reg", "h_reg_span_days", "h_named_others", "h_named_share",
    "h_accounts", "h_reported_accounts", "h_new_accounts",
    "n_imeis", "imei_max_sims", "imei_cosims", "imei_named_others", "imei_named_share",
    "n_cells", "top_cell_share", "cell_named_share", "cell_max_sims",
    "border_share", "min_border_km",
    "is_voip697", "is_roam698", "is_foreign",
]


def _queries(short_s: int, border_km: float) -> list[tuple[str, str]]:
    """(name, SELECT) pairs, in dependency order. DuckDB dialect, Spark-portable."""
    return [
        # The latest registration of each number.
        ("sf_sims", """
            SELECT msisdn, holder_id, registered_at, CAST(epoch(registered_at) AS BIGINT) AS reg_s
            FROM (SELECT msisdn, holder_id, registered_at,
                         ROW_NUMBER() OVER (PARTITION BY msisdn ORDER BY registered_at DESC, holder_id) AS rn
                  FROM sims WHERE msisdn IS NOT NULL) AS s
            WHERE rn = 1"""),
        # Numbers named as a contact in reports made by as-of: the data's own labels.
        ("sf_named", """
            SELECT c.value AS msisdn, COUNT(DISTINCT c.report_id) AS n_named
            FROM report_contacts c JOIN reports r ON r.report_id = c.report_id
            WHERE c.type = 'phone' AND c.value IS NOT NULL
            GROUP BY c.value"""),
        ("sf_victims", """
            SELECT DISTINCT victim_phone AS msisdn FROM reports WHERE victim_phone IS NOT NULL"""),
        ("sf_cells", """
            SELECT cell_id, MIN(border_km) AS border_km FROM cells WHERE cell_id IS NOT NULL GROUP BY cell_id"""),
        # One pass over the calls for plain sums (distinct counts come from the smaller
        # tables below: DISTINCT aggregates over every call are the slow part).
        ("sf_out", f"""
            SELECT c.caller AS msisdn,
                   COUNT(*) AS n_out,
                   SUM(CASE WHEN c.kind = 'sms' THEN 1 ELSE 0 END) AS n_sms,
                   SUM(CASE WHEN c.kind = 'voice' AND COALESCE(c.duration_s, 0) = 0 THEN 1 ELSE 0 END) AS n_unanswered,
                   SUM(CASE WHEN c.kind = 'voice' AND c.duration_s > 0 AND c.duration_s <= {short_s}
                            THEN 1 ELSE 0 END) AS n_short,
                   SUM(CASE WHEN c.kind = 'voice' THEN COALESCE(c.duration_s, 0) ELSE 0 END) AS talk_s,
                   CAST(epoch(MIN(c.ts)) AS BIGINT) AS first_out_s,
                   CAST(epoch(MAX(c.ts)) AS BIGINT) AS last_out_s,
                   SUM(CASE WHEN l.border_km <= {border_km} THEN 1 ELSE 0 END) AS n_border,
                   MIN(l.border_km) AS min_border_km
            FROM cdrs c LEFT JOIN sf_cells l ON c.cell_id = l.cell_id
            WHERE c.caller IS NOT NULL
            GROUP BY c.caller"""),
        ("sf_in", """
            SELECT callee AS msisdn, COUNT(*) AS n_in
            FROM cdrs WHERE callee IS NOT NULL GROUP BY callee"""),
        # Per caller and day: the busiest day and the number of active days.
        ("sf_daily", """
            SELECT caller, CAST(ts AS DATE) AS d, COUNT(*) AS n,
                   SUM(CASE WHEN kind = 'sms' THEN 1 ELSE 0 END) AS n_sms
            FROM cdrs WHERE caller IS NOT NULL
            GROUP BY caller, CAST(ts AS DATE)"""),
        ("sf_day", """
            SELECT caller AS msisdn, MAX(n) AS max_day_out, MAX(n_sms) AS max_day_sms,
                   COUNT(*) AS active_days
            FROM sf_daily GROUP BY caller"""),
        ("sf_pairs", """
            SELECT DISTINCT caller, callee FROM cdrs WHERE caller IS NOT NULL AND callee IS NOT NULL"""),
        ("sf_callees", """
            SELECT caller AS msisdn, COUNT(*) AS n_callees FROM sf_pairs GROUP BY caller"""),
        # Pairs that called each other both ways: one grouping instead of a self-join.
        ("sf_recip_pairs", """
            SELECT LEAST(caller, callee) AS a, GREATEST(caller, callee) AS b
            FROM sf_pairs WHERE caller <> callee
            GROUP BY LEAST(caller, callee), GREATEST(caller, callee)
            HAVING COUNT(*) = 2"""),
        ("sf_recip", """
            SELECT msisdn, COUNT(*) AS n_recip
            FROM (SELECT a AS msisdn FROM sf_recip_pairs UNION ALL SELECT b AS msisdn FROM sf_recip_pairs) AS r
            GROUP BY msisdn"""),
        ("sf_victim_calls", """
            SELECT p.caller AS msisdn, COUNT(*) AS n_called_victims
            FROM sf_pairs p JOIN sf_victims v ON p.callee = v.msisdn
            GROUP BY p.caller"""),
        # Handsets: how many numbers each IMEI carried, and how many of them reports name.
        ("sf_ci", """
            SELECT DISTINCT caller, imei FROM cdrs WHERE caller IS NOT NULL AND imei IS NOT NULL"""),
        ("sf_imei", """
            SELECT ci.imei, COUNT(*) AS n_sims,
                   SUM(CASE WHEN n.msisdn IS NULL THEN 0 ELSE 1 END) AS n_named
            FROM sf_ci ci LEFT JOIN sf_named n ON ci.caller = n.msisdn
            GROUP BY ci.imei"""),
        ("sf_imei_x", """
            SELECT ci.caller AS msisdn,
                   COUNT(*) AS n_imeis,
                   MAX(i.n_sims) AS imei_max_sims,
                   SUM(i.n_sims - 1) AS imei_cosims,
                   MAX(i.n_named - CASE WHEN n.msisdn IS NULL THEN 0 ELSE 1 END) AS imei_named_others,
                   SUM(i.n_named - CASE WHEN n.msisdn IS NULL THEN 0 ELSE 1 END) AS imei_named_sum
            FROM sf_ci ci JOIN sf_imei i ON ci.imei = i.imei
                 LEFT JOIN sf_named n ON ci.caller = n.msisdn
            GROUP BY ci.caller"""),
        # Cells: where a number calls from, and how many named numbers call from there too.
        ("sf_cc", """
            SELECT caller, cell_id, COUNT(*) AS n FROM cdrs
            WHERE caller IS NOT NULL AND cell_id IS NOT NULL GROUP BY caller, cell_id"""),
        ("sf_cell", """
            SELECT cc.cell_id, COUNT(*) AS n_sims,
                   SUM(CASE WHEN n.msisdn IS NULL THEN 0 ELSE 1 END) AS n_named
            FROM sf_cc cc LEFT JOIN sf_named n ON cc.caller = n.msisdn
            GROUP BY cc.cell_id"""),
        ("sf_cell_x", """
            SELECT cc.caller AS msisdn,
                   COUNT(*) AS n_cells,
                   MAX(cc.n) AS top_cell_n,
                   SUM(cc.n) AS cell_calls,
                   MAX(l.n_sims) AS cell_max_sims,
                   SUM(cc.n * (l.n_named - CASE WHEN n.msisdn IS NULL THEN 0 ELSE 1 END)) AS cell_named_w,
                   SUM(cc.n * (l.n_sims - 1)) AS cell_others_w
            FROM sf_cc cc JOIN sf_cell l ON cc.cell_id = l.cell_id
                 LEFT JOIN sf_named n ON cc.caller = n.msisdn
            GROUP BY cc.caller"""),
        # Holders: how many numbers, how recently registered, how many named; their bank accounts.
        ("sf_sims_w", f"""
            SELECT s.msisdn, s.holder_id, s.reg_s,
                   CASE WHEN n.msisdn IS NULL THEN 0 ELSE 1 END AS named,
                   COUNT(*) OVER (PARTITION BY s.holder_id ORDER BY s.reg_s
                                  RANGE BETWEEN {7 * DAY_S} PRECEDING AND {7 * DAY_S} FOLLOWING) AS h_sims_7d,
                   COUNT(*) OVER (PARTITION BY s.holder_id ORDER BY s.reg_s
                                  RANGE BETWEEN {30 * DAY_S} PRECEDING AND {30 * DAY_S} FOLLOWING) AS h_sims_30d
            FROM sf_sims s LEFT JOIN sf_named n ON s.msisdn = n.msisdn
            WHERE s.holder_id IS NOT NULL"""),
        ("sf_holder", """
            SELECT holder_id, COUNT(*) AS h_sims, SUM(named) AS h_named, MAX(reg_s) AS h_last_reg_s,
                   MIN(reg_s) AS h_first_reg_s
            FROM sf_sims_w GROUP BY holder_id"""),
        ("sf_reported_accounts", """
            SELECT DISTINCT c.value AS account
            FROM report_contacts c JOIN reports r ON r.report_id = c.report_id
            WHERE c.type = 'bank_account' AND c.value IS NOT NULL
            UNION
            SELECT DISTINCT t.dst AS account
            FROM report_transfers t JOIN reports r ON r.report_id = t.report_id
            WHERE t.dst IS NOT NULL"""),
        ("sf_holder_acc", """
            SELECT a.holder_id,
                   COUNT(*) AS h_accounts,
                   SUM(CASE WHEN ra.account IS NULL THEN 0 ELSE 1 END) AS h_reported_accounts,
                   MAX(CAST(epoch(a.opened_at) AS BIGINT)) AS h_last_open_s,
                   MAX(CASE WHEN a.holder_type = 'company' THEN 1 ELSE 0 END) AS h_company
            FROM accounts a LEFT JOIN sf_reported_accounts ra ON a.account = ra.account
            WHERE a.holder_id IS NOT NULL
            GROUP BY a.holder_id"""),
        ("sf_numbers", """
            SELECT msisdn FROM sf_sims
            UNION SELECT msisdn FROM sf_out
            UNION SELECT msisdn FROM sf_in
            UNION SELECT msisdn FROM sf_named"""),
    ]


_FINAL = """
SELECT u.msisdn,
       s.holder_id, s.reg_s, sw.h_sims_7d, sw.h_sims_30d,
       COALESCE(nm.n_named, 0) AS n_named,
       o.n_out, o.n_sms, o.n_unanswered, o.n_short, o.talk_s, ce.n_callees, o.first_out_s, o.last_out_s,
       ix.n_imeis, cx.n_cells, hr.active_days, o.n_border, o.min_border_km,
       i.n_in, hr.max_day_out, hr.max_day_sms, rc.n_recip, vc.n_called_victims,
       ix.imei_max_sims, ix.imei_cosims, ix.imei_named_others, ix.imei_named_sum,
       cx.top_cell_n, cx.cell_calls, cx.cell_max_sims, cx.cell_named_w, cx.cell_others_w,
       h.h_sims, h.h_named, h.h_last_reg_s, h.h_first_reg_s,
       ha.h_accounts, ha.h_reported_accounts, ha.h_last_open_s, ha.h_company
FROM sf_numbers u
LEFT JOIN sf_sims s ON s.msisdn = u.msisdn
LEFT JOIN sf_sims_w sw ON sw.msisdn = u.msisdn
LEFT JOIN sf_named nm ON nm.msisdn = u.msisdn
LEFT JOIN sf_out o ON o.msisdn = u.msisdn
LEFT JOIN sf_in i ON i.msisdn = u.msisdn
LEFT JOIN sf_day hr ON hr.msisdn = u.msisdn
LEFT JOIN sf_callees ce ON ce.msisdn = u.msisdn
LEFT JOIN sf_recip rc ON rc.msisdn = u.msisdn
LEFT JOIN sf_victim_calls vc ON vc.msisdn = u.msisdn
LEFT JOIN sf_imei_x ix ON ix.msisdn = u.msisdn
LEFT JOIN sf_cell_x cx ON cx.msisdn = u.msisdn
LEFT JOIN sf_holder h ON h.holder_id = s.holder_id
LEFT JOIN sf_holder_acc ha ON ha.holder_id = s.holder_id
"""


def _div(a, b) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.divide(a, b, out=np.full_like(a, np.nan), where=(b > 0) & np.isfinite(b))


def sim_features(engine, as_of, *, short_call_s: int = SHORT_CALL_S, border_km: float = BORDER_KM) -> pd.DataFrame:
    """One row per number seen by `as_of`, sorted by msisdn.

    Columns: `msisdn`, `holder_id`, `n_named` (reports naming the number: the label,
    never a model input), the raw counts, and every column in `MODEL_FEATURES`.
    """
    queries = _queries(int(short_call_s), float(border_km))
    if engine.name == "duckdb":
        engine.execute("SET enable_progress_bar = false")  # quiet off a terminal (CLI.md)
    try:
        for name, query in queries:
            materialize(engine, name, query)
        raw = engine.sql(_FINAL)
    finally:
        drop(engine, *[name for name, _ in reversed(queries)])
    return derive(raw, as_of)



def derive(raw: pd.DataFrame, as_of) -> pd.DataFrame:
    """Ratios, spans and flags from the raw SQL counts (pure pandas, engine-independent)."""
    df = raw.sort_values("msisdn", kind="stable").reset_index(drop=True)
    as_of_s = float(pd.Timestamp(as_of).value // 10**9)
    counts = ["n_named", "n_out", "n_sms", "n_unanswered", "n_short", "talk_s", "n_callees", "n_imeis",
              "n_cells", "active_days", "n_border", "n_in", "n_recip", "n_called_victims", "cell_calls",
              "top_cell_n", "h_accounts", "h_reported_accounts", "h_company"]
    for col in counts:
        df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0).astype(np.float64)
    numeric = ["reg_s", "h_sims_7d", "h_sims_30d", "first_out_s", "last_out_s", "min_border_km",
               "max_day_out", "max_day_sms", "imei_max_sims", "imei_cosims", "imei_named_others",
               "imei_named_sum", "cell_max_sims", "cell_named_w", "cell_others_w", "h_sims", "h_named",
               "h_last_reg_s", "h_first_reg_s", "h_last_open_s"]
    for col in numeric:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(np.float64)

    n_voice = df["n_out"] - df["n_sms"]
    df["out_share"] = _div(df["n_out"], df["n_out"] + df["n_in"])
    df["callees_per_out"] = _div(df["n_callees"], df["n_out"])
    df["stranger_share"] = _div(df["n_callees"] - df["n_recip"], df["n_callees"])
    df["share_sms"] = _div(df["n_sms"], df["n_out"])
    df["share_unanswered"] = _div(df["n_unanswered"], n_voice)
    df["share_short"] = _div(df["n_short"], n_voice)
    df["mean_talk_s"] = _div(df["talk_s"], n_voice - df["n_unanswered"])
    df["out_per_active_day"] = _div(df["n_out"], df["active_days"])
    df["span_days"] = (df["last_out_s"] - df["first_out_s"]) / DAY_S
    df["called_victim_share"] = _div(df["n_called_victims"], df["n_callees"])

    df["is_sim"] = df["reg_s"].notna().astype(np.float64)
    df["sim_age_days"] = (as_of_s - df["reg_s"]) / DAY_S
    df["first_use_age_days"] = (df["first_out_s"] - df["reg_s"]) / DAY_S
    holder = df["holder_id"].astype("string")
    df["is_company"] = np.where(holder.str.startswith("C:").fillna(False) | (df["h_company"] > 0), 1.0, 0.0)
    df.loc[df["holder_id"].isna(), "is_company"] = np.nan
    named_self = (df["n_named"] > 0).astype(np.float64)
    df["h_named_others"] = df["h_named"] - named_self.where(df["h_named"].notna())
    df["h_named_share"] = _div(df["h_named_others"], df["h_sims"] - 1)
    df["h_days_since_last_reg"] = (as_of_s - df["h_last_reg_s"]) / DAY_S
    df["h_reg_span_days"] = (df["h_last_reg_s"] - df["h_first_reg_s"]) / DAY_S
    df["h_new_accounts"] = np.where((as_of_s - df["h_last_open_s"]) <= 30 * DAY_S, 1.0, 0.0)
    df.loc[df["h_last_open_s"].isna(), "h_new_accounts"] = np.nan

    df["imei_named_share"] = _div(df["imei_named_sum"], df["imei_cosims"])
    df["top_cell_share"] = _div(df["top_cell_n"], df["cell_calls"])
    df["cell_named_share"] = _div(df["cell_named_w"], df["cell_others_w"])
    df["border_share"] = _div(df["n_border"], df["n_out"])

    number = df["msisdn"].astype("string")
    df["is_voip697"] = number.str.startswith("+697").fillna(False).astype(np.float64)
    df["is_roam698"] = number.str.startswith("+698").fillna(False).astype(np.float64)
    df["is_foreign"] = (~number.str.startswith("+66").fillna(False)).astype(np.float64)
    for col in MODEL_FEATURES:
        df[col] = df[col].astype(np.float64).round(9)
    return df
