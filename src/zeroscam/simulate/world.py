"""The people, companies, accounts, SIMs, handsets and cells of one world."""

from __future__ import annotations

import numpy as np

from zeroscam.simulate import geo
from zeroscam.simulate.params import BANK_SHARE, BANKS, WorldParams
from zeroscam.simulate.registry import DAY, HOUR, T0, YEAR, Columns, UniqueInts, luhn_check, thai_id_check

PERSON, COMPANY = 0, 1
# company kinds
EMPLOYER, MERCHANT_CO, SUPPLIER, UTILITY, EXCHANGE, COURIER, CALLCENTRE, BANK_ITSELF = range(8)


class World:
    """Registries of every entity plus the lookups the generators need."""

    def __init__(self, params: WorldParams, rng: np.random.Generator, cells_per_weight: float):
        self.p = params
        self.rng = rng
        self.end = T0 + params.days * DAY
        self.holders = Columns(kind=np.int8, birth_year=np.int32, place=np.int64, idnum=np.int64,
                               company_kind=np.int8)
        self.accounts = Columns(number=np.int64, bank=np.int16, holder=np.int64, opened=np.int64, kyc=np.int8,
                                place=np.int64, status=np.int8)
        self.sims = Columns(msisdn=np.int64, operator=np.int8, holder=np.int64, registered=np.int64,
                            sim_type=np.int8, status=np.int8)
        self.n_devices = 0
        self.n_imeis = 0
        self.acct_numbers = UniqueInts(1_000_000_000, 10_000_000_000)
        self.msisdns = UniqueInts(600_000_000, 1_000_000_000)
        self.person_ids = UniqueInts(100_000_000_000, 900_000_000_000)
        self.company_ids = UniqueInts(105_500_000_000, 105_570_000_000)
        self.cells = geo.make_cells(rng, cells_per_weight)

    # ---- identifiers -------------------------------------------------------------------------
    def new_devices(self, n: int) -> np.ndarray:
        out = np.arange(self.n_devices, self.n_devices + n, dtype=np.int64)
        self.n_devices += n
        return out

    def new_imeis(self, n: int) -> np.ndarray:
        out = np.arange(self.n_imeis, self.n_imeis + n, dtype=np.int64)
        self.n_imeis += n
        return out

    def new_msisdns(self, n: int) -> np.ndarray:
        # mobile numbers start 06, 08 or 09: draw within 6xx, 8xx, 9xx ranges
        first = self.rng.choice(np.array([6, 8, 9]), size=n, p=[0.3, 0.4, 0.3])
        out = np.empty(n, dtype=np.int64)
        for d in (6, 8, 9):
            m = first == d
            out[m] = self.msisdns.draw(self.rng, int(m.sum()), d * 100_000_000, (d + 1) * 100_000_000)
        return out

    def add_persons(self, n: int, birth_year, place) -> np.ndarray:
        first12 = self.person_ids.draw(self.rng, n)
        # first digit 1..8 (registered Thai nationals), from the drawn range's leading digit
        idnum = first12 * 10 + thai_id_check(first12)
        return self.holders.add(n, kind=PERSON, birth_year=birth_year, place=place, idnum=idnum,
                                company_kind=-1)

    def add_companies(self, n: int, kind: int, place) -> np.ndarray:
        idnum = self.company_ids.draw(self.rng, n)  # written as C:0 + 12 digits
        return self.holders.add(n, kind=COMPANY, birth_year=0, place=place, idnum=idnum, company_kind=kind)

    def add_accounts(self, holder, bank, opened, kyc, place) -> np.ndarray:
        holder = np.asarray(holder, dtype=np.int64)
        n = len(holder)
        number = self.acct_numbers.draw(self.rng, n)
        return self.accounts.add(n, number=number, bank=bank, holder=holder, opened=opened, kyc=kyc,
                                 place=place, status=0)

    def add_sims(self, holder, operator, registered, sim_type) -> np.ndarray:
        holder = np.asarray(holder, dtype=np.int64)
        return self.sims.add(len(holder), msisdn=self.new_msisdns(len(holder)), operator=operator,
                             holder=holder, registered=registered, sim_type=sim_type, status=0)

    def draw_banks(self, n: int) -> np.ndarray:
        return self.rng.choice(len(BANKS), size=n, p=BANK_SHARE / BANK_SHARE.sum()).astype(np.int16)

    def draw_operators(self, n: int) -> np.ndarray:
        share = np.array(self.p.operator_share)
        return self.rng.choice(3, size=n, p=share / share.sum()).astype(np.int8)

    def cell_in_place(self, place: np.ndarray) -> np.ndarray:
        """A random cell of each given place."""
        order = np.argsort(self.cells["place"], kind="stable")
        cp = self.cells["place"][order]
        start = np.searchsorted(cp, place, side="left")
        count = np.searchsorted(cp, place, side="right") - start
        return order[start + (self.rng.random(len(place)) * count).astype(np.int64)]

    # ---- lookups finished at the end ---------------------------------------------------------
    def imei_strings(self) -> np.ndarray:
        tac = self.rng.choice(np.array([35693803, 35332510, 86769104, 35467311, 35209900, 86891505, 35875910,
                                        35404910]), size=self.n_imeis)
        serial = self.rng.integers(0, 1_000_000, size=self.n_imeis)
        first14 = tac * 1_000_000 + serial
        full = first14 * 10 + luhn_check(first14)
        return full.astype(str)

    def device_strings(self) -> np.ndarray:
        raw = self.rng.integers(0, 2**48, size=self.n_devices, dtype=np.int64)
        return np.char.add("dev-", np.char.zfill(np.char.mod("%x", raw).astype(str), 12)).astype(object)


def build_population(world: World) -> dict:
    """People (with circles, homes, accounts, SIMs, handsets) and the companies they deal with."""
    rng, p = world.rng, world.p
    P = p.persons
    place = rng.choice(len(geo.PROVINCES), size=P, p=geo.place_weights())
    ages = np.clip(rng.gamma(6.0, 7.0, size=P) + 14, 18, 85).astype(np.int64)
    birth_year = 2025 - ages
    persons = world.add_persons(P, birth_year, place)
    # social circles: people of the same place, in groups of ~20-60
    order = np.lexsort((rng.random(P), place))
    circle_size = rng.integers(20, 60)
    community = np.empty(P, dtype=np.int64)
    community[order] = np.arange(P) // circle_size
    comm_order = np.argsort(community, kind="stable")
    comm_start = np.searchsorted(community[comm_order], np.arange(community.max() + 1))
    comm_count = np.bincount(community, minlength=community.max() + 1)

    # accounts: 1..3 each; the first is the primary (PromptPay-linked) one
    k = rng.choice(3, size=P, p=np.array(p.accounts_per_person) / sum(p.accounts_per_person)) + 1
    holder = np.repeat(persons, k)
    nacc = len(holder)
    first_of_person = np.r_[True, holder[1:] != holder[:-1]]
    opened = T0 - rng.integers(60 * DAY, 15 * YEAR, size=nacc)
    kyc = rng.choice(3, size=nacc, p=[0.55, 0.4, 0.05]).astype(np.int8)
    accts = world.add_accounts(holder, world.draw_banks(nacc), opened, kyc, place[holder])
    dormant = (~first_of_person) & (rng.random(nacc) < p.dormant_account_share * 2)
    primary = accts[first_of_person]

    # a few open a new account inside the window (honest "new account" look-alike)
    new_owner = persons[rng.random(P) < p.new_account_share]
    new_open = T0 + rng.integers(0, p.days * DAY * 3 // 4, size=len(new_owner))
    # a third of them open a second account at another bank within days (a new job, a new school)
    second = new_owner[rng.random(len(new_owner)) < 0.33]
    second_open = new_open[np.isin(new_owner, second)] + rng.integers(HOUR, 4 * DAY, size=len(second))
    new_owner = np.concatenate([new_owner, second])
    new_open = np.concatenate([new_open, second_open])
    new_accts = world.add_accounts(new_owner, world.draw_banks(len(new_owner)), new_open,
                                   np.full(len(new_owner), 1, np.int8), place[new_owner])

    # active accounts per person, grouped: (start, count) into act_list
    act_holder = np.concatenate([holder[~dormant], new_owner])
    act_acct = np.concatenate([accts[~dormant], new_accts])
    o = np.argsort(act_holder, kind="stable")
    act_holder, act_acct = act_holder[o], act_acct[o]
    act_start = np.searchsorted(act_holder, persons)
    act_count = np.searchsorted(act_holder, persons, side="right") - act_start

    # handsets and app devices; some change phones in the window
    dev1 = world.new_devices(P)
    imei1 = world.new_imeis(P)
    changer = rng.random(P) < p.phone_change_share
    change_ts = np.full(P, np.iinfo(np.int64).max)
    change_ts[changer] = T0 + rng.integers(DAY, p.days * DAY, size=int(changer.sum()))
    # families share a phone or tablet for banking: the device of someone in the same circle
    sharer = np.flatnonzero(rng.random(P) < 0.03)
    lender = comm_order[comm_start[community[sharer]] + (rng.random(len(sharer)) * comm_count[community[sharer]]
                                                         ).astype(np.int64)]
    dev1[sharer] = dev1[lender]
    shared_device_people = np.unique(np.r_[sharer[lender != sharer], lender[lender != sharer]])
    dev2 = dev1.copy()
    dev2[changer] = world.new_devices(int(changer.sum()))
    imei2 = imei1.copy()
    imei2[changer] = world.new_imeis(int(changer.sum()))

    # SIMs: one each; some hold several (a few more than five)
    extra = np.zeros(P, dtype=np.int64)
    multi = rng.random(P) < p.multi_sim_share
    extra[multi] = rng.choice([1, 1, 1, 2, 2, 3, 5, 7], size=int(multi.sum()))
    nsim = 1 + extra
    sim_holder = np.repeat(persons, nsim)
    ns = len(sim_holder)
    sim_reg = T0 - rng.integers(30 * DAY, 12 * YEAR, size=ns)
    sims = world.add_sims(sim_holder, world.draw_operators(ns), sim_reg,
                          (rng.random(ns) < 0.3).astype(np.int8))
    sim_start = np.searchsorted(sim_holder, persons)
    first_sim = sims[sim_start]

    home_cell = world.cell_in_place(place)

    # companies
    def companies(n, kind, places, banks_each=1):
        ids = world.add_companies(n, kind, places)
        h = np.repeat(ids, banks_each)
        a = world.add_accounts(h, world.draw_banks(len(h)), T0 - rng.integers(YEAR, 20 * YEAR, size=len(h)),
                               np.zeros(len(h), np.int8), np.repeat(places, banks_each))
        return ids, a

    bkk = np.zeros(1, dtype=np.int64)
    n_emp = max(3, P // 60)
    employers, emp_acct = companies(n_emp, EMPLOYER, rng.choice(len(geo.PROVINCES), n_emp, p=geo.place_weights()))
    n_sup = max(3, P // 250)
    _, sup_acct = companies(n_sup, SUPPLIER, rng.choice(len(geo.PROVINCES), n_sup, p=geo.place_weights()))
    _, util_acct = companies(6, UTILITY, np.repeat(bkk, 6))
    exchanges, exch_acct = companies(3, EXCHANGE, np.repeat(bkk, 3))
    couriers, _ = companies(3, COURIER, np.repeat(bkk, 3))
    callcentres, _ = companies(2, CALLCENTRE, np.repeat(bkk, 2))
    # merchants: shops (companies) and sole traders (a person's extra shop account)
    n_merch = max(4, int(P * p.merchant_per_person))
    n_merch_co = n_merch * 2 // 5
    _, merch_co_acct = companies(n_merch_co, MERCHANT_CO, rng.choice(len(geo.PROVINCES), n_merch_co,
                                                                      p=geo.place_weights()))
    trader = rng.choice(persons, size=n_merch - n_merch_co, replace=False)
    trader_acct = world.add_accounts(trader, world.draw_banks(len(trader)),
                                     T0 - rng.integers(90 * DAY, 10 * YEAR, size=len(trader)),
                                     np.zeros(len(trader), np.int8), place[trader])
    merch_acct = np.concatenate([merch_co_acct, trader_acct])
    # online sellers: a person selling online, using one of their accounts
    n_sell = max(3, int(P * p.seller_share))
    seller = rng.choice(persons, size=n_sell, replace=False)
    seller_acct = act_acct[act_start[seller] + (rng.random(n_sell) * act_count[seller]).astype(np.int64)]
    seller_supplier = rng.choice(sup_acct, size=n_sell)

    # company SIM pools: couriers (own handsets) and call centres (GSM gateways: many SIMs per IMEI)
    ncour = p.courier_pool_sims
    cour_holder = rng.choice(couriers, size=ncour)
    cour_sims = world.add_sims(cour_holder, world.draw_operators(ncour),
                               T0 - rng.integers(10 * DAY, 5 * YEAR, size=ncour), np.ones(ncour, np.int8))
    cour_imei = world.new_imeis(ncour)
    ncc = p.callcentre_pool_sims
    cc_sims = world.add_sims(rng.choice(callcentres, size=ncc), world.draw_operators(ncc),
                             T0 - rng.integers(10 * DAY, 5 * YEAR, size=ncc), np.ones(ncc, np.int8))
    cc_imei = world.new_imeis((ncc + 7) // 8)[np.arange(ncc) // 8]
    # shop owners with several prepaid SIMs for customer messages, on one or two handsets
    n_sme = max(1, int(P * p.sme_marketing_per_person))
    sme_owner = rng.choice(persons, size=n_sme, replace=False)
    per_owner = rng.integers(3, 9, size=n_sme)
    sme_holder = np.repeat(sme_owner, per_owner)
    base = np.repeat(T0 - rng.integers(2 * DAY, 2 * YEAR, size=n_sme), per_owner)
    sme_sims = world.add_sims(sme_holder, world.draw_operators(len(sme_holder)),
                              base + rng.integers(0, 5 * DAY, size=len(sme_holder)), np.zeros(len(sme_holder), np.int8))
    handsets = world.new_imeis(2 * n_sme)
    owner_i = np.repeat(np.arange(n_sme), per_owner)
    sme_imei = handsets[2 * owner_i + (rng.random(len(owner_i)) < 0.3)]
    sme_cell = home_cell[sme_holder]
    bkk_cells = np.flatnonzero(world.cells["place"] == 0)
    cour_cell = rng.choice(np.flatnonzero(np.isin(world.cells["place"], geo.city_places())), size=ncour)
    cc_cell = np.repeat(rng.choice(bkk_cells), ncc)

    # company accounts pay from one app/corporate-banking session each
    acct_dev = np.full(world.accounts.n, -1, dtype=np.int64)
    co = world.holders.col("kind")[world.accounts.col("holder")] == COMPANY
    acct_dev[co] = world.new_devices(int(co.sum()))
    trader_owner_dev = dev1[trader]
    acct_dev[trader_acct] = trader_owner_dev

    return {
        "acct_dev": acct_dev, "persons": persons, "shared_device_people": shared_device_people, "place": place, "birth_year": birth_year, "community": community, "comm_order": comm_order,
        "comm_start": comm_start, "comm_count": comm_count, "primary": primary, "act_acct": act_acct, "act_start": act_start,
        "act_count": act_count, "dev1": dev1, "dev2": dev2, "imei1": imei1, "imei2": imei2, "change_ts": change_ts,
        "changer": changer, "sims": sims, "sim_holder": sim_holder, "sim_start": sim_start, "nsim": nsim, "first_sim": first_sim,
        "multi": multi, "home_cell": home_cell, "employers": employers, "emp_acct": emp_acct, "sup_acct": sup_acct,
        "util_acct": util_acct, "exchanges": exchanges, "exch_acct": exch_acct, "merch_acct": merch_acct,
        "trader": trader, "seller": seller, "seller_acct": seller_acct, "seller_supplier": seller_supplier,
        "cour_sims": cour_sims, "cour_imei": cour_imei, "cour_cell": cour_cell, "cc_sims": cc_sims, "cc_imei": cc_imei,
        "cc_cell": cc_cell, "sme_sims": sme_sims, "sme_imei": sme_imei, "sme_cell": sme_cell, "dormant_accts": accts[dormant], "new_accts": new_accts, "company_dev": None,
    }
