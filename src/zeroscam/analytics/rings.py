"""Rings: the organised groups behind the reports — accounts, numbers and holders.

One graph joins what the data says belongs together:

* ownership: account — holder, SIM (msisdn) — holder;
* handsets and devices: msisdn — IMEI (the caller's handset in `cdrs`),
  account — device (`src_device` of its payments);
* money: account — account, for the flows the trace follows from reports;
* reports: report — account and report — number for every account the report
  names or whose money it traced, and every phone it names;
* phone side to money side: number — account when a person the number talked with
  then paid the account (talk, then pay);
* batches: flagged numbers a ring switched on together (VoIP numbers by first use,
  SIM numbers by first use on the same serving cell) share a batch node.

Unflagged accounts the ring's money runs through (a missed layer, collectors that
forward victims' money into the ring) are pulled in by money ties, and accounts the
ring tested with tiny payments (test credits) by those.

The graph is built only around suspicious entities (flagged by the mule and SIM
detectors, named in reports, or on a report's money path) and one step out
through their holders, handsets and devices, so honest hubs never enter.
Communities come from Leiden (seeded, deterministic). A community is kept as a
ring only with evidence of organised crime (at least two reports, or one report
and detector flags); honest clusters — a courier's SIM pool, a seller and her
customers — carry no such evidence and fall away. Inside a kept community only
suspicious members stay: not the victims who paid in, not exchanges or
merchants.

When the detectors cannot be imported, rings use report evidence only (reports
and traced money) and say so in the summary (`evidence: "reports_only"`).
"""

from __future__ import annotations

import json
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from zeroscam.analytics.engine import DuckDBEngine
from zeroscam.kit.disjoint import DisjointSet

log = logging.getLogger(__name__)

RING_COLUMNS = ["entity_type", "entity", "ring_id"]


@dataclass(frozen=True)
class RingConfig:
    seed: int = 20240801
    resolution: float = 0.3
    min_reports: int = 2              # reports needed to call a community a ring ...
    min_flags_with_one_report: int = 2  # ... or one report and this many detector flags
    min_flags_each_side: int = 2      # ... or, with no report yet, flagged accounts AND flagged numbers
    min_flags_one_side: int = 3       # ... or this many flagged accounts, or numbers, tied together
    farm_min_sims: int = 3            # numbers on one person in one community before they count as a farm
    farm_register_days: int = 60      # ... registered within this many days of the farm's flagged numbers
    min_call_contacts: int = 10**9    # (off: pulling numbers in by calls merged rings through their victims)
    min_pair_calls: int = 2           # calls between two suspicious numbers that tie them (one is a cold call)
    max_shared: int = 400             # a handset/device shared by more entities is not a personal link
    suspicious_score: float = 0.5     # detector score that counts as a flag when flagged is absent
    min_talk_s: int = 20              # a call that talked someone into paying: a conversation, not a ring-out
    batch_hours: float = 1.0          # unanchored flagged numbers first used this close together are one batch
    batch_weight: float = 0.5
    farm_batch_hours: float = 3.0     # flagged numbers on one serving cell first used this close together
    callers_per_payment: int = 5      # the last numbers that talked to a payer before she paid
    call_to_pay_days: int = 3         # a call, then the callee pays a ring account within this many days
    long_talk_s: int = 120            # ... after a long talk; after a shorter one (a cold call she may have
    quick_pay_minutes: int = 360      #     hung up on) only when she paid within these minutes
    min_called_victims: int = 1       # an account is tied to numbers only when this many payers were called ...
    min_called_share: float = 0.3     # ... and this share of all who paid it
    tie_rounds: int = 2               # money ties: rounds of pulling unflagged accounts in by money flow
    tie_share: float = 0.5            # ... most of its money in comes from the ring, or most of its money out goes to it
    tie_pass: tuple[float, float] = (0.8, 1.25)  # ... and it moved on about what it received (out / in)
    tie_forward_hours: float = 24.0   # ... payments into the ring covered by money that arrived this shortly before
    tie_forward_share: float = 0.5
    tie_slow_hours: float = 72.0      # ... or this shortly before, for payments of at least tie_slow_thb (a slow
    tie_slow_thb: float = 1000.0      #     ring's collector holds for days; a shop pays its supplier small sums)
    tie_min_txns: int = 2             # ... over at least this many payments with the ring
    tie_sandwich_share: float = 0.25  # tested by the ring, then paying it: this share of its money out
    test_credit_thb: float = 10.0     # payments this small between two holders' accounts test an account for a ring
    bundle_days: int = 14             # a nominee's accounts opened within this many days of a ring account
    merge_min_ties: int = 4           # kept rings joined by this many graph ties between their members are one
    merge_min_ties_farm: int = 2      # ... this many, when one of them holds numbers only (a farm with no money side)


@dataclass
class RingResult:
    members: pd.DataFrame                 # entity_type, entity, ring_id
    summary: list[dict] = field(default_factory=list)
    evidence: str = "detectors+reports"


# --------------------------------------------------------------------------- inputs


def _detector_scores(dataset, engine) -> tuple[pd.DataFrame | None, pd.DataFrame | None, str]:
    """Mule and SIM detector outputs, or None with the reason when they cannot run."""
    mules = sims = None
    notes = []
    try:
        from zeroscam.analytics.detection.mules import detect_mules
    except ImportError as exc:
        notes.append(f"mules unavailable ({exc.name})")
    else:
        mules = _account_key(detect_mules(dataset, engine))
    try:
        from zeroscam.analytics.detection.sims import detect_sims
    except ImportError as exc:
        notes.append(f"sims unavailable ({exc.name})")
    else:
        sims = detect_sims(dataset, engine)
    evidence = "detectors+reports"
    if mules is None and sims is None:
        evidence = "reports_only"
    elif notes:
        evidence = "partial: " + "; ".join(notes)
    return mules, sims, evidence


def _account_key(frame: pd.DataFrame) -> pd.DataFrame:
    """Detector output with `account` as the canonical `BANK-DIGITS` key."""
    frame = frame.copy()
    if "bank" in frame.columns and not frame["account"].astype(str).str.contains("-").all():
        frame["account"] = frame["bank"].astype(str).str.zfill(3) + "-" + frame["account"].astype(str)
    return frame


def _flags(frame: pd.DataFrame | None, key: str, cfg: RingConfig) -> dict[str, float]:
    """entity → score for the flagged entities of a detector output."""
    if frame is None or not len(frame):
        return {}
    flagged = frame["flagged"].astype(int) == 1 if "flagged" in frame else frame["score"] >= cfg.suspicious_score
    sub = frame[flagged]
    return dict(zip(sub[key].astype(str), sub["score"].astype(float)))


# --------------------------------------------------------------------------- graph


class _Graph:
    def __init__(self):
        self.ids: dict[str, int] = {}
        self.edges: dict[tuple[int, int], float] = defaultdict(float)

    def node(self, name: str) -> int:
        i = self.ids.get(name)
        if i is None:
            i = self.ids[name] = len(self.ids)
        return i

    def link(self, a: str, b: str, w: float = 1.0) -> None:
        i, j = self.node(a), self.node(b)
        if i != j:
            self.edges[(min(i, j), max(i, j))] += w


def find_rings(dataset, engine=None, *, trace_frame: pd.DataFrame | None = None,
               mules: pd.DataFrame | None = None, sims: pd.DataFrame | None = None,
               use_detectors: bool = True, config: RingConfig | None = None, progress=None) -> RingResult:
    """Find organised rings. Returns members (entity_type, entity, ring_id) and a summary per ring.

    `trace_frame` (from `trace_reports`) and detector outputs may be passed in
    when already computed; otherwise they are computed here.
    """
    import igraph as ig
    import leidenalg

    from zeroscam.analytics import trace as trace_mod

    cfg = config or RingConfig()
    eng = engine or DuckDBEngine(dataset.con)
    step = progress.advance if progress is not None else (lambda *_a, **_k: None)

    evidence = "detectors+reports"
    if use_detectors and mules is None and sims is None:
        mules, sims, evidence = _detector_scores(dataset, eng)
    elif mules is None and sims is None:
        evidence = "reports_only"
    if mules is not None:
        mules = _account_key(mules)
    step("detectors")
    if trace_frame is None:
        trace_frame = trace_mod.trace_reports(dataset, eng)
    index = trace_mod.build_index(dataset, eng)
    step("trace")

    mule_flags = _flags(mules, "account", cfg)
    sim_flags = _flags(sims, "msisdn", cfg)

    accounts = eng.sql("SELECT account, holder_id, holder_type, opened_at FROM accounts")
    sims_t = eng.sql("SELECT msisdn, holder_id, registered_at FROM sims")
    contacts = eng.sql("SELECT report_id, type, value FROM report_contacts "
                       "WHERE type IN ('phone', 'bank_account', 'promptpay')")
    reports = eng.sql("SELECT report_id, scam_type, loss_thb FROM reports")
    victim_accounts = set(eng.sql("SELECT DISTINCT src FROM report_transfers WHERE src IS NOT NULL")["src"])
    victim_phones = set(eng.sql("SELECT DISTINCT victim_phone FROM reports WHERE victim_phone IS NOT NULL")
                        ["victim_phone"])
    holder_of_acc = dict(zip(accounts["account"], accounts["holder_id"]))
    holder_of_sim = dict(zip(sims_t["msisdn"], sims_t["holder_id"]))
    registered = dict(zip(sims_t["msisdn"], pd.to_datetime(sims_t["registered_at"])))
    company = set(accounts.loc[accounts["holder_type"] == "company", "holder_id"])
    company |= {h for h in sims_t["holder_id"] if isinstance(h, str) and h.startswith("C:")}

    # report evidence per entity
    tf = trace_frame.copy()
    tf["key"] = tf["bank"].astype(str) + "-" + tf["account"].astype(str)
    hop_of = tf.groupby("key")["hop"].min().to_dict() if len(tf) else {}
    acc_reports: dict[str, set[str]] = defaultdict(set)
    for rid, key in zip(tf["report_id"], tf["key"]):
        acc_reports[key].add(str(rid))
    phone_reports: dict[str, set[str]] = defaultdict(set)
    for rid, typ, value in zip(contacts["report_id"], contacts["type"], contacts["value"]):
        if not isinstance(value, str):
            continue
        if typ == "bank_account":
            acc_reports[value].add(str(rid))
        elif typ in ("phone", "promptpay") and value.startswith("+"):
            phone_reports[value].add(str(rid))
    endpoint = {index.accounts[i] for i in np.flatnonzero(index.endpoint)}

    seed_accounts = (set(mule_flags) | set(acc_reports)) - endpoint - victim_accounts
    seed_phones = (set(sim_flags) | set(phone_reports)) - victim_phones

    # one step out through holders, handsets and devices
    seed_holders = {holder_of_acc[a] for a in seed_accounts if a in holder_of_acc}
    seed_holders |= {holder_of_sim[m] for m in seed_phones if m in holder_of_sim}
    imeis = eng.sql("SELECT DISTINCT caller AS msisdn, imei FROM cdrs WHERE imei IS NOT NULL")
    devices = eng.sql("SELECT DISTINCT src AS account, src_device AS device FROM transactions "
                      "WHERE src_device IS NOT NULL AND src IS NOT NULL")
    imei_size = imeis.groupby("imei")["msisdn"].nunique()
    device_size = devices.groupby("device")["account"].nunique()
    imeis = imeis[imeis["imei"].map(imei_size) <= cfg.max_shared]
    devices = devices[devices["device"].map(device_size) <= cfg.max_shared]
    seed_imeis = set(imeis.loc[imeis["msisdn"].isin(seed_phones), "imei"])
    imei_of: dict[str, set[str]] = defaultdict(set)
    for m, imei in zip(imeis["msisdn"], imeis["imei"]):
        imei_of[m].add(imei)
    seed_devices = set(devices.loc[devices["account"].isin(seed_accounts), "device"])

    cand_accounts = set(seed_accounts)
    cand_accounts |= set(accounts.loc[accounts["holder_id"].isin(seed_holders), "account"])
    cand_accounts |= set(devices.loc[devices["device"].isin(seed_devices), "account"])
    cand_accounts -= endpoint | victim_accounts
    # unflagged accounts the ring's money runs through (a missed layer, sibling collectors)
    company_accounts = set(accounts.loc[accounts["holder_type"] == "company", "account"])
    tied = _money_ties(index, seed_accounts, victim_accounts | company_accounts, cfg, holder_of_acc) - seed_accounts
    cand_accounts |= tied
    cand_accounts |= set(accounts.loc[accounts["holder_id"].isin({holder_of_acc.get(a) for a in tied}), "account"])
    cand_accounts -= endpoint | victim_accounts
    # accounts the ring tested with tiny payments before use, and the accounts those tested
    tested = _test_credits(index, seed_accounts | tied, victim_accounts | company_accounts, holder_of_acc,
                           cfg.test_credit_thb) - seed_accounts - tied
    tied |= tested
    cand_accounts |= tested
    cand_phones = set(seed_phones)
    cand_phones |= set(sims_t.loc[sims_t["holder_id"].isin(seed_holders), "msisdn"])
    cand_phones |= set(imeis.loc[imeis["imei"].isin(seed_imeis), "msisdn"])
    cand_phones -= victim_phones
    calls = eng.sql("SELECT caller, callee, count(*) AS n FROM cdrs WHERE kind = 'voice' AND duration_s > 0 "
                    "GROUP BY caller, callee")
    calls = calls[calls["caller"].isin(cand_phones) | calls["callee"].isin(cand_phones)]
    contact_pairs = pd.concat([calls[["caller", "callee"]].set_axis(["a", "b"], axis=1),
                               calls[["callee", "caller"]].set_axis(["a", "b"], axis=1)])
    contact_pairs = contact_pairs[contact_pairs["b"].isin(cand_phones) & ~contact_pairs["a"].isin(cand_phones)]
    talkers = contact_pairs.groupby("a")["b"].nunique()
    cand_phones |= set(talkers[talkers >= cfg.min_call_contacts].index) - victim_phones
    step("candidates")

    g = _Graph()
    for a in sorted(cand_accounts):
        g.node("a:" + a)
        h = holder_of_acc.get(a)
        if h is not None:
            g.link("a:" + a, "h:" + h)
    for m in sorted(cand_phones):
        g.node("m:" + m)
        h = holder_of_sim.get(m)
        if h is not None:
            g.link("m:" + m, "h:" + h)
    for m, imei in zip(imeis["msisdn"], imeis["imei"]):
        if m in cand_phones:
            g.link("m:" + m, "i:" + imei)
    # calls between two suspicious numbers only: an unflagged phone that ring numbers called (a
    # nominee's own phone among them) is more likely a target several rings cold-called than a
    # member; it joined rings (tried: members' phones called 3+ times; no gain)
    for a, b, n in zip(calls["caller"], calls["callee"], calls["n"]):
        if a in seed_phones and b in seed_phones and n >= cfg.min_pair_calls:
            g.link("m:" + a, "m:" + b, 1.0 + math.log1p(n))
    for a, dev in zip(devices["account"], devices["device"]):
        if a in cand_accounts:
            g.link("a:" + a, "d:" + dev)
    for key, rids in acc_reports.items():
        if key in cand_accounts:
            for rid in rids:
                g.link("a:" + key, "r:" + rid, 2.0)
    for m, rids in phone_reports.items():
        if m in cand_phones:
            for rid in rids:
                g.link("m:" + m, "r:" + rid, 2.0)
    # a batch of numbers with no holder and no handset (VoIP) that a ring switched on together
    for m, batch in _voip_batches(eng, {m for m in sim_flags if m in cand_phones and m not in holder_of_sim
                                        and m not in imei_of}, cfg):
        g.link("m:" + m, "b:" + batch, cfg.batch_weight)
    company_phones = {m for m in cand_phones if holder_of_sim.get(m) in company}
    # a farm switched on together: flagged numbers mostly served by one cell, first used within hours
    # (a company's pool is switched on together too, and is honest)
    for m, batch in _farm_batches(eng, {m for m in sim_flags if m in cand_phones} - company_phones, cfg):
        g.link("m:" + m, "f:" + batch, cfg.batch_weight)
    # caller -> victim -> paid account: a number that called someone who then paid an account
    # ties the phone side of a ring to its money side even when no holder, handset or report does
    talked_into: set[str] = set()
    for m, acc, n in _called_then_paid(eng, (seed_phones & cand_phones) - company_phones,
                                       (seed_accounts | tied) & cand_accounts, cfg,
                                       not_payers=cand_accounts):
        g.link("m:" + m, "a:" + acc, 1.0 + math.log1p(n))
        talked_into.add(acc)
    # money between candidates (aggregated per pair); who among the flagged looks like a victim
    collectors = set(tf.loc[tf["hop"] == 1, "key"]) if len(tf) else set()
    flag_ok: set[str] = set()
    if cand_accounts:
        codes = np.array([index.account_code.get(a, -1) for a in cand_accounts])
        codes = codes[codes >= 0]
        mask = np.zeros(len(index.accounts), dtype=bool)
        mask[codes] = True
        ok = (index.src >= 0) & (index.dst >= 0)
        ok &= mask[np.where(index.src >= 0, index.src, 0)] & mask[np.where(index.dst >= 0, index.dst, 0)]
        pairs = pd.DataFrame({"s": index.src[ok], "d": index.dst[ok]}).value_counts()
        suspect = set(mule_flags) | set(acc_reports)
        pays_collector: set[str] = set()
        for (s, d), n in pairs.items():
            src_acc, dst_acc = index.accounts[s], index.accounts[d]
            g.link("a:" + src_acc, "a:" + dst_acc, 1.0 + math.log1p(n))
            if src_acc in suspect:
                flag_ok.add(dst_acc)
            if dst_acc in collectors:
                pays_collector.add(src_acc)
        # a flagged account that only pays the ring's collectors is an unreported victim, not a mule
        # a flagged account paying another person's flagged account forwards the ring's money
        # (a collector before anyone reports: victims paid it, no mule did)
        flag_ok |= _pays_flagged(((index.accounts[s], index.accounts[d]) for s, d in pairs.index), mule_flags,
                                 holder_of_acc)
        flag_ok -= pays_collector - set(acc_reports)
    # people talked into paying it by ring numbers: a collector, whoever else paid it
    flag_ok |= talked_into
    step("graph")

    # nodes and edges in name order: the same input gives the same communities whatever order
    # sets, dicts and SQL handed them over in
    names = sorted(g.ids)
    new_id = {g.ids[name]: k for k, name in enumerate(names)}
    edges = sorted(((min(new_id[i], new_id[j]), max(new_id[i], new_id[j])), w) for (i, j), w in g.edges.items())
    graph = ig.Graph(n=len(names), edges=[e for e, _ in edges])
    graph.vs["name"] = names
    weights = [w for _, w in edges]
    graph.es["weight"] = weights
    if graph.vcount() == 0:
        return RingResult(pd.DataFrame(columns=RING_COLUMNS), [], evidence)
    part = leidenalg.find_partition(graph, leidenalg.RBConfigurationVertexPartition, weights=weights,
                                    resolution_parameter=cfg.resolution, seed=cfg.seed, n_iterations=-1)
    membership = np.asarray(part.membership)
    step("communities")

    rings = []
    def judge(nodes):
        return _judge(nodes, cfg, mule_flags, sim_flags, acc_reports, phone_reports, holder_of_acc,
                      holder_of_sim, company, imei_of, hop_of, flag_ok, tied, registered)

    for comm in range(membership.max() + 1):
        members = np.flatnonzero(membership == comm)
        ring = judge([names[i] for i in members])
        if ring is None:
            continue
        # a ring is a connected group of suspicious members: split off flagged strangers
        # that only honest accounts tied into the community
        kept = {"a:" + a for a in ring["accounts"]} | {"m:" + m for m in ring["msisdns"]} | \
            {"h:" + h for h in ring["holders"]}
        core = [i for i in members if names[i] in kept or names[i][:2] in ("r:", "i:", "d:", "b:", "f:")]
        sub = graph.induced_subgraph(core)
        for comp in sub.connected_components():
            part = judge([names[core[j]] for j in comp])
            if part is not None:
                rings.append(part)
    rings = _merge_shared_holders(rings)
    edge_names = [(names[i], names[j]) for i, j in graph.get_edgelist()]
    rings = _merge_tied(rings, edge_names, cfg.merge_min_ties, cfg.merge_min_ties_farm)
    rings = _merge_batch_mates(rings, edge_names)
    _add_bundles(rings, accounts, company, cfg)
    # deterministic ring ids: biggest first, then by smallest member
    rings.sort(key=lambda r: (-len(r["accounts"]) - len(r["msisdns"]), min(r["accounts"] | r["msisdns"] | {"~"})))
    rows, summary = [], []
    for n, ring in enumerate(rings, start=1):
        ring_id = f"RING-{n:03d}"
        for a in sorted(ring["accounts"]):
            rows.append(("account", a, ring_id))
        for m in sorted(ring["msisdns"]):
            rows.append(("msisdn", m, ring_id))
        for h in sorted(ring["holders"]):
            rows.append(("holder", h, ring_id))
        summary.append(_summarise(ring_id, ring, eng, index, tf, reports, holder_of_acc, holder_of_sim, company))
    members = pd.DataFrame(rows, columns=RING_COLUMNS)
    step("rings")
    return RingResult(members, summary, evidence)


def _sql_list(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(values))


def _called_then_paid(eng, phones: set[str], accounts: set[str], cfg: RingConfig,
                      not_payers: set[str] | None = None) -> list[tuple[str, str, int]]:
    """(number, account, victims): people a candidate number called and who then paid a candidate account.

    The callee is identified through the SIM register (her holder id) and her own
    accounts; a payment within `call_to_pay_days` after a long call (`long_talk_s`), or within
    `quick_pay_minutes` after a shorter one (`min_talk_s` at least), is tied to the
    latest candidate number that called her before it (the one that talked her into it). The
    callee must not be a candidate herself (rings call their own numbers too), nor pay from a
    candidate account (`not_payers`: a mule forwarding to the ring after a cold call is no victim).
    """
    if not phones or not accounts:
        return []
    not_payers = set(accounts) | set(not_payers or ())
    frame = eng.sql(f"""
        WITH paid AS (
            SELECT c.caller, t.dst, s.holder_id, t.txn_id,
                   row_number() OVER (PARTITION BY t.txn_id ORDER BY c.ts DESC, c.caller) AS latest
            FROM cdrs c
            JOIN sims s ON s.msisdn = c.callee
            JOIN accounts a ON a.holder_id = s.holder_id
            JOIN transactions t ON t.src = a.account AND t.ts >= c.ts
                 AND t.ts <= c.ts + INTERVAL {int(cfg.call_to_pay_days)} DAY
            WHERE c.kind = 'voice' AND c.duration_s >= {int(cfg.min_talk_s)}
              AND (c.duration_s >= {int(cfg.long_talk_s)}
                   OR t.ts <= c.ts + INTERVAL {int(cfg.quick_pay_minutes)} MINUTE)
              AND c.caller IN ({_sql_list(phones)}) AND c.callee NOT IN ({_sql_list(phones)})
              AND t.dst IN ({_sql_list(accounts)}) AND a.account NOT IN ({_sql_list(not_payers)}))
        , linked AS (SELECT * FROM paid WHERE latest <= {int(cfg.callers_per_payment)})
        , per_account AS (
            SELECT dst, count(DISTINCT holder_id) AS called FROM linked GROUP BY dst)
        , payers AS (
            SELECT t.dst, count(DISTINCT t.src) AS payers FROM transactions t
            WHERE t.dst IN ({_sql_list(accounts)}) AND t.src IS NOT NULL GROUP BY t.dst)
        SELECT l.caller AS msisdn, l.dst AS account, count(DISTINCT l.holder_id) AS victims,
               max(pa.called) AS called, max(py.payers) AS payers
        FROM linked l JOIN per_account pa ON pa.dst = l.dst JOIN payers py ON py.dst = l.dst
        GROUP BY l.caller, l.dst""")
    # an account most of whose payers were called by candidate numbers just before is the ring's
    # collector; a driver or a seller paid by hundreds is called by ring numbers only by chance
    keep = (frame["called"] >= cfg.min_called_victims) & (frame["called"] >= cfg.min_called_share * frame["payers"])
    frame = frame[keep]
    return sorted(zip(frame["msisdn"], frame["account"], frame["victims"].astype(int)))


def _money_ties(index, ring: set[str], excluded: set[str], cfg: RingConfig,
                holder_of: dict[str, str] | None = None) -> set[str]:
    """Unflagged accounts whose money is the ring's: pulled in over `tie_rounds` rounds.

    An account is tied to the ring accounts `ring` when, over at least `tie_min_txns`
    payments with them, either
    * most of the money it received came from ring accounts and it moved it on
      (a layer or cash-out mule the detectors missed), or
    * most of the money it paid out went to ring accounts, it paid out about what it
      received, and those payments were covered by money that had just arrived from
      outside the ring (a collector forwarding victims' money; a victim pays from her
      own balance), or
    * it received from the ring (a test credit) and paid a good part of its money out
      into it, those payments again covered by money that had just arrived from outside
      (a collector the ring tested before use).

    "Just arrived" is within `tie_forward_hours`, or within `tie_slow_hours` for payments of at
    least `tie_slow_thb` (a slow ring's collector holds a victim's money for a day or two).
    """
    n = len(index.accounts)
    src, dst, amt = index.src, index.dst, index.amount
    both = (src >= 0) & (dst >= 0)
    if holder_of:
        # moving money between one's own accounts ties no one to anyone
        holder = pd.factorize(pd.Series([holder_of.get(a, a) for a in index.accounts], dtype=object))[0]
        both &= holder[np.where(src >= 0, src, 0)] != holder[np.where(dst >= 0, dst, 0)]
    s_b, d_b, a_b = src[both], dst[both], amt[both]
    in_tot = np.bincount(dst[dst >= 0], amt[dst >= 0], n)
    out_tot = np.bincount(src[src >= 0], amt[src >= 0], n)
    blocked = np.zeros(n, dtype=bool)
    blocked |= index.endpoint
    for a in excluded:
        c = index.account_code.get(a)
        if c is not None:
            blocked[c] = True
    in_ring = np.zeros(n, dtype=bool)
    for a in ring:
        c = index.account_code.get(a)
        if c is not None:
            in_ring[c] = True
    lo, hi = cfg.tie_pass
    window = (int(cfg.tie_forward_hours * 3600 * 1e9), int(cfg.tie_slow_hours * 3600 * 1e9), cfg.tie_slow_thb)
    tied: set[int] = set()
    for _ in range(cfg.tie_rounds):
        from_ring, to_ring = in_ring[s_b], in_ring[d_b]
        in_r = np.bincount(d_b[from_ring], a_b[from_ring], n)
        out_r = np.bincount(s_b[to_ring], a_b[to_ring], n)
        n_in = np.bincount(d_b[from_ring], minlength=n)
        n_out = np.bincount(s_b[to_ring], minlength=n)
        free = ~in_ring & ~blocked
        downstream = free & (n_in >= cfg.tie_min_txns) & (in_r >= cfg.tie_share * in_tot) & \
            (out_tot >= lo * in_tot) & (in_tot > 0)
        upstream = free & (n_out >= cfg.tie_min_txns) & (out_r >= cfg.tie_share * out_tot) & \
            (out_tot >= lo * in_tot) & (out_tot <= hi * in_tot) & (in_tot > 0)
        sandwich = free & (n_in >= 1) & (n_out >= 1) & (n_in + n_out >= cfg.tie_min_txns) & \
            (out_r >= cfg.tie_sandwich_share * out_tot)
        new = set(np.flatnonzero(downstream).tolist())
        for c in np.flatnonzero((upstream | sandwich) & ~downstream):
            if _forwarded_share(index, int(c), in_ring, window) >= cfg.tie_forward_share:
                new.add(int(c))
        if not new:
            break
        tied |= new
        in_ring[list(new)] = True
    return {index.accounts[c] for c in tied}


def _forwarded_share(index, c: int, in_ring: np.ndarray, window: tuple[int, int, float]) -> float:
    """Share of account c's payments into the ring covered by money it received from outside the
    ring shortly before: `window` = (span in ns, longer span in ns for big payments, what is big)."""
    lo, hi = index.ptr[c], index.ptr[c + 1]
    rows, kinds, times = index.ev_row[lo:hi], index.ev_kind[lo:hi], index.ev_ts[lo:hi]
    amounts = index.amount[rows]
    srcs = index.src[rows]
    ins = (kinds == 0) & ~((srcs >= 0) & in_ring[np.where(srcs >= 0, srcs, 0)])
    in_times, in_amounts = times[ins], np.cumsum(amounts[ins])
    paid = covered = 0.0
    for row, kind, t, a in zip(rows, kinds, times, amounts):
        d = index.dst[row]
        if kind != 1 or d < 0 or not in_ring[d]:
            continue
        span = window[1] if a >= window[2] else window[0]
        first, last = np.searchsorted(in_times, [t - span, t], side="right")
        arrived = (in_amounts[last - 1] if last else 0.0) - (in_amounts[first - 1] if first else 0.0)
        paid += a
        covered += min(a, arrived)
    return covered / paid if paid else 0.0


def _voip_batches(eng, phones: set[str], cfg: RingConfig) -> list[tuple[str, str]]:
    """(number, batch) for flagged unanchored numbers started together: first calls at most
    `batch_hours` after the previous one's.

    Such numbers have nothing else to tie them (no SIM register entry, no IMEI);
    a ring buys and starts them as one batch. Each number is linked to one node for
    its batch (a star: Leiden cuts long chains); the batch is named by its first number.
    """
    if len(phones) < 2:
        return []
    first = eng.sql(f"SELECT caller, min(ts) AS first FROM cdrs WHERE caller IN ({_sql_list(phones)}) "
                    "GROUP BY caller ORDER BY first, caller")
    return _batches(first, cfg.batch_hours)


def _batches(frame: pd.DataFrame, hours: float) -> list[tuple[str, str]]:
    """(caller, batch) for rows (caller, first) in time order, cut where the gap exceeds `hours`;
    batches of one are left out."""
    out, batch, last = [], [], None
    for caller, first in zip(frame["caller"], pd.to_datetime(frame["first"])):
        if batch and (first - last).total_seconds() > hours * 3600:
            out.extend((m, batch[0]) for m in batch if len(batch) >= 2)
            batch = []
        batch.append(caller)
        last = first
    out.extend((m, batch[0]) for m in batch if len(batch) >= 2)
    return out


def _farm_batches(eng, phones: set[str], cfg: RingConfig) -> list[tuple[str, str]]:
    """(number, batch) for flagged numbers mostly served by the same cell and first used within
    `farm_batch_hours` of the previous one there: a farm switched on together, whoever holds
    its SIMs (a farm spread over several nominees has no other tie). Numbers already in use on
    the data's first day are left out: their real start is unknown."""
    if len(phones) < 2:
        return []
    frame = eng.sql(f"""
        WITH per_cell AS (
            SELECT caller, cell_id, count(*) AS n FROM cdrs
            WHERE caller IN ({_sql_list(phones)}) AND cell_id IS NOT NULL GROUP BY caller, cell_id)
        , main AS (
            SELECT caller, cell_id,
                   row_number() OVER (PARTITION BY caller ORDER BY n DESC, cell_id) AS k
            FROM per_cell)
        , first AS (SELECT caller, min(ts) AS first FROM cdrs WHERE caller IN ({_sql_list(phones)})
                    GROUP BY caller)
        SELECT m.caller, m.cell_id, f.first FROM main m JOIN first f ON f.caller = m.caller
        WHERE m.k = 1 AND f.first > (SELECT min(ts) FROM cdrs) + INTERVAL 1 DAY
        ORDER BY m.cell_id, f.first, m.caller""")
    out = []
    for cell, group in frame.groupby("cell_id", sort=True):
        out.extend((m, f"{cell}|{b}") for m, b in _batches(group, cfg.farm_batch_hours))
    return out


def _add_bundles(rings: list[dict], accounts: pd.DataFrame, company: set, cfg: RingConfig) -> None:
    """A nominee opens accounts at several banks within days and sells the bundle: a
    ring holder's accounts opened within `bundle_days` of one of its ring accounts
    belong to the ring too, used yet or not (the Central Fraud Registry acts on the
    person). Accounts opened at other times — a person's own account of years before
    the one sold — are left out, and so are companies' accounts."""
    acc = accounts.dropna(subset=["holder_id", "opened_at"]).copy()
    acc = acc[~acc["holder_id"].isin(company)]
    acc["opened_at"] = pd.to_datetime(acc["opened_at"])
    taken = {a for ring in rings for a in ring["accounts"]}
    window = pd.Timedelta(days=cfg.bundle_days)
    # only ring holders' accounts matter (grouping every holder took seconds on a medium world)
    acc = acc[acc["holder_id"].isin(set(acc.loc[acc["account"].isin(taken), "holder_id"]))]
    by_holder = {h: g for h, g in acc.groupby("holder_id", sort=True)}
    for ring in rings:
        opened = acc[acc["account"].isin(ring["accounts"])]
        extra = set()
        for h, when in zip(opened["holder_id"], opened["opened_at"]):
            mates = by_holder.get(h)
            if mates is None or len(mates) < 2:
                continue
            near = mates[(mates["opened_at"] - when).abs() <= window]["account"]
            extra |= {a for a in near if a not in taken}
        ring["accounts"] |= extra
        taken |= extra


TINY_TIES_MAX_PEOPLE = 20  # a ring tests the few dozen accounts it bought at most


def _test_credits(index, start: set[str], excluded: set[str], holder_of: dict[str, str],
                  max_thb: float) -> set[str]:
    """Accounts reached from `start` through payments of at most `max_thb` between accounts of
    different holders, either way, step by step (not into `excluded` nor endpoints).

    A ring sends a baht or two to an account it has just bought, and back, to see that it works;
    people rarely pay each other such sums. One's own accounts tie no one to anyone. Where small
    QR payments are common (a vendor paid 10 baht by dozens of people), an account tied by tiny
    payments to more than `TINY_TIES_MAX_PEOPLE` people is a shop, not a ring's test: it is
    neither entered nor followed through (else one mule buying a snack pulls in the street).
    """
    src, dst, amt = index.src, index.dst, index.amount
    ok = (src >= 0) & (dst >= 0) & (amt <= max_thb)
    blocked = set(excluded) | {index.accounts[i] for i in np.flatnonzero(index.endpoint)}
    adj: dict[str, set[str]] = defaultdict(set)
    for s, d in zip(src[ok].tolist(), dst[ok].tolist()):
        a, b = index.accounts[s], index.accounts[d]
        if holder_of.get(a, a) != holder_of.get(b, b):
            adj[a].add(b)
            adj[b].add(a)
    for a, tied in adj.items():
        if len({holder_of.get(b, b) for b in tied}) > TINY_TIES_MAX_PEOPLE:
            blocked.add(a)
    seen = {a for a in start if a in adj}
    todo = sorted(seen)
    while todo:
        for b in sorted(adj[todo.pop()]):
            if b not in seen and b not in blocked:
                seen.add(b)
                todo.append(b)
    return seen


def _pays_flagged(pairs, flagged, holder_of: dict[str, str]) -> set[str]:
    """Flagged accounts among `pairs` (src, dst) that paid a flagged account of another holder
    (moving money between one's own accounts ties no one to anything)."""
    return {s for s, d in pairs if s in flagged and d in flagged and holder_of.get(s) != holder_of.get(d)}


def _union(rings: list[dict], pairs) -> list[dict]:
    """Rings joined where `pairs` (index, index) say two of them are one."""
    groups = DisjointSet(range(len(rings)))
    for i, j in pairs:
        groups.union(i, j)
    merged: dict[int, dict] = {}
    for i, ring in enumerate(rings):
        root = groups.find(i)
        if root not in merged:
            merged[root] = {k: set(v) for k, v in ring.items()}
        else:
            for k, v in ring.items():
                merged[root][k] |= v
    return list(merged.values())


def _merge_shared_holders(rings: list[dict]) -> list[dict]:
    """Join kept rings where one person holds one part's accounts and the other part's numbers.

    Leiden may cut a ring at the single holder that ties its money side to its
    phone side; the holder sets of both parts then overlap.
    """
    owner: dict[str, int] = {}
    for i, ring in enumerate(rings):
        for h in sorted(ring["account_holders"]):
            owner.setdefault(h, i)
    pairs = []
    for i, ring in enumerate(rings):
        for h in sorted(ring["sim_holders"]):
            j = owner.get(h)
            if j is not None and j != i:
                pairs.append((i, j))
    return _union(rings, pairs)


def _merge_tied(rings: list[dict], edges, min_ties: int, min_ties_farm: int | None = None) -> list[dict]:
    """Join kept rings whose members the graph ties together `min_ties` times or more
    (`min_ties_farm` when one of the two holds numbers only).

    Leiden may cut one ring in two (say its farm's numbers from the accounts they
    talked victims into paying) although several calls, talk-then-pay links and
    payments run between the parts. Two rings meet now and then by chance (one cold
    call, one payment between their mules); several ties between them do not. A farm
    with no accounts of its own is half a ring: two ties to one ring are enough (in
    the dev runs every pair of different rings with 2-3 ties held accounts on both sides).
    Edges through a shared node (a holder, a handset) are counted once per member.
    """
    min_ties_farm = min_ties if min_ties_farm is None else min_ties_farm
    owner: dict[str, int] = {}
    for i, ring in enumerate(rings):
        for a in ring["accounts"]:
            owner.setdefault("a:" + a, i)
        for m in ring["msisdns"]:
            owner.setdefault("m:" + m, i)
    ties: dict[tuple[int, int], int] = defaultdict(int)
    for a, b in edges:
        i, j = owner.get(a), owner.get(b)
        if i is not None and j is not None and i != j:
            ties[(min(i, j), max(i, j))] += 1
    def enough(pair, n):
        both_money = rings[pair[0]]["accounts"] and rings[pair[1]]["accounts"]
        return n >= (min_ties if both_money else min(min_ties, min_ties_farm))

    return _union(rings, sorted(p for p, n in ties.items() if enough(p, n)))


def _merge_batch_mates(rings: list[dict], edges) -> list[dict]:
    """A kept ring of numbers only (a farm with no money side) joins the one other kept ring
    holding numbers of the same batch (`b:`/`f:` nodes): Leiden may cut a batch star where one
    of its numbers is tied to the ring's accounts. A batch shared by two rings that both hold
    accounts stays split (two rings can switch numbers on within the same hour)."""
    owner: dict[str, int] = {}
    for i, ring in enumerate(rings):
        for m in ring["msisdns"]:
            owner.setdefault("m:" + m, i)
    mates: dict[str, set[int]] = defaultdict(set)
    for a, b in edges:
        for batch, member in ((a, b), (b, a)):
            if batch[:2] in ("b:", "f:") and member in owner:
                mates[batch].add(owner[member])
    pairs = []
    for batch in sorted(mates):
        phones_only = {i for i in mates[batch] if not rings[i]["accounts"]}
        with_money = mates[batch] - phones_only
        if len(with_money) == 1:
            pairs.extend((i, min(with_money)) for i in sorted(phones_only))
    return _union(rings, pairs)


def _judge(nodes, cfg, mule_flags, sim_flags, acc_reports, phone_reports, holder_of_acc, holder_of_sim,
           company, imei_of, hop_of, flag_ok, tied=frozenset(), registered=None) -> dict | None:
    """Keep a community as a ring only with evidence, and only its suspicious members.

    A flagged account counts only when reports or traced money name it, or when it
    was paid by a flagged or reported account (mules are paid by mules; victims
    pay collectors and are paid by no one in the ring).

    Evidence: two reports; or one report and detector flags; or one report whose
    money was layered through two or more mule accounts (hop 3 and beyond);
    or, before anyone reports, detector flags on several accounts or numbers
    that the graph ties together.
    """
    accs = [n[2:] for n in nodes if n.startswith("a:")]
    phones = [n[2:] for n in nodes if n.startswith("m:")]
    report_ids = {n[2:] for n in nodes if n.startswith("r:")}
    flagged_accs = {a for a in accs if a in mule_flags and (a in acc_reports or a in flag_ok)}
    flagged_phones = {m for m in phones if m in sim_flags}
    reported_accs = {a for a in accs if acc_reports.get(a)}
    reported_phones = {m for m in phones if phone_reports.get(m)}
    n_flags = len(flagged_accs) + len(flagged_phones)
    layered = max((hop_of.get(a, 0) for a in accs), default=0) >= 3
    if not (len(report_ids) >= cfg.min_reports or
            (len(report_ids) >= 1 and n_flags >= cfg.min_flags_with_one_report) or
            (len(flagged_accs) >= cfg.min_flags_each_side and len(flagged_phones) >= cfg.min_flags_each_side) or
            max(len(flagged_accs), len(flagged_phones)) >= cfg.min_flags_one_side or
            (len(report_ids) >= 1 and layered)):
        return None
    keep_accs = flagged_accs | reported_accs | {a for a in accs if a in tied}
    keep_phones = flagged_phones | reported_phones
    holders = {holder_of_acc[a] for a in keep_accs if a in holder_of_acc}
    holders |= {holder_of_sim[m] for m in keep_phones if m in holder_of_sim}
    holders -= company  # a company's pool is not a nominee
    # the rest of a SIM farm: on the same handsets, or registered to a person holding a kept number
    # and several more here (one's own phone is not a farm)
    kept_imeis = {i for m in keep_phones for i in imei_of.get(m, ())}
    per_holder: dict[str, int] = defaultdict(int)
    for m in phones:
        per_holder[holder_of_sim.get(m)] += 1
    kept_holders = {holder_of_sim[m] for m in keep_phones if m in holder_of_sim}
    kept_reg: dict[str, list] = defaultdict(list)
    for m in keep_phones:
        if m in holder_of_sim and registered and pd.notna(registered.get(m)):
            kept_reg[holder_of_sim[m]].append(registered[m])
    window = pd.Timedelta(days=cfg.farm_register_days)

    def same_farm(m, h):
        # bought with the kept numbers, not the nominee's own phone of years before
        r = registered.get(m) if registered else None
        return r is None or pd.isna(r) or not kept_reg[h] or any(abs(r - k) <= window for k in kept_reg[h])

    for m in phones:
        h = holder_of_sim.get(m)
        farm_holder = h in kept_holders and h not in company and per_holder[h] >= cfg.farm_min_sims and \
            same_farm(m, h)
        if m not in keep_phones and (farm_holder or imei_of.get(m, set()) & kept_imeis):
            keep_phones.add(m)
    holders |= {holder_of_sim[m] for m in keep_phones if m in holder_of_sim and holder_of_sim[m] not in company}
    if not keep_accs and not keep_phones:
        return None
    return {"accounts": keep_accs, "msisdns": keep_phones, "holders": holders, "reports": report_ids,
            "account_holders": {holder_of_acc[a] for a in keep_accs if a in holder_of_acc} - company,
            "sim_holders": {holder_of_sim[m] for m in keep_phones if m in holder_of_sim} - company}


def _summarise(ring_id, ring, eng, index, tf, reports, holder_of_acc, holder_of_sim, company) -> dict:
    accs = ring["accounts"]
    sub = tf[tf["key"].isin(accs)]
    collectors = sorted(set(sub.loc[sub["hop"] == 1, "key"]))
    cash_out = sorted(set(sub.loc[(sub["cashed_out_thb"] + sub["crypto_thb"]) > 0, "key"]))
    layering = sorted(set(sub["key"]) - set(collectors) - set(cash_out))
    untraced = sorted(accs - set(sub["key"]))
    rep = reports[reports["report_id"].isin(ring["reports"])]
    money_in = float(sub.loc[sub["hop"] == 1, "traced_thb"].sum())
    money_out = float((sub["cashed_out_thb"] + sub["crypto_thb"]).sum())
    held = float(sub["held_thb"].sum())
    cells = []
    if ring["msisdns"]:
        listed = ", ".join("'" + m.replace("'", "''") + "'" for m in sorted(ring["msisdns"]))
        cells = eng.sql(f"SELECT cell_id, count(*) AS n FROM cdrs WHERE caller IN ({listed}) "
                        "AND cell_id IS NOT NULL GROUP BY cell_id ORDER BY n DESC, cell_id LIMIT 20")
        cells = [{"cell_id": c, "records": int(n)} for c, n in zip(cells["cell_id"], cells["n"])]
    holders = sorted(ring["holders"])
    return {
        "ring_id": ring_id,
        "members": {
            "collector_accounts": collectors,
            "layering_accounts": layering + untraced,
            "cash_out_accounts": cash_out,
            "nominee_holders": [h for h in holders if h not in company],
            "companies": [h for h in holders if h in company],
            "sim_farm": sorted(ring["msisdns"]),
        },
        "money_in_thb": round(money_in, 2),
        "money_out_thb": round(money_out, 2),
        "money_held_thb": round(held, 2),
        "reports": sorted(ring["reports"]),
        "scam_types": {str(k): int(v) for k, v in rep["scam_type"].value_counts().sort_index().items()},
        "loss_thb": round(float(rep["loss_thb"].fillna(0).sum()), 2),
        "cells": cells,
    }


def write_summary(result: RingResult, csv_path: Path) -> Path:
    """Write the per-ring summary JSON beside the rings CSV (rings.csv → rings.json)."""
    path = csv_path.with_suffix(".json")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"evidence": result.evidence, "rings": result.summary}, ensure_ascii=False,
                              indent=1))
    tmp.replace(path)
    return path
