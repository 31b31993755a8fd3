"""Follow the money: from each victim report to the accounts that hold or passed on its baht.

The freeze plan for a report is the set of accounts its money reached by the
as-of time (AXF.md "Outputs", trace). How it is computed:

1. **Seeds.** Each transfer a report names is matched to a row of
   `transactions`: by `txn_id` when the victim gave one (and it exists), else by
   the receiving account (or the paying one when the receiver is missing), the
   amount (victims round) and the time (victims remember it minutes to hours
   off), preferring the closest candidate and never using one row twice. A
   transfer that matches nothing still seeds its named account at the reported
   time, so the hold reaches the account the victim paid.
2. **Allocation rule: last in, first out.** Inside an account the report's
   money is a slice of the account's balance "stack": money arriving goes on
   top, money leaving is taken from the top. So the report's money still in an
   account is never more than the lowest balance the account fell to since it
   arrived (the *lowest intermediate balance* rule courts use for commingled
   funds). We chose it over FIFO and over proportional haircut because
   (a) mules pass money on within minutes: the money that just arrived is the
   money that leaves, even in a bought account with years of savings in it,
   where FIFO would push the old savings out first and lose the trail;
   (b) it never smears: a pooled account that mixes many victims' money sends
   each report's slice to the transfers that actually took it, and the amount
   attributed is bounded by the account's real balance at every moment, while
   a haircut spreads every victim over every later payment;
   (c) honest spending from later honest income (a mule's own salary and bills)
   does not carry the victim's money, which keeps innocent payees out.
   Money only moves forward in time: a slice can leave only by transfers after
   it arrived. Unknown opening balances are handled by never letting the
   balance go below zero (an overdraft means money we do not see was there).
3. **Stops.** Cash-outs and crypto exits end a path (there is nothing to hold;
   crypto exchanges are not held). Honest endpoints end a path and are not
   listed: accounts that receive crypto_out (exchanges) and accounts paid by
   very many distinct payers of whom almost none are reported victims
   (merchants, billers). These are detected from the data at hand.
4. **Who is listed.** An account is in the plan when the report's money
   reaching it is at least a floor (an absolute amount and a share of the
   report's traced money) — so a mule's coffee does not freeze the café — or
   when the victim paid it directly (hop 1).

The per-report work touches only accounts the money reached: an index over all
transactions (per account, in time order, with running balances computed on
demand) is built once per dataset and reused, so a new report on ten million
transactions is traced in milliseconds.
"""

from __future__ import annotations

import heapq
import weakref
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from zeroscam.analytics.engine import DuckDBEngine

TRACE_COLUMNS = ["report_id", "hop", "bank", "account", "traced_thb", "first_in_ts"]
EXTRA_COLUMNS = ["held_thb", "cashed_out_thb", "crypto_thb", "role"]


@dataclass(frozen=True)
class TraceConfig:
    """The knobs of the trace. Domain values, not fitted to any data set."""

    floor_thb: float = 200.0          # never list an account for less than this
    floor_share: float = 0.01         # ... nor for less than this share of the report's traced money
    lot_floor_thb: float = 20.0       # stop following slices smaller than this (keeps the work bounded)
    max_hops: int = 12
    # matching report transfers without a usable txn_id
    match_window_h: float = 36.0      # victims remember times hours off
    match_amount_rel: float = 0.10    # ... and round amounts
    match_amount_abs: float = 100.0
    # honest endpoints
    endpoint_min_payers: int = 60     # "very many distinct payers"
    endpoint_max_victim_share: float = 0.05  # ... almost none of them reported victims
    # following money onward only from accounts that behave like mules
    device_min_accounts: int = 3      # an app device paying from this many accounts ...
    device_min_holders: int = 2       # ... of this many holders is run by a ring
    passthrough_window_h: float = 48.0
    passthrough_min_out: float = 0.9  # share of what came in that left again within the window
    # payments a report does not list: the victim's other payments to known scam accounts
    unlisted_lookback_days: float = 30.0


# --------------------------------------------------------------------------- index


class TraceIndex:
    """All transactions of a dataset, arranged for per-report tracing.

    Every transaction gives an "in" event to its receiver and an "out" event to
    its payer; events are grouped per account and sorted by time (inflows before
    outflows at the same second). Balances per account are computed lazily.
    """

    def __init__(self, txns: pd.DataFrame, *, victim_payers: set[str] | None = None,
                 holders: dict[str, str] | None = None, named: dict[str, int] | None = None,
                 config: TraceConfig | None = None):
        cfg = config or TraceConfig()
        self.config = cfg
        n = len(txns)
        src = txns["src"].astype(object).where(txns["src"].notna(), None).to_numpy()
        dst = txns["dst"].astype(object).where(txns["dst"].notna(), None).to_numpy()
        codes, uniques = pd.factorize(np.concatenate([src, dst]), use_na_sentinel=True)
        self.accounts = np.asarray(uniques, dtype=object)
        self.account_code = {a: i for i, a in enumerate(self.accounts)}
        self.src = codes[:n].astype(np.int64)
        self.dst = codes[n:].astype(np.int64)
        ts = pd.to_datetime(txns["ts"])
        self.ts = ts.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        self.amount = txns["amount"].to_numpy(dtype=np.float64)
        self.channel = txns["channel"].astype(str).to_numpy()
        self.txn_id = txns["txn_id"].astype(str).to_numpy()
        self.txn_row = {t: i for i, t in enumerate(self.txn_id)}
        n_acc = len(self.accounts)

        # events: (account, ts, kind 0=in 1=out, row)
        has_src = self.src >= 0
        has_dst = self.dst >= 0
        rows = np.arange(n, dtype=np.int64)
        ev_acc = np.concatenate([self.dst[has_dst], self.src[has_src]])
        ev_ts = np.concatenate([self.ts[has_dst], self.ts[has_src]])
        ev_kind = np.concatenate([np.zeros(has_dst.sum(), np.int8), np.ones(has_src.sum(), np.int8)])
        ev_row = np.concatenate([rows[has_dst], rows[has_src]])
        order = np.lexsort((ev_row, ev_kind, ev_ts, ev_acc))
        self.ev_acc = ev_acc[order]
        self.ev_ts = ev_ts[order]
        self.ev_row = ev_row[order]
        self.ev_kind = ev_kind[order]
        self.ev_delta = np.where(self.ev_kind == 0, 1.0, -1.0) * self.amount[self.ev_row]
        self.ptr = np.searchsorted(self.ev_acc, np.arange(n_acc + 1))
        # where each transaction's "in" event sits
        self.in_pos = np.full(n, -1, dtype=np.int64)
        is_in = self.ev_kind == 0
        self.in_pos[self.ev_row[is_in]] = np.flatnonzero(is_in)
        self._balance_cache: dict[int, np.ndarray] = {}

        # honest endpoints
        self.endpoint = np.zeros(n_acc, dtype=bool)
        crypto = (self.channel == "crypto_out") & has_dst
        self.endpoint[self.dst[crypto]] = True
        pairs = np.unique(np.stack([self.dst[has_src & has_dst], self.src[has_src & has_dst]], axis=1), axis=0) \
            if (has_src & has_dst).any() else np.zeros((0, 2), np.int64)
        payers = np.bincount(pairs[:, 0], minlength=n_acc) if len(pairs) else np.zeros(n_acc, np.int64)
        self.distinct_payers = payers
        big = np.flatnonzero(payers >= cfg.endpoint_min_payers)
        if len(big):
            victims = np.zeros(n_acc, dtype=bool)
            for v in victim_payers or ():
                code = self.account_code.get(v)
                if code is not None:
                    victims[code] = True
            victim_pairs = pairs[victims[pairs[:, 1]]]
            victim_payers_n = np.bincount(victim_pairs[:, 0], minlength=n_acc) if len(victim_pairs) else \
                np.zeros(n_acc, np.int64)
            share = victim_payers_n[big] / payers[big]
            self.endpoint[big[share <= cfg.endpoint_max_victim_share]] = True

        # accounts whose money we follow onward without looking further: named by several
        # reports, or paying out from an app device that several holders' accounts share
        self.mule_like = np.zeros(n_acc, dtype=bool)
        self.named = np.zeros(n_acc, dtype=bool)
        for account, n_reports in (named or {}).items():
            code = self.account_code.get(account)
            if code is not None:
                self.named[code] = True
                self.mule_like[code] |= n_reports >= 2
        self.holder_accounts: dict[str, list[int]] = {}
        for account, holder in (holders or {}).items():
            code = self.account_code.get(account)
            if code is not None:
                self.holder_accounts.setdefault(holder, []).append(code)
        if "src_device" in txns.columns:
            dev = txns["src_device"].to_numpy(dtype=object)
            has_dev = has_src & pd.notna(dev)
            if has_dev.any():
                dev_codes, _ = pd.factorize(dev[has_dev])
                acc_dev = np.unique(np.stack([dev_codes, self.src[has_dev]], axis=1), axis=0)
                holder_codes = pd.factorize(pd.Series([(holders or {}).get(a, a) for a in self.accounts],
                                                      dtype=object))[0]
                n_accounts = np.bincount(acc_dev[:, 0])
                dev_holder = np.unique(np.stack([acc_dev[:, 0], holder_codes[acc_dev[:, 1]]], axis=1), axis=0)
                n_holders = np.bincount(dev_holder[:, 0], minlength=len(n_accounts))
                ring_dev = (n_accounts >= cfg.device_min_accounts) & (n_holders >= cfg.device_min_holders)
                self.mule_like[acc_dev[ring_dev[acc_dev[:, 0]], 1]] = True

    # -- balances

    def balances(self, acc: int) -> np.ndarray:
        """Balance after each event of `acc`, never below zero (unseen money covers overdrafts)."""
        cached = self._balance_cache.get(acc)
        if cached is not None:
            return cached
        lo, hi = self.ptr[acc], self.ptr[acc + 1]
        running = np.cumsum(self.ev_delta[lo:hi])
        bal = running - np.minimum(0.0, np.minimum.accumulate(running))
        if len(self._balance_cache) > 200_000:
            self._balance_cache.clear()
        self._balance_cache[acc] = bal
        return bal


    def passes_through(self, acc: int, pos: int, ts: int, unseen_in: float = 0.0) -> bool:
        """Does `acc` behave like a mule around this arrival: money in, (almost) all out again soon?

        Honest look-alikes (a seller paying her supplier part of the day's takings)
        keep a margin; mules keep only a cut.
        """
        if self.mule_like[acc]:
            return True
        a0, a1 = self.ptr[acc], self.ptr[acc + 1]
        start = pos if pos >= 0 else a0 + int(np.searchsorted(self.ev_ts[a0:a1], ts, "left"))
        horizon = ts + int(self.config.passthrough_window_h * 3600 * 1e9)
        stop = a0 + int(np.searchsorted(self.ev_ts[a0:a1], horizon, "right"))
        delta = self.ev_delta[start:stop]
        came_in = delta[delta > 0].sum() + unseen_in  # a transfer the data does not show
        went_out = -delta[delta < 0].sum()
        if came_in <= 0:
            return False
        return went_out >= self.config.passthrough_min_out * came_in


_INDEX_CACHE: "weakref.WeakKeyDictionary[object, TraceIndex]" = weakref.WeakKeyDictionary()


def build_index(dataset, engine=None, config: TraceConfig | None = None) -> TraceIndex:
    """The trace index of a dataset, built once and cached on the dataset."""
    try:
        cached = _INDEX_CACHE.get(dataset)
    except TypeError:
        cached = None
    if cached is not None and (config is None or cached.config == config):
        return cached
    eng = engine or DuckDBEngine(dataset.con)
    txns = eng.sql("SELECT txn_id, ts, channel, src, dst, amount, src_device FROM transactions")
    victims = eng.sql("SELECT DISTINCT src FROM report_transfers WHERE src IS NOT NULL")
    holders = eng.sql("SELECT account, holder_id FROM accounts")
    named = eng.sql("SELECT account, count(DISTINCT report_id) AS n FROM ("
                    " SELECT report_id, dst AS account FROM report_transfers WHERE dst IS NOT NULL"
                    " UNION ALL SELECT report_id, value FROM report_contacts"
                    " WHERE type = 'bank_account' AND value IS NOT NULL) GROUP BY account")
    index = TraceIndex(txns, victim_payers=set(victims["src"].astype(str)),
                       holders=dict(zip(holders["account"], holders["holder_id"])),
                       named=dict(zip(named["account"], named["n"].astype(int))), config=config)
    try:
        _INDEX_CACHE[dataset] = index
    except TypeError:
        pass
    return index


# --------------------------------------------------------------------------- matching


def match_transfers(index: TraceIndex, transfers: pd.DataFrame) -> pd.DataFrame:
    """Match report transfers (report_id, seq, ts, txn_id, src, dst, amount) to transaction rows.

    Adds `row` (index row, -1 when nothing matched) and `how` (txn_id | fuzzy | none).
    """
    cfg = index.config
    out = transfers.copy().reset_index(drop=True)
    out["row"] = -1
    out["how"] = "none"
    used: set[int] = set()
    for i, t in enumerate(out.itertuples(index=False)):
        tid = getattr(t, "txn_id", None)
        if isinstance(tid, str) and tid in index.txn_row:
            row = index.txn_row[tid]
            out.at[i, "row"] = row
            out.at[i, "how"] = "txn_id"
            used.add(row)
    window = int(cfg.match_window_h * 3600 * 1e9)
    for i, t in enumerate(out.itertuples(index=False)):
        if out.at[i, "row"] >= 0:
            continue
        amount = float(t.amount) if t.amount is not None and not pd.isna(t.amount) else None
        if amount is None or t.ts is None or pd.isna(t.ts):
            continue
        when = pd.Timestamp(t.ts).to_datetime64().astype("datetime64[ns]").astype(np.int64)
        dst_code = index.account_code.get(t.dst) if isinstance(t.dst, str) else None
        src_code = index.account_code.get(t.src) if isinstance(t.src, str) else None
        # candidate rows: the receiver's inflows (or the payer's outflows) near the time
        if dst_code is not None:
            acc, kind = dst_code, 0
        elif src_code is not None:
            acc, kind = src_code, 1
        else:
            continue
        a, b = index.ptr[acc], index.ptr[acc + 1]
        ts_slice = index.ev_ts[a:b]
        lo = a + np.searchsorted(ts_slice, when - window, "left")
        hi = a + np.searchsorted(ts_slice, when + window, "right")
        best, best_score = -1, np.inf
        tol = max(cfg.match_amount_abs, cfg.match_amount_rel * amount)
        for e in range(lo, hi):
            if index.ev_kind[e] != kind:
                continue
            row = int(index.ev_row[e])
            if row in used:
                continue
            diff = abs(index.amount[row] - amount)
            if diff > tol:
                continue
            if index.channel[row] in ("cash_in", "cash_out"):
                continue
            score = abs(index.ts[row] - when) / 3.6e12 + 4.0 * diff / tol
            if kind == 0 and src_code is not None and index.src[row] != src_code:
                score += 6.0  # the victim named another paying account: a weaker candidate
            if score < best_score:
                best, best_score = row, score
        if best >= 0:
            out.at[i, "row"] = best
            out.at[i, "how"] = "fuzzy"
            used.add(best)
    return out


# --------------------------------------------------------------------------- tracing


@dataclass
class _Reached:
    hop: int
    first_in: int
    traced: float = 0.0
    held: float = 0.0
    cashed_out: float = 0.0
    crypto: float = 0.0
    endpoint: bool = False
    stopped: bool = False       # money not followed on: the account does not behave like a mule


def _trace_seeds(index: TraceIndex, seeds: list[tuple[int, int, float, int]]) -> dict[int, _Reached]:
    """Follow one report's money from its seeds.

    A seed is (account, event position of the arrival or -1 for a virtual arrival,
    amount, ts). Returns per-account totals of this report's money.
    """
    cfg = index.config
    reached: dict[int, _Reached] = {}
    # heap of lots: (ts, seq, account, event pos, amount, offset in the arriving block, hop)
    heap: list[tuple[int, int, int, int, float, float, int]] = []
    seq = 0
    for acc, pos, amount, ts in seeds:
        heap.append((ts, seq, acc, pos, amount, -1.0, 1))
        seq += 1
    heapq.heapify(heap)
    while heap:
        ts, _, acc, pos, amount, offset, hop = heapq.heappop(heap)
        r = reached.get(acc)
        if r is None:
            r = reached[acc] = _Reached(hop=hop, first_in=ts)
        else:
            r.hop = min(r.hop, hop)
            r.first_in = min(r.first_in, ts)
        r.traced += amount
        if index.endpoint[acc]:
            r.endpoint = True
            continue
        a0 = index.ptr[acc]
        n_ev = index.ptr[acc + 1] - a0
        bal = index.balances(acc)
        if pos >= 0:
            local = pos - a0
            before = bal[local - 1] if local > 0 else 0.0
            block = index.amount[index.ev_row[pos]]
            start = local + 1
            shift = 0.0
        else:  # a transfer the data does not show: put it on top at its time
            local = int(np.searchsorted(index.ev_ts[a0:a0 + n_ev], ts, "right")) - 1
            before = bal[local] if local >= 0 else 0.0
            block = amount
            start = local + 1
            shift = amount
        # the report's slice inside the arriving block: keep its position when known
        off = offset if offset >= 0 else max(0.0, block - amount)
        lo = before + min(off, max(0.0, block - amount))
        hi = lo + amount
        if start >= n_ev:
            r.held += amount
            continue
        follow = index.passes_through(acc, pos, ts, 0.0 if pos >= 0 else amount)
        if not follow:
            r.stopped = True
        # walk the following events in chunks until the slice is gone
        top = hi
        k = start
        while k < n_ev and top > lo + 1e-9:
            end = min(n_ev, k + 1024)
            b = bal[k:end] + shift
            floor_path = np.minimum(top, np.minimum.accumulate(b))
            new_top = np.maximum(lo, floor_path)
            prev = np.concatenate([[top], new_top[:-1]])
            taken = prev - new_top
            for j in np.flatnonzero(taken > 1e-9):
                e = a0 + k + j
                row = int(index.ev_row[e])
                t_amt = float(taken[j])
                dst = int(index.dst[row])
                channel = index.channel[row]
                if dst < 0 or channel == "cash_out":
                    r.cashed_out += t_amt
                    continue
                if channel == "crypto_out":
                    r.crypto += t_amt
                    continue
                if not follow or hop >= cfg.max_hops or t_amt < cfg.lot_floor_thb:
                    continue
                # where the slice sat in the outgoing block (bottom of the block = balance after)
                prev_bal = (bal[k + j - 1] if k + j > 0 else 0.0) + shift
                block_bottom = prev_bal - index.amount[row]
                sub_off = max(0.0, float(new_top[j]) - block_bottom)
                heapq.heappush(heap, (int(index.ts[row]), seq, dst, int(index.in_pos[row]), t_amt, sub_off,
                                      hop + 1))
                seq += 1
            top = float(new_top[-1])
            k = end
        r.held += max(0.0, top - lo)
    return reached


def _report_frame(index: TraceIndex, report_id: str, reached: dict[int, _Reached]) -> pd.DataFrame:
    cfg = index.config
    if not reached:
        return pd.DataFrame(columns=TRACE_COLUMNS + EXTRA_COLUMNS)
    seeded = sum(r.traced for r in reached.values() if r.hop == 1)
    floor = max(cfg.floor_thb, cfg.floor_share * seeded)
    rows = []
    for acc, r in reached.items():
        if r.endpoint:
            continue
        if r.hop > 1 and r.traced < floor:
            continue
        account = index.accounts[acc]
        rows.append({
            "report_id": report_id, "hop": r.hop, "bank": account.split("-", 1)[0],
            "account": account.split("-", 1)[1] if "-" in account else account,
            "traced_thb": round(r.traced, 2), "first_in_ts": pd.Timestamp(r.first_in),
            "held_thb": round(r.held, 2), "cashed_out_thb": round(r.cashed_out, 2),
            "crypto_thb": round(r.crypto, 2),
            "role": "paid_by_victim" if r.hop == 1 else ("holding" if r.held >= floor else "pass_through"),
        })
    frame = pd.DataFrame(rows, columns=TRACE_COLUMNS + EXTRA_COLUMNS)
    return frame.sort_values(["hop", "first_in_ts", "bank", "account"], kind="stable")


def _seeds(index: TraceIndex, matched: pd.DataFrame) -> list[tuple[int, int, float, int]]:
    seeds = []
    for t in matched.itertuples(index=False):
        if t.row >= 0:
            row = int(t.row)
            if index.dst[row] < 0:
                continue
            seeds.append((int(index.dst[row]), int(index.in_pos[row]), float(index.amount[row]),
                          int(index.ts[row])))
        elif isinstance(t.dst, str) and t.dst in index.account_code and t.amount and not pd.isna(t.ts):
            when = int(pd.Timestamp(t.ts).to_datetime64().astype("datetime64[ns]").astype(np.int64))
            seeds.append((index.account_code[t.dst], -1, float(t.amount), when))
    return seeds


def _load_transfers(eng, report_ids: list[str] | None) -> pd.DataFrame:
    query = "SELECT report_id, seq, ts, txn_id, src, dst, amount FROM report_transfers"
    if report_ids is not None:
        if not report_ids:
            return pd.DataFrame(columns=["report_id", "seq", "ts", "txn_id", "src", "dst", "amount"])
        quoted = ", ".join("'" + str(r).replace("'", "''") + "'" for r in report_ids)
        query += f" WHERE report_id IN ({quoted})"
    return eng.sql(query + " ORDER BY report_id, seq")


def _load_victims(eng, report_ids: list[str] | None) -> dict[str, dict]:
    query = "SELECT report_id, reported_at, loss_thb, victim_holder_id FROM reports"
    if report_ids is not None:
        if not report_ids:
            return {}
        quoted = ", ".join("'" + str(r).replace("'", "''") + "'" for r in report_ids)
        query += f" WHERE report_id IN ({quoted})"
    frame = eng.sql(query)
    return {str(r["report_id"]): r for r in frame.to_dict("records")}


def _unlisted_dst(index: TraceIndex, matched: pd.DataFrame, report_id: str) -> list[dict]:
    """Accounts a report names as paid that the data never shows: list them at hop 1 anyway."""
    rows = []
    for t in matched.itertuples(index=False):
        if t.row < 0 and isinstance(t.dst, str) and t.dst not in index.account_code and "-" in t.dst:
            bank, account = t.dst.split("-", 1)
            amount = float(t.amount) if t.amount is not None and not pd.isna(t.amount) else 0.0
            rows.append({"report_id": report_id, "hop": 1, "bank": bank, "account": account,
                         "traced_thb": round(amount, 2), "first_in_ts": pd.Timestamp(t.ts) if t.ts else pd.NaT,
                         "held_thb": round(amount, 2), "cashed_out_thb": 0.0, "crypto_thb": 0.0,
                         "role": "paid_by_victim"})
    return rows


def trace_reports(dataset, engine=None, report_ids: list[str] | None = None, *,
                  config: TraceConfig | None = None, progress=None) -> pd.DataFrame:
    """Freeze plans for the reports of a dataset (all, or `report_ids`).

    Returns one row per (report, account) with the columns of AXF.md's trace output
    (`report_id, hop, bank, account, traced_thb, first_in_ts`; first_in_ts naive UTC)
    plus `held_thb` (the report's money still there at the as-of time),
    `cashed_out_thb`, `crypto_thb` (what left it as cash or crypto) and `role`.
    """
    eng = engine or DuckDBEngine(dataset.con)
    index = build_index(dataset, eng, config)
    transfers = _load_transfers(eng, report_ids)
    victims = _load_victims(eng, report_ids)
    frames = []
    empty = transfers.iloc[0:0]
    for report_id in sorted(set(victims) | set(transfers["report_id"].astype(str))):
        group = transfers[transfers["report_id"] == report_id] if len(transfers) else empty
        frames.append(_trace_transfers(index, report_id, group, victims.get(report_id)))
        if progress is not None:
            progress.advance("trace")
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=TRACE_COLUMNS + EXTRA_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _unlisted_payments(index: TraceIndex, matched: pd.DataFrame, victim: dict) -> list[int]:
    """Rows of the victim's payments the report does not list, to accounts known as scam accounts.

    Victims often list one transfer of several. When the reported loss exceeds
    the listed transfers, the victim's own accounts (the paying accounts listed,
    and every account of the victim's holder id) are searched for payments to
    accounts that reports name or that behave like ring accounts, before the
    report, closest in time to the listed transfers first, until the loss is
    covered.
    """
    cfg = index.config
    loss = victim.get("loss_thb")
    if loss is None or pd.isna(loss) or loss <= 0:
        return []
    rows = [int(r) for r in matched["row"] if r >= 0]
    listed = sum(index.amount[r] for r in rows)
    listed += sum(float(a) for r, a in zip(matched["row"], matched["amount"]) if r < 0 and a and not pd.isna(a))
    budget = float(loss) - listed
    if budget < max(cfg.floor_thb, cfg.floor_share * float(loss)):
        return []
    codes = {int(index.src[r]) for r in rows if index.src[r] >= 0}
    for src in matched["src"]:
        if isinstance(src, str) and src in index.account_code:
            codes.add(index.account_code[src])
    holder = victim.get("victim_holder_id")
    if isinstance(holder, str):
        codes.update(index.holder_accounts.get(holder, ()))
    if not codes:
        return []
    times = [int(index.ts[r]) for r in rows]
    until = victim.get("reported_at")
    until = int(pd.Timestamp(until).value) if until is not None and not pd.isna(until) else \
        (max(times) if times else None)
    if until is None:
        return []
    since = (min(times) if times else until) - int(cfg.unlisted_lookback_days * 86400 * 1e9)
    anchors = np.array(times or [until], dtype=np.int64)
    suspect = (index.named | index.mule_like) & ~index.endpoint
    used = set(rows)
    found = []
    for acc in sorted(codes):
        a0, a1 = index.ptr[acc], index.ptr[acc + 1]
        lo = a0 + int(np.searchsorted(index.ev_ts[a0:a1], since, "left"))
        hi = a0 + int(np.searchsorted(index.ev_ts[a0:a1], until, "right"))
        for e in range(lo, hi):
            if index.ev_kind[e] != 1:
                continue
            row = int(index.ev_row[e])
            dst = int(index.dst[row])
            if dst < 0 or row in used or not suspect[dst] or dst in codes:
                continue
            found.append((int(np.abs(anchors - index.ts[row]).min()), row))
    picked = []
    for _, row in sorted(found):
        amount = index.amount[row]
        if amount > budget * 1.05 + cfg.match_amount_abs:
            continue
        picked.append(row)
        budget -= amount
        if budget < max(cfg.floor_thb, cfg.floor_share * float(loss)):
            break
    return picked


def _trace_transfers(index: TraceIndex, report_id: str, transfers: pd.DataFrame,
                     victim: dict | None = None) -> pd.DataFrame:
    matched = match_transfers(index, transfers)
    if victim:
        extra_rows = _unlisted_payments(index, matched, victim)
        if extra_rows:
            extra = pd.DataFrame({"report_id": report_id, "seq": -1, "ts": pd.NaT, "txn_id": None, "src": None,
                                  "dst": None, "amount": None, "row": extra_rows, "how": "unlisted"})
            matched = pd.concat([matched, extra], ignore_index=True)
    reached = _trace_seeds(index, _seeds(index, matched))
    frame = _report_frame(index, report_id, reached)
    extra = _unlisted_dst(index, matched, report_id)
    if extra:
        frame = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
    return frame


def trace_report(dataset, report_id: str, *, transfers: list[dict] | pd.DataFrame | None = None,
                 loss_thb: float | None = None, victim_holder_id: str | None = None,
                 reported_at=None, engine=None, config: TraceConfig | None = None) -> pd.DataFrame:
    """The freeze plan for one report, fast enough to run when the report arrives.

    With `transfers` (canonical: ts naive UTC or ISO text, txn_id, src, dst as
    `BANK-DIGITS`, amount) it traces a report that is not in the dataset yet;
    `loss_thb`, `victim_holder_id` and `reported_at` let it also find the victim's
    payments the report does not list. Without `transfers` the report is read
    from the dataset's `reports` / `report_transfers`.
    """
    index = build_index(dataset, engine, config)
    if transfers is None:
        eng = engine or DuckDBEngine(dataset.con)
        frame = _load_transfers(eng, [report_id])
        victim = _load_victims(eng, [report_id]).get(report_id)
    else:
        frame = pd.DataFrame(list(transfers) if not isinstance(transfers, pd.DataFrame) else transfers)
        for col in ("seq", "ts", "txn_id", "src", "dst", "amount"):
            if col not in frame:
                frame[col] = None
        frame["report_id"] = report_id
        frame["ts"] = [_naive_utc(v) for v in frame["ts"]]
        victim = {"loss_thb": loss_thb, "victim_holder_id": victim_holder_id,
                  "reported_at": _naive_utc(reported_at)}
    return _trace_transfers(index, report_id, frame, victim).reset_index(drop=True)


def _naive_utc(value) -> datetime | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    from zeroscam.kit.timeutil import parse_ts

    return parse_ts(value)


def to_output(frame: pd.DataFrame) -> pd.DataFrame:
    """The CSV of AXF.md: contract columns only, first_in_ts in Bangkok time with offset."""
    from zeroscam.kit.timeutil import to_iso_bangkok

    out = frame[TRACE_COLUMNS].copy()
    out["first_in_ts"] = [to_iso_bangkok(pd.Timestamp(t).to_pydatetime()) if not pd.isna(t) else ""
                          for t in out["first_in_ts"]]
    out["traced_thb"] = out["traced_thb"].map(lambda v: f"{v:.2f}")
    return out
