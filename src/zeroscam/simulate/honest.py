"""Ordinary life: the payments, transfers, cash and calls that detectors must not flag.

Each kind of behaviour is drawn as whole arrays at once; the only loops are
over months and kinds.
"""

from __future__ import annotations

import numpy as np

from zeroscam.simulate.registry import (
    CALL_PROFILE,
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
    WORK_PROFILE,
    Columns,
    hour_profile_times,
)
from zeroscam.simulate.world import World

# honest look-alike kinds written to truth/lookalike_accounts.csv and truth/lookalike_sims.csv
LOOKALIKE_ACCOUNT_KINDS = ("online_seller", "merchant", "salary_passthrough", "crypto_exchange",
                           "crypto_buyer", "supplier", "employer", "utility", "new_account", "dormant_account",
                           "border_resident", "sold_account_holder", "victim", "mistakenly_reported",
                           "atm_heavy", "shared_device", "savings_circle", "dropshipper", "own_account_shuffle")
LOOKALIKE_SIM_KINDS = ("courier_pool", "callcentre_pool", "sme_marketing", "multi_sim", "phone_changer",
                       "border_resident", "victim")


def new_txn_table() -> Columns:
    return Columns(ts=np.int64, channel=np.int8, src=np.int64, dst=np.int64, amount=np.int64, device=np.int64,
                   ring=np.int64, victim=np.int64, scam_kind=np.int8, hop=np.int16)


def new_cdr_table() -> Columns:
    return Columns(ts=np.int64, kind=np.int8, caller=np.int64, voip=np.int64, callee=np.int64,
                   duration=np.int64, cell=np.int64, imei=np.int64)


def _baht(x: np.ndarray, step: float = 1.0) -> np.ndarray:
    """Baht amounts → satang, rounded to `step` baht (at least one step)."""
    v = np.maximum(np.round(x / step), 1) * step
    return np.round(v * 100).astype(np.int64)


class Honest:
    """Generates ordinary transactions and calls into the given tables."""

    def __init__(self, world: World, pop: dict, txns: Columns, cdrs: Columns):
        self.w, self.pop, self.txns, self.cdrs = world, pop, txns, cdrs
        self.rng = world.rng
        P = len(pop["persons"])
        # how busy each person is (heavy-tailed but not extreme)
        self.activity = self.rng.gamma(1.5, 1.0, size=P)
        self.activity /= self.activity.sum()
        self.lookalike_accounts: list[tuple[np.ndarray, str]] = []
        self.lookalike_sims: list[tuple[np.ndarray, str]] = []

    # ---- helpers -------------------------------------------------------------------------------
    def account_of(self, person: np.ndarray, ts: np.ndarray | None = None) -> np.ndarray:
        """A random active account of each person (the primary one when the pick was not open yet)."""
        pop = self.pop
        i = pop["act_start"][person] + (self.rng.random(len(person)) * pop["act_count"][person]).astype(np.int64)
        acct = pop["act_acct"][i]
        if ts is not None:
            opened = self.w.accounts.col("opened")[acct]
            late = opened > ts
            acct[late] = pop["primary"][person[late]]
        return acct

    def device_of(self, person: np.ndarray, ts: np.ndarray) -> np.ndarray:
        pop = self.pop
        return np.where(ts < pop["change_ts"][person], pop["dev1"][person], pop["dev2"][person])

    def imei_of(self, person: np.ndarray, ts: np.ndarray) -> np.ndarray:
        pop = self.pop
        return np.where(ts < pop["change_ts"][person], pop["imei1"][person], pop["imei2"][person])

    def friend_of(self, person: np.ndarray, p_stranger: float) -> np.ndarray:
        pop = self.pop
        c = pop["community"][person]
        j = pop["comm_start"][c] + (self.rng.random(len(person)) * pop["comm_count"][c]).astype(np.int64)
        friend = pop["comm_order"][j]
        stranger = self.rng.random(len(person)) < p_stranger
        friend[stranger] = self.rng.integers(0, len(pop["persons"]), size=int(stranger.sum()))
        same = friend == person
        friend[same] = (friend[same] + 1) % len(pop["persons"])
        return friend

    def busy_people(self, n: int) -> np.ndarray:
        return self.rng.choice(len(self.pop["persons"]), size=n, p=self.activity)

    def add(self, ts, channel, src, dst, amount, device) -> None:
        self.txns.add(len(ts), ts=ts, channel=channel, src=src, dst=dst, amount=amount, device=device,
                      ring=-1, victim=-1, scam_kind=-1, hop=0)

    def person_pay(self, payer, dst, ts, amount, channel) -> None:
        src = self.account_of(payer, ts)
        app = (channel == PROMPTPAY) | (channel == TRANSFER) | (channel == CRYPTO_OUT)
        dev = np.where(app, self.device_of(payer, ts), -1)
        self.add(ts, channel, src, dst, amount, dev)

    # ---- transactions --------------------------------------------------------------------------
    def generate_transactions(self) -> None:
        pop, rng, p = self.pop, self.rng, self.w.p
        P, days = len(pop["persons"]), p.days
        before = self.txns.n
        self.salaries()
        self.bills()
        self.savings_circles()
        derived = self.txns.n - before
        budget = max(p.honest_txns - derived, P)
        # sellers' supplier payments come out of the seller-sale share (about one per seller-day)
        n = {k: round(budget * v) for k, v in p.mix.items()}

        # friends and family: PromptPay within circles (a few to strangers)
        m = n["p2p"]
        payer = self.busy_people(m)
        ts = hour_profile_times(rng, m, days, PAY_PROFILE)
        amt = rng.lognormal(np.log(300), 1.0, m)
        amount = np.where(rng.random(m) < 0.7, _baht(amt, 10), _baht(amt))
        self.person_pay(payer, self.account_of(self.friend_of(payer, 0.1), None), ts, amount,
                        np.where(rng.random(m) < 0.85, PROMPTPAY, TRANSFER).astype(np.int8))
        # money to family elsewhere
        m = n["family_far"]
        payer = self.busy_people(m)
        ts = hour_profile_times(rng, m, days, PAY_PROFILE)
        fam = rng.integers(0, P, size=m)
        self.person_pay(payer, pop["primary"][fam], ts, _baht(rng.lognormal(np.log(2000), 0.8, m), 100),
                        np.full(m, PROMPTPAY, np.int8))
        # shops: card and QR payments; popular shops get most
        m = n["merchant"]
        pop_w = rng.pareto(1.2, len(pop["merch_acct"])) + 1
        shop = pop["merch_acct"][rng.choice(len(pop_w), size=m, p=pop_w / pop_w.sum())]
        payer = self.busy_people(m)
        ts = hour_profile_times(rng, m, days, PAY_PROFILE)
        card = rng.random(m) < 0.45
        amt = rng.lognormal(np.log(180), 0.9, m)
        amount = np.where(card, _baht(amt, 0.25), _baht(amt))
        self.person_pay(payer, shop, ts, amount, np.where(card, CARD, PROMPTPAY).astype(np.int8))
        self.restock(shop, ts, amount, pop["merch_acct"], weekly=True)
        # online sellers: many small payments from strangers, supplier paid the same day
        m = n["seller_sale"]
        sw = rng.pareto(1.0, len(pop["seller_acct"])) + 1
        si = rng.choice(len(sw), size=m, p=sw / sw.sum())
        shop = pop["seller_acct"][si]
        payer = rng.integers(0, P, size=m)
        ts = hour_profile_times(rng, m, days, PAY_PROFILE)
        amount = _baht(rng.lognormal(np.log(350), 0.7, m))
        self.person_pay(payer, shop, ts, amount,
                        np.where(rng.random(m) < 0.8, PROMPTPAY, TRANSFER).astype(np.int8))
        # dropshippers pass each order on to their supplier within minutes; the others restock each evening
        drop_seller = rng.random(len(sw)) < p.dropship_share
        per_order = drop_seller[si]
        self.restock(shop[~per_order], ts[~per_order], amount[~per_order], pop["seller_acct"], weekly=False,
                     supplier=pop["seller_supplier"])
        k = int(per_order.sum())
        if k:
            t_fwd = ts[per_order] + rng.lognormal(np.log(12 * MINUTE), 0.8, k).astype(np.int64)
            ok = t_fwd < self.w.end
            fwd_amt = np.round(amount[per_order] * rng.uniform(0.7, 0.9, k) / 100).astype(np.int64) * 100
            owner = self.w.accounts.col("holder")[shop[per_order]]
            self.add(t_fwd[ok], np.full(int(ok.sum()), TRANSFER, np.int8), shop[per_order][ok],
                     pop["seller_supplier"][si[per_order]][ok], fwd_amt[ok], self.device_of(owner, t_fwd)[ok])
        self.lookalike_accounts.append((pop["seller_acct"], "online_seller"))
        self.lookalike_accounts.append((pop["seller_acct"][drop_seller], "dropshipper"))
        self.own_transfers(int(n["p2p"] * p.own_transfer_rate))
        self.lookalike_accounts.append((pop["merch_acct"], "merchant"))
        # ATM cash; some withdraw the machine's maximum, as cash-out mules do
        m = n["atm"]
        payer = self.busy_people(m)
        ts = hour_profile_times(rng, m, days, PAY_PROFILE)
        choices = np.array([500, 1000, 1500, 2000, 3000, 5000, 10000, 20000, 30000])
        probs = np.array([10, 20, 5, 15, 10, 15, 12, 8, 3], dtype=float)
        cash = choices[rng.choice(len(choices), size=m, p=probs / probs.sum())] * 100
        self.add(ts, np.full(m, CASH_OUT, np.int8), self.account_of(payer, ts), np.full(m, -1), cash,
                 np.full(m, -1))
        big = payer[cash >= 2_000_000]
        self.lookalike_accounts.append((np.unique(pop["primary"][big]), "atm_heavy"))
        # cash deposits by shops and sellers
        m = n["cash_in"]
        dst = rng.choice(np.concatenate([pop["merch_acct"], pop["seller_acct"]]), size=m)
        ts = hour_profile_times(rng, m, days, WORK_PROFILE)
        self.add(ts, np.full(m, CASH_IN, np.int8), np.full(m, -1), dst,
                 _baht(rng.lognormal(np.log(5000), 0.9, m), 100), np.full(m, -1))
        # crypto buyers (younger on average) pay the exchanges
        m = n["crypto"]
        age = 2025 - pop["birth_year"]
        cw = np.where(age < 40, 3.0, 1.0) * (rng.random(P) < p.crypto_buyer_share * 1.5)
        if cw.sum() == 0:
            cw[0] = 1.0
        buyer = rng.choice(P, size=m, p=cw / cw.sum())
        ts = hour_profile_times(rng, m, days, PAY_PROFILE)
        amt = rng.lognormal(np.log(3000), 1.1, m)
        amount = np.where(rng.random(m) < 0.35, _baht(amt, 1000), _baht(amt))
        ex_w = np.array([0.55, 0.3, 0.15])[: len(pop["exchanges"])]
        exch = pop["exch_acct"][rng.choice(len(pop["exch_acct"]), size=m, p=ex_w / ex_w.sum())]
        self.person_pay(buyer, exch, ts, amount, np.full(m, CRYPTO_OUT, np.int8))
        self.lookalike_accounts.append((np.unique(self.txns.col("src")[-m:]) if m else np.empty(0, np.int64),
                                        "crypto_buyer"))
        self.lookalike_accounts.append((pop["exch_acct"], "crypto_exchange"))
        self.lookalike_accounts.append((pop["sup_acct"], "supplier"))
        self.lookalike_accounts.append((pop["util_acct"], "utility"))
        self.lookalike_accounts.append((pop["emp_acct"], "employer"))
        self.lookalike_accounts.append((pop["new_accts"], "new_account"))
        self.lookalike_accounts.append((pop["dormant_accts"], "dormant_account"))
        self.lookalike_accounts.append((pop["act_acct"][np.isin(pop["act_acct"], _accounts_of(
            self.w, pop["shared_device_people"]))], "shared_device"))
        border = np.isin(pop["place"], _border_places())
        bp = pop["persons"][border]
        self.lookalike_accounts.append((pop["act_acct"][np.isin(pop["act_acct"], _accounts_of(self.w, bp))],
                                        "border_resident"))

    def restock(self, shop, ts, amount, accounts, weekly: bool, supplier=None) -> None:
        """Shops pay a supplier part of what came in: sellers the same evening, merchants weekly."""
        rng, days = self.rng, self.w.p.days
        period = 7 if weekly else 1
        day = (ts - T0) // (period * DAY)
        key = shop * 1000 + day
        keys, inv = np.unique(key, return_inverse=True)
        take = np.bincount(inv, weights=amount)
        last = np.full(len(keys), 0, dtype=np.int64)
        np.maximum.at(last, inv, ts)
        shop_k = keys // 1000
        pay = rng.random(len(keys)) < (0.7 if weekly else 0.85)
        shop_k, take, last, keys = shop_k[pay], take[pay], last[pay], keys[pay]
        if weekly:
            when = T0 + (keys % 1000) * 7 * DAY + 6 * DAY + rng.integers(9 * HOUR, 17 * HOUR, len(keys))
            frac = rng.uniform(0.3, 0.6, len(keys))
        else:
            end_of_day = T0 + ((last - T0) // DAY + 1) * DAY - 10 * MINUTE
            when = np.minimum(last + rng.integers(10 * MINUTE, 4 * HOUR, len(keys)), end_of_day)
            frac = rng.uniform(0.6, 0.9, len(keys))
        if supplier is None:
            sup = rng.choice(self.pop["sup_acct"], size=len(keys))
        else:
            pos = np.searchsorted(np.sort(accounts), shop_k)
            sup = supplier[np.argsort(accounts)][np.minimum(pos, len(accounts) - 1)]
        ok = when < T0 + days * DAY
        amount_out = np.round(take * frac / 1000).astype(np.int64) * 1000  # satang → round 10 baht
        amount_out = np.maximum(amount_out, 1000)
        dev = self.pop["acct_dev"][shop_k] if shop_k.size else shop_k
        owner = self.w.accounts.col("holder")[shop_k]
        person_owned = owner < len(self.pop["persons"])
        dev = np.where(person_owned, self.device_of(np.where(person_owned, owner, 0), when), dev)
        self.add(when[ok], np.full(int(ok.sum()), TRANSFER, np.int8), shop_k[ok], sup[ok], amount_out[ok], dev[ok])

    def salaries(self) -> None:
        """Monthly pay; a share of earners pass it straight on (rent, money home)."""
        pop, rng, p = self.pop, self.rng, self.w.p
        P = len(pop["persons"])
        age = 2025 - pop["birth_year"]
        employed = np.flatnonzero((rng.random(P) < p.employed_share) & (age < 62))
        emp = rng.integers(0, len(pop["emp_acct"]), size=len(employed))
        payday_of_employer = rng.choice([25, 28, 30, 1], size=len(pop["emp_acct"]))
        salary = rng.lognormal(np.log(18000), 0.45, size=len(employed))
        passer = rng.random(len(employed)) < p.passthrough_share
        landlord = rng.integers(0, P, size=len(employed))
        home = rng.integers(0, P, size=len(employed))
        start_day = 0
        for month_start in range(-1, p.days // 28 + 2):
            day = month_start * 30 + payday_of_employer[emp] - 1
            inwin = (day >= 0) & (day < p.days)
            if not inwin.any():
                continue
            e, who, sal = emp[inwin], employed[inwin], salary[inwin]
            ts = T0 + day[inwin].astype(np.int64) * DAY + rng.integers(5 * HOUR, 10 * HOUR, size=len(who))
            dst = pop["primary"][who]
            amount = _baht(sal * rng.uniform(0.97, 1.03, len(who)), 10)
            src = pop["emp_acct"][e]
            self.add(ts, np.full(len(who), TRANSFER, np.int8), src, dst, amount, pop["acct_dev"][src])
            pt = passer[inwin]
            if pt.any():
                ts2 = ts[pt] + rng.lognormal(np.log(2 * HOUR), 0.7, int(pt.sum())).astype(np.int64)
                rent = _baht(sal[pt] * rng.uniform(0.3, 0.45, int(pt.sum())), 500)
                who_pt = who[pt]
                dev = self.device_of(who_pt, ts2)
                self.add(ts2, np.full(len(who_pt), PROMPTPAY, np.int8), dst[pt],
                         pop["primary"][landlord[inwin][pt]], rent, dev)
                ts3 = ts2 + rng.lognormal(np.log(40 * MINUTE), 0.8, len(who_pt)).astype(np.int64)
                home_amt = _baht(sal[pt] * rng.uniform(0.25, 0.45, len(who_pt)), 1000)
                self.add(ts3, np.full(len(who_pt), PROMPTPAY, np.int8), dst[pt], pop["primary"][home[inwin][pt]],
                         home_amt, self.device_of(who_pt, ts3))
        self.lookalike_accounts.append((np.unique(pop["primary"][employed[passer]]), "salary_passthrough"))
        _ = start_day

    def own_transfers(self, m: int) -> None:
        """People move money between their own accounts at different banks, and often spend it
        from there within minutes: short honest chains that cross banks."""
        pop, rng, p = self.pop, self.rng, self.w.p
        multi = np.flatnonzero(pop["act_count"] >= 2)
        if m == 0 or len(multi) == 0:
            return
        mover = rng.choice(multi, size=m)
        ts = hour_profile_times(rng, m, p.days, PAY_PROFILE)
        start, cnt = pop["act_start"][mover], pop["act_count"][mover]
        i = (rng.random(m) * cnt).astype(np.int64)
        j = (i + 1 + (rng.random(m) * (cnt - 1)).astype(np.int64)) % cnt
        src, dst = pop["act_acct"][start + i], pop["act_acct"][start + j]
        opened = self.w.accounts.col("opened")
        ok = (opened[src] < ts) & (opened[dst] < ts)
        mover, ts, src, dst = mover[ok], ts[ok], src[ok], dst[ok]
        m = len(mover)
        amount = _baht(rng.lognormal(np.log(5000), 1.0, m), 100)
        self.add(ts, np.where(rng.random(m) < 0.6, TRANSFER, PROMPTPAY).astype(np.int8), src, dst, amount,
                 self.device_of(mover, ts))
        # then spend most of it from the second account: an exchange, family, a shop or a supplier
        on = rng.random(m) < 0.45
        k = int(on.sum())
        t2 = ts[on] + rng.lognormal(np.log(8 * MINUTE), 1.0, k).astype(np.int64)
        where = rng.choice(4, size=k, p=[0.25, 0.35, 0.25, 0.15])
        target = np.select([where == 0, where == 1, where == 2],
                           [rng.choice(pop["exch_acct"], size=k), pop["primary"][rng.integers(0, len(pop["persons"]), k)],
                            rng.choice(pop["merch_acct"], size=k)], rng.choice(pop["sup_acct"], size=k))
        spend = np.round(amount[on] * rng.uniform(0.6, 1.0, k) / 10_000).astype(np.int64) * 10_000
        ok = (t2 < self.w.end) & (spend > 0)
        self.add(t2[ok], np.where(where == 0, CRYPTO_OUT, PROMPTPAY)[ok].astype(np.int8), dst[on][ok], target[ok],
                 spend[ok], self.device_of(mover[on], t2)[ok])
        self.lookalike_accounts.append((np.unique(np.r_[src, dst]), "own_account_shuffle"))

    def savings_circles(self) -> None:
        """Rotating savings groups (share circles): members pay the organiser on a fixed day each month,
        and the organiser pays the whole pot to one member within hours — fan-in then pass-through."""
        pop, rng, p = self.pop, self.rng, self.w.p
        P = len(pop["persons"])
        n = max(1, int(P * p.savings_circles_per_person))
        org = rng.choice(P, size=n, replace=False)
        size = rng.integers(6, 21, size=n)
        member_org = np.repeat(np.arange(n), size)
        members = self.friend_of(org[member_org], 0.15)
        share = rng.choice([500, 1000, 2000, 3000, 5000, 10000], size=n, p=[0.2, 0.3, 0.2, 0.1, 0.15, 0.05])
        day_of_month = rng.integers(0, 28, size=n)
        org_acct = pop["primary"][org]
        for month in range(p.days // 30 + 1):
            day = month * 30 + day_of_month
            live = day[member_org] < p.days
            if not live.any():
                continue
            mo, who = member_org[live], members[live]
            ts = T0 + day[mo].astype(np.int64) * DAY + rng.integers(8 * HOUR, 20 * HOUR, size=len(who))
            self.person_pay(who, org_acct[mo], ts, share[mo].astype(np.int64) * 100,
                            np.full(len(who), PROMPTPAY, np.int8))
            last = np.zeros(n, dtype=np.int64)
            np.maximum.at(last, mo, ts)
            pot = np.bincount(mo, minlength=n) * share
            paying = np.flatnonzero((last > 0) & (pot > 0))
            winner = members[np.searchsorted(member_org, paying) + (month % size[paying])]
            t_pay = last[paying] + rng.integers(10 * MINUTE, 3 * HOUR, size=len(paying))
            ok = t_pay < self.w.end
            paying, winner, t_pay = paying[ok], winner[ok], t_pay[ok]
            self.add(t_pay, np.full(len(paying), PROMPTPAY, np.int8), org_acct[paying], pop["primary"][winner],
                     (pot[paying] * 100).astype(np.int64), self.device_of(org[paying], t_pay))
        self.lookalike_accounts.append((np.unique(org_acct), "savings_circle"))

    def bills(self) -> None:
        pop, rng, p = self.pop, self.rng, self.w.p
        P = len(pop["persons"])
        months = max(1, round(p.days / 30))
        k = rng.choice([0, 1, 2, 3], size=P, p=[0.3, 0.35, 0.25, 0.1]) * months
        payer = np.repeat(np.arange(P), k)
        m = len(payer)
        ts = hour_profile_times(rng, m, p.days, PAY_PROFILE)
        util = rng.choice(pop["util_acct"], size=m)
        amount = _baht(rng.lognormal(np.log(700), 0.6, m), 0.01)
        self.person_pay(payer, util, ts, amount, np.where(rng.random(m) < 0.7, PROMPTPAY, TRANSFER).astype(np.int8))

    # ---- calls and SMS -------------------------------------------------------------------------
    def generate_cdrs(self) -> None:
        w, pop, rng, p = self.w, self.pop, self.rng, self.w.p
        days = p.days
        total = p.honest_cdrs
        n_pool = int(total * rng.uniform(0.06, 0.12))
        n_cc = int(n_pool * rng.uniform(0.3, 0.5))
        n_cour = n_pool - n_cc
        n_friend = total - n_pool
        # friends and family
        caller_p = self.busy_people(n_friend)
        callee_p = self.friend_of(caller_p, 0.15)
        ts = hour_profile_times(rng, n_friend, days, CALL_PROFILE)
        # people with several SIMs use any of them
        sim_i = pop["sim_start"][caller_p] + (rng.random(n_friend) * pop["nsim"][caller_p]).astype(np.int64)
        caller = pop["sims"][sim_i]
        callee = pop["first_sim"][callee_p]
        sms = rng.random(n_friend) < 0.25
        dur = rng.lognormal(np.log(75), 1.0, n_friend).astype(np.int64) + 1
        dur[rng.random(n_friend) < 0.1] = 0
        dur[sms] = 0
        cell = pop["home_cell"][caller_p].copy()
        away = rng.random(n_friend) < 0.2
        cell[away] = rng.integers(0, len(w.cells["cell_id"]), size=int(away.sum()))
        self._add_cdrs(ts, sms.astype(np.int8), caller, -1, callee, dur, cell, self.imei_of(caller_p, ts))
        # courier pools: many short calls to distinct customers in working hours; a few call back
        self._pool_calls(n_cour, pop["cour_sims"], pop["cour_imei"], pop["cour_cell"], 35, inbound=0.08)
        self._pool_calls(n_cc, pop["cc_sims"], pop["cc_imei"], pop["cc_cell"], 60, inbound=0.03)
        # shop owners texting promotions to customers from several prepaid SIMs
        n_sme = int(total * rng.uniform(0.01, 0.03))
        self._pool_calls(n_sme, pop["sme_sims"], pop["sme_imei"], pop["sme_cell"], 30, inbound=0.02, sms_share=0.8)
        self.lookalike_sims.append((pop["sme_sims"], "sme_marketing"))

        self.lookalike_sims.append((pop["cour_sims"], "courier_pool"))
        self.lookalike_sims.append((pop["cc_sims"], "callcentre_pool"))
        multi_people = np.flatnonzero(pop["multi"])
        self.lookalike_sims.append((pop["sims"][np.isin(pop["sim_holder"], multi_people)], "multi_sim"))
        self.lookalike_sims.append((pop["sims"][np.isin(pop["sim_holder"], np.flatnonzero(pop["changer"]))],
                                    "phone_changer"))
        border = np.flatnonzero(np.isin(pop["place"], _border_places()))
        self.lookalike_sims.append((pop["sims"][np.isin(pop["sim_holder"], border)], "border_resident"))

    def _pool_calls(self, n, sims, imeis, cells, median_s, inbound, sms_share: float = 0.3) -> None:
        rng, pop, days = self.rng, self.pop, self.w.p.days
        P = len(pop["persons"])
        k = rng.integers(0, len(sims), size=n)
        ts = hour_profile_times(rng, n, days, WORK_PROFILE)
        customer = rng.integers(0, P, size=n)
        dur = rng.lognormal(np.log(median_s), 0.6, n).astype(np.int64) + 1
        dur[rng.random(n) < 0.2] = 0
        sms = rng.random(n) < sms_share
        dur[sms] = 0
        back = rng.random(n) < inbound
        caller = np.where(back, pop["first_sim"][customer], sims[k])
        callee = np.where(back, sims[k], pop["first_sim"][customer])
        cell = np.where(back, pop["home_cell"][customer], cells[k])
        imei = np.where(back, self.imei_of(customer, ts), imeis[k])
        self._add_cdrs(ts, (sms & ~back).astype(np.int8), caller, -1, callee, dur, cell, imei)

    def _add_cdrs(self, ts, kind, caller, voip, callee, dur, cell, imei) -> None:
        self.cdrs.add(len(ts), ts=ts, kind=kind, caller=caller, voip=voip, callee=callee, duration=dur, cell=cell,
                      imei=imei)


def _border_places() -> np.ndarray:
    from zeroscam.simulate.geo import border_places
    return border_places()


def _accounts_of(world: World, holders: np.ndarray) -> np.ndarray:
    h = world.accounts.col("holder")
    return np.flatnonzero(np.isin(h, holders))
