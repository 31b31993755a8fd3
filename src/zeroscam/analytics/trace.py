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
2. **The victim's unlisted payments.** When the reported loss exceeds the
   listed transfers, the victim's own accounts are searched for payments to
   the accounts this report names, then to accounts other reports name, then to
   accounts that pay from a ring device and passed the money on.
3. **Allocation inside an account** (`TraceIndex.allocation`), once per account
   and for all reports, so reports sharing a pooled account never share each
   other's money: a payment of nearly all of one recent arrival is that
   arrival's money (mules forward what they get, less a cut); else one that a
   single recent arrival covers comes from the newest such arrival (a split);
   else last in, first out — the *lowest intermediate balance* rule courts use
   for commingled funds. Chosen over FIFO, which in a bought account with years
   of savings pushes the old savings out first and loses the trail, and over a
   proportional haircut, which smears every victim over every later payment of
   a pool. Payments minutes apart are one decision, their take split pro rata
   (which of two transfers to two layers came first says nothing). Money moves
   forward in time only; an overdraft means money we do not see was there
   (balances never go below zero).
4. **Stops.** Cash-outs and crypto exits end a path (nothing to hold; exchanges
   are not held). Honest endpoints end a path and are not listed: exchanges,
   merchants and billers (very many distinct payers, almost none suspect), and
   past hop 1 shops where mules spend their cut. Money is followed on only from
   accounts that behave like mules (`TraceIndex.passes_through`): ring devices,
   or passing on what arrives as it came, or pooling and then sweeping it on to
   other people within days, or keeping one arrival alone and sending it on
   later; an honest seller that a mistaken report names (few reported payers,
   keeps her takings, or a business by its very many payers) is listed but not
   followed to her supplier.
5. **Who is listed.** The accounts the victim paid (hop 1), and past them the
   accounts the report's money reached with at least a floor (an absolute amount
   and a share of the report's money — a mule's coffee does not freeze the café).
6. **The ring's other accounts** holding money no report traced (victims who
   never report) are added by `trace_reports` (`_ring_linked`): linked to a
   confirmed ring account by a device or holder, or by money — a forward out of
   it, or a collector's forward into a layering account.

The per-report work touches only accounts the money reached: an index over all
transactions (per account, in time order; allocations computed on demand) is
built once per dataset with SQL and kept on it, so a new report on ten million
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
    floor_share: float = 0.05         # ... nor for less than this share of the report's money (a mule's cut
                                      # spent in a shop is a few percent of one victim's money)
    lot_floor_thb: float = 20.0       # stop following slices smaller than this (keeps the work bounded)
    max_hops: int = 12
    # matching report transfers without a usable txn_id
    match_window_h: float = 36.0      # victims remember times hours off
    match_amount_rel: float = 0.10    # ... and round amounts
    match_amount_abs: float = 100.0
    # honest endpoints
    endpoint_min_payers: int = 60     # "very many distinct payers"
    endpoint_max_victim_share: float = 0.05  # ... almost none of them reported victims
    shop_min_payers: int = 15         # paid by this many people, mostly not victims nor ring accounts: a
    shop_max_suspect_share: float = 0.25  # shop where mules spend; not followed nor listed past hop 1
    # following money onward only from accounts that behave like mules
    device_min_accounts: int = 3      # an app device paying from this many accounts ...
    device_min_holders: int = 2       # ... of this many holders is run by a ring
    max_device_accounts: int = 50     # a device on more accounts than this is no personal link
    min_forward_share: float = 0.5    # mules pay on most of what they get as it came (one arrival at a time);
                                      # shops pay suppliers out of many sales at once
    min_outflow_share: float = 0.9    # ... or pool a few arrivals and empty the account within the window
    collector_min_victim_share: float = 0.1  # a paid-by-victim account with fewer reported payers looks honest ...
    min_sweep_share: float = 0.9      # ... unless it sweeps what it got on to other people within days (a collector
                                      # pooling unreported victims' payments; a layer pooling many collectors)
    # payments a report does not list: the victim's other payments to known scam accounts
    unlisted_lookback_days: float = 30.0
    # allocation inside an account
    max_cut: float = 0.2              # a forward of at least 80% of one arrival is that arrival's money
    forward_window_h: float = 72.0    # ... when it leaves within this many hours
    max_hold_days: float = 14.0       # an arrival kept alone and then sent on whole is followed up to this late
    burst_gap_min: float = 15.0       # payments this close, no arrival between: one decision, split pro rata


# --------------------------------------------------------------------------- index


CH_OTHER, CH_CASH_OUT, CH_CRYPTO, CH_CASH_IN = 0, 1, 2, 3
_CHANNEL_CODES = {"cash_out": CH_CASH_OUT, "crypto_out": CH_CRYPTO, "cash_in": CH_CASH_IN}


class TraceIndex:
    """All transactions of a dataset, arranged for per-report tracing.

    Every transaction gives an "in" event to its receiver and an "out" event to
    its payer; events are grouped per account and sorted by time (inflows before
    outflows at the same second). Allocations per account are computed lazily.
    Build it with `build_index(dataset)` (SQL on the engine, cached) or, for small
    frames, `TraceIndex.from_frame`.
    """

    def __init__(self, *, accounts: np.ndarray, src: np.ndarray, dst: np.ndarray, ts: np.ndarray,
                 amount: np.ndarray, channel: np.ndarray, config: TraceConfig,
                 endpoint: np.ndarray, mule_like: np.ndarray, named: np.ndarray,
                 holder_accounts: dict[str, list[int]], txn_lookup, payers: np.ndarray | None = None,
                 victim_payers: np.ndarray | None = None, events: tuple | None = None):
        self.config = config
        self.accounts = accounts
        self.account_code = {a: i for i, a in enumerate(accounts)}
        self.src, self.dst, self.ts, self.amount, self.channel = src, dst, ts, amount, channel
        self.endpoint, self.mule_like, self.named = endpoint, mule_like, named
        self.holder_accounts = holder_accounts
        self.payers = payers if payers is not None else np.zeros(len(accounts), np.int64)
        self.victim_payers = victim_payers if victim_payers is not None else np.zeros(len(accounts), np.int64)
        self._txn_lookup = txn_lookup
        self.shared_devices = lambda codes: []  # (account, linked listed account) pairs; set by the builder
        self.txn_row: dict[str, int] = {}
        n, n_acc = len(src), len(accounts)
        if events is None:
            has_src, has_dst = src >= 0, dst >= 0
            rows = np.arange(n, dtype=np.int64)
            ev_acc = np.concatenate([dst[has_dst], src[has_src]])
            ev_kind = np.concatenate([np.zeros(has_dst.sum(), np.int8), np.ones(has_src.sum(), np.int8)])
            ev_row = np.concatenate([rows[has_dst], rows[has_src]])
            order = np.lexsort((ev_row, ev_kind, ts[ev_row], ev_acc))
            events = (ev_acc[order], ev_row[order], ev_kind[order])
        self.ev_acc, self.ev_row, self.ev_kind = events
        self.ev_ts = ts[self.ev_row]
        self.ev_delta = np.where(self.ev_kind == 0, 1.0, -1.0) * amount[self.ev_row]
        self.ptr = np.searchsorted(self.ev_acc, np.arange(n_acc + 1))
        self.in_pos = np.full(n, -1, dtype=np.int64)  # where each transaction's "in" event sits
        is_in = self.ev_kind == 0
        self.in_pos[self.ev_row[is_in]] = np.flatnonzero(is_in)
        self._balance_cache: dict[int, np.ndarray] = {}
        self._alloc_cache: dict[int, tuple[dict, dict]] = {}
        self._forward_share: dict[int, dict[int, float]] = {}
        self._sources_cache: dict[int, dict[int, list[tuple[int, float]]]] = {}
        self._holder_of: dict[int, str] | None = None

    def lookup_txns(self, txn_ids) -> None:
        """Learn the rows of these txn_ids (one query; remembered)."""
        wanted = sorted({t for t in txn_ids if isinstance(t, str) and t not in self.txn_row})
        if wanted:
            self.txn_row.update(self._txn_lookup(wanted))

    @classmethod
    def from_frame(cls, txns: pd.DataFrame, *, victim_payers: set[str] | None = None,
                   holders: dict[str, str] | None = None, named: dict[str, int] | None = None,
                   config: TraceConfig | None = None) -> "TraceIndex":
        """An index from a pandas frame of canonical transactions (small data, tests)."""
        cfg = config or TraceConfig()
        n = len(txns)
        src = txns["src"].astype(object).where(txns["src"].notna(), None).to_numpy()
        dst = txns["dst"].astype(object).where(txns["dst"].notna(), None).to_numpy()
        codes, uniques = pd.factorize(np.concatenate([src, dst]), use_na_sentinel=True)
        accounts = np.asarray(uniques, dtype=object)
        n_acc = len(accounts)
        code_of = {a: i for i, a in enumerate(accounts)}
        src_c, dst_c = codes[:n].astype(np.int64), codes[n:].astype(np.int64)
        channel = np.array([_CHANNEL_CODES.get(c, CH_OTHER) for c in txns["channel"]], dtype=np.int8)
        ts = pd.to_datetime(txns["ts"]).to_numpy(dtype="datetime64[ns]").astype(np.int64)
        endpoint = np.zeros(n_acc, dtype=bool)
        endpoint[dst_c[(channel == CH_CRYPTO) & (dst_c >= 0)]] = True
        named_mask = np.zeros(n_acc, dtype=bool)
        mule_like = np.zeros(n_acc, dtype=bool)
        for account, n_reports in (named or {}).items():
            if account in code_of:
                named_mask[code_of[account]] = True
        holder_accounts: dict[str, list[int]] = {}
        for account, holder in (holders or {}).items():
            if account in code_of:
                holder_accounts.setdefault(holder, []).append(code_of[account])
        if "src_device" in txns.columns:
            dev = txns["src_device"].to_numpy(dtype=object)
            has_dev = (src_c >= 0) & pd.notna(dev)
            if has_dev.any():
                dev_codes, _ = pd.factorize(dev[has_dev])
                holder_codes = pd.factorize(pd.Series([(holders or {}).get(a, a) for a in accounts], dtype=object))[0]
                acc_dev = np.unique(dev_codes.astype(np.int64) * n_acc + src_c[has_dev])
                dev_of, acc_of = acc_dev // n_acc, acc_dev % n_acc
                n_accounts = np.bincount(dev_of)
                dev_holder = np.unique(dev_of * (n_acc + 1) + holder_codes[acc_of])
                n_holders = np.bincount(dev_holder // (n_acc + 1), minlength=len(n_accounts))
                ring_dev = (n_accounts >= cfg.device_min_accounts) & (n_holders >= cfg.device_min_holders)
                mule_like[acc_of[ring_dev[dev_of]]] = True
        both = (src_c >= 0) & (dst_c >= 0)
        pairs = np.unique(dst_c[both] * n_acc + src_c[both])
        victims = np.array([code_of[v] for v in (victim_payers or ()) if v in code_of], dtype=np.int64)
        payer_counts = _payer_counts(pairs // n_acc, pairs % n_acc, n_acc, victims, mule_like | named_mask)
        endpoint |= (payer_counts[0] >= cfg.endpoint_min_payers) & \
            (payer_counts[1] <= cfg.endpoint_max_victim_share * payer_counts[0])
        ids = txns["txn_id"].astype(str).tolist()
        rows = {t: i for i, t in enumerate(ids)}
        return cls(accounts=accounts, src=src_c, dst=dst_c, ts=ts, amount=txns["amount"].to_numpy(np.float64),
                   channel=channel, config=cfg, endpoint=endpoint, mule_like=mule_like, named=named_mask,
                   holder_accounts=holder_accounts, payers=payer_counts[0], victim_payers=payer_counts[1],
                   txn_lookup=lambda wanted: {t: rows[t] for t in wanted if t in rows})

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


    def allocation(self, acc: int) -> tuple[dict[int, list[tuple[int, float]]], dict[int, float]]:
        """Where each arrival of `acc` went: {in-event: [(out-event, baht)]} and what is left of each.

        The account's whole ledger is allocated once, report-independent, so
        reports that share an account never share each other's money:

        1. a payment of nearly all of one recent arrival (at most `max_cut` less,
           the mule's cut) is that arrival's money;
        2. else a payment that one recent arrival can cover comes from the newest
           such arrival (a mule splitting what it just got);
        3. else last in, first out across arrivals.

        Payments minutes apart (`burst_gap_min`) with no arrival between them are one decision and
        allocated as one payment (a mule splitting an arrival over two layers forwards it whole), what
        they took split over them pro rata: which of two transfers to two layers the bank booked first
        says nothing about whose money went where. What no arrival covers came from money the data does
        not show.
        """
        cached = self._alloc_cache.get(acc)
        if cached is not None:
            return cached
        cfg = self.config
        window = int(cfg.forward_window_h * 3600 * 1e9)
        keep = 1.0 - cfg.max_cut
        a0, a1 = int(self.ptr[acc]), int(self.ptr[acc + 1])
        kinds = self.ev_kind[a0:a1]
        amounts = self.amount[self.ev_row[a0:a1]]
        times = self.ev_ts[a0:a1]
        open_lots: list[int] = []            # in-events with money left, oldest first
        forwarded: dict[int, float] = {}     # per arrival: paid on as (part of) that one recent arrival
        left: dict[int, float] = {}
        goes: dict[int, list[tuple[int, float]]] = {}
        gap = int(cfg.burst_gap_min * 60 * 1e9)
        n_ev, k = a1 - a0, 0
        while k < n_ev:
            if kinds[k] == 0:
                open_lots.append(a0 + k)
                left[a0 + k] = float(amounts[k])
                k += 1
                continue
            # a burst: payments minutes apart with no arrival between them are one decision
            m = k + 1
            while m < n_ev and kinds[m] != 0 and times[m] - times[m - 1] <= gap:
                m += 1
            t, burst = times[k], [(a0 + i, float(amounts[i])) for i in range(k, m)]
            need = sum(a for _, a in burst)
            taken: list[tuple[int, float]] = []
            whole = cover = -1
            best = 2.0
            for j in range(len(open_lots) - 1, -1, -1):
                p = open_lots[j]
                if t - self.ev_ts[p] > window:
                    break
                rest = left[p]
                if rest + 1e-9 >= need:
                    if cover < 0:
                        cover = p
                    if need >= keep * rest and (rest - need) / rest < best - 1e-12:
                        best, whole = (rest - need) / rest, p
            pick = whole if whole >= 0 else cover
            if pick >= 0:
                taken.append((pick, need))
                left[pick] -= need
                forwarded[pick] = forwarded.get(pick, 0.0) + need
            else:
                for j in range(len(open_lots) - 1, -1, -1):
                    p = open_lots[j]
                    take = min(need, left[p])
                    if take > 0:
                        taken.append((p, take))
                        left[p] -= take
                        need -= take
                    if need <= 1e-9:
                        break
            # what the burst took is split over its payments pro rata: their order says nothing
            # about whose money went where (a collector splitting its pool over two layers)
            total = sum(a for _, a in burst)
            for p, take in taken if total > 0 else ():
                for e, amt in burst:
                    goes.setdefault(p, []).append((e, take * amt / total))
            if len(open_lots) > 64 and k // 32 != m // 32:
                open_lots = [p for p in open_lots if left[p] > 1e-6]
            k = m
        remaining = {p: v for p, v in left.items() if v > 1e-6}
        if len(self._alloc_cache) > 200_000:
            self._alloc_cache.clear()
            self._forward_share.clear()
        self._forward_share[acc] = forwarded
        self._alloc_cache[acc] = (goes, remaining)
        return goes, remaining

    def sources(self, acc: int) -> dict[int, list[tuple[int, float]]]:
        """Where each payment of `acc` came from: {out-event: [(in-event, baht)]} (the allocation reversed)."""
        cached = self._sources_cache.get(acc)
        if cached is None:
            cached = {}
            for p, outs in self.allocation(acc)[0].items():
                for e, amt in outs:
                    cached.setdefault(e, []).append((p, amt))
            if len(self._sources_cache) > 50_000:
                self._sources_cache.clear()
            self._sources_cache[acc] = cached
        return cached

    def holder_of(self, acc: int):
        """The holder id of an account (the account code itself when the data gives none)."""
        if self._holder_of is None:
            self._holder_of = {c: h for h, cs in self.holder_accounts.items() for c in cs}
        return self._holder_of.get(acc, acc)

    def out_event(self, acc: int, row: int) -> int:
        """Position of the "out" event of transaction `row` among `acc`'s events."""
        a0, a1 = int(self.ptr[acc]), int(self.ptr[acc + 1])
        e = a0 + int(np.searchsorted(self.ev_ts[a0:a1], self.ts[row], "left"))
        while e < a1 and self.ev_ts[e] == self.ts[row]:
            if self.ev_row[e] == row and self.ev_kind[e] == 1:
                return e
            e += 1
        return -1

    def is_forward(self, acc: int, e: int) -> bool:
        """Does payment `e` of `acc` pass on money that just came from someone else, as a mule does?

        At least `1 - max_cut` of it came from arrivals of the last `forward_window_h` paid by other
        holders, and one of those arrivals goes on (nearly) whole: a person spending from her pay, or
        paying a bill from what a relative sent, passes on a part; a mule passes on what it got.
        """
        if e < 0:
            return False
        cfg = self.config
        keep = 1.0 - cfg.max_cut
        window = int(cfg.forward_window_h * 3600 * 1e9)
        t, me = self.ev_ts[e], self.holder_of(acc)
        covered, whole = 0.0, False
        for p, taken in self.sources(acc).get(e, ()):
            row = self.ev_row[p]
            src = int(self.src[row])
            if t - self.ev_ts[p] > window or src < 0 or self.holder_of(src) == me:
                continue
            covered += taken
            whole |= taken >= keep * self.amount[row]
        return whole and covered >= keep * self.amount[self.ev_row[e]]

    def held_now(self, acc: int) -> float:
        bal = self.balances(acc)
        return float(bal[-1]) if len(bal) else 0.0

    def forward_share(self, acc: int, ts: int) -> float:
        """Share of what `acc` received around `ts` that it paid on as single recent arrivals.

        Around: from a day before to a week after, so a bought account's years of
        honest history do not hide what it does now.
        """
        if acc not in self._forward_share:
            self.allocation(acc)
        forwarded = self._forward_share[acc]
        a0, a1 = int(self.ptr[acc]), int(self.ptr[acc + 1])
        day = int(86400 * 1e9)
        lo = a0 + int(np.searchsorted(self.ev_ts[a0:a1], ts - day, "left"))
        hi = a0 + int(np.searchsorted(self.ev_ts[a0:a1], ts + 7 * day, "right"))
        received = done = 0.0
        for e in range(lo, hi):
            if self.ev_kind[e] == 0:
                amount = self.amount[self.ev_row[e]]
                if amount >= self.config.lot_floor_thb:
                    received += amount
                    done += forwarded.get(e, 0.0)
        return min(1.0, done / received) if received > 0 else 0.0

    def business_like(self, acc: int) -> bool:
        """Paid by very many distinct people (`endpoint_min_payers`), under `collector_min_victim_share` of them
        suspect: a business with its customers. A collector's payers are its victims — tens of them, and
        more of them report — so what such an account pays on is its takings going to suppliers and family
        (however fast and fully), not a pool swept to the ring."""
        cfg = self.config
        return bool(self.payers[acc] >= cfg.endpoint_min_payers and
                    self.victim_payers[acc] < cfg.collector_min_victim_share * self.payers[acc])

    def shop_like(self, acc: int) -> bool:
        """Paid by many distinct people, hardly any of them reported victims: a shop or a biller."""
        cfg = self.config
        return bool(self.payers[acc] >= cfg.shop_min_payers and
                    self.victim_payers[acc] <= cfg.shop_max_suspect_share * self.payers[acc])

    def passes_through(self, acc: int, pos: int, ts: int, unseen_in: float = 0.0, hop: int = 2) -> bool:
        """Do we follow money on from `acc`? Yes when it behaves like a mule around this arrival.

        Ring accounts (a shared app device, or named by several reports) always.
        An account the victim paid directly (hop 1) whose payers are mostly not
        reported victims and that is a business by its many payers (`business_like`) or
        did not sweep what it got on to other people (`swept_share`) looks like an honest
        seller named by a mistaken report: never. Otherwise: most of what the account received around then left
        again as single recent arrivals — honest look-alikes (a seller paying her
        supplier part of the day's takings) pay out of many arrivals at once; mules pass each arrival on as
        it came, less a cut (see `allocation`); or pool and empty the account (`outflow_share`, `drained`);
        or keep one arrival alone for days and then send it on (`held_then_sent`).
        """
        if self.mule_like[acc]:
            return True
        if hop == 1 and self.victim_payers[acc] < self.config.collector_min_victim_share * self.payers[acc] \
                and (self.business_like(acc) or self.swept_share(acc, ts) < self.config.min_sweep_share):
            return False  # paid by people hardly any of whom reported, a business or keeps the takings: a seller
        if self.forward_share(acc, ts) >= self.config.min_forward_share:
            return True
        # a mule that pools several arrivals before paying on still empties the account quickly
        return self.outflow_share(acc, ts) >= self.config.min_outflow_share or self.drained(acc, pos) or \
            self.held_then_sent(acc, pos)

    def drained(self, acc: int, pos: int) -> bool:
        """Did the balance fall, within `forward_window_h` after arrival `pos`, to at most 1 - `min_outflow_share`
        of what it was right after it, by payments to other holders? Then, by the lowest intermediate balance,
        this arrival's money left with them: a layer pooling many collectors into one big payment does so,
        whatever else keeps arriving after."""
        a0, a1 = int(self.ptr[acc]), int(self.ptr[acc + 1])
        end = self.ev_ts[pos] + int(self.config.forward_window_h * 3600 * 1e9)
        hi = a0 + int(np.searchsorted(self.ev_ts[a0:a1], end, "right"))
        if hi <= pos + 1:
            return False
        bal = self.balances(acc)
        after = float(bal[pos - a0])
        before = after - float(self.amount[self.ev_row[pos]])
        k = int(np.argmin(bal[pos - a0 + 1:hi - a0]))
        low = float(bal[pos - a0 + 1 + k])
        if low > max(0.0, before) + (1.0 - self.config.min_outflow_share) * (after - max(0.0, before)):
            return False
        me, sent = self.holder_of(acc), 0.0
        for e in range(pos + 1, pos + 2 + k):
            row = int(self.ev_row[e])
            if self.ev_kind[e] == 1 and self.channel[row] == CH_OTHER and self.dst[row] >= 0 and \
                    self.holder_of(int(self.dst[row])) != me:
                sent += float(self.amount[row])
        return sent >= self.config.min_outflow_share * (after - low)

    def held_then_sent(self, acc: int, pos: int) -> bool:
        """Did `acc` keep arrival `pos`, nothing else of note arriving (≤ 1 - `min_outflow_share` of it), until
        its balance fell back to what it had before (plus that share of the arrival), within `max_hold_days`,
        by payments to other holders? With no other money in between, what left can only be this arrival's
        (nothing to apportion), however long it sat: a slow layer holding a collector's sweep for days. The
        window bounds the search, and a fortnight is short of a person saving a transfer for months."""
        cfg = self.config
        a0, a1 = int(self.ptr[acc]), int(self.ptr[acc + 1])
        end = self.ev_ts[pos] + int(cfg.max_hold_days * 86400 * 1e9)
        hi = a0 + int(np.searchsorted(self.ev_ts[a0:a1], end, "right"))
        bal = self.balances(acc)
        arrival = float(self.amount[self.ev_row[pos]])
        after = float(bal[pos - a0])
        slack = 1.0 - cfg.min_outflow_share
        limit = max(0.0, after - arrival) + slack * arrival
        me, sent, other_in = self.holder_of(acc), 0.0, 0.0
        for e in range(pos + 1, hi):
            row = int(self.ev_row[e])
            if self.ev_kind[e] == 0:
                other_in += float(self.amount[row])
                if other_in > slack * arrival:
                    return False
                continue
            if self.channel[row] == CH_OTHER and self.dst[row] >= 0 and self.holder_of(int(self.dst[row])) != me:
                sent += float(self.amount[row])
            if bal[e - a0] <= limit:
                return sent >= cfg.min_outflow_share * (after + other_in - float(bal[e - a0]))
        return False

    def _around(self, acc: int, ts: int) -> tuple[int, int]:
        """`acc`'s events from a day before `ts` to `forward_window_h` after it, as an index range."""
        a0, a1 = int(self.ptr[acc]), int(self.ptr[acc + 1])
        end = ts + int(self.config.forward_window_h * 3600 * 1e9)
        lo = a0 + int(np.searchsorted(self.ev_ts[a0:a1], ts - int(86400 * 1e9), "left"))
        hi = a0 + int(np.searchsorted(self.ev_ts[a0:a1], end, "right"))
        return lo, hi

    def swept_share(self, acc: int, ts: int) -> float:
        """Share of what `acc` received from a day before `ts` to `forward_window_h` after it that left by
        then as transfers to *other holders'* accounts: a collector sweeps its pool on to the ring within
        days, whoever paid it; a seller keeps her takings, spends them, or moves them to her own accounts
        and pays her suppliers a part. A pool that the last such transfer emptied (the balance left is at
        most 1 - `min_sweep_share` of what came in) swept what it had, whatever arrived after (victims pay
        on); a seller paying a supplier out of her savings does not empty the account."""
        lo, hi = self._around(acc, ts)
        rows = self.ev_row[lo:hi]
        outs = self.ev_kind[lo:hi] != 0
        amounts = self.amount[rows]
        me, sent, last = self.holder_of(acc), 0.0, -1
        for k in np.flatnonzero(outs & (self.channel[rows] == CH_OTHER)):
            dst = int(self.dst[rows[k]])
            if dst >= 0 and self.holder_of(dst) != me:
                sent += float(amounts[k])
                last = k
        received = float(amounts[~outs].sum())
        if received <= 0 or received < self.config.lot_floor_thb:
            return 0.0
        if last >= 0:
            pooled = float(amounts[:last + 1][~outs[:last + 1]].sum())
            left = float(self.balances(acc)[lo + last - int(self.ptr[acc])])
            if 0 < pooled and pooled >= self.config.lot_floor_thb \
                    and left <= (1.0 - self.config.min_sweep_share) * pooled:
                return min(1.0, sent / pooled)
        return min(1.0, sent / received)

    def outflow_share(self, acc: int, ts: int) -> float:
        """Share of what `acc` received from a day before `ts` to `forward_window_h` after it that left
        again by then (any payment, cash or crypto out)."""
        lo, hi = self._around(acc, ts)
        kinds = self.ev_kind[lo:hi]
        amounts = self.amount[self.ev_row[lo:hi]]
        received = float(amounts[kinds == 0].sum())
        sent = float(amounts[kinds != 0].sum())
        return min(1.0, sent / received) if received >= self.config.lot_floor_thb else 0.0


_INDEX_CACHE: "weakref.WeakKeyDictionary[object, TraceIndex]" = weakref.WeakKeyDictionary()


def _fetch(eng, query: str) -> dict[str, np.ndarray]:
    """Run a query and return its columns as numpy arrays (fast path on DuckDB)."""
    con = getattr(eng, "con", None)
    if con is not None:
        return {k: np.asarray(v) for k, v in con.execute(query).fetchnumpy().items()}
    frame = eng.sql(query)
    return {c: frame[c].to_numpy() for c in frame.columns}


def _payer_counts(dst: np.ndarray, src: np.ndarray, n_acc: int, victims: np.ndarray,
                  ring: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct payers per account, and how many of them are suspect (reported victims or ring accounts)."""
    suspect = ring.copy()
    suspect[victims] = True
    payers = np.bincount(dst, minlength=n_acc)
    return payers, np.bincount(dst[suspect[src]], minlength=n_acc)


def _index_from_engine(eng, cfg: TraceConfig) -> TraceIndex:
    """Build the index with SQL on the canonical tables: codes, events, endpoints, ring devices."""
    table = "TEMP TABLE" if eng.name == "duckdb" else "TEMP VIEW"
    eng.execute(f"""CREATE OR REPLACE {table} _trace_acc AS
        SELECT account, CAST(row_number() OVER (ORDER BY account) - 1 AS BIGINT) AS code FROM (
            SELECT src AS account FROM transactions WHERE src IS NOT NULL
            UNION SELECT dst FROM transactions WHERE dst IS NOT NULL) u""")
    eng.execute(f"""CREATE OR REPLACE {table} _trace_txn AS
        SELECT CAST(row_number() OVER (ORDER BY t.ts, t.txn_id) - 1 AS BIGINT) AS row, t.txn_id, t.ts,
               coalesce(s.code, -1) AS src, coalesce(d.code, -1) AS dst, t.amount,
               CAST(CASE t.channel WHEN 'cash_out' THEN {CH_CASH_OUT} WHEN 'crypto_out' THEN {CH_CRYPTO}
                    WHEN 'cash_in' THEN {CH_CASH_IN} ELSE {CH_OTHER} END AS TINYINT) AS ch, t.src_device
        FROM transactions t LEFT JOIN _trace_acc s ON s.account = t.src LEFT JOIN _trace_acc d ON d.account = t.dst""")
    accounts = np.asarray(eng.sql("SELECT account FROM _trace_acc ORDER BY code")["account"].to_numpy(), dtype=object)
    n_acc = len(accounts)
    txns = _fetch(eng, "SELECT src, dst, epoch_ns(ts) AS ts, amount, ch FROM _trace_txn ORDER BY row")
    events = _fetch(eng, """SELECT acc, row, kind FROM (
            SELECT dst AS acc, row, ts, CAST(0 AS TINYINT) AS kind FROM _trace_txn WHERE dst >= 0
            UNION ALL SELECT src, row, ts, CAST(1 AS TINYINT) FROM _trace_txn WHERE src >= 0) e
        ORDER BY acc, ts, kind, row""")

    def codes(query: str) -> np.ndarray:
        return np.asarray(_fetch(eng, query)["code"], dtype=np.int64)

    endpoint = np.zeros(n_acc, dtype=bool)
    endpoint[codes(f"SELECT DISTINCT dst AS code FROM _trace_txn WHERE ch = {CH_CRYPTO} AND dst >= 0")] = True
    named_frame = _fetch(eng, """
        SELECT a.code, count(DISTINCT n.report_id) AS n FROM (
            SELECT report_id, dst AS account FROM report_transfers WHERE dst IS NOT NULL
            UNION ALL SELECT report_id, value FROM report_contacts WHERE type = 'bank_account' AND value IS NOT NULL
        ) n JOIN _trace_acc a ON a.account = n.account GROUP BY a.code""")
    named = np.zeros(n_acc, dtype=bool)
    mule_like = np.zeros(n_acc, dtype=bool)
    named_codes = np.asarray(named_frame["code"], dtype=np.int64)
    named[named_codes] = True
    mule_like[codes(f"""
        WITH pairs AS (SELECT DISTINCT t.src_device AS dev, t.src AS code, coalesce(h.holder_id, a.account) AS holder
                       FROM _trace_txn t JOIN _trace_acc a ON a.code = t.src
                       LEFT JOIN accounts h ON h.account = a.account
                       WHERE t.src_device IS NOT NULL AND t.src >= 0),
             ring AS (SELECT dev FROM pairs GROUP BY dev
                      HAVING count(DISTINCT code) >= {int(cfg.device_min_accounts)}
                         AND count(DISTINCT holder) >= {int(cfg.device_min_holders)})
        SELECT DISTINCT code FROM pairs WHERE dev IN (SELECT dev FROM ring)""")] = True
    holder_frame = _fetch(eng, "SELECT h.holder_id, a.code FROM accounts h JOIN _trace_acc a ON a.account = h.account")
    holder_accounts: dict[str, list[int]] = {}
    for holder, code in zip(holder_frame["holder_id"].tolist(), holder_frame["code"].tolist()):
        holder_accounts.setdefault(holder, []).append(int(code))

    pairs = _fetch(eng, "SELECT DISTINCT dst, src FROM _trace_txn WHERE src >= 0 AND dst >= 0")
    victims = codes("SELECT DISTINCT a.code FROM report_transfers r JOIN _trace_acc a ON a.account = r.src")
    payers, suspect_payers = _payer_counts(np.asarray(pairs["dst"], np.int64), np.asarray(pairs["src"], np.int64),
                                           n_acc, victims, mule_like | named)
    endpoint |= (payers >= cfg.endpoint_min_payers) & (suspect_payers <= cfg.endpoint_max_victim_share * payers)

    def lookup(wanted: list[str]) -> dict[str, int]:
        quoted = ", ".join("'" + t.replace("'", "''") + "'" for t in wanted)
        found = eng.sql(f"SELECT txn_id, row FROM _trace_txn WHERE txn_id IN ({quoted})")
        return dict(zip(found["txn_id"].astype(str), found["row"].astype(int)))

    index = TraceIndex(accounts=accounts, src=np.asarray(txns["src"], np.int64), dst=np.asarray(txns["dst"], np.int64),
                      ts=np.asarray(txns["ts"], np.int64), amount=np.asarray(txns["amount"], np.float64),
                      channel=np.asarray(txns["ch"], np.int8), config=cfg, endpoint=endpoint,
                      mule_like=mule_like, named=named, holder_accounts=holder_accounts, txn_lookup=lookup,
                      payers=payers, victim_payers=suspect_payers,
                      events=(np.asarray(events["acc"], np.int64), np.asarray(events["row"], np.int64),
                              np.asarray(events["kind"], np.int8)))

    def shared_devices(codes_in: list[int]) -> list[tuple[int, int]]:
        listed = ", ".join(str(int(c)) for c in codes_in)
        found = _fetch(eng, f"""
            WITH mine AS (SELECT DISTINCT src_device, src FROM _trace_txn
                          WHERE src IN ({listed}) AND src_device IS NOT NULL),
                 small AS (SELECT src_device FROM _trace_txn WHERE src_device IN (SELECT src_device FROM mine)
                           GROUP BY src_device HAVING count(DISTINCT src) <= {int(cfg.max_device_accounts)})
            SELECT DISTINCT t.src AS code, m.src AS via FROM _trace_txn t
            JOIN mine m ON m.src_device = t.src_device
            WHERE t.src_device IN (SELECT src_device FROM small) AND t.src >= 0 AND t.src <> m.src""")
        return list(zip(np.asarray(found["code"]).tolist(), np.asarray(found["via"]).tolist()))

    index.shared_devices = shared_devices
    return index


def build_index(dataset, engine=None, config: TraceConfig | None = None) -> TraceIndex:
    """The trace index of a dataset, built once (SQL through the engine) and kept on the dataset."""
    cached = getattr(dataset, "_trace_index", None)
    if cached is None:
        try:
            cached = _INDEX_CACHE.get(dataset)
        except TypeError:  # unhashable datasets keep it as an attribute only
            cached = None
    if cached is not None and (config is None or cached.config == config):
        return cached
    eng = engine or DuckDBEngine(dataset.con)
    index = _index_from_engine(eng, config or TraceConfig())
    try:
        dataset._trace_index = index
    except AttributeError:
        try:
            _INDEX_CACHE[dataset] = index
        except TypeError:
            pass
    return index


# --------------------------------------------------------------------------- matching


def _ns(value) -> int | None:
    """A timestamp (naive UTC) as int nanoseconds, or None."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return int(pd.Timestamp(value).value)


def _num(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def match_transfers(index: TraceIndex, transfers: list[dict]) -> list[dict]:
    """Match report transfers (dicts with ts, txn_id, src, dst, amount) to transaction rows.

    Returns copies with `row` (index row, -1 when nothing matched) and `how`
    (`txn_id`, `fuzzy` or `none`).
    """
    cfg = index.config
    out = [dict(t, row=-1, how="none") for t in transfers]
    index.lookup_txns(t.get("txn_id") for t in out)
    used: set[int] = set()
    for t in out:
        tid = t.get("txn_id")
        if isinstance(tid, str) and tid in index.txn_row:
            t["row"], t["how"] = index.txn_row[tid], "txn_id"
            used.add(t["row"])
    window = int(cfg.match_window_h * 3600 * 1e9)
    for t in out:
        if t["row"] >= 0:
            continue
        amount, when = _num(t.get("amount")), _ns(t.get("ts"))
        if amount is None or when is None:
            continue
        dst, src = t.get("dst"), t.get("src")
        dst_code = index.account_code.get(dst) if isinstance(dst, str) else None
        src_code = index.account_code.get(src) if isinstance(src, str) else None
        # candidates: the receiver's inflows (or the payer's outflows) near the time
        if dst_code is not None:
            acc, kind = dst_code, 0
        elif src_code is not None:
            acc, kind = src_code, 1
        else:
            continue
        a, b = index.ptr[acc], index.ptr[acc + 1]
        ts_slice = index.ev_ts[a:b]
        lo = a + int(np.searchsorted(ts_slice, when - window, "left"))
        hi = a + int(np.searchsorted(ts_slice, when + window, "right"))
        best, best_score = -1, np.inf
        tol = max(cfg.match_amount_abs, cfg.match_amount_rel * amount)
        for e in range(lo, hi):
            if index.ev_kind[e] != kind:
                continue
            row = int(index.ev_row[e])
            if row in used:
                continue
            diff = abs(index.amount[row] - amount)
            if diff > tol or index.channel[row] in (CH_CASH_IN, CH_CASH_OUT):
                continue
            score = abs(int(index.ts[row]) - when) / 3.6e12 + 4.0 * diff / tol
            if kind == 0 and src_code is not None and index.src[row] != src_code:
                score += 6.0  # the victim named another paying account: a weaker candidate
            if score < best_score:
                best, best_score = row, score
        if best >= 0:
            t["row"], t["how"] = best, "fuzzy"
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
    followed: bool = False      # money followed on from it at least once (it behaved like a mule)
    unfollowed: float = 0.0     # what left to accounts not followed (not a mule, or too small)


def _trace_seeds(index: TraceIndex, seeds: list[tuple[int, int, float, int]]) -> dict[int, _Reached]:
    """Follow one report's money from its seeds.

    A seed is (account, event position of the arrival or -1 for a transfer the
    data does not show, amount, ts). Returns per-account totals of this report's
    money. Within one arriving transfer the report's share is proportional (a
    transfer that carries two reports' money carries both in its ratio).
    """
    cfg = index.config
    reached: dict[int, _Reached] = {}
    heap: list[tuple[int, int, int, int, float, int]] = []  # (ts, seq, account, in-event, amount, hop)
    seq = 0
    for acc, pos, amount, ts in seeds:
        heap.append((ts, seq, acc, pos, amount, 1))
        seq += 1
    heapq.heapify(heap)
    while heap:
        ts, _, acc, pos, amount, hop = heapq.heappop(heap)
        r = reached.get(acc)
        if r is None:
            r = reached[acc] = _Reached(hop=hop, first_in=ts)
        else:
            r.hop = min(r.hop, hop)
            r.first_in = min(r.first_in, ts)
        r.traced += amount
        if index.endpoint[acc] or (hop > 1 and index.shop_like(acc) and (
                index.business_like(acc) or index.swept_share(acc, ts) < cfg.min_sweep_share)):
            # (a layering account pooling many collectors looks like a shop by its payers, but sweeps them on)
            r.endpoint = True
            continue
        if pos < 0:  # not in the data: nothing to follow, the money is taken as still there
            r.held += amount
            continue
        follow = index.passes_through(acc, pos, ts, hop=hop)
        r.stopped |= not follow
        r.followed |= follow
        goes, remaining = index.allocation(acc)
        share = amount / index.amount[index.ev_row[pos]]
        r.held += remaining.get(pos, 0.0) * share
        for out_pos, taken in goes.get(pos, ()):
            t_amt = taken * share
            row = int(index.ev_row[out_pos])
            dst = int(index.dst[row])
            channel = index.channel[row]
            if dst < 0 or channel == CH_CASH_OUT:
                r.cashed_out += t_amt
            elif channel == CH_CRYPTO:
                r.crypto += t_amt
            elif follow and hop < cfg.max_hops and t_amt >= cfg.lot_floor_thb:
                heapq.heappush(heap, (int(index.ts[row]), seq, dst, int(index.in_pos[row]), t_amt, hop + 1))
                seq += 1
            else:
                r.unfollowed += t_amt
    return reached


def _report_rows(index: TraceIndex, report_id: str, reached: dict[int, _Reached]) -> list[dict]:
    cfg = index.config
    seeded = sum(r.traced for r in reached.values() if r.hop == 1)
    floor = max(cfg.floor_thb, cfg.floor_share * seeded)
    rows = []
    for acc, r in reached.items():
        if r.endpoint or (r.hop > 1 and r.traced < floor):
            continue
        bank, _, digits = str(index.accounts[acc]).partition("-")
        rows.append({
            "report_id": report_id, "hop": r.hop, "bank": bank, "account": digits,
            "traced_thb": round(r.traced, 2), "first_in_ts": r.first_in,
            "held_thb": round(r.held, 2), "cashed_out_thb": round(r.cashed_out, 2),
            "crypto_thb": round(r.crypto, 2),
            "role": "paid_by_victim" if r.hop == 1 else ("holding" if r.held >= floor else "pass_through"),
            "_follow": r.followed,   # internal: the ring-linked rules start only from accounts that behave like mules
        })
    return rows


def _seeds(index: TraceIndex, matched: list[dict]) -> list[tuple[int, int, float, int]]:
    seeds = []
    for t in matched:
        row = t["row"]
        if row >= 0:
            if index.dst[row] >= 0:
                seeds.append((int(index.dst[row]), int(index.in_pos[row]), float(index.amount[row]),
                              int(index.ts[row])))
            continue
        dst, amount, when = t.get("dst"), _num(t.get("amount")), _ns(t.get("ts"))
        if isinstance(dst, str) and dst in index.account_code and amount and when is not None:
            seeds.append((index.account_code[dst], -1, amount, when))
    return seeds


def _unseen_accounts(index: TraceIndex, matched: list[dict], report_id: str) -> list[dict]:
    """Accounts a report names as paid that the data never shows: listed at hop 1 all the same."""
    rows = []
    for t in matched:
        dst = t.get("dst")
        if t["row"] < 0 and isinstance(dst, str) and dst not in index.account_code and "-" in dst:
            bank, _, digits = dst.partition("-")
            amount = _num(t.get("amount")) or 0.0
            rows.append({"report_id": report_id, "hop": 1, "bank": bank, "account": digits,
                         "traced_thb": round(amount, 2), "first_in_ts": _ns(t.get("ts")),
                         "held_thb": round(amount, 2), "cashed_out_thb": 0.0, "crypto_thb": 0.0,
                         "role": "paid_by_victim"})
    return rows


def _unlisted_payments(index: TraceIndex, matched: list[dict], victim: dict) -> list[int]:
    """Rows of the victim's payments the report does not list, to accounts known as scam accounts.

    Victims often list one transfer of several, or none and only the account they paid (a bank-account
    contact). When the reported loss exceeds the listed transfers, the victim's own accounts (the paying
    accounts listed, and every account of the victim's holder id) are searched for payments to the
    accounts this report names (`victim["named_accounts"]`: the victim says she paid them, so even a
    collector that many unreported victims pay, which looks like a shop by its payers, counts), then to
    accounts other reports name, then to accounts that behave like ring accounts, before the report,
    closest in time to the listed transfers first, until the loss is covered.
    """
    cfg = index.config
    loss = _num(victim.get("loss_thb"))
    if loss is None or loss <= 0:
        return []
    rows = [int(t["row"]) for t in matched if t["row"] >= 0]
    listed = sum(index.amount[r] for r in rows)
    listed += sum(_num(t.get("amount")) or 0.0 for t in matched if t["row"] < 0)
    budget = float(loss) - listed
    if budget < max(cfg.floor_thb, cfg.floor_share * float(loss)):
        return []
    codes = {int(index.src[r]) for r in rows if index.src[r] >= 0}
    for src in (t.get("src") for t in matched):
        if isinstance(src, str) and src in index.account_code:
            codes.add(index.account_code[src])
    holder = victim.get("victim_holder_id")
    if isinstance(holder, str):
        codes.update(index.holder_accounts.get(holder, ()))
    if not codes:
        return []
    times = [int(index.ts[r]) for r in rows]
    until = _ns(victim.get("reported_at"))
    if until is None:
        until = max(times) if times else None
    if until is None:
        return []
    since = (min(times) if times else until) - int(cfg.unlisted_lookback_days * 86400 * 1e9)
    anchors = np.array(times or [until], dtype=np.int64)
    used = set(rows)
    own = {index.account_code[a] for a in victim.get("named_accounts") or () if a in index.account_code}
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
            if dst < 0 or row in used or index.endpoint[dst] or dst in codes:
                continue
            if dst in own:
                tier = 0
            elif index.shop_like(dst):
                continue
            elif index.named[dst]:
                tier = 1
            elif index.mule_like[dst] and index.amount[row] >= cfg.floor_thb and \
                    _passes_on(index, dst, int(index.ts[row])):
                tier = 2  # a ring device's account that passed the money on; a friend sharing a phone keeps it
                          # (and a few dozen baht to one is no lead: the listing floor applies)
            else:
                continue
            found.append((tier, int(np.abs(anchors - index.ts[row]).min()), row))
    picked = []
    for _, _, row in sorted(found):
        amount = index.amount[row]
        if amount > budget * 1.05 + cfg.match_amount_abs:
            continue
        picked.append(row)
        budget -= amount
        if budget < max(cfg.floor_thb, cfg.floor_share * float(loss)):
            break
    return picked


def _passes_on(index: TraceIndex, acc: int, ts: int) -> bool:
    """Did `acc` pass on what it received around `ts` (single arrivals forwarded, or emptied)?"""
    cfg = index.config
    return index.forward_share(acc, ts) >= cfg.min_forward_share or \
        index.outflow_share(acc, ts) >= cfg.min_outflow_share


def _plan_rows(index: TraceIndex, report_id: str, transfers: list[dict], victim: dict | None) -> list[dict]:
    """One report: match its transfers, add the victim's unlisted payments, follow, list."""
    matched = match_transfers(index, transfers)
    if victim:
        for row in _unlisted_payments(index, matched, victim):
            matched.append({"row": row, "how": "unlisted"})
    reached = _trace_seeds(index, _seeds(index, matched))
    return _report_rows(index, report_id, reached) + _unseen_accounts(index, matched, report_id)


def _listed(index: TraceIndex, rows: list[dict]) -> dict[int, dict]:
    """Accounts on the reports' paths: code → the row of its lowest hop, with the earliest arrival,
    whether money was followed on from it, and whether it is a *confirmed* ring account.

    Confirmed (`_ring`): money was followed on from it and either it was reached through another mule
    (hop 2 and later), or two reports' money reached it, or a report's money went on from it to another
    holder's account that was listed too. An honest seller named by one mistaken report is none of
    these — even one whose family shares the phone (a "ring device") or that moves its takings to its
    own other account — so nothing is listed next to it.
    """
    listed: dict[int, dict] = {}
    reports: dict[int, set] = {}
    next_holders: dict[str, set] = {}   # report → holders of its accounts past hop 1
    for r in sorted(rows, key=lambda r: r["hop"]):
        code = index.account_code.get(f"{r['bank']}-{r['account']}")
        if code is None:
            continue
        reports.setdefault(code, set()).add(r["report_id"])
        if r["hop"] > 1:
            next_holders.setdefault(r["report_id"], set()).add(index.holder_of(code))
        if code not in listed:
            listed[code] = dict(r)
        else:
            first = listed[code]
            first["first_in_ts"] = min(first["first_in_ts"], r["first_in_ts"])
            first["_follow"] = first.get("_follow", False) or r.get("_follow", False)
    for code, r in listed.items():
        passed_on = any(next_holders.get(rid, set()) - {index.holder_of(code)} for rid in reports[code])
        r["_ring"] = bool(r.get("_follow")) and (r["hop"] > 1 or len(reports[code]) > 1 or passed_on)
    return listed


def _ring_row(index: TraceIndex, code: int, base: dict, held: float, first: int, role: str) -> dict:
    bank, _, digits = str(index.accounts[code]).partition("-")
    return {"report_id": base["report_id"], "hop": int(base["hop"]) + 1, "bank": bank, "account": digits,
            "traced_thb": round(held, 2), "first_in_ts": int(first), "held_thb": round(held, 2),
            "cashed_out_thb": 0.0, "crypto_thb": 0.0, "role": role}


def _could_hold(index: TraceIndex, code: int, seen: set[int], victims: set[int]) -> float:
    """What `code` holds at the as-of time, or 0 when it must not be held (listed already, an honest
    endpoint or shop, a reporting victim's own account, or too little to hold)."""
    if code < 0 or code in seen or code in victims or index.endpoint[code] or index.shop_like(code):
        return 0.0
    held = index.held_now(code)
    return held if held >= index.config.floor_thb else 0.0


def _paid_by_ring(index: TraceIndex, code: int, listed: dict[int, dict]) -> bool:
    """Did `code` receive, from an account on a report's path that behaves like a mule, a payment of at
    least the listing floor that passed on money that account had just received (after scam money first
    reached it)? A sold account's owner paying himself from before the sale, or a mule's small gift,
    does not count."""
    floor = index.config.floor_thb
    for e in range(int(index.ptr[code]), int(index.ptr[code + 1])):
        if index.ev_kind[e] != 0:
            continue
        row = int(index.ev_row[e])
        src = int(index.src[row])
        base = listed.get(src)
        if base is None or not base.get("_ring") or index.amount[row] < floor or \
                index.ts[row] < base["first_in_ts"]:
            continue
        if index.is_forward(src, index.out_event(src, row)):
            return True
    return False


def _ring_linked(index: TraceIndex, rows: list[dict], victims: set[int] = frozenset()) -> list[dict]:
    """Accounts of the same ring as the listed ones that hold money no report traced.

    Victims who never report leave their money in the ring's accounts too. Two rules, each asking
    for what a bank would need to freeze an account no victim named — money from the ring, and
    behaving like the ring's accounts:

    * **linked** (role `ring_linked`): shares an app device or a holder with a listed account that
      passes money on, pays from a ring device, passes on what it gets as it came, and received from
      a listed mule a forward of money that mule had just received (`_paid_by_ring`); "mule" here and
      below: a confirmed ring account (`_listed`);
    * **money** (role `ring_flow`): received from a listed mule, after scam money reached it, a
      payment that passed on what the mule had just received from someone else (downstream); or
      passed on into a layering account (one a report's money reached only through mules, hop 2 and
      later) money it had itself just received from someone else (upstream: the collector of a victim
      who did not report). A victim paying a collector pays from her own money, a person paying a
      mule's shop pays part of her pay: neither is a forward (`TraceIndex.is_forward`).

    Both list only accounts that still hold at least the listing floor, never honest endpoints or
    shops, never a reporting victim's own accounts. `traced_thb` is the money the account holds.
    """
    cfg = index.config
    listed = _listed(index, rows)
    if not listed:
        return []
    out, seen = [], set(listed)
    # linked by a shared device or holder
    followed = sorted(c for c, r in listed.items() if r.get("_ring"))
    links = list(index.shared_devices(followed)) if followed else []
    for code in followed:
        holder = index.holder_of(code)
        links.extend((other, code) for other in index.holder_accounts.get(holder, ()) if other != code)
    for code, via in sorted(links):
        held = _could_hold(index, code, seen, victims)
        if not held or not index.mule_like[code] or not _paid_by_ring(index, code, listed):
            continue
        arrivals = np.flatnonzero(index.ev_kind[index.ptr[code]:index.ptr[code + 1]] == 0)
        last_in = int(index.ev_ts[index.ptr[code] + arrivals[-1]])
        if index.forward_share(code, last_in) < cfg.min_forward_share:
            continue  # a household sharing a phone keeps what it gets; mules pass it on
        seen.add(code)
        out.append(_ring_row(index, code, listed[via], held, index.ev_ts[index.ptr[code]], "ring_linked"))
    # linked by money: forwards out of listed mules, forwards into listed layering accounts
    day = int(86400 * 1e9)
    found: dict[int, tuple[int, int]] = {}   # account → (first linking payment ts, listed account)
    for code in sorted(listed):
        base = listed[code]
        a0, a1 = int(index.ptr[code]), int(index.ptr[code + 1])
        since = int(base["first_in_ts"]) - day
        lo = a0 + int(np.searchsorted(index.ev_ts[a0:a1], since, "left"))
        for e in range(lo, a1):
            row = int(index.ev_row[e])
            if index.amount[row] < cfg.floor_thb or index.channel[row] != CH_OTHER:
                continue
            if index.ev_kind[e] == 1:      # downstream: the listed mule passed money on to `other`
                other = int(index.dst[row])
                if not base.get("_ring") or other in found or not _could_hold(index, other, seen, victims):
                    continue
                if index.is_forward(code, e):
                    found[other] = (int(index.ts[row]), code)
            else:                          # upstream: `other` passed money on into a layering account
                other = int(index.src[row])
                if base["hop"] < 2 or other in found or not _could_hold(index, other, seen, victims):
                    continue
                if index.is_forward(other, index.out_event(other, row)):
                    found[other] = (int(index.ts[row]), code)
    for other, (when, via) in sorted(found.items()):
        seen.add(other)
        out.append(_ring_row(index, other, listed[via], _could_hold(index, other, set(), set()), when, "ring_flow"))
    return out


def _victim_accounts(index: TraceIndex, transfers: dict[str, list[dict]], victims: dict[str, dict]) -> set[int]:
    """The reporting victims' own accounts (those they paid from, and all of their holder ids')."""
    out = set()
    for items in transfers.values():
        for t in items:
            src = t.get("src")
            if isinstance(src, str) and src in index.account_code:
                out.add(index.account_code[src])
    for v in victims.values():
        holder = v.get("victim_holder_id")
        if isinstance(holder, str):
            out.update(index.holder_accounts.get(holder, ()))
    return out


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=TRACE_COLUMNS + EXTRA_COLUMNS)
    frame["first_in_ts"] = pd.to_datetime(frame["first_in_ts"].astype("Int64"), unit="ns")
    frame["hop"] = frame["hop"].astype(int)
    return frame.sort_values(["report_id", "hop", "first_in_ts", "bank", "account"],
                             kind="stable").reset_index(drop=True)


def _where_reports(report_ids: list[str] | None) -> str:
    if report_ids is None:
        return ""
    quoted = ", ".join("'" + str(r).replace("'", "''") + "'" for r in report_ids) or "NULL"
    return f" WHERE report_id IN ({quoted})"


def _load_transfers(eng, report_ids: list[str] | None) -> dict[str, list[dict]]:
    frame = eng.sql("SELECT report_id, seq, ts, txn_id, src, dst, amount FROM report_transfers"
                    + _where_reports(report_ids) + " ORDER BY report_id, seq")
    out: dict[str, list[dict]] = {}
    for rec in frame.to_dict("records"):
        out.setdefault(str(rec["report_id"]), []).append(rec)
    return out


def _load_victims(eng, report_ids: list[str] | None) -> dict[str, dict]:
    frame = eng.sql("SELECT report_id, reported_at, loss_thb, victim_holder_id FROM reports"
                    + _where_reports(report_ids))
    victims = {str(r["report_id"]): r for r in frame.to_dict("records")}
    where = _where_reports(report_ids)
    named = eng.sql("SELECT report_id, dst AS account FROM report_transfers" + where +
                    " UNION SELECT report_id, value FROM report_contacts"
                    + (where + " AND" if where else " WHERE") + " type = 'bank_account'")
    for rid, account in zip(named["report_id"].astype(str), named["account"]):
        if rid in victims and isinstance(account, str):
            victims[rid].setdefault("named_accounts", set()).add(account)
    return victims


def trace_reports(dataset, engine=None, report_ids: list[str] | None = None, *,
                  config: TraceConfig | None = None, ring_linked: bool = True, progress=None) -> pd.DataFrame:
    """Freeze plans for the reports of a dataset (all, or `report_ids`).

    Returns one row per (report, account) with the columns of AXF.md's trace output
    (`report_id, hop, bank, account, traced_thb, first_in_ts`; first_in_ts naive UTC)
    plus `held_thb` (the report's money still there at the as-of time),
    `cashed_out_thb`, `crypto_thb` (what left it as cash or crypto) and `role`
    (`paid_by_victim`, `holding`, `pass_through`, and with `ring_linked` the
    ring's other accounts that hold money: `ring_linked`, see `_ring_linked`).
    """
    eng = engine or DuckDBEngine(dataset.con)
    index = build_index(dataset, eng, config)
    transfers = _load_transfers(eng, report_ids)
    victims = _load_victims(eng, report_ids)
    index.lookup_txns(t.get("txn_id") for items in transfers.values() for t in items)
    rows: list[dict] = []
    for report_id in sorted(set(victims) | set(transfers)):
        rows.extend(_plan_rows(index, report_id, transfers.get(report_id, []), victims.get(report_id)))
        if progress is not None:
            progress.advance("trace")
    if ring_linked:
        rows.extend(_ring_linked(index, rows, _victim_accounts(index, transfers, victims)))
    return _frame(rows)


def trace_report(dataset, report_id: str, *, transfers: list[dict] | pd.DataFrame | None = None,
                 loss_thb: float | None = None, victim_holder_id: str | None = None,
                 reported_at=None, named_accounts: list[str] | None = None, engine=None,
                 config: TraceConfig | None = None) -> pd.DataFrame:
    """The freeze plan for one report, fast enough to run when the report arrives.

    With `transfers` (canonical: ts naive UTC or ISO text, txn_id, src, dst as
    `BANK-DIGITS`, amount) it traces a report that is not in the dataset yet;
    `loss_thb`, `victim_holder_id`, `reported_at` and `named_accounts` (the bank
    accounts the report names, `BANK-DIGITS`) let it also find the victim's
    payments the report does not list. Without `transfers` the report is read
    from the dataset's `reports` / `report_transfers`. Columns as `trace_reports`.
    """
    index = build_index(dataset, engine, config)
    if transfers is None:
        eng = engine or DuckDBEngine(dataset.con)
        items = _load_transfers(eng, [report_id]).get(report_id, [])
        victim = _load_victims(eng, [report_id]).get(report_id)
    else:
        records = transfers.to_dict("records") if isinstance(transfers, pd.DataFrame) else list(transfers)
        items = [dict(t, ts=_naive_utc(t.get("ts"))) for t in records]
        victim = {"loss_thb": loss_thb, "victim_holder_id": victim_holder_id,
                  "reported_at": _naive_utc(reported_at),
                  "named_accounts": set(named_accounts or ()) | {t.get("dst") for t in items}}
    return _frame(_plan_rows(index, report_id, items, victim))


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
