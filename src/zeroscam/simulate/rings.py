"""Scam rings: nominees, mule accounts in tiers, SIM farms, victims, money flows and reports.

Loops run per ring, per victim and per payment; every row-level quantity inside
them is drawn as an array.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from zeroscam.simulate import geo
from zeroscam.simulate.honest import Honest
from zeroscam.simulate.params import SCAM_CONTACT, SCAM_FREQ, SCAM_LOSS, SCAM_TYPES
from zeroscam.simulate.registry import (
    CARD,
    CASH_IN,
    CASH_OUT,
    CRYPTO_OUT,
    DAY,
    HOUR,
    MINUTE,
    PAY_PROFILE,
    PROMPTPAY,
    T0,
    TRANSFER,
    YEAR,
)
from zeroscam.simulate.world import World

# scam_kind codes on transaction rows
VICTIM_PAYMENT, LAYER, CASHOUT_ATM, CASHOUT_CRYPTO, TEST_CREDIT = 1, 2, 3, 4, 5
SCAM_KIND_NAMES = {1: "victim_payment", 2: "layer", 3: "cashout_atm", 4: "crypto_out", 5: "test_credit"}
ROLES = ("collector", "layer", "cashout")
TIERS = ("new", "dormant", "nominee_old")


@dataclass
class Ring:
    ring_id: str
    scam_type: str
    start: int
    organiser: int
    accounts: dict[str, np.ndarray] = field(default_factory=dict)   # role -> account indices
    devices: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    farm_sims: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    caller_sims: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    voip: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    farm_cells: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    farm_imeis: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    caller_imeis: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    cashout: str = "atm"
    atm_chunk: int = 20_000
    layers: int = 1
    handles: list[str] = field(default_factory=list)
    device_of: dict = field(default_factory=dict)    # mule account -> the device its transfers come from


@dataclass
class Victim:
    victim_id: str
    person: int
    ring: int
    payments: list[int]          # txn row indices of the victim's payments
    amounts: list[int]           # satang
    contacts: list[tuple[str, int]]   # ("sim", sim index) or ("voip", voip index)
    loss: int
    report_at: int | None        # Unix seconds, None when never reported within the window


class Rings:
    """Builds every ring into the world's tables and keeps the ground truth."""

    def __init__(self, world: World, pop: dict, honest: Honest):
        self.w, self.pop, self.h = world, pop, honest
        self.rng = world.rng
        self.txns, self.cdrs = honest.txns, honest.cdrs
        self.rings: list[Ring] = []
        self.victims: list[Victim] = []
        self.voip_numbers: list[str] = []
        self.mule_rows: list[dict] = []          # truth/accounts.csv rows (indices, filled in later)
        self.sim_rows: list[dict] = []
        self.holder_rows: list[dict] = []
        self.sold: list[tuple[int, int, int]] = []  # (account, holder, sold_at) of accounts that changed hands
        self.used_people = np.zeros(len(pop["persons"]), dtype=bool)
        self.used_people[pop["seller"]] = True
        self.used_people[pop["trader"]] = True
        self.mistaken: list[dict] = []
        self._first_in: dict[int, int] = {}
        self._arrivals: list[tuple[int, int, int, float]] = []   # (ts, collector, victim, satang)
        self.portions: list[tuple[int, dict[int, float]]] = []   # scam row -> {victim: satang}

    # ---- people --------------------------------------------------------------------------------
    def take_people(self, n: int, weights: np.ndarray | None = None) -> np.ndarray:
        free = ~self.used_people
        w = free.astype(float) if weights is None else weights * free
        if w.sum() <= 0:
            w = free.astype(float)
        n = min(n, int((w > 0).sum()))
        chosen = self.rng.choice(len(w), size=n, replace=False, p=w / w.sum())
        self.used_people[chosen] = True
        return chosen

    def new_nominee(self, ring: Ring, place: int) -> int:
        age = self.rng.integers(18, 32)
        h = int(self.w.add_persons(1, np.array([2025 - age]), np.array([place]))[0])
        self.holder_rows.append({"holder": h, "ring": ring.ring_id, "role": "nominee", "nominee_kind": "new"})
        return h

    # ---- build ---------------------------------------------------------------------------------
    def build(self) -> None:
        rng, p = self.rng, self.w.p
        # every type shows up when there are rings enough (the frequent ones first), the rest by frequency
        freq = SCAM_FREQ / SCAM_FREQ.sum()
        first = rng.choice(len(SCAM_TYPES), size=min(p.n_rings, len(SCAM_TYPES)), replace=False, p=freq)
        more = rng.choice(len(SCAM_TYPES), size=max(0, p.n_rings - len(first)), p=freq)
        kinds = np.r_[first, more]
        rng.shuffle(kinds)
        for r in range(p.n_rings):
            st = SCAM_TYPES[int(kinds[r])]
            start = T0 + int(rng.uniform(0, 0.85) * p.days * DAY)
            ring = Ring(ring_id=f"ring-{r + 1:03d}", scam_type=st, start=start, organiser=-1)
            self.make_ring(ring)
            self.rings.append(ring)
            self.run_victims(ring, len(self.rings) - 1)
        self.mistaken_reports()
        self.remap_sold_accounts()

    def make_ring(self, ring: Ring) -> None:
        w, rng, p = self.w, self.rng, self.w.p
        border = rng.random() < p.farm_border_share
        places = geo.border_places() if border else geo.city_places()
        base_place = int(rng.choice(places))
        org_age = rng.integers(28, 55)
        ring.organiser = int(w.add_persons(1, np.array([2025 - org_age]), np.array([base_place]))[0])
        self.holder_rows.append({"holder": ring.organiser, "ring": ring.ring_id, "role": "organiser", "nominee_kind": ""})
        ring.layers = int(rng.choice([1, 2, 2, 3]))
        ring.cashout = "crypto" if rng.random() < p.crypto_cashout_share else "atm"
        if ring.cashout == "atm" and rng.random() < 0.2:
            ring.cashout = "both"
        ring.atm_chunk = int(rng.choice([20_000, 30_000, 50_000], p=[0.5, 0.3, 0.2]))
        ring.devices = w.new_devices(int(rng.integers(1, 4)))
        size = 1.0 + np.log1p(p.victims_per_ring / 10)
        n_col = int(np.clip(rng.poisson(2 * size), 2, 10))
        n_lay = int(np.clip(rng.poisson(1.5 * size * ring.layers), ring.layers, 16))
        n_out = int(np.clip(rng.poisson(1.2 * size), 1, 8))
        roles = np.array(["collector"] * n_col + ["layer"] * n_lay + ["cashout"] * n_out)
        tiers = rng.choice(3, size=len(roles), p=np.array(p.tier_shares) / sum(p.tier_shares))
        accts = np.empty(len(roles), dtype=np.int64)
        sold_at = np.full(len(roles), -1, dtype=np.int64)
        tier_name = np.empty(len(roles), dtype=object)
        # new-tier accounts: nominees each open 2-4 accounts at different banks within days
        new_idx = list(np.flatnonzero(tiers == 0))
        while new_idx:
            k = min(len(new_idx), int(rng.integers(2, 5)))
            group, new_idx = new_idx[:k], new_idx[k:]
            h = self.new_nominee(ring, int(rng.choice(np.r_[places, [7, 8, 17, 18]])))
            first_open = ring.start - int(rng.integers(6 * DAY, 30 * DAY))
            opened = first_open + np.sort(rng.integers(0, 5 * DAY, size=k))
            banks = rng.choice(len(self._banks()), size=k, replace=False, p=self._bank_p())
            a = w.add_accounts(np.full(k, h), banks.astype(np.int16), opened, np.ones(k, np.int8),
                               np.full(k, w.holders.col("place")[h]))
            accts[group] = a
            tier_name[group] = "new"
        # dormant and nominee_old: ordinary people sell an account and keep living normally
        for i in np.flatnonzero(tiers > 0):
            acct, holder, tname = self.buy_account(ring, int(tiers[i]))
            accts[i] = acct
            tier_name[i] = tname
            sold_at[i] = ring.start - int(rng.integers(1 * DAY, 20 * DAY))
            self.sold.append((int(acct), int(holder), int(sold_at[i])))
        for role in ROLES:
            ring.accounts[role] = accts[roles == role]
        self.cover_activity(accts[tier_name == "new"])
        # some rings run every account from their own few phones, others leave them on the nominees' phones
        on_ring_phone = rng.random() < rng.uniform(*p.ring_device_share)
        holders = w.accounts.col("holder")
        for i, a in enumerate(accts):
            if on_ring_phone or rng.random() < 0.15:
                ring.device_of[int(a)] = int(ring.devices[i % len(ring.devices)])
            else:
                ring.device_of[int(a)] = self._own_device(int(holders[a]))
        for i in range(len(roles)):
            self.mule_rows.append({"account": int(accts[i]), "ring": ring.ring_id, "role": roles[i], "tier": tier_name[i],
                                       "sold_at": int(sold_at[i])})
        self.make_sims(ring, places, base_place)
        ring.handles = self._handles(ring)

    def cover_activity(self, accts: np.ndarray) -> None:
        """Some nominees use their new accounts a little themselves: a cash deposit, a few shop payments."""
        rng, w, pop = self.rng, self.w, self.pop
        opened = w.accounts.col("opened")
        holder = w.accounts.col("holder")
        for a in accts:
            if rng.random() > 0.5:
                continue
            k = int(rng.integers(1, 7))
            start = max(int(opened[a]), T0)
            ts = np.sort(start + rng.integers(HOUR, max(2 * HOUR, w.end - start), size=k))
            dev = self._nominee_device(int(holder[a]))
            shop = rng.choice(pop["merch_acct"], size=k)
            cash = rng.random(k) < 0.3
            amount = np.where(cash, rng.integers(5, 30, k) * 100_00, rng.integers(40, 600, k) * 100)
            channel = np.where(cash, CASH_IN, np.where(rng.random(k) < 0.5, PROMPTPAY, CARD))
            self.txns.add(k, ts=ts, channel=channel.astype(np.int8), src=np.where(cash, -1, a),
                          dst=np.where(cash, a, shop), amount=amount,
                          device=np.where(channel == PROMPTPAY, dev, -1), ring=-1, victim=-1, scam_kind=-1, hop=0)

    def _own_device(self, holder: int) -> int:
        """The holder's own phone: an ordinary person's app device, or a new nominee's."""
        if holder < len(self.pop["dev1"]):
            return int(self.pop["dev1"][holder])
        return self._nominee_device(holder)

    def _nominee_device(self, holder: int) -> int:
        if not hasattr(self, "_nom_dev"):
            self._nom_dev: dict[int, int] = {}
        if holder not in self._nom_dev:
            self._nom_dev[holder] = int(self.w.new_devices(1)[0])
        return self._nom_dev[holder]

    def _banks(self):
        from zeroscam.simulate.params import BANKS
        return BANKS

    def _bank_p(self):
        from zeroscam.simulate.params import BANK_SHARE
        return BANK_SHARE / BANK_SHARE.sum()

    def buy_account(self, ring: Ring, tier: int) -> tuple[int, int, str]:
        """An ordinary person sells one account (a long-unused one for `dormant`)."""
        pop, rng, w = self.pop, self.rng, self.w
        holders = w.accounts.col("holder")
        if tier == 1 and len(pop["dormant_accts"]):
            cand = pop["dormant_accts"][~self.used_people[holders[pop["dormant_accts"]]]]
            if len(cand):
                a = int(rng.choice(cand))
                h = int(holders[a])
                self.used_people[h] = True
                self._sold_holder(ring, h)
                return a, h, "dormant"
        # nominee_old: a non-primary active account of someone with two or more
        multi = np.flatnonzero((pop["act_count"] >= 2) & ~self.used_people)
        if len(multi) == 0:
            h = self.new_nominee(ring, int(rng.integers(0, len(geo.PROVINCES))))
            a = int(w.add_accounts(np.array([h]), w.draw_banks(1), np.array([T0 - 3 * YEAR]), np.zeros(1, np.int8),
                                   np.array([0]))[0])
            return a, h, "dormant"
        h = int(rng.choice(multi))
        self.used_people[h] = True
        start, cnt = pop["act_start"][h], pop["act_count"][h]
        options = [a for a in pop["act_acct"][start:start + cnt] if a != pop["primary"][h]
                   and w.accounts.col("opened")[a] < ring.start - 30 * DAY]
        if not options:
            options = [a for a in pop["act_acct"][start:start + cnt] if a != pop["primary"][h]]
        a = int(rng.choice(options))
        self._sold_holder(ring, h)
        return a, h, "nominee_old"

    def _sold_holder(self, ring: Ring, h: int) -> None:
        self.holder_rows.append({"holder": h, "ring": ring.ring_id, "role": "nominee", "nominee_kind": "sold_account"})

    def make_sims(self, ring: Ring, places: np.ndarray, base_place: int) -> None:
        w, rng, p = self.w, self.rng, self.w.p
        scale = {"tiny": 0.4, "small": 1.0, "medium": 1.5, "large": 2.0}[p.scale]
        n_farm = int(np.clip(rng.poisson(18 * scale), 4, 120))
        nominees = [r["holder"] for r in self.holder_rows if r["ring"] == ring.ring_id and r["role"] == "nominee"]
        # farm SIMs registered in a burst to one to three holders (more than five each)
        n_reg = int(rng.integers(1, 4))
        reg_holders = []
        for _ in range(n_reg):
            if nominees and rng.random() < 0.5:
                reg_holders.append(int(rng.choice(nominees)))
            else:
                reg_holders.append(self.new_nominee(ring, base_place))
        holder = np.array(reg_holders)[rng.integers(0, n_reg, size=n_farm)]
        burst = ring.start - int(rng.integers(1 * DAY, 14 * DAY))
        spread = int(rng.choice([rng.integers(2, 72) * HOUR, rng.integers(3, 12) * DAY], p=[0.7, 0.3]))
        registered = burst + np.sort(rng.integers(0, spread, size=n_farm))
        # some farms also run SIMs bought long ago (registered months before, to people who sold them)
        if rng.random() < 0.3:
            aged = rng.random(n_farm) < rng.uniform(0.2, 0.7)
            registered[aged] = ring.start - rng.integers(30 * DAY, 400 * DAY, size=int(aged.sum()))
        op = np.full(n_farm, int(rng.integers(0, 3)), np.int8)
        op[rng.random(n_farm) < 0.3] = int(rng.integers(0, 3))
        ring.farm_sims = w.add_sims(holder, op, registered, np.zeros(n_farm, np.int8))
        # SIM boxes rotate many SIMs through a few handsets; some farms use cheap phones, one or two SIMs each
        n_handsets = int(rng.integers(1, 5)) if rng.random() < 0.7 else max(1, n_farm // int(rng.integers(1, 3)))
        ring.farm_imeis = w.new_imeis(n_handsets)
        ring.farm_cells = w.cell_in_place(np.full(int(rng.integers(1, 4)), base_place))
        # caller SIMs: the organiser's and nominees' phones that talk to victims
        n_call = int(rng.integers(1, 4))
        ch = np.r_[[ring.organiser], np.array(nominees[:2], dtype=np.int64)] if nominees else np.array([ring.organiser])
        caller_holders = rng.choice(ch, size=n_call)
        caller_holders[0] = ring.organiser  # the organiser keeps a phone of their own
        ring.caller_sims = w.add_sims(caller_holders, w.draw_operators(n_call),
                                      ring.start - rng.integers(2 * DAY, 60 * DAY, size=n_call),
                                      np.zeros(n_call, np.int8))
        ring.caller_imeis = w.new_imeis(n_call)
        if rng.random() < p.voip_share or SCAM_CONTACT[ring.scam_type] == "call" and rng.random() < 0.5:
            n_voip = int(rng.integers(2, 9))
            first = len(self.voip_numbers)
            for _ in range(n_voip):
                self.voip_numbers.append("+697" + str(int(rng.integers(20_000_000, 99_999_999))))
            ring.voip = np.arange(first, first + n_voip, dtype=np.int64)
        for s in ring.farm_sims:
            self.sim_rows.append({"sim": int(s), "ring": ring.ring_id, "role": "farm_sim"})
        for s in ring.caller_sims:
            self.sim_rows.append({"sim": int(s), "ring": ring.ring_id, "role": "caller"})
        for v in ring.voip:
            self.sim_rows.append({"voip": int(v), "ring": ring.ring_id, "role": "voip"})
        self.farm_traffic(ring, scale)

    def farm_traffic(self, ring: Ring, scale: float) -> None:
        """SMS blasts and cold calls to many distinct strangers; little comes back."""
        rng, pop = self.rng, self.pop
        P = len(pop["persons"])
        end = self.w.end
        per_sim_sms = int(rng.integers(20, 60) * scale * (2 if SCAM_CONTACT[ring.scam_type] == "sms" else 1))
        per_sim_call = int(rng.integers(10, 40) * scale * (2 if SCAM_CONTACT[ring.scam_type] == "call" else 1))
        sims = ring.farm_sims
        reg = self.w.sims.col("registered")[sims]
        for kind, per in ((1, per_sim_sms), (0, per_sim_call)):
            k = len(sims) * per
            s_i = np.repeat(np.arange(len(sims)), per)
            # each SIM works a few days after its registration, rotating through the handsets
            active_from = np.maximum(reg[s_i], ring.start - DAY)
            ts = active_from + rng.integers(0, int(rng.integers(2, 10)) * DAY, size=k) + rng.integers(0, HOUR, k)
            ok = ts < end
            callee = pop["first_sim"][rng.integers(0, P, size=k)]
            dur = np.zeros(k, np.int64)
            if kind == 0:
                dur = np.where(rng.random(k) < 0.55, 0, rng.lognormal(np.log(12), 0.8, k).astype(np.int64) + 1)
            self.h._add_cdrs(ts[ok], np.full(int(ok.sum()), kind, np.int8), sims[s_i][ok], -1, callee[ok], dur[ok],
                             ring.farm_cells[rng.integers(0, len(ring.farm_cells), k)][ok],
                             ring.farm_imeis[rng.integers(0, len(ring.farm_imeis), k)][ok])
            # a few strangers call back
            back = rng.random(int(ok.sum())) < rng.uniform(0.005, 0.06)
            if back.any():
                kk = int(back.sum())
                tb = ts[ok][back] + rng.integers(60, 2 * HOUR, kk)
                okb = tb < end
                person = rng.integers(0, P, size=kk)
                self.h._add_cdrs(tb[okb], np.zeros(int(okb.sum()), np.int8), pop["first_sim"][person][okb], -1,
                                 sims[s_i][ok][back][okb], rng.integers(5, 60, int(okb.sum())),
                                 pop["home_cell"][person][okb], self.h.imei_of(person, tb)[okb])
        if len(ring.voip):
            k = len(ring.voip) * per_sim_call
            ts = ring.start + rng.integers(0, max(DAY, end - ring.start), size=k)
            ok = ts < end
            callee = pop["first_sim"][rng.integers(0, P, size=k)]
            dur = np.where(rng.random(k) < 0.6, 0, rng.lognormal(np.log(15), 0.8, k).astype(np.int64) + 1)
            self.h._add_cdrs(ts[ok], np.zeros(int(ok.sum()), np.int8), -1, ring.voip[rng.integers(0, len(ring.voip), k)][ok],
                             callee[ok], dur[ok], -1, -1)
        # callers coordinate with each other and the farm
        n = int(rng.integers(5, 30))
        if len(ring.caller_sims) >= 1:
            ts = ring.start + rng.integers(0, max(DAY, end - ring.start), size=n)
            ok = ts < end
            a = rng.integers(0, len(ring.caller_sims), n)
            others = np.r_[ring.caller_sims, ring.farm_sims[:3]]
            b = others[rng.integers(0, len(others), n)]
            c = ring.caller_sims[a]
            same = b == c
            b[same] = ring.farm_sims[0]
            self.h._add_cdrs(ts[ok], np.zeros(int(ok.sum()), np.int8), c[ok], -1, b[ok],
                             rng.integers(20, 400, n)[ok], ring.farm_cells[0], ring.caller_imeis[a][ok])

    def _handles(self, ring: Ring) -> list[str]:
        rng = self.rng
        word = {"online_shopping": "shop", "investment": "invest", "job": "job", "call_centre": "dsi",
                "loan": "loan", "romance": "love", "impersonation": "official", "reward": "reward",
                "malicious_app": "app"}[ring.scam_type]
        tag = f"{int(rng.integers(100, 9999))}"
        return [f"@{word}-th{tag}", f"https://{word}-th{tag}.example/pay", f"{word}.thailand.{tag}"]

    # ---- victims and money ---------------------------------------------------------------------
    def run_victims(self, ring: Ring, ring_index: int) -> None:
        rng, p, pop, w = self.rng, self.w.p, self.pop, self.w
        median, sigma, max_pay, age_c = SCAM_LOSS[ring.scam_type]
        freq_boost = {"online_shopping": 1.6, "investment": 0.6, "romance": 0.5}.get(ring.scam_type, 1.0)
        # ring sizes are heavy-tailed: many small rings (often never reported), a few big ones
        mean = p.victims_per_ring * freq_boost
        n_v = max(1, round(rng.lognormal(np.log(mean) - 0.5 * p.ring_size_sigma ** 2, p.ring_size_sigma)))
        age = 2025 - pop["birth_year"]
        weights = np.exp(-((age - age_c) / 12.0) ** 2)
        people = self.take_people(n_v, weights)
        end = w.end
        for person in people:
            vid = f"V-{len(self.victims) + 1:06d}"
            k = 1 + min(int(rng.geometric(0.55)) - 1, max_pay - 1) if max_pay > 1 else 1
            t = ring.start + int(rng.uniform(0, 0.95) * max(HOUR, end - ring.start))
            # victims pay when people are awake: keep the day, draw the hour from the payment profile
            day_start = T0 + (t - T0) // DAY * DAY
            t = max(ring.start, day_start + int(rng.choice(24, p=PAY_PROFILE / PAY_PROFILE.sum())) * HOUR
                    + int(rng.integers(0, HOUR)))
            gaps = {"investment": 2 * DAY, "romance": 3 * DAY, "job": 6 * HOUR}.get(ring.scam_type, 40 * MINUTE)
            times = t + np.r_[0, np.cumsum(rng.lognormal(np.log(gaps), 0.8, k - 1))].astype(np.int64)
            times = times[times < end - 10 * MINUTE]
            if len(times) == 0:
                continue
            amounts = rng.lognormal(np.log(median), sigma, len(times))
            if ring.scam_type in ("investment", "job", "romance"):
                amounts *= 1.6 ** np.arange(len(times))   # pay more to "unlock" earlier money
            step = 1 if median < 5000 else 100
            satang = (np.maximum(np.round(amounts / step), 1) * step * 100).astype(np.int64)
            contacts = self.contact_victim(ring, int(person), int(times[0]))
            rows = []
            for t_pay, amt in zip(times, satang):
                rows.append(self.pay(ring, ring_index, len(self.victims), int(person), int(t_pay), int(amt)))
            loss = int(satang.sum())
            report_at = None
            p_rep = min(0.95, p.report_rate * (1.25 if loss > 10_000_00 else 0.8))
            if rng.random() < p_rep:
                delay = rng.lognormal(np.log(p.report_delay_median_h * HOUR), p.report_delay_sigma)
                at = int(times[-1] + delay)
                if at < end:
                    report_at = at
            self.victims.append(Victim(vid, int(person), ring_index, rows, list(map(int, satang)), contacts, loss,
                                       report_at))
        self.run_flows(ring, ring_index)
        for role in ROLES:
            for acct in ring.accounts[role]:
                if int(acct) in self._first_in:
                    self.test_credit(ring, ring_index, int(acct), self._first_in[int(acct)])

    def contact_victim(self, ring: Ring, person: int, t: int) -> list[tuple[str, int]]:
        """Calls or texts that reach the victim before the first payment."""
        rng, pop = self.rng, self.pop
        how = SCAM_CONTACT[ring.scam_type]
        contacts: list[tuple[str, int]] = []
        victim_sim = pop["first_sim"][person]
        if how == "sms" or rng.random() < 0.2:
            s = int(rng.choice(ring.farm_sims))
            ts = t - int(rng.integers(HOUR, 3 * DAY))
            self.h._add_cdrs(np.array([ts]), np.ones(1, np.int8), s, -1, victim_sim, 0,
                             ring.farm_cells[0], ring.farm_imeis[0])
            contacts.append(("sim", s))
        if how == "call" or rng.random() < 0.35:
            n_calls = int(rng.integers(1, 4))
            for j in range(n_calls):
                ts = t - int(rng.integers(5 * MINUTE, 6 * HOUR)) - j * int(rng.integers(10 * MINUTE, DAY))
                dur = int(rng.integers(180, 3600))
                if len(ring.voip) and rng.random() < 0.5:
                    v = int(rng.choice(ring.voip))
                    self.h._add_cdrs(np.array([ts]), np.zeros(1, np.int8), -1, v, victim_sim, dur, -1, -1)
                    contacts.append(("voip", v))
                else:
                    pool = ring.caller_sims if rng.random() < 0.7 else ring.farm_sims
                    s = int(rng.choice(pool))
                    imei = ring.caller_imeis[0] if pool is ring.caller_sims else ring.farm_imeis[0]
                    self.h._add_cdrs(np.array([ts]), np.zeros(1, np.int8), s, -1, victim_sim, dur,
                                     ring.farm_cells[0], imei)
                    contacts.append(("sim", s))
        # dedupe, keep order
        seen, out = set(), []
        for c in contacts:
            if c not in seen:
                seen.add(c)
                out.append(c)
        return out

    def _add(self, ts, channel, src, dst, amount, device, ring_index, victim, kind, hop,
             portions: dict[int, float] | None = None) -> int:
        if dst >= 0 and kind != TEST_CREDIT:
            self._first_in[dst] = min(self._first_in.get(dst, ts), ts)
        idx = self.txns.add(1, ts=ts, channel=channel, src=src, dst=dst, amount=amount, device=device,
                            ring=ring_index, victim=victim, scam_kind=kind, hop=hop)
        row = int(idx[0])
        self.portions.append((row, portions or {-1: float(amount)}))
        return row

    def pay(self, ring: Ring, ring_index: int, victim: int, person: int, t: int, amount: int) -> int:
        """The victim pays a collector; the money joins the collector's pool (moved on by `run_flows`)."""
        rng = self.rng
        col = int(rng.choice(ring.accounts["collector"]))
        src = int(self.h.account_of(np.array([person]), np.array([t]))[0])
        dev = int(self.h.device_of(np.array([person]), np.array([t]))[0])
        if ring.scam_type == "malicious_app" and rng.random() < 0.7:
            dev = int(rng.choice(ring.devices))  # the ring drives the victim's phone remotely
        row = self._add(t, PROMPTPAY if rng.random() < 0.6 else TRANSFER, src, col, amount, dev, ring_index, victim,
                        VICTIM_PAYMENT, 1, portions={victim: float(amount)})
        self._arrivals.append((t, col, victim, float(amount)))
        return row

    def _delay(self, median_s: float) -> int:
        return int(self.rng.lognormal(np.log(median_s), 1.0)) + 20

    def _bank(self, acct: int) -> int:
        return int(self.w.accounts.col("bank")[acct])

    def _pick(self, pool: np.ndarray, not_bank: int) -> int:
        banks = self.w.accounts.col("bank")[pool]
        other = pool[banks != not_bank]
        return int(self.rng.choice(other if len(other) else pool))

    def run_flows(self, ring: Ring, ring_index: int) -> None:
        """Move the ring's money: each mule account pools what arrives, keeps its cut, and after a delay
        sweeps the rest to the next tier (across banks), until cash-out accounts empty it at ATMs or
        into an exchange. Each onward transfer carries every pooled victim's money pro rata, which
        truth/scam_txns.csv records as one row per (transaction, victim)."""
        import heapq

        rng, end, p = self.rng, self.w.end, self.w.p
        # levels: 0 collectors, 1..L layers, L+1 cash-out
        layers = ring.accounts["layer"]
        L = max(1, min(ring.layers, len(layers))) if len(layers) else 0
        level_of: dict[int, int] = {int(a): 0 for a in ring.accounts["collector"]}
        by_level: dict[int, np.ndarray] = {0: ring.accounts["collector"]}
        for k in range(L):
            part = layers[k::L]
            by_level[k + 1] = part
            for a in part:
                level_of[int(a)] = k + 1
        by_level[L + 1] = ring.accounts["cashout"]
        for a in ring.accounts["cashout"]:
            level_of[int(a)] = L + 1
        # how a ring moves: some sweep within minutes, others every few hours; some round the amounts
        sweep_s = p.hop_delay_median_min * 60 * float(np.exp(rng.normal(0, 1.0)))
        rounds = rng.random() < 0.5
        cut = rng.uniform(0.005, 0.04)
        pool: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        pending: set[int] = set()
        # events in time order: (time, seq, account, parts) — parts is None for a sweep
        events: list[tuple[int, int, int, dict | None]] = []
        seq = 0

        def push(t: int, acct: int, parts: dict | None) -> None:
            nonlocal seq
            seq += 1
            heapq.heappush(events, (t, seq, acct, parts))

        def arrive(t: int, acct: int, parts: dict[int, float]) -> None:
            keep = 0.0 if level_of[acct] == L + 1 else cut   # cash-out mules take theirs at the machine
            for v, x in parts.items():
                pool[acct][v] += x * (1 - keep)          # the cut stays behind, never moved again
            if acct not in pending:
                pending.add(acct)
                # cash-out mules go to the machines a few times a day; the others sweep sooner
                factor = 6.0 if level_of[acct] == L + 1 else 1 + 0.5 * level_of[acct]
                push(t + self._delay(sweep_s * factor), acct, None)

        for t, acct, v, x in sorted(self._arrivals):
            push(t, acct, {v: x})
        self._arrivals = []
        while events:
            t, _, acct, parts = heapq.heappop(events)
            if parts is not None:
                arrive(t, acct, parts)
                continue
            pending.discard(acct)
            if t >= end:
                continue      # still held at the end of the world
            total = sum(pool[acct].values())
            level = level_of[acct]
            hop = level + 2
            if total < 100_00:
                continue
            if level == L + 1:
                self._cash_out(ring, ring_index, acct, t, hop, pool[acct])
                continue
            amount = int(total // 100_00 * 100_00) if rounds else int(total)
            if amount <= 0:
                continue
            parts = 2 if (amount > 20_000_00 and rng.random() < 0.3) else 1
            shares = rng.dirichlet(np.ones(parts) * 3) if parts > 1 else np.ones(1)
            t_out = t
            for share in shares:
                part = int(amount * share)
                if rounds:
                    part = part // 100_00 * 100_00
                if part < 100_00:
                    continue
                nxt = self._pick(by_level[level + 1], self._bank(acct))
                portions = self._take(pool[acct], part)
                self._add(t_out, PROMPTPAY if rng.random() < 0.5 else TRANSFER, acct, nxt, part,
                          ring.device_of[acct], ring_index, -1, LAYER, hop, portions=portions)
                push(t_out, nxt, portions)
                t_out += int(rng.integers(20, 300))
            pool[acct].clear()   # the change left by round amounts stays with the mule, like the cut

    @staticmethod
    def _take(pool: dict[int, float], amount: int) -> dict[int, float]:
        """Take `amount` out of a pooled balance, pro rata to each victim's money in it."""
        total = sum(pool.values())
        out = {}
        for v in list(pool):
            x = pool[v] * amount / total
            out[v] = x
            pool[v] -= x
            if pool[v] < 0.5:
                del pool[v]
        return out

    def _cash_out(self, ring: Ring, ring_index: int, acct: int, t: int, hop: int, pool: dict[int, float]) -> None:
        rng, end = self.rng, self.w.end
        total = sum(pool.values())
        mode = ring.cashout if ring.cashout != "both" else ("atm" if rng.random() < 0.5 else "crypto")
        self._take(pool, total * rng.uniform(0.01, 0.05))   # the cash-out mule's cut stays, never moved
        avail = int(sum(pool.values()))
        if mode == "crypto":
            exch = int(rng.choice(self.pop["exch_acct"]))
            parts = 1 if avail < 50_000_00 else int(rng.integers(1, 4))
            for share in (rng.dirichlet(np.ones(parts) * 4) if parts > 1 else [1.0]):
                part = int(avail * share) // 100 * 100
                if t >= end or part <= 0:
                    return
                self._add(t, CRYPTO_OUT, acct, exch, part, ring.device_of[acct], ring_index, -1, CASHOUT_CRYPTO,
                          hop, portions=self._take(pool, part))
                t += int(rng.integers(60, 1200))
            pool.clear()
            return
        chunk = ring.atm_chunk * 100
        n_full = avail // chunk
        pieces = [chunk] * int(n_full)
        rem = (avail - n_full * chunk) // 100_000 * 100_000   # the rest in thousands, or wait for more
        if rem >= 100_000 and (n_full == 0 or rng.random() < 0.6):
            pieces.append(int(rem))
        for piece in pieces:
            if t >= end:
                return
            self._add(t, CASH_OUT, acct, -1, piece, -1, ring_index, -1, CASHOUT_ATM, hop,
                      portions=self._take(pool, piece))
            t += int(rng.integers(40, 240))
        if sum(pool.values()) < 1000_00:
            pool.clear()   # small change stays in the account for good

    def test_credit(self, ring: Ring, ring_index: int, acct: int, t_use: int) -> None:
        """Before a mule account's first use, a tiny credit checks that it works."""
        rng = self.rng
        if rng.random() > self.w.p.test_credit_share:
            return
        pool = np.r_[ring.accounts["collector"], ring.accounts["layer"], ring.accounts["cashout"]]
        pool = pool[pool != acct]
        if not len(pool):
            return
        src = int(rng.choice(pool))
        opened = self.w.accounts.col("opened")
        earliest = max(int(opened[acct]), int(opened[src])) + HOUR
        for _ in range(int(rng.integers(1, 3))):
            t = max(t_use - int(rng.integers(HOUR, 72 * HOUR)), earliest)
            if t >= t_use:
                return
            amt = int(rng.choice([1, 1, 1, 2, 5, 10])) * 100
            self._add(t, PROMPTPAY, src, acct, amt, ring.device_of[src], ring_index, -1, TEST_CREDIT, 0)

    # ---- mistaken reports and account sales ---------------------------------------------------
    def mistaken_reports(self) -> None:
        """Buyers who report an honest online seller (late parcel, dispute)."""
        rng, p = self.rng, self.w.p
        n_true = sum(1 for v in self.victims if v.report_at is not None)
        n = int(rng.binomial(max(n_true, 1), p.mistaken_report_share)) + 1  # at least one in every world
        frozen = self.txns.frozen()
        sellers = np.isin(frozen["dst"], self.pop["seller_acct"]) & (frozen["ring"] < 0) & \
            (frozen["ts"] < self.w.end - 2 * DAY) & (frozen["src"] >= 0)
        rows = np.flatnonzero(sellers)
        if len(rows) == 0 or n == 0:
            return
        for row in rng.choice(rows, size=min(n, len(rows)), replace=False):
            at = int(frozen["ts"][row] + rng.lognormal(np.log(2 * DAY), 0.6))
            if at >= self.w.end:
                continue
            self.mistaken.append({"row": int(row), "reported_at": at})

    def remap_sold_accounts(self) -> None:
        """After a sale the seller stops using that account: their later honest rows move to their primary."""
        if not self.sold:
            return
        f = self.txns.frozen()
        n_acc = self.w.accounts.n
        sold_at = np.full(n_acc, np.iinfo(np.int64).max, dtype=np.int64)
        moved_to = np.arange(n_acc, dtype=np.int64)
        for acct, holder, when in self.sold:
            if holder < len(self.pop["primary"]) and self.pop["primary"][holder] != acct:
                sold_at[acct] = when
                moved_to[acct] = self.pop["primary"][holder]
        honest = f["ring"] < 0
        for col in ("src", "dst"):
            v = f[col]
            m = honest & (v >= 0)
            m[m] = f["ts"][m] >= sold_at[v[m]]
            v[m] = moved_to[v[m]]
