"""altworld: an independently designed synthetic Thailand, for checking that the detectors generalise.

It shares nothing with `zeroscam.simulate` except the AXF contract (what the files look like) and the
truth-file formats that `zeroscam evaluate` reads (docs/simulator.md). Everything else is chosen
differently on purpose: bank and operator shares (state banks KTB/GSB/BAAC lead; GSB and BAAC use
12-digit account numbers), mixed identifier forms inside the files, calls without an offset,
honest look-alikes of its own (landlords, payroll agents, drivers paid in tiny PromptPay amounts,
tour agencies, savings circles, sellers with sale-day bursts, IoT SIM fleets, dual-SIM phones,
shared family handsets, bank call-centre pools, delivery riders calling customers), and rings of
other shapes (chains of 1-5 layers, collectors used once then dropped, slow layering over days,
rings without shared devices, crypto-only cash-outs, SIM farms that rotate IMEIs, VoIP-only rings,
SIMs spread over many nominees).

    .venv/bin/python tests/worlds/altworld.py --out DIR --seed N --people N [--days D]
"""

from __future__ import annotations

import argparse
import heapq
import json
from pathlib import Path

import numpy as np
import pandas as pd

START = np.datetime64("2025-03-01T00:00:00", "s")  # Bangkok wall clock; a Saturday
DAY = 86400
HOUR = 3600

# State and rural banks lead in this Thailand; GSB and BAAC write 12-digit numbers.
BANK_SHARE = {"006": 17, "030": 15, "034": 12, "004": 13, "014": 11, "002": 8, "025": 7, "011": 6,
              "022": 2, "024": 2, "073": 2, "069": 1.5, "067": 1, "071": 1.5, "033": 1}
LONG_NUMBER_BANKS = {"030", "034"}
OPERATORS = (["TRUE", "AIS", "NT", "PENGUIN"], [0.47, 0.38, 0.11, 0.04])
# name, lat, lon, km to the land border at the centre, population weight, border province?
PROVINCES = [
    ("Bangkok", 13.75, 100.50, 170, 24, False), ("Chiang Mai", 18.79, 98.98, 60, 7, False),
    ("Khon Kaen", 16.43, 102.83, 160, 6, False), ("Nakhon Ratchasima", 14.97, 102.10, 140, 7, False),
    ("Chon Buri", 13.36, 100.98, 130, 7, False), ("Songkhla", 7.19, 100.60, 30, 5, False),
    ("Udon Thani", 17.41, 102.79, 50, 5, False), ("Phuket", 7.88, 98.39, 200, 3, False),
    ("Nonthaburi", 13.86, 100.51, 175, 6, False), ("Sa Kaeo", 13.81, 102.07, 3, 3, True),
    ("Tak", 16.71, 98.57, 3, 3, True), ("Chiang Rai", 19.91, 99.83, 4, 4, True),
    ("Nong Khai", 17.88, 102.74, 2, 3, True), ("Trat", 12.24, 102.51, 4, 2, True),
    ("Kanchanaburi", 14.00, 99.55, 8, 3, True), ("Mukdahan", 16.54, 104.72, 2, 2, True),
]
CHANNELS = np.array(["promptpay", "transfer", "card", "cash_in", "cash_out", "crypto_out"])
PP, TR, CARD, CIN, COUT, CRYPTO = range(6)
SCAM_TYPES = (["call_centre", "online_shopping", "investment", "job", "loan", "romance", "impersonation",
               "reward", "malicious_app"], [0.24, 0.2, 0.14, 0.12, 0.08, 0.06, 0.07, 0.05, 0.04])
SCAM_AMOUNT = {"call_centre": (30000, 1.0), "online_shopping": (900, 0.9), "investment": (45000, 1.1),
               "job": (6000, 0.9), "loan": (3500, 0.7), "romance": (20000, 1.0),
               "impersonation": (15000, 1.0), "reward": (2500, 0.8), "malicious_app": (60000, 1.0)}


def _iso(sec: np.ndarray, offset: bool = True) -> np.ndarray:
    s = np.datetime_as_string(START + sec.astype("timedelta64[s]"), unit="s")
    return np.char.add(s, "+07:00") if offset else s


def _national_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        d = rng.integers(0, 10, (n * 2, 12))
        d[:, 0] = rng.integers(1, 9, n * 2)
        check = (11 - (d * np.arange(13, 1, -1)).sum(1) % 11) % 10
        for row, c in zip(d, check):
            s = "".join(map(str, row)) + str(c)
            if s not in seen:
                seen.add(s)
                out.append(s)
                if len(out) == n:
                    break
    return np.array(out)


def _tod(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into the day with a human rhythm (morning, lunch, evening) and a little night."""
    centre = rng.choice([9.5, 12.5, 19.5], n, p=[0.3, 0.3, 0.4]) * HOUR
    s = centre + rng.normal(0, 2.3 * HOUR, n)
    night = rng.random(n) < 0.03
    s[night] = rng.uniform(0, DAY, night.sum())
    return np.clip(s, 0, DAY - 1).astype(np.int64)


class World:
    """Builders for holders, accounts, numbers, transactions and calls (arrays, indices everywhere)."""

    def __init__(self, seed: int, n_people: int, days: int):
        self.rng = np.random.default_rng(seed)
        self.P, self.D, self.end = n_people, days, days * DAY
        self.holder_id: list[np.ndarray] = []
        self.holder_type: list[np.ndarray] = []
        self.holder_birth: list[np.ndarray] = []
        self.holder_prov: list[np.ndarray] = []
        self.n_holders = 0
        self.acc: dict[str, list] = {k: [] for k in ("bank", "num", "holder", "opened", "kyc", "device")}
        self.n_acc = 0
        self.num: dict[str, list] = {k: [] for k in ("e164", "op", "holder", "reg", "ptype", "imei", "voip")}
        self.n_num = 0
        self.tx: dict[str, list] = {k: [] for k in ("ts", "ch", "src", "dst", "amt", "dev")}
        self.cdr: dict[str, list] = {k: [] for k in ("ts", "kind", "caller", "callee", "dur", "cell", "imei")}
        self.n_imei = 0
        self.n_dev = 0
        self.look_acc: list[tuple[np.ndarray, str]] = []
        self.look_num: list[tuple[np.ndarray, str]] = []
        self._acc_seen: set[tuple[str, int]] = set()
        self._num_seen: set[int] = set()

    # -- registries -------------------------------------------------------------------------------
    def add_holders(self, ids, kind, birth, prov) -> np.ndarray:
        n = len(ids)
        self.holder_id.append(np.asarray(ids))
        self.holder_type.append(np.full(n, kind))
        self.holder_birth.append(np.asarray(birth))
        self.holder_prov.append(np.asarray(prov))
        idx = np.arange(self.n_holders, self.n_holders + n)
        self.n_holders += n
        return idx

    def new_devices(self, n: int) -> np.ndarray:
        idx = np.arange(self.n_dev, self.n_dev + n)
        self.n_dev += n
        return idx

    def new_imeis(self, n: int) -> np.ndarray:
        idx = np.arange(self.n_imei, self.n_imei + n)
        self.n_imei += n
        return idx

    def add_accounts(self, holder, bank, opened, kyc, device) -> np.ndarray:
        n = len(holder)
        bank = np.asarray(bank)
        num = np.empty(n, dtype=np.int64)
        for i, b in enumerate(bank):
            lo, hi = (10 ** 11, 10 ** 12) if b in LONG_NUMBER_BANKS else (10 ** 9, 10 ** 10)
            while True:
                v = int(self.rng.integers(lo, hi))
                if (b, v) not in self._acc_seen:
                    self._acc_seen.add((b, v))
                    num[i] = v
                    break
        for k, v in (("bank", bank), ("num", num), ("holder", holder), ("opened", opened), ("kyc", kyc),
                     ("device", device)):
            self.acc[k].append(np.broadcast_to(np.asarray(v), (n,)).copy())
        idx = np.arange(self.n_acc, self.n_acc + n)
        self.n_acc += n
        return idx

    def add_numbers(self, holder, reg, imei, voip=False, ptype="prepaid") -> np.ndarray:
        n = len(holder)
        e164 = np.empty(n, dtype=np.int64)
        for i in range(n):
            while True:
                if voip:
                    v = int(self.rng.integers(697_000_000_000, 697_999_999_999))
                else:
                    v = int(66_000_000_000 + self.rng.choice([6, 8, 9]) * 100_000_000
                            + self.rng.integers(0, 100_000_000))
                if v not in self._num_seen:
                    self._num_seen.add(v)
                    e164[i] = v
                    break
        op = self.rng.choice(OPERATORS[0], n, p=OPERATORS[1])
        for k, v in (("e164", e164), ("op", op), ("holder", holder), ("reg", reg), ("ptype", ptype),
                     ("imei", imei), ("voip", voip)):
            self.num[k].append(np.broadcast_to(np.asarray(v), (n,)).copy())
        idx = np.arange(self.n_num, self.n_num + n)
        self.n_num += n
        return idx

    def txns(self, ts, ch, src, dst, amt, dev) -> None:
        n = len(ts)
        for k, v in (("ts", ts), ("ch", ch), ("src", src), ("dst", dst), ("amt", amt), ("dev", dev)):
            self.tx[k].append(np.broadcast_to(np.asarray(v), (n,)).copy())

    def calls(self, ts, kind, caller, callee, dur, cell, imei) -> None:
        n = len(ts)
        for k, v in (("ts", ts), ("kind", kind), ("caller", caller), ("callee", callee), ("dur", dur),
                     ("cell", cell), ("imei", imei)):
            self.cdr[k].append(np.broadcast_to(np.asarray(v), (n,)).copy())


def _money(x: np.ndarray) -> np.ndarray:
    return np.maximum(np.round(x, 2), 1.0)


def generate(out_dir: str | Path, seed: int = 1, n_people: int = 6000, days: int = 35,
             report_rate: float | None = None) -> dict:
    """Write an AXF folder plus truth/ (docs/simulator.md formats) to `out_dir`; returns params.

    Knobs are drawn per seed (truth/params.json); `report_rate` overrides the share of victims who report.
    """
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    w = World(seed, n_people, days)
    rng, P, D, END = w.rng, n_people, days, days * DAY
    knobs = {
        "report_rate": float(rng.uniform(0.2, 0.5)),
        "report_delay_median_h": float(rng.uniform(4, 48)),
        "report_delay_logsd": float(rng.uniform(1.0, 1.6)),
        "report_txn_id_share": float(rng.uniform(0.2, 0.6)),
        "mistaken_per_report": float(rng.uniform(0.03, 0.10)),
        "tier_mix": rng.dirichlet([4, 2, 4]).tolist(),
        "rings": int(max(3, round(P / 420 * rng.uniform(0.8, 1.3)) + rng.poisson(1))),
    }
    if report_rate is not None:
        knobs["report_rate"] = float(report_rate)

    # -- geography ---------------------------------------------------------------------------------
    pw = np.array([p[4] for p in PROVINCES], float)
    cell_rows, cell_prov = [], []
    for i, (name, lat, lon, bkm, weight, border) in enumerate(PROVINCES):
        for j in range(int(4 + weight * 1.5)):
            km = float(rng.uniform(0.3, 40) if border else bkm + rng.uniform(-20, 40))
            cell_rows.append((f"{name[:3].upper()}{i:02d}-{j:03d}", lat + rng.normal(0, 0.15),
                              lon + rng.normal(0, 0.15), name, round(max(km, 0.2), 2)))
            cell_prov.append(i)
    cell_prov = np.array(cell_prov)
    cell_start = np.searchsorted(cell_prov, np.arange(len(PROVINCES)))
    cell_count = np.bincount(cell_prov, minlength=len(PROVINCES))
    cell_border = np.array([c[4] for c in cell_rows])

    def cell_in(prov: np.ndarray) -> np.ndarray:
        return cell_start[prov] + (rng.random(len(prov)) * cell_count[prov]).astype(int)

    # -- people --------------------------------------------------------------------------------------
    prov = rng.choice(len(PROVINCES), P, p=pw / pw.sum())
    foreign = rng.random(P) < 0.04  # migrant workers hold passports
    ids = _national_ids(rng, P).astype(object)
    ids[foreign] = ["P:" + ("MM" if rng.random() < 0.6 else "KH") + str(rng.integers(10 ** 6, 10 ** 7))
                    for _ in range(foreign.sum())]
    birth = rng.integers(1945, 2006, P)
    people = w.add_holders(ids, "person", birth, prov)
    person_dev = w.new_devices(P)
    # families sharing one handset/tablet: pairs/triples of neighbours in the same province
    family = rng.random(P) < 0.06
    fam_idx = np.flatnonzero(family)
    fam_idx = fam_idx[np.argsort(prov[fam_idx], kind="stable")]
    for a, b in zip(fam_idx[0::2], fam_idx[1::2]):
        person_dev[b] = person_dev[a]

    banks = np.array(list(BANK_SHARE))
    bshare = np.array(list(BANK_SHARE.values()), float)
    bshare /= bshare.sum()
    n_acc = rng.choice([1, 2, 3, 4], P, p=[0.42, 0.34, 0.17, 0.07])
    owner = np.repeat(people, n_acc)
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(n_acc) - n_acc, n_acc)
    acc_bank = rng.choice(banks, len(owner), p=bshare)
    for i in np.flatnonzero(rank > 0):  # a person's accounts sit at different banks where possible
        if acc_bank[i] == acc_bank[i - 1]:
            acc_bank[i] = rng.choice(banks, p=bshare)
    opened = -rng.integers(60, 4000, len(owner)) * DAY + rng.integers(0, DAY, len(owner))
    dormant = (rank > 0) & (rng.random(len(owner)) < 0.22)
    kyc = rng.choice(["branch", "app", "agent"], len(owner), p=[0.5, 0.4, 0.1])
    pacc = w.add_accounts(owner, acc_bank, opened, kyc, person_dev[owner])
    primary = pacc[rank == 0]
    active_acc = pacc[~dormant]
    active_owner = owner[~dormant]
    act_start = np.searchsorted(active_owner, people)
    act_count = np.bincount(active_owner, minlength=P)
    w.look_acc.append((pacc[dormant], "dormant_account"))

    # honest new accounts opened inside the window (a third open two at different banks within days)
    newp = rng.choice(P, int(P * 0.03), replace=False)
    nopen = rng.integers(2, D - 2, len(newp)) * DAY + _tod(rng, len(newp))
    na = w.add_accounts(newp, rng.choice(banks, len(newp), p=bshare), nopen, "app", person_dev[newp])
    two = newp[rng.random(len(newp)) < 0.33]
    na2 = w.add_accounts(two, rng.choice(banks, len(two), p=bshare),
                         nopen[np.isin(newp, two)] + rng.integers(HOUR, 3 * DAY, len(two)), "app", person_dev[two])
    new_accounts = np.concatenate([na, na2])
    new_owner = np.concatenate([newp, two])
    w.look_acc.append((new_accounts, "new_account"))
    w.look_acc.append((pacc[np.isin(owner, fam_idx)], "shared_device"))

    def pick_account(p: np.ndarray) -> np.ndarray:
        """An active account of each person: the primary 70 % of the time."""
        other = act_start[p] + (rng.random(len(p)) * np.maximum(act_count[p], 1)).astype(int)
        other = active_acc[np.minimum(other, len(active_acc) - 1)]
        return np.where(rng.random(len(p)) < 0.7, primary[p], other)

    # -- companies ------------------------------------------------------------------------------------
    def companies(n: int, label: str, bank_p=None) -> np.ndarray:
        cid = np.array([f"C:0{rng.integers(10 ** 11, 10 ** 12)}" for _ in range(n)])
        h = w.add_holders(cid, "company", np.full(n, -1), rng.choice(len(PROVINCES), n, p=pw / pw.sum()))
        b = rng.choice(banks, n, p=bshare) if bank_p is None else np.full(n, bank_p)
        return w.add_accounts(h, b, -rng.integers(400, 6000, n) * DAY, "branch", w.new_devices(n))

    merchants = companies(max(20, P // 50), "merchant")
    employers = companies(max(10, P // 120), "employer")
    suppliers = companies(max(8, P // 250), "supplier")
    utilities = companies(5, "utility")
    mortgage = companies(2, "mortgage", "033")
    hotels = companies(max(5, P // 600), "hotel")
    exchanges = companies(3, "crypto_exchange", "014")
    w.look_acc += [(merchants, "merchant"), (employers, "employer"), (suppliers, "supplier"),
                   (utilities, "utility"), (mortgage, "supplier"), (hotels, "supplier"),
                   (exchanges, "crypto_exchange")]
    merch_p = 1.0 / np.arange(1, len(merchants) + 1) ** 0.9
    merch_p /= merch_p.sum()

    # roles of ordinary people (disjoint slices of a shuffle)
    order = rng.permutation(P)
    cut = np.cumsum([int(P * s) for s in (0.008, 0.003, 0.015, 0.004, 0.002, 0.02)])
    landlords, payroll, sellers, circles, tours, drivers = np.split(order[:cut[-1]], cut[:-1])
    employed = order[cut[-1]:][rng.random(P - cut[-1]) < 0.55]
    crypto_buyers = rng.choice(P, int(P * 0.03), replace=False)

    def daytimes(day: np.ndarray) -> np.ndarray:
        return day * DAY + _tod(rng, len(day))

    # -- ordinary money ---------------------------------------------------------------------------
    # friends: circles of 10-20 people of one province; 15 % of transfers go to family far away
    by_prov = np.argsort(prov, kind="stable")
    csize = rng.integers(10, 21, P // 10 + 1)
    circle_of = np.empty(P, int)
    circle_of[by_prov] = np.repeat(np.arange(len(csize)), csize)[:P]
    members = by_prov
    c_start = np.searchsorted(circle_of[members], np.arange(len(csize)))
    c_count = np.bincount(circle_of, minlength=len(csize))

    n = rng.poisson(P * D * 0.24)
    src_p = rng.integers(0, P, n)
    c = circle_of[src_p]
    dst_p = members[np.minimum(c_start[c] + (rng.random(n) * c_count[c]).astype(int), P - 1)]
    far = rng.random(n) < 0.15
    dst_p[far] = rng.integers(0, P, far.sum())
    keep = dst_p != src_p
    src_p, dst_p = src_p[keep], dst_p[keep]
    s = pick_account(src_p)
    w.txns(daytimes(rng.integers(0, D, len(s))), PP, s, primary[dst_p],
           _money(np.round(rng.lognormal(np.log(280), 1.0, len(s)))), person_dev[src_p])

    # shops: card and QR to merchants
    n = rng.poisson(P * D * 0.33)
    src_p = rng.integers(0, P, n)
    ch = np.where(rng.random(n) < 0.4, CARD, PP)
    w.txns(daytimes(rng.integers(0, D, n)), ch, pick_account(src_p), rng.choice(merchants, n, p=merch_p),
           _money(rng.lognormal(np.log(170), 0.9, n)), np.where(ch == CARD, -1, person_dev[src_p]))

    # salaries on the 25th or the last day; a quarter pass it on within hours (rent, money home, bills)
    emp_of = rng.choice(employers, len(employed))
    payday = np.where(rng.random(len(employed)) < 0.5, 24, 30)
    paid_in_window = payday < D
    sal_p, payday, emp_of = employed[paid_in_window], payday[paid_in_window], emp_of[paid_in_window]
    sal_ts = payday * DAY + rng.integers(8 * HOUR, 11 * HOUR, len(sal_p))
    salary = np.round(rng.lognormal(np.log(17000), 0.5, len(sal_p)), 2)
    w.txns(sal_ts, TR, emp_of, primary[sal_p], salary, -1)
    pt = rng.random(len(sal_p)) < 0.25
    home = rng.integers(0, P, pt.sum())
    w.txns(sal_ts[pt] + rng.integers(20 * 60, 5 * HOUR, pt.sum()), PP, primary[sal_p[pt]], primary[home],
           np.round(salary[pt] * rng.uniform(0.4, 0.8, pt.sum()), -2), person_dev[sal_p[pt]])
    w.look_acc.append((primary[sal_p[pt]], "salary_passthrough"))
    # bills
    n = int(P * D / 20)
    bp = rng.integers(0, P, n)
    w.txns(daytimes(rng.integers(0, D, n)), PP, pick_account(bp), rng.choice(utilities, n),
           _money(rng.lognormal(np.log(700), 0.6, n)), person_dev[bp])

    # landlords: rent from many tenants on days 1-5 of the month, the mortgage paid a day or two later
    for ll in landlords:
        tenants = rng.choice(P, rng.integers(8, 40), replace=False)
        rent = float(rng.choice([2500, 3000, 3500, 4500, 6000, 8000]))
        for m0 in (0, 31):
            if m0 >= D:
                continue
            t = (m0 + rng.integers(0, 5, len(tenants))) * DAY + _tod(rng, len(tenants))
            ok = t < END
            w.txns(t[ok], PP, pick_account(tenants[ok]), primary[ll], rent, person_dev[tenants[ok]])
            w.txns(np.array([(m0 + 6) * DAY + 10 * HOUR]), TR, primary[ll], rng.choice(mortgage, 1),
                   np.round(rent * len(tenants) * rng.uniform(0.55, 0.8), -3), person_dev[ll])
            w.txns(np.array([(m0 + 6) * DAY + 15 * HOUR]), COUT, primary[ll], -1, 20000.0, -1)
    w.look_acc.append((primary[landlords], "landlord"))

    # payroll agents: a weekly lump from a company paid out to 10-30 (often migrant) workers within the hour
    migrants = np.flatnonzero(foreign)
    for ag in payroll:
        crew = rng.choice(migrants if len(migrants) > 40 else P, rng.integers(10, 31), replace=False)
        wage = np.round(rng.uniform(2500, 4200, len(crew)), -1)
        boss = rng.choice(employers)
        for d in range(0, D, 7):
            t0 = d * DAY + 9 * HOUR + int(rng.integers(0, 2 * HOUR))
            w.txns(np.array([t0]), TR, boss, primary[ag], float(wage.sum() * 1.03), -1)
            w.txns(t0 + np.sort(rng.integers(300, 3600, len(crew))), PP, primary[ag], primary[crew], wage,
                   person_dev[ag])
    w.look_acc.append((primary[payroll], "payroll_agent"))

    # online sellers: orders from strangers, bursts on sale days, the supplier paid each evening
    sale_days = np.array([2, 14, 24, 34])
    for sl in sellers:
        lam = rng.uniform(2, 7) * np.where(np.isin(np.arange(D), sale_days), rng.uniform(4, 9), 1.0)
        k = rng.poisson(lam)
        day = np.repeat(np.arange(D), k)
        buyers = rng.integers(0, P, len(day))
        amt = _money(rng.lognormal(np.log(380), 0.8, len(day)))
        w.txns(daytimes(day), PP, pick_account(buyers), primary[sl], amt, person_dev[buyers])
        rev = np.bincount(day, amt, minlength=D)
        pay = np.flatnonzero(rev > 0)
        w.txns(pay * DAY + rng.integers(20 * HOUR, 23 * HOUR, len(pay)), TR, primary[sl],
               rng.choice(suppliers), np.round(rev[pay] * rng.uniform(0.55, 0.8), 2), person_dev[sl])
    w.look_acc.append((primary[sellers], "online_seller"))

    # savings circles: members pay on one morning, the pot goes to one member within hours
    for org in circles:
        mem = rng.choice(P, rng.integers(10, 26), replace=False)
        amt = float(rng.choice([500, 1000, 2000, 3000, 5000]))
        for d in range(int(rng.integers(0, 10)), D, 10):
            t = d * DAY + rng.integers(7 * HOUR, 12 * HOUR, len(mem))
            w.txns(t, PP, pick_account(mem), primary[org], amt, person_dev[mem])
            w.txns(np.array([t.max() + int(rng.integers(HOUR, 6 * HOUR))]), TR, primary[org],
                   primary[rng.choice(mem)], amt * len(mem), person_dev[org])
    w.look_acc.append((primary[circles], "savings_circle"))

    # tour agencies: deposits from customers, hotels and vans paid the next day at other banks
    for ag in tours:
        k = rng.poisson(np.where(np.arange(D) % 7 < 2, 4, 2))
        day = np.repeat(np.arange(D), k)
        cust = rng.integers(0, P, len(day))
        amt = np.round(rng.lognormal(np.log(7000), 0.7, len(day)), -1)
        w.txns(daytimes(day), TR, pick_account(cust), primary[ag], amt, person_dev[cust])
        rev = np.bincount(day, amt, minlength=D)
        pay = np.flatnonzero(rev[:-1] > 0)
        w.txns((pay + 1) * DAY + 10 * HOUR + rng.integers(0, 4 * HOUR, len(pay)), TR, primary[ag],
               rng.choice(hotels, len(pay)), np.round(rev[pay] * rng.uniform(0.7, 0.85, len(pay)), 2),
               person_dev[ag])
    w.look_acc.append((primary[tours], "tour_agency"))

    # taxi and delivery drivers: many tiny PromptPay payments, cash out every evening
    for dr in drivers:
        k = rng.integers(8, 26, D) * (rng.random(D) > 0.15)
        day = np.repeat(np.arange(D), k)
        riders = rng.integers(0, P, len(day))
        amt = np.round(rng.lognormal(np.log(95), 0.6, len(day)))
        w.txns(day * DAY + rng.integers(7 * HOUR, 22 * HOUR, len(day)), PP, pick_account(riders), primary[dr],
               _money(amt), person_dev[riders])
        rev = np.bincount(day, amt, minlength=D)
        pay = np.flatnonzero(rev >= 500)
        w.txns(pay * DAY + 22 * HOUR + rng.integers(0, HOUR, len(pay)), COUT, primary[dr], -1,
               np.floor(rev[pay] * 0.8 / 500) * 500 + 500, -1)
    w.look_acc.append((primary[drivers], "driver"))

    # ATM, crypto buyers, cash deposits, moving money between one's own accounts
    n = rng.poisson(P * D * 0.06)
    ap = rng.integers(0, P, n)
    amt = rng.choice([500, 1000, 2000, 3000, 5000, 10000, 20000, 30000], n,
                     p=[.2, .25, .18, .1, .12, .08, .05, .02]).astype(float)
    src = pick_account(ap)
    w.txns(daytimes(rng.integers(0, D, n)), COUT, src, -1, amt, -1)
    w.look_acc.append((np.unique(src[amt >= 20000]), "atm_heavy"))
    n = int(len(crypto_buyers) * D * 0.12)
    cb = rng.choice(crypto_buyers, n)
    w.txns(daytimes(rng.integers(0, D, n)), CRYPTO, primary[cb], rng.choice(exchanges, n),
           np.round(rng.lognormal(np.log(4000), 1.0, n), -2) + 100, person_dev[cb])
    w.look_acc.append((primary[crypto_buyers], "crypto_buyer"))
    n = rng.poisson(P * D * 0.015)
    ci = rng.integers(0, P, n)
    w.txns(daytimes(rng.integers(0, D, n)), CIN, -1, pick_account(ci), np.round(rng.uniform(5, 200, n)) * 100, -1)
    multi = np.flatnonzero(act_count >= 2)
    n = int(len(multi) * D * 0.04)
    sp = rng.choice(multi, n)
    a1 = primary[sp]
    a2 = active_acc[act_start[sp] + 1 + (rng.random(n) * (act_count[sp] - 1)).astype(int)]
    t = daytimes(rng.integers(0, D, n))
    amt = np.round(rng.lognormal(np.log(3000), 0.9, n), -2) + 100
    w.txns(t, TR, a1, a2, amt, person_dev[sp])
    onward = rng.random(n) < 0.5
    w.txns(t[onward] + rng.integers(120, 1800, onward.sum()), PP, a2[onward],
           rng.choice(merchants, onward.sum(), p=merch_p), np.round(amt[onward] * 0.9, 2), person_dev[sp[onward]])
    w.look_acc.append((np.unique(np.concatenate([a1, a2])), "own_account_shuffle"))
    # the honest new accounts get used from the day they open
    n = len(new_accounts) * 6
    pick = rng.integers(0, len(new_accounts), n)
    t = np.asarray(np.concatenate(w.acc["opened"]))[new_accounts[pick]] + rng.integers(HOUR, 20 * DAY, n)
    w.txns(t, PP, new_accounts[pick], rng.choice(merchants, n, p=merch_p), _money(rng.lognormal(5.2, 0.8, n)),
           person_dev[new_owner[pick]])

    # -- numbers and ordinary calls ----------------------------------------------------------------
    handset = w.new_imeis(P)
    for a, b in zip(fam_idx[0::2], fam_idx[1::2]):
        handset[b] = handset[a]
    reg = -rng.integers(30, 5000, P) * DAY + _tod(rng, P)
    psim = w.add_numbers(people, reg, handset, ptype=np.where(rng.random(P) < 0.3, "postpaid", "prepaid"))
    w.look_num.append((psim[np.isin(people, fam_idx)], "shared_handset"))
    dual = np.flatnonzero(rng.random(P) < 0.15)
    dsim = w.add_numbers(dual, -rng.integers(10, 3000, len(dual)) * DAY, handset[dual])
    w.look_num.append((np.concatenate([psim[dual], dsim]), "dual_sim"))
    many = rng.choice(P, max(3, P // 150), replace=False)
    k = rng.integers(3, 9, len(many))
    mh = np.repeat(many, k)
    msim = w.add_numbers(mh, -rng.integers(5, 2000, len(mh)) * DAY, handset[mh])
    w.look_num.append((msim, "multi_sim"))
    changers = rng.random(P) < 0.04
    change_ts = np.where(changers, rng.integers(DAY, END, P), END + 1)
    handset2 = w.new_imeis(P)
    w.look_num.append((psim[changers], "phone_changer"))
    border_people = np.flatnonzero(np.array([PROVINCES[i][5] for i in prov]) & (rng.random(P) < 0.5))
    w.look_num.append((psim[border_people], "border_resident"))
    w.look_acc.append((pacc[np.isin(owner, border_people)], "border_resident"))

    # IoT fleets: companies with 30-200 data SIMs, one rolled out inside the window in a burst
    for j in range(max(2, P // 3000)):
        h = w.add_holders([f"C:0{rng.integers(10 ** 11, 10 ** 12)}"], "company", [-1], [0])
        k = int(rng.integers(30, 200))
        burst = j == 0
        reg = (int(rng.integers(2, D // 2)) * DAY + rng.integers(0, 2 * DAY, k)) if burst \
            else -rng.integers(30, 700, k) * DAY
        sims = w.add_numbers(np.full(k, h[0]), reg, w.new_imeis(k), ptype="postpaid")
        server = psim[rng.integers(0, P)]
        per = rng.integers(0, 3, (k, D))
        si, dd = np.nonzero(per)
        si = np.repeat(si, per[si, dd])
        dd = np.repeat(dd, per[np.nonzero(per)])
        t = dd * DAY + rng.integers(0, DAY, len(dd))
        ok = t > np.asarray(reg)[si]
        w.calls(t[ok], 1, sims[si[ok]], server, 0, cell_in(np.zeros(ok.sum(), int)), np.asarray(w.num["imei"][-1])[si[ok]])
        w.look_num.append((sims, "iot_fleet"))

    # bank call-centre pools on GSM gateways (few IMEIs), calling customers briefly
    for j in range(2):
        h = w.add_holders([f"C:0{rng.integers(10 ** 11, 10 ** 12)}"], "company", [-1], [0])
        k = int(rng.integers(10, 25) * max(1.0, P / 4000))
        gw = w.new_imeis(int(rng.integers(3, 8)))
        imei = rng.choice(gw, k)
        sims = w.add_numbers(np.full(k, h[0]), -rng.integers(30, 900, k) * DAY, imei, ptype="postpaid")
        n = k * D * 12
        si = rng.integers(0, k, n)
        t = rng.integers(0, D, n) * DAY + rng.integers(9 * HOUR, 18 * HOUR, n)
        w.calls(t, 0, sims[si], psim[rng.integers(0, P, n)], rng.choice([0, 15, 40, 90, 200], n),
                cell_in(np.zeros(n, int)), imei[si])
        w.look_num.append((sims, "callcentre_pool"))

    # delivery riders calling customers (short, many strangers) on their own SIMs
    riders = np.concatenate([drivers, rng.choice(P, P // 100, replace=False)])
    n = len(riders) * D * 12
    ri = rng.integers(0, len(riders), n)
    t = rng.integers(0, D, n) * DAY + rng.integers(9 * HOUR, 21 * HOUR, n)
    w.calls(t, 0, psim[riders[ri]], psim[rng.integers(0, P, n)], rng.integers(0, 45, n),
            cell_in(prov[riders[ri]]), np.where(t > change_ts[riders[ri]], handset2[riders[ri]], handset[riders[ri]]))
    w.look_num.append((psim[riders], "delivery_rider"))

    # friends and family: calls and SMS
    n = rng.poisson(P * D * 0.55)
    a = rng.integers(0, P, n)
    c = circle_of[a]
    b = members[np.minimum(c_start[c] + (rng.random(n) * c_count[c]).astype(int), P - 1)]
    far = rng.random(n) < 0.2
    b[far] = rng.integers(0, P, far.sum())
    t = daytimes(rng.integers(0, D, n))
    kind = (rng.random(n) < 0.3).astype(int)
    caller = psim[a]
    has_dual = np.isin(a, dual)
    use2 = has_dual & (rng.random(n) < 0.4)
    if use2.any():
        dmap = np.full(P, -1)
        dmap[dual] = dsim
        caller = np.where(use2, dmap[a], caller)
    w.calls(t, kind, caller, psim[b], np.where(kind == 1, 0, rng.lognormal(4.3, 1.0, n).astype(int)),
            cell_in(prov[a]), np.where(t > change_ts[a], handset2[a], handset[a]))

    # -- rings ------------------------------------------------------------------------------------------
    acc_bank_all = lambda: np.concatenate(w.acc["bank"])  # noqa: E731
    used_people = set(landlords) | set(payroll) | set(sellers) | set(circles) | set(tours) | set(drivers)
    truth_acc, truth_sims, truth_holders, truth_rings = [], [], [], []
    scam_rows: list[tuple] = []  # (tx_local, ring, victim, kind, hop, amount)
    scam_tx: dict[str, list] = {k: [] for k in ("ts", "ch", "src", "dst", "amt", "dev")}
    victims: list[dict] = []
    victim_people: set[int] = set()
    nominee_people: set[int] = set()
    dormant_pool = [a for a in pacc[dormant] if owner[a] not in used_people]
    rng.shuffle(dormant_pool)
    acc_opened = lambda: np.concatenate(w.acc["opened"])  # noqa: E731

    def stx(ts, ch, src, dst, amt, dev) -> int:
        for k, v in (("ts", ts), ("ch", ch), ("src", src), ("dst", dst), ("amt", amt), ("dev", dev)):
            scam_tx[k].append(v)
        return len(scam_tx["ts"]) - 1

    tier_p = np.array(knobs["tier_mix"]) / sum(knobs["tier_mix"])
    for r in range(knobs["rings"]):
        rid = f"ring-{r + 1:03d}"
        stype = str(rng.choice(SCAM_TYPES[0], p=SCAM_TYPES[1]))
        start = int(rng.uniform(0, D - 3) * DAY)
        nv = int(min(150, max(1, rng.lognormal(np.log(7), 1.0))))
        depth = int(rng.choice([1, 2, 3, 4, 5], p=[0.15, 0.3, 0.25, 0.18, 0.12]))
        rotate = rng.random() < 0.35  # collectors used for a victim or two, then abandoned
        cashout = str(rng.choice(["atm", "crypto", "both"], p=[0.45, 0.3, 0.25]))
        chunk = float(rng.choice([10000, 20000, 25000, 30000]))
        speed = rng.choice(["fast", "medium", "slow"], p=[0.5, 0.3, 0.2])
        delay_med = {"fast": rng.uniform(3, 30) * 60, "medium": rng.uniform(1, 6) * HOUR,
                     "slow": rng.uniform(12, 48) * HOUR}[str(speed)]
        shared_dev = rng.random() < 0.55
        test_credits = rng.random() < 0.3
        bundle = rng.random() < 0.6  # nominees open several accounts at different banks within days
        farm = str(rng.choice(["simbox", "rotating", "spread", "voip_only"],
                              p=[0.3, 0.2, 0.25, 0.25] if stype != "call_centre" else [0.2, 0.15, 0.2, 0.45]))
        farm_prov = int(rng.choice([9, 10, 11, 12, 13, 15])) if rng.random() < 0.6 else int(rng.choice([0, 4, 8]))
        keep_normal = rng.random() < 0.4
        n_coll = nv if rotate else int(rng.integers(1, 4))
        widths = [int(rng.integers(1, 3)) for _ in range(depth - 1)]
        n_cash = int(rng.integers(1, 4))
        sizes = [n_coll] + widths + [n_cash]
        roles = ["collector"] * n_coll + [r_ for wdt in widths for r_ in ["layer"] * wdt] + ["cashout"] * n_cash
        level = np.repeat(np.arange(len(sizes)), sizes)
        n_m = len(roles)

        # organiser: a new person
        org_id = _national_ids(rng, 1)
        org = w.add_holders(org_id, "person", [int(rng.integers(1975, 1998))], [farm_prov])[0]
        # mule accounts by tier
        tiers = rng.choice(["new", "dormant", "nominee_old"], n_m, p=tier_p)
        acc_ids, acc_holder, acc_tier, acc_sold, holders_here = [], [], [], [], {}
        new_slots = np.flatnonzero(tiers == "new")
        per_holder = int(rng.integers(2, 4)) if bundle else 1
        new_h = []
        for g in range(0, len(new_slots), per_holder):
            nid = _national_ids(rng, 1)
            h = w.add_holders(nid, "person", [int(rng.integers(1985, 2006))], [int(rng.integers(0, len(PROVINCES)))])[0]
            new_h.append((h, new_slots[g:g + per_holder]))
        ring_dev = w.new_devices(int(rng.integers(1, 4)))
        slot_acc = np.full(n_m, -1)
        slot_holder = np.full(n_m, -1)
        for h, slots in new_h:
            t_open = start - int(rng.uniform(4, 14) * DAY)
            hdev = w.new_devices(1)[0]
            bks = rng.choice(banks, len(slots), replace=False, p=bshare)
            a = w.add_accounts(np.full(len(slots), h), bks, t_open + rng.integers(0, 3 * DAY, len(slots)), "app", hdev)
            slot_acc[slots], slot_holder[slots] = a, h
            holders_here[h] = "new"
            for s_ in slots:
                acc_sold.append((s_, ""))
        for s_ in np.flatnonzero(tiers != "new"):
            if tiers[s_] == "dormant" and dormant_pool:
                a = dormant_pool.pop()
            else:
                tiers[s_] = "nominee_old"
                for _ in range(100):
                    a = int(active_acc[rng.integers(0, len(active_acc))])
                    p_ = owner[a] if a < len(owner) else -1
                    if p_ >= 0 and a != primary[p_] and p_ not in used_people and p_ not in nominee_people:
                        break
            p_ = int(owner[a])
            nominee_people.add(p_)
            used_people.add(p_)
            slot_acc[s_], slot_holder[s_] = a, p_
            holders_here[p_] = "sold_account"
            acc_sold.append((s_, start - int(rng.uniform(1, 20) * DAY)))
        sold_at = dict(acc_sold)
        mule_dev = np.where(shared_dev, ring_dev[rng.integers(0, len(ring_dev), n_m)],
                            np.concatenate(w.acc["device"])[slot_acc])
        cut_rate = rng.uniform(0.01, 0.05, n_m)

        # nominees who keep using their new account a little (cash in, shop payments)
        if keep_normal:
            for s_ in new_slots:
                k = int(rng.integers(2, 8))
                t = start + rng.integers(-5 * DAY, 10 * DAY, k)
                w.txns(t[t > 0], PP, slot_acc[s_], rng.choice(merchants, (t > 0).sum()), _money(rng.lognormal(5, 0.7, (t > 0).sum())), mule_dev[s_])
                w.txns(np.array([max(start - DAY, 1)]), CIN, -1, slot_acc[s_], 1000.0, -1)

        # numbers: farm SIMs and callers
        farm_n = int(rng.integers(5, 40))
        farm_cells = cell_start[farm_prov] + rng.integers(0, cell_count[farm_prov], int(rng.integers(1, 4)))
        sim_holder_kind = {}
        if farm == "voip_only":
            farm_sims = w.add_numbers(np.full(farm_n, -1), -1, -1, voip=True)
            callers = w.add_numbers(np.full(int(rng.integers(1, 3)), -1), -1, -1, voip=True)
            farm_imei = np.full(farm_n, -1)
        else:
            if farm == "spread":  # one SIM per nominee-ish holder, registered over weeks
                sh = np.array([w.add_holders(_national_ids(rng, 1), "person", [int(rng.integers(1980, 2006))],
                                             [farm_prov])[0] for _ in range(max(2, farm_n // 3))])
                s_h = rng.choice(sh, farm_n)
                for h in sh:
                    sim_holder_kind[int(h)] = "new"
                reg = start - rng.integers(5 * DAY, 60 * DAY, farm_n)
                farm_imei = w.new_imeis(farm_n)
            else:
                hs = [org] + [w.add_holders(_national_ids(rng, 1), "person", [int(rng.integers(1980, 2006))],
                                            [farm_prov])[0] for _ in range(int(rng.integers(0, 3)))]
                for h in hs[1:]:
                    sim_holder_kind[int(h)] = "new"
                s_h = rng.choice(hs, farm_n)
                reg = start - int(rng.uniform(1, 6) * DAY) + rng.integers(0, DAY, farm_n)
                if farm == "simbox":  # a SIM box: many SIMs behind one to four IMEIs
                    box = w.new_imeis(int(rng.integers(1, 5)))
                    farm_imei = box[rng.integers(0, len(box), farm_n)]
                else:
                    farm_imei = w.new_imeis(farm_n)
            farm_sims = w.add_numbers(s_h, reg, farm_imei)
            ncall = int(rng.integers(1, 3))
            callers = w.add_numbers(np.full(ncall, org), start - rng.integers(30 * DAY, 400 * DAY, ncall),
                                    np.full(ncall, w.new_imeis(1)[0]))
        voip_extra = w.add_numbers(np.full(int(rng.integers(1, 4)), -1), -1, -1, voip=True) \
            if farm != "voip_only" and rng.random() < 0.3 else np.array([], int)
        rotating_pool = w.new_imeis(60) if farm == "rotating" else None

        # victims and their payments
        active_span = max(DAY, min(END - start - DAY, int(rng.lognormal(np.log(7 * DAY), 0.6))))
        pool = {}  # account slot -> {victim: baht}
        events: list = []
        pay_plan = []
        ring_victims = []
        for v in range(nv):
            for _ in range(50):
                vp = int(rng.integers(0, P))
                if vp not in victim_people and vp not in used_people and not foreign[vp]:
                    break
            victim_people.add(vp)
            t0 = start + int(rng.integers(0, active_span))
            k = 1 + (rng.poisson(1.5) if stype in ("investment", "romance", "job") else rng.poisson(0.3))
            med, sd = SCAM_AMOUNT[stype]
            gaps = np.cumsum(rng.integers(10 * 60, 2 * DAY, k))
            times = t0 + int(rng.integers(20 * 60, 6 * HOUR)) + gaps - gaps[0]
            amts = np.round(rng.lognormal(np.log(med), sd, k) * np.linspace(1, 1 + 0.6 * (k - 1), k), -1 if med > 2000 else 0)
            coll = (v % n_coll) if rotate else int(rng.integers(0, n_coll))
            vid = f"V-{len(victims) + 1:06d}"
            paid = []
            for t, a in zip(times, amts):
                if t < END:
                    paid.append((int(t), float(max(a, 50.0))))
            if not paid:
                continue
            contact = farm_sims[int(rng.integers(0, farm_n))]
            caller = callers[int(rng.integers(0, len(callers)))]
            ring_victims.append(dict(victim_id=vid, vp=vp, paid=paid, coll=coll, contact=contact, caller=caller, t0=t0))
            victims.append(ring_victims[-1])
            ring_victims[-1]["ring"] = rid
            ring_victims[-1]["scam_type"] = stype
        # contact calls to victims
        for rv in ring_victims:
            t0 = rv["t0"]
            vsim = psim[rv["vp"]]
            for caller_idx, tt, kind, dur in ((rv["contact"], t0, 1, 0), (rv["contact"], t0 + 600, 0, int(rng.integers(5, 60))),
                                              (rv["caller"], t0 + int(rng.integers(15 * 60, 3 * HOUR)), 0, int(rng.integers(180, 2400)))):
                is_voip = farm == "voip_only" or caller_idx in voip_extra
                w.calls(np.array([tt]), kind, caller_idx, vsim, dur, -1 if is_voip else rng.choice(farm_cells), -2 if not is_voip else -1)
        # blasts and cold calls from every farm SIM over the ring's active days
        first_day = start // DAY
        last_day = min(D - 1, (start + active_span) // DAY + 1)
        nd = last_day - first_day + 1
        per = rng.poisson(rng.uniform(8, 35), (farm_n, nd))
        si, dd = np.nonzero(per >= 0)
        cnt = per[si, dd]
        si, dd = np.repeat(si, cnt), np.repeat(dd, cnt)
        t = (first_day + dd) * DAY + rng.integers(8 * HOUR, 21 * HOUR, len(dd))
        ok = (t < END) & (t >= start)
        si, t = si[ok], t[ok]
        kind = (rng.random(len(t)) < 0.65).astype(int)
        if farm == "voip_only":
            cell, imei = np.full(len(t), -1), np.full(len(t), -1)
        else:
            cell = farm_cells[rng.integers(0, len(farm_cells), len(t))]
            imei = farm_imei[si] if farm != "rotating" else rotating_pool[(si + t // DAY) % len(rotating_pool)]
        w.calls(t, kind, farm_sims[si], psim[rng.integers(0, P, len(t))],
                np.where(kind == 1, 0, rng.choice([0, 0, 5, 12, 30], len(t))), cell, imei)
        if len(voip_extra):
            n = len(voip_extra) * nd * 10
            t = start + rng.integers(0, nd * DAY, n)
            ok = t < END
            w.calls(t[ok], 0, rng.choice(voip_extra, ok.sum()), psim[rng.integers(0, P, ok.sum())],
                    rng.integers(0, 90, ok.sum()), -1, -1)
        # callers coordinate with each other and the organiser's circle
        # money: an event loop per ring (pool and sweep)
        seq = 0
        for rv in ring_victims:
            for t, a in rv["paid"]:
                heapq.heappush(events, (t, seq, "pay", rv["coll"], rv["victim_id"], a, rv["vp"]))
                seq += 1
        next_level = {lv: np.flatnonzero(level == lv + 1) for lv in range(len(sizes) - 1)}
        first_touch = {}
        pending = set()
        test_src = slot_acc[np.flatnonzero(level == len(sizes) - 1)[0]]
        opened_now = acc_opened()
        while events:
            t, _, what, slot, vid, amt, vp = heapq.heappop(events)
            if t >= END:
                continue
            if slot not in first_touch:
                first_touch[slot] = t
                if test_credits and slot_acc[slot] != test_src:
                    tt = max(t - int(rng.integers(HOUR, DAY)), int(opened_now[slot_acc[slot]]) + 60)
                    if tt < t:
                        i = stx(tt, PP, test_src, slot_acc[slot], float(rng.integers(1, 11)), mule_dev[-1])
                        scam_rows.append((i, rid, "", "test_credit", 0, scam_tx["amt"][i]))
                        first_touch[slot] = tt
            if what == "touch":
                continue
            if what == "pay":
                dev = ring_dev[0] if stype == "malicious_app" and shared_dev else person_dev[vp]
                i = stx(t, TR if amt > 5000 else PP, pick_account(np.array([vp]))[0] if rng.random() < 0.3 else primary[vp],
                        slot_acc[slot], amt, dev)
                scam_rows.append((i, rid, vid, "victim_payment", 1, amt))
                bucket = pool.setdefault(slot, {})
                bucket[vid] = bucket.get(vid, 0.0) + amt
                if slot not in pending:
                    pending.add(slot)
                    d = int(delay_med * rng.lognormal(0, 0.7))
                    heapq.heappush(events, (t + max(d, 60), seq, "sweep", slot, "", 0.0, -1))
                    seq += 1
                continue
            # sweep the pool onward
            pending.discard(slot)
            bucket = pool.get(slot, {})
            total = sum(bucket.values())
            if total < 1:
                continue
            move = total * (1 - cut_rate[slot])
            lv = int(level[slot])
            hop = lv + 2
            if lv == len(sizes) - 1:  # cash out
                mode = cashout if cashout != "both" else ("atm" if rng.random() < 0.5 else "crypto")
                if mode == "atm":
                    parts = [chunk] * int(move // chunk)
                    rest = np.floor((move - chunk * len(parts)) / 100) * 100
                    if rest >= 500:
                        parts.append(float(rest))
                    kinds = [("cashout_atm", COUT)] * len(parts)
                else:
                    parts = [float(np.floor(move))]
                    kinds = [("crypto_out", CRYPTO)]
            else:
                targets = next_level[lv]
                k = 1 if len(targets) == 1 or rng.random() < 0.5 else 2
                dst = rng.choice(targets, k, replace=False)
                share = rng.dirichlet(np.full(k, 3.0)) if k > 1 else np.array([1.0])
                parts = [float(np.round(move * s_, 2)) for s_ in share]
                kinds = [("layer", TR)] * k
            tcur = t
            for j, (amt_part, (kname, ch)) in enumerate(zip(parts, kinds)):
                if amt_part < 1:
                    continue
                tot_now = sum(bucket.values())
                if amt_part > tot_now:
                    amt_part = float(np.floor(tot_now * 100) / 100)
                if kname == "cashout_atm":
                    dst_acc, dev = -1, -1
                elif kname == "crypto_out":
                    dst_acc, dev = int(rng.choice(exchanges)), mule_dev[slot]
                else:
                    dst_acc, dev = int(slot_acc[dst[j]]), mule_dev[slot]
                i = stx(tcur, ch, slot_acc[slot], dst_acc, amt_part, dev)
                vids = sorted(bucket)
                raw = np.array([bucket[x] for x in vids]) / tot_now * amt_part
                cents = np.floor(raw * 100).astype(np.int64)
                cents[np.argmax(raw)] += int(round(amt_part * 100)) - int(cents.sum())
                for x, c_ in zip(vids, cents):
                    if c_ > 0:
                        bucket[x] -= c_ / 100
                        scam_rows.append((i, rid, x, kname, hop, c_ / 100))
                        if kname == "layer":
                            nb = pool.setdefault(int(dst[j]), {})
                            nb[x] = nb.get(x, 0.0) + c_ / 100
                if kname == "layer" and int(dst[j]) not in pending:
                    pending.add(int(dst[j]))
                    d = int(delay_med * rng.lognormal(0, 0.7))
                    heapq.heappush(events, (tcur + max(d, 60), seq, "sweep", int(dst[j]), "", 0.0, -1))
                    seq += 1
                if kname == "layer" and int(dst[j]) not in first_touch:
                    heapq.heappush(events, (tcur, seq, "touch", int(dst[j]), "", 0.0, -1))
                    seq += 1
                tcur += int(rng.integers(60, 900)) if kname == "cashout_atm" else int(rng.integers(5, 120))

        # truth rows for this ring
        opened_all = acc_opened()
        bank_all = acc_bank_all()
        for s_ in range(n_m):
            a = int(slot_acc[s_])
            truth_acc.append(dict(acc=a, bank=bank_all[a], holder=int(slot_holder[s_]), ring_id=rid, role=roles[s_],
                                  tier=str(tiers[s_]), opened=int(opened_all[a]), sold=sold_at.get(s_, ""),
                                  first=first_touch.get(s_, "")))
        all_sims = list(farm_sims) + list(callers) + list(voip_extra)
        roles_s = ["farm_sim" if farm != "voip_only" else "voip"] * farm_n + \
                  (["voip"] * len(callers) if farm == "voip_only" else ["caller"] * len(callers)) + ["voip"] * len(voip_extra)
        for sm, rl in zip(all_sims, roles_s):
            truth_sims.append(dict(num=int(sm), ring_id=rid, role=rl))
        hcount = {}
        for s_ in range(n_m):
            hcount[int(slot_holder[s_])] = hcount.get(int(slot_holder[s_]), 0) + 1
        truth_holders.append(dict(h=int(org), ring_id=rid, role="organiser", kind="", accounts=0))
        for h, kind_ in {**sim_holder_kind, **holders_here}.items():
            truth_holders.append(dict(h=int(h), ring_id=rid, role="nominee", kind=kind_, accounts=hcount.get(int(h), 0)))
        truth_rings.append(dict(ring_id=rid, scam_type=stype, org=int(org), start=start, victims=len(ring_victims),
                                accounts=n_m, sims=len(all_sims), cashout=cashout,
                                atm_chunk_thb="" if cashout == "crypto" else f"{chunk:.0f}", layers=depth,
                                farm_province=PROVINCES[farm_prov][0], farm_border_km=PROVINCES[farm_prov][3],
                                farm=farm, rotate=int(rotate), speed=str(speed), shared_device=int(shared_dev),
                                test_credits=int(test_credits), bundle=int(bundle)))

    return _write(w, out, knobs, locals())


def _write(w: World, out: Path, knobs: dict, env: dict) -> dict:
    rng, P, END = w.rng, w.P, w.end
    cat = {k: np.concatenate(v) for k, v in w.acc.items()}
    hid = np.concatenate(w.holder_id).astype(str)
    htype = np.concatenate(w.holder_type)
    hbirth = np.concatenate(w.holder_birth)
    hprov = np.concatenate(w.holder_prov)
    acc_key = np.char.add(np.char.add(cat["bank"].astype(str), "-"), cat["num"].astype(str))
    nums = {k: np.concatenate(v) for k, v in w.num.items()}
    e164 = np.char.add("+", nums["e164"].astype(str))
    scam_tx = env["scam_tx"]
    scam_rows = env["scam_rows"]
    victims = env["victims"]
    psim = env["psim"]
    primary = env["primary"]

    # transactions: ordinary and scam rows together, dropping ordinary rows outside an account's life
    tx = {k: np.concatenate(v) for k, v in w.tx.items()}
    ok = (tx["ts"] >= 0) & (tx["ts"] < END)
    for col in ("src", "dst"):
        has = tx[col] >= 0
        ok &= ~has | (cat["opened"][np.where(has, tx[col], 0)] <= tx["ts"])
    tx = {k: v[ok] for k, v in tx.items()}
    n_ord = len(tx["ts"])
    for k in tx:
        tx[k] = np.concatenate([tx[k], np.asarray(scam_tx[k], dtype=tx[k].dtype)])
    order = np.argsort(tx["ts"], kind="stable")
    pos = np.empty(len(order), np.int64)
    pos[order] = np.arange(len(order))
    txn_id = np.char.add("TH25", np.char.zfill((np.arange(len(order)) * 7919 % 10 ** 9 + 10 ** 8).astype(str), 9))
    tx = {k: v[order] for k, v in tx.items()}
    src, dst = tx["src"], tx["dst"]
    fmt_acc = np.where(rng.random(len(cat["num"])) < 0.2,
                       np.array([f"{s[:3]}-{s[3]}-{s[4:9]}-{s[9:]}" if len(s) == 10 else s
                                 for s in cat["num"].astype(str)]), cat["num"].astype(str))
    dev_s = np.where(tx["dev"] >= 0, np.char.add("dv", np.char.zfill(np.maximum(tx["dev"], 0).astype(str), 7)), "")
    pd.DataFrame({
        "txn_id": txn_id, "ts": _iso(tx["ts"]), "channel": CHANNELS[tx["ch"]],
        "src_bank": np.where(src >= 0, cat["bank"][np.maximum(src, 0)], ""),
        "src_account": np.where(src >= 0, fmt_acc[np.maximum(src, 0)], ""),
        "dst_bank": np.where(dst >= 0, cat["bank"][np.maximum(dst, 0)], ""),
        "dst_account": np.where(dst >= 0, fmt_acc[np.maximum(dst, 0)], ""),
        "amount": np.char.mod("%.2f", tx["amt"]), "src_device": dev_s,
    }).to_csv(out / "transactions.csv", index=False)

    # accounts: a few banks write dashes; old accounts give a date only
    opened_s = np.where(cat["opened"] < -30 * DAY, np.char.partition(_iso(cat["opened"]), "T")[:, 0], _iso(cat["opened"]))
    h = cat["holder"]
    pd.DataFrame({
        "bank": cat["bank"], "account": fmt_acc, "holder_id": hid[h], "holder_type": htype[h], "opened_at": opened_s,
        "status": "active", "holder_birth_year": np.where(hbirth[h] > 0, hbirth[h].astype(str), ""),
        "province": [PROVINCES[i][0] for i in hprov[h]], "kyc_channel": cat["kyc"],
    }).to_csv(out / "accounts.csv", index=False)

    # sims (not VoIP): numbers in mixed forms
    real = ~nums["voip"].astype(bool)
    local = np.char.add("0", np.array([s[3:] for s in e164]))
    form = rng.random(len(e164))
    written = np.where(form < 0.5, local, np.where(form < 0.8, e164,
                       np.array([f"{s[:3]}-{s[3:6]}-{s[6:]}" for s in local])))
    written = np.where(real, written, e164)
    reg = nums["reg"]
    pd.DataFrame({
        "msisdn": written[real], "operator": nums["op"][real], "holder_id": hid[nums["holder"][real]],
        "registered_at": _iso(reg[real]), "sim_type": nums["ptype"][real], "status": "active",
    }).to_csv(out / "sims.csv", index=False)

    # cdrs: no offset on the times (read as Bangkok); -2 imei = the number's own handset
    cd = {k: np.concatenate(v) for k, v in w.cdr.items()}
    ok = (cd["ts"] >= 0) & (cd["ts"] < END) & ((reg[cd["caller"]] <= cd["ts"]) | nums["voip"][cd["caller"]])
    cd = {k: v[ok] for k, v in cd.items()}
    o = np.argsort(cd["ts"], kind="stable")
    cd = {k: v[o] for k, v in cd.items()}
    imei = np.where(cd["imei"] == -2, nums["imei"][cd["caller"]], cd["imei"])
    imei_s = np.where(imei >= 0, np.char.add("35", np.char.zfill((imei * 104729 % 10 ** 13).astype(str), 13)), "")
    cells = env["cell_rows"]
    cell_ids = np.array([c[0] for c in cells])
    pd.DataFrame({
        "ts": _iso(cd["ts"], offset=False), "kind": np.where(cd["kind"] == 1, "sms", "voice"),
        "caller": written[cd["caller"]], "callee": written[cd["callee"]], "duration_s": cd["dur"],
        "cell_id": np.where(cd["cell"] >= 0, cell_ids[np.maximum(cd["cell"], 0)], ""), "imei": imei_s,
    }).to_csv(out / "cdrs.csv", index=False)
    pd.DataFrame(cells, columns=["cell_id", "lat", "lon", "province", "border_km"]).round(5).to_csv(
        out / "cells.csv", index=False)

    # scam_txns truth
    sr = pd.DataFrame(scam_rows, columns=["local", "ring_id", "victim_id", "kind", "hop", "amount"])
    sr["row"] = pos[n_ord + sr["local"].to_numpy()]
    sr = sr.sort_values(["row", "victim_id"], kind="stable")
    rr = sr["row"].to_numpy()
    srcs, dsts = src[rr], dst[rr]
    first_scam_ts = {}
    ts_r = tx["ts"][rr]
    for a_col in (srcs, dsts):
        for a_, t_ in zip(a_col, ts_r):
            if a_ >= 0:
                first_scam_ts[a_] = min(first_scam_ts.get(a_, t_), t_)

    # reports
    reports, truth_reports, vic_rows = [], [], []
    kn = knobs
    pay_rows = sr[sr["kind"] == "victim_payment"]
    pay_by_victim = {v: g for v, g in pay_rows.groupby("victim_id")}
    rep_n = 0
    rings_df = pd.DataFrame(env["truth_rings"])
    for v in victims:
        g = pay_by_victim.get(v["victim_id"])
        if g is None:
            continue
        last = max(t for t, _ in v["paid"])
        rep_at = None
        if rng.random() < kn["report_rate"]:
            delay = rng.lognormal(np.log(kn["report_delay_median_h"] * HOUR), kn["report_delay_logsd"])
            if last + delay < END:
                rep_at = int(last + delay)
        vp = v["vp"]
        rid_ = ""
        if rep_at is not None:
            rep_n += 1
            rid_ = f"AR-{rep_n:05d}"
            transfers = []
            rows_ = list(g.itertuples())
            if rng.random() < 0.15:
                rows_ = rows_[:1]
            for r in rows_:
                ri = int(r.row)
                t_ = tx["ts"][ri] // 60 * 60
                if rng.random() < 0.3:
                    t_ = t_ // 300 * 300
                to = int(dst[ri])
                num = str(cat["num"][to])
                style = rng.random()
                to_s = num if style < 0.4 else (f"{num[:3]}-{num[3]}-{num[4:9]}-{num[9:]}" if len(num) == 10 and style < 0.7
                                                 else (" ".join([num[:3], num[3:6], num[6:]]) if style < 0.9 else f"{cat['bank'][to]}-{num}"))
                tr = {"ts": str(_iso(np.array([t_]))[0]), "from_bank": str(cat["bank"][src[ri]]),
                      "from_account": str(cat["num"][src[ri]]), "to_bank": str(cat["bank"][to]),
                      "to_account": to_s, "amount": float(tx["amt"][ri]) if rng.random() < 0.9 else float(round(tx["amt"][ri], -2) or tx["amt"][ri])}
                if rng.random() < kn["report_txn_id_share"]:
                    tr["txn_id"] = str(txn_id[ri])
                transfers.append(tr)
            contacts = []
            if rng.random() < 0.75:
                c_num = e164[v["contact"]] if rng.random() < 0.5 else e164[v["caller"]]
                contacts.append({"type": "phone", "value": str(c_num if c_num.startswith("+697") or rng.random() < 0.4
                                                              else "0" + c_num[3:])})
            if v["scam_type"] in ("online_shopping", "investment", "romance", "job"):
                contacts.append({"type": "line_id", "value": f"@{v['scam_type'][:4]}{rng.integers(100, 999)}"})
            if rng.random() < 0.1:  # only the account as a contact, no transfers
                to = int(dst[int(rows_[0].row)])
                contacts.append({"type": "bank_account", "value": f"{cat['bank'][to]}-{cat['num'][to]}"})
                transfers = []
            loss = float(sum(a for _, a in v["paid"]))
            reports.append({"report_id": rid_, "reported_at": str(_iso(np.array([rep_at]))[0]),
                            "scam_type": v["scam_type"], "loss_thb": loss,
                            "victim": {"holder_id": str(hid[vp]), "phone": str(written[psim[vp]]),
                                       "province": PROVINCES[int(env["prov"][vp])][0]},
                            "contacts": contacts, "transfers": transfers,
                            "narrative": f"I lost {loss:,.0f} baht ({v['scam_type'].replace('_', ' ')})"
                            if rng.random() < 0.3 else f"ถูกหลอกโอนเงิน {loss:,.0f} บาท"})
            truth_reports.append({"report_id": rid_, "reported_at": reports[-1]["reported_at"],
                                  "victim_id": v["victim_id"], "ring_id": v["ring"], "mistaken": 0,
                                  "target_account": ""})
        vic_rows.append({"victim_id": v["victim_id"], "holder_id": hid[vp], "ring_id": v["ring"],
                         "scam_type": v["scam_type"], "age": 2025 - int(env["birth"][vp]), "payments": len(g),
                         "loss_thb": f"{g['amount'].sum():.2f}",
                         "first_paid_at": str(_iso(np.array([min(t for t, _ in v['paid'])]))[0]),
                         "reported": int(rep_at is not None), "report_id": rid_,
                         "reported_at": str(_iso(np.array([rep_at]))[0]) if rep_at is not None else ""})
    # mistaken reports: a buyer names an honest seller, driver or tour agency
    honest_targets = np.concatenate([primary[env["sellers"]], primary[env["drivers"]], primary[env["tours"]]])
    cand = np.flatnonzero(np.isin(dst, honest_targets) & (src >= 0) & (tx["ch"] == PP))
    n_mis = max(1, int(round(len(truth_reports) * kn["mistaken_per_report"])))
    for ri in rng.choice(cand, min(n_mis, len(cand)), replace=False) if len(cand) else []:
        at = int(tx["ts"][ri] + rng.integers(DAY, 4 * DAY))
        if at >= END:
            continue
        rep_n += 1
        rid_ = f"AR-{rep_n:05d}"
        to = int(dst[ri])
        reports.append({"report_id": rid_, "reported_at": str(_iso(np.array([at]))[0]), "scam_type": "online_shopping",
                        "loss_thb": float(tx["amt"][ri]), "victim": {"holder_id": str(hid[cat["holder"][src[ri]]])},
                        "contacts": [], "transfers": [{"ts": str(_iso(np.array([tx["ts"][ri] // 60 * 60]))[0]),
                                                       "from_bank": str(cat["bank"][src[ri]]), "from_account": str(cat["num"][src[ri]]),
                                                       "to_bank": str(cat["bank"][to]), "to_account": str(cat["num"][to]),
                                                       "amount": float(tx["amt"][ri])}],
                        "narrative": "สินค้าไม่ตรงปก ไม่ได้รับของ"})
        truth_reports.append({"report_id": rid_, "reported_at": reports[-1]["reported_at"], "victim_id": "",
                              "ring_id": "", "mistaken": 1, "target_account": acc_key[to]})
        w.look_acc.append((np.array([to]), "mistakenly_reported"))
    reports.sort(key=lambda r: r["reported_at"])
    for r in reports:  # empty victim fields are left out rather than written empty
        r["victim"] = {k: v for k, v in r["victim"].items() if v}
    with open(out / "reports.jsonl", "w", encoding="utf-8") as fh:
        for r in reports:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")

    # truth files
    T = out / "truth"
    rep_of = {r["victim_id"]: r["report_id"] for r in truth_reports if r["victim_id"]}
    sr_out = pd.DataFrame({
        "txn_id": txn_id[rr], "ring_id": sr["ring_id"].to_numpy(), "victim_id": sr["victim_id"].to_numpy(),
        "report_id": [rep_of.get(v, "") for v in sr["victim_id"]], "kind": sr["kind"].to_numpy(),
        "hop": sr["hop"].to_numpy(), "ts": _iso(ts_r), "src": np.where(srcs >= 0, acc_key[np.maximum(srcs, 0)], ""),
        "dst": np.where(dsts >= 0, acc_key[np.maximum(dsts, 0)], ""),
        "amount": np.char.mod("%.2f", sr["amount"].to_numpy()), "txn_amount": np.char.mod("%.2f", tx["amt"][rr]),
    })
    sr_out.to_csv(T / "scam_txns.csv", index=False)
    ta = pd.DataFrame(env["truth_acc"])
    pd.DataFrame({
        "account": acc_key[ta["acc"]], "bank": ta["bank"], "holder_id": hid[ta["holder"]], "ring_id": ta["ring_id"],
        "role": ta["role"], "tier": ta["tier"], "opened_at": _iso(cat["opened"][ta["acc"]]),
        "sold_at": [str(_iso(np.array([s]))[0]) if s != "" else "" for s in ta["sold"]],
        "first_scam_ts": [str(_iso(np.array([first_scam_ts[a]]))[0]) if a in first_scam_ts else "" for a in ta["acc"]],
    }).to_csv(T / "accounts.csv", index=False)
    first_use = {}
    for c_, t_ in zip(cd["caller"], cd["ts"]):
        if c_ not in first_use:
            first_use[c_] = t_
    ts_ = pd.DataFrame(env["truth_sims"])
    pd.DataFrame({
        "msisdn": e164[ts_["num"]], "ring_id": ts_["ring_id"], "role": ts_["role"],
        "holder_id": [hid[nums["holder"][n]] if not nums["voip"][n] else "" for n in ts_["num"]],
        "registered_at": [str(_iso(np.array([reg[n]]))[0]) if not nums["voip"][n] else "" for n in ts_["num"]],
        "first_use_ts": [str(_iso(np.array([first_use[n]]))[0]) if n in first_use else "" for n in ts_["num"]],
    }).to_csv(T / "sims.csv", index=False)
    th = pd.DataFrame(env["truth_holders"]).drop_duplicates("h")
    sims_per = pd.Series([nums["holder"][n] for n in ts_["num"]]).value_counts()
    pd.DataFrame({
        "holder_id": hid[th["h"]], "ring_id": th["ring_id"], "role": th["role"], "nominee_kind": th["kind"],
        "mule_accounts": th["accounts"], "ring_sims": [int(sims_per.get(h_, 0)) for h_ in th["h"]],
    }).to_csv(T / "holders.csv", index=False)
    rv = pd.DataFrame(vic_rows)
    rings = rings_df.copy()
    rep_count = rv.groupby("ring_id")["reported"].sum()
    loss = rv.assign(l=rv["loss_thb"].astype(float)).groupby("ring_id")["l"].sum()
    rings["reported_victims"] = rings["ring_id"].map(rep_count).fillna(0).astype(int)
    rings["loss_thb"] = rings["ring_id"].map(loss).fillna(0).map(lambda x: f"{x:.2f}")
    rings["organiser_holder_id"] = hid[rings["org"]]
    rings["start_ts"] = _iso(rings["start"].to_numpy())
    cols = ["ring_id", "scam_type", "organiser_holder_id", "start_ts", "victims", "reported_victims", "loss_thb",
            "accounts", "sims", "cashout", "atm_chunk_thb", "layers", "farm_province", "farm_border_km",
            "farm", "rotate", "speed", "shared_device", "test_credits", "bundle"]
    rings[cols].to_csv(T / "rings.csv", index=False)
    rv.to_csv(T / "victims.csv", index=False)
    pd.DataFrame(truth_reports, columns=["report_id", "reported_at", "victim_id", "ring_id", "mistaken",
                                         "target_account"]).to_csv(T / "reports.csv", index=False)
    # look-alikes: victims' accounts and numbers too; never a criminal identifier
    vps = np.array([v["vp"] for v in victims], int)
    w.look_acc.append((primary[vps], "victim"))
    w.look_num.append((psim[vps], "victim"))
    nominees = np.array(sorted(env["nominee_people"]), int)
    crim_acc = set(ta["acc"])
    w.look_acc.append((np.array([a for a in env["active_acc"] if env["owner"][a] in set(nominees)] if len(nominees) else [], int),
                       "sold_account_holder"))
    la = pd.DataFrame([(acc_key[a], k) for arr, k in w.look_acc for a in np.asarray(arr, int) if a not in crim_acc],
                      columns=["account", "kind"]).drop_duplicates()
    la.to_csv(T / "lookalike_accounts.csv", index=False)
    crim_num = set(ts_["num"])
    ls = pd.DataFrame([(e164[n], k) for arr, k in w.look_num for n in np.asarray(arr, int) if n not in crim_num],
                      columns=["msisdn", "kind"]).drop_duplicates()
    ls.to_csv(T / "lookalike_sims.csv", index=False)
    params = {**knobs, "generator": "tests/worlds/altworld.py", "people": P, "days": int(END // DAY),
              "window_start": str(_iso(np.array([0]))[0]), "window_end": str(_iso(np.array([END]))[0]),
              "counts": {"transactions": int(len(tx["ts"])), "cdrs": int(len(cd["ts"])), "accounts": int(len(cat["num"])),
                         "sims": int(real.sum()), "reports": len(reports), "victims": len(vic_rows),
                         "mule_accounts": len(ta), "ring_numbers": len(ts_)}}
    (T / "params.json").write_text(json.dumps(params, indent=1))
    return params


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--people", type=int, default=6000)
    ap.add_argument("--days", type=int, default=35)
    ap.add_argument("--report-rate", type=float, help="share of victims who report (default: drawn per seed)")
    a = ap.parse_args()
    params = generate(a.out, a.seed, a.people, a.days, a.report_rate)
    print(json.dumps(params["counts"]))


if __name__ == "__main__":
    main()
