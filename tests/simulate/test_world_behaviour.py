"""Every ordinary look-alike and every scam behaviour the simulator promises is in a `small` world.

Checked from the written files and truth/ only, as a detector author would see them.
"""

from __future__ import annotations

import json

from simworld_sql import q, q1

# ---- the shape of ordinary life ---------------------------------------------------------------

def test_scale_small_has_100k_to_200k_transactions(small_db):
    n = q1(small_db, "select count(*) from t")
    assert 100_000 <= n <= 200_000
    assert 100_000 <= q1(small_db, "select count(*) from c") <= 250_000


def test_big_banks_hold_most_accounts_and_operators_follow_market_share(small_db):
    rows = dict(q(small_db, "select bank, count(*) from a where holder_type='person' group by 1"))
    total = sum(rows.values())
    big = sum(rows.get(b, 0) for b in ("004", "014", "002", "006", "025", "011", "030"))
    assert big / total > 0.85
    assert rows["004"] > rows.get("069", 0) * 5
    ops = dict(q(small_db, "select operator, count(*) / sum(count(*)) over () from s group by 1"))
    assert 0.38 < ops["AIS"] < 0.52 and 0.33 < ops["TRUE"] < 0.47 and 0.08 < ops["NT"] < 0.25


def test_people_have_one_to_three_personal_accounts(small_db):
    dist = dict(q(small_db, """select k, count(*) from (select holder_id, count(*) k from a
                               where holder_type='person' group by 1) group by 1"""))
    assert dist[1] > 0 and dist[2] > 0 and dist[3] > 0


def test_online_sellers_fan_in_from_strangers_and_pay_a_supplier_the_same_day(small_db):
    rows = q(small_db, """
        with s as (select account from truth_lookalike_accounts where kind='online_seller'),
        inflow as (select dst, count(distinct src) payers, count(*) n from tx where dst in (select account from s)
                   group by 1),
        same_day as (select i.dst from tx i join tx o on o.src = i.dst and o.channel='transfer'
                     and cast(o.ts as date) = cast(i.ts as date) and o.ts > i.ts
                     where i.dst in (select account from s) group by 1)
        select max(payers), count(*) filter (where dst in (select dst from same_day)) from inflow""")
    max_payers, with_same_day = rows[0]
    assert max_payers >= 50
    assert with_same_day >= 10


def test_salary_pass_through_and_merchants_exist(small_db):
    # pass-through: salary in, then most of it out within a few hours
    n = q1(small_db, """
        with pt as (select account from truth_lookalike_accounts where kind='salary_passthrough'),
        sal as (select dst, ts, amount from tx where channel='transfer' and dst in (select account from pt)
                and amount >= 5000)
        select count(distinct sal.dst) from sal join tx o on o.src = sal.dst and o.ts between sal.ts
               and sal.ts + interval 12 hour
        group by sal.dst, sal.ts, sal.amount having sum(o.amount) >= 0.5 * sal.amount""")
    assert n >= 1
    merch = q1(small_db, """select count(*) from (select dst from tx where channel='card' group by 1
                            having count(distinct src) >= 20)""")
    assert merch >= 5


def test_honest_crypto_buyers_pay_the_same_exchanges_as_cash_out_mules(small_db):
    rows = q(small_db, """
        with ex as (select account from truth_lookalike_accounts where kind='crypto_exchange'),
        scam as (select dst from tx join truth_scam_txns using (txn_id) where kind='crypto_out')
        select count(distinct tx.src), count(distinct tx.dst) from tx where channel='crypto_out'
               and dst in (select account from ex) and dst in (select dst from scam)
               and txn_id not in (select txn_id from truth_scam_txns)""")
    buyers, exchanges = rows[0]
    assert buyers >= 100 and exchanges >= 1


def test_honest_atm_withdrawals_at_the_machine_limit_exist(small_db):
    assert q1(small_db, """select count(*) from tx where channel='cash_out' and amount >= 20000
                           and txn_id not in (select txn_id from truth_scam_txns)""") > 50


def test_phone_changers_get_a_new_imei_and_company_pools_make_short_outbound_calls(small_db):
    changed = q1(small_db, """
        with ch as (select msisdn from truth_lookalike_sims where kind='phone_changer')
        select count(*) from (select caller from c where caller in (select msisdn from ch) and imei is not null
                              group by 1 having count(distinct imei) >= 2)""")
    assert changed >= 5
    pools = q(small_db, """
        with p as (select msisdn, kind from truth_lookalike_sims where kind in ('courier_pool','callcentre_pool'))
        select p.kind, max(k), max(shared) from p join (
             select caller, count(distinct callee) k from c group by 1) x on x.caller = p.msisdn
        join (select caller, max(n) shared from c join (select imei, count(distinct caller) n from c
              where imei is not null group by 1) m using (imei) group by 1) y on y.caller = p.msisdn
        group by 1 order by 1""")
    kinds = {r[0]: r for r in pools}
    assert kinds["courier_pool"][1] >= 100
    assert kinds["callcentre_pool"][2] >= 4   # GSM gateways: several company SIMs per IMEI


def test_multi_sim_holders_and_border_residents(small_db):
    over5 = q1(small_db, """select count(*) from (select holder_id from s where holder_id not like 'C:%'
                            group by 1 having count(*) > 5)""")
    assert over5 >= 1
    honest_border = q1(small_db, """
        select count(distinct c.caller) from c join cells on cells.cell_id = c.cell_id
        where cells.border_km < 20 and c.caller in (select msisdn from truth_lookalike_sims where kind='border_resident')""")
    assert honest_border >= 5


# ---- scam rings ---------------------------------------------------------------------------------

def test_every_scam_type_has_weight_and_investment_or_call_centre_costs_most(small_db):
    rows = dict(q(small_db, "select scam_type, count(*) from truth_victims group by 1"))
    assert rows.get("online_shopping", 0) > 0
    by_loss = q(small_db, """select scam_type, median(cast(loss_thb as double)) m from truth_victims
                             group by 1 order by m desc""")
    assert by_loss[0][0] in ("investment", "call_centre", "malicious_app", "romance")


def test_mule_tiers_and_roles(small_db):
    tiers = dict(q(small_db, "select tier, count(*) from truth_accounts group by 1"))
    roles = dict(q(small_db, "select role, count(*) from truth_accounts group by 1"))
    assert set(tiers) == {"new", "dormant", "nominee_old"}
    assert set(roles) == {"collector", "layer", "cashout"}


def test_dormant_mules_are_silent_before_first_use(small_db):
    busy = q1(small_db, """
        select count(*) from truth_accounts m join tx on (tx.src = m.account or tx.dst = m.account)
        where m.tier='dormant' and tx.ts < cast(m.first_scam_ts as timestamptz)""")
    assert busy == 0
    old = q1(small_db, "select count(*) from truth_accounts where tier='dormant' and opened_at < '2024-01-01'")
    assert old >= 1


def test_sold_account_holders_keep_living_normally(small_db):
    # nominee_old accounts had ordinary use before the sale; their holders keep using other accounts after it
    before = q1(small_db, """
        select count(distinct m.account) from truth_accounts m join tx on tx.src = m.account or tx.dst = m.account
        where m.tier='nominee_old' and tx.ts < cast(m.sold_at as timestamptz)""")
    assert before >= 1
    after = q1(small_db, """
        select count(distinct m.holder_id) from truth_accounts m join a on a.holder_id = m.holder_id
             and a.acct <> m.account
        join tx on tx.src = a.acct and tx.ts > cast(m.sold_at as timestamptz)
        where m.tier in ('nominee_old', 'dormant')""")
    assert after >= 1
    kinds = dict(q(small_db, "select nominee_kind, count(*) from truth_holders where role='nominee' group by 1"))
    assert kinds.get("new", 0) > 0 and kinds.get("sold_account", 0) > 0


def test_new_nominees_open_accounts_at_several_banks_within_days(small_db):
    n = q1(small_db, """
        select count(*) from (select a.holder_id from a join truth_holders h using (holder_id)
        where h.nominee_kind = 'new' group by 1
        having count(distinct bank) >= 2 and max(cast(opened_at as timestamptz)) - min(cast(opened_at as timestamptz))
               <= interval 7 day)""")
    assert n >= 3


def test_test_credits_precede_first_use(small_db):
    rows = q(small_db, """
        with tc as (select tx.dst, min(tx.ts) ts from truth_scam_txns s join tx using (txn_id)
                    where s.kind='test_credit' group by 1),
        first_real as (select tx.dst, min(tx.ts) ts from truth_scam_txns s join tx using (txn_id)
                       where s.kind in ('victim_payment','layer') group by 1)
        select count(*), count(*) filter (where tc.ts < f.ts),
               max(amount) from tc join first_real f using (dst)
        cross join (select max(cast(amount as double)) amount from truth_scam_txns where kind='test_credit')""")
    n, before, biggest = rows[0]
    assert n >= 10 and before == n and biggest <= 10


def test_layering_crosses_banks_quickly_and_leaves_a_cut(small_db):
    cross = q(small_db, """select avg(case when split_part(src,'-',1) <> split_part(dst,'-',1) then 1 else 0 end)
                           from tx join truth_scam_txns s using (txn_id) where s.kind='layer'""")[0][0]
    assert cross > 0.7
    # minutes, with a tail to hours: delay from a victim's payment to the collector's next move of that money
    delays = q(small_db, """
        with v as (select s.victim_id, tx.dst, tx.ts from truth_scam_txns s join tx using (txn_id)
                   where s.kind='victim_payment'),
        nxt as (select v.victim_id, v.ts, min(tx.ts) nts from v join truth_scam_txns s on s.victim_id = v.victim_id
                and s.kind = 'layer' join tx on tx.txn_id = s.txn_id and tx.src = v.dst and tx.ts >= v.ts
                group by 1, 2)
        select median(epoch(nts - ts)), quantile_cont(epoch(nts - ts), 0.95) from nxt""")[0]
    assert 60 <= delays[0] <= 3600
    assert delays[1] > delays[0] * 3
    kept = q1(small_db, """
        with f as (select tx.src, tx.dst, tx.amount from truth_scam_txns s join tx using (txn_id)
                   where s.kind <> 'test_credit'),
        bal as (select acct, sum(x) b from (select dst acct, amount x from f union all
                select src, -amount from f) where acct is not null group by 1)
        select count(*) from bal join truth_accounts m on m.account = bal.acct where b > 0""")
    assert kept >= 10


def test_cash_out_in_atm_limit_chunks_and_to_crypto(small_db):
    chunks = dict(q(small_db, """select cast(tx.amount as int), count(*) from truth_scam_txns s join tx using (txn_id)
                                 where s.kind='cashout_atm' group by 1"""))
    # cash leaves in machine-limit chunks, and what is left under a chunk in round thousands
    assert sum(v for k, v in chunks.items() if k in (20000, 30000, 50000)) > 0
    assert all(k % 1000 == 0 for k in chunks)
    over = q1(small_db, """select count(*) from truth_scam_txns s join tx using (txn_id)
                           join truth_rings r on r.ring_id = s.ring_id
                           where s.kind='cashout_atm' and tx.amount > cast(r.atm_chunk_thb as double)""")
    assert over == 0
    assert q1(small_db, "select count(*) from truth_scam_txns where kind='crypto_out'") > 0 or \
        q1(small_db, "select count(*) from truth_rings where cashout='crypto'") == 0


def test_rings_share_devices_across_mule_accounts(small_db):
    n = q1(small_db, """
        select count(*) from (select tx.src_device, m.ring_id from tx join truth_accounts m on m.account = tx.src
        where tx.src_device is not null group by 1, 2 having count(distinct m.account) >= 3)""")
    assert n >= 3


def test_sim_farms_burst_registered_on_shared_handsets_blasting_strangers(small_db):
    shared = q1(small_db, """
        select count(*) from (select c.imei from c join truth_sims r on r.msisdn = c.caller
        where r.role='farm_sim' group by 1 having count(distinct c.caller) >= 5)""")
    assert shared >= 3
    burst = q(small_db, """select ring_id, epoch(max(cast(registered_at as timestamptz)) -
                                      min(cast(registered_at as timestamptz))) / 86400
                           from truth_sims where role='farm_sim' group by 1""")
    assert min(days for _, days in burst) <= 3
    # most ring SIMs were registered days, not years, before their first use
    recent = q1(small_db, """select avg(case when cast(first_use_ts as timestamptz) - cast(registered_at as timestamptz)
                               <= interval 30 day then 1 else 0 end) from truth_sims
                               where role='farm_sim' and first_use_ts is not null""")
    assert recent > 0.5
    out_in = q(small_db, """
        with f as (select msisdn from truth_sims where role='farm_sim')
        select sum(case when caller in (select msisdn from f) then 1 else 0 end),
               sum(case when callee in (select msisdn from f) then 1 else 0 end) from c""")[0]
    out, inbound = out_in
    assert inbound < 0.1 * out
    # each farm SIM reaches mostly distinct strangers
    distinct = q1(small_db, """select median(k / n) from (select caller, count(distinct callee) k, count(*) n from c
                               where caller in (select msisdn from truth_sims where role='farm_sim') group by 1)""")
    assert distinct > 0.9
    near = q1(small_db, """select count(*) from truth_rings where cast(farm_border_km as double) < 20""")
    city = q1(small_db, """select count(*) from truth_rings where cast(farm_border_km as double) >= 20""")
    assert near >= 1 and city >= 1


def test_foreign_voip_callers(small_db):
    n = q1(small_db, "select count(*) from c where caller like '+697%'")
    assert n > 0
    assert q1(small_db, "select count(*) from c where caller like '+697%' and (cell_id is not null or imei is not null)") == 0
    assert q1(small_db, "select count(*) from truth_sims where role='voip' and msisdn like '+697%'") > 0


def test_victims_age_profile_and_under_reporting(small_db):
    ages = dict(q(small_db, "select scam_type, avg(cast(age as int)) from truth_victims group by 1"))
    young = [ages[k] for k in ("job", "online_shopping") if k in ages]
    old = [ages[k] for k in ("call_centre", "investment") if k in ages]
    assert young and old and max(young) < min(old)
    share = q1(small_db, "select avg(cast(reported as int)) from truth_victims")
    assert 0.1 < share < 0.9
    multi = q1(small_db, "select count(*) from truth_victims where cast(payments as int) > 1")
    assert multi > 0
    # loss = sum of the victim's payments
    bad = q1(small_db, """select count(*) from truth_victims v join (select victim_id, sum(cast(amount as double)) s
                          from truth_scam_txns where kind='victim_payment' group by 1) p using (victim_id)
                          where abs(p.s - cast(v.loss_thb as double)) > 0.005""")
    assert bad == 0


def test_reports_as_people_write_them(small_world, small_db):
    reports = [json.loads(line) for line in (small_world / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    transfers = [t for r in reports for t in r["transfers"]]
    assert any("txn_id" in t for t in transfers) and any("txn_id" not in t for t in transfers)
    forms = {("dash" if "-" in t["to_account"] else "space" if " " in t["to_account"] else "plain") for t in transfers}
    assert forms == {"dash", "space", "plain"}
    thai = sum(1 for r in reports if any("\u0e00" <= ch <= "\u0e7f" for ch in r["narrative"]))
    assert 0 < thai < len(reports)
    phones = [c["value"] for r in reports for c in r["contacts"] if c["type"] == "phone"]
    assert phones
    delays = q(small_db, """select median(epoch(cast(reported_at as timestamptz) - p.last)) / 3600 from truth_victims v
                            join (select victim_id, max(tx.ts) last from truth_scam_txns s join tx using (txn_id)
                                  where kind='victim_payment' group by 1) p using (victim_id)
                            where reported = '1'""")[0][0]
    assert 4 <= delays <= 72


def test_mistaken_reports_name_honest_sellers(small_db):
    rows = q(small_db, """select r.target_account, l.kind from truth_reports r
                          left join truth_lookalike_accounts l on l.account = r.target_account and l.kind='online_seller'
                          where r.mistaken = '1'""")
    assert rows and all(kind == "online_seller" for _, kind in rows)
    assert q1(small_db, """select count(*) from truth_reports r join truth_accounts m on m.account = r.target_account
                           where r.mistaken='1'""") == 0


def test_truth_is_consistent_with_the_files(small_db):
    assert q1(small_db, "select count(*) from truth_scam_txns where txn_id not in (select txn_id from t)") == 0
    # the endpoints and times truth repeats are those of transactions.csv
    assert q1(small_db, """select count(*) from truth_scam_txns_full s join tx using (txn_id)
                           where s.src is distinct from tx.src or s.dst is distinct from tx.dst
                              or cast(s.ts as timestamptz) <> tx.ts""") == 0
    assert q1(small_db, "select count(*) from truth_accounts where account not in (select acct from a)") == 0
    assert q1(small_db, """select count(*) from truth_sims where role <> 'voip'
                           and msisdn not in (select phone from s)""") == 0
    assert q1(small_db, "select count(*) from truth_lookalike_accounts where account in (select account from truth_accounts)") == 0
    assert q1(small_db, "select count(*) from rep") == q1(small_db, "select count(*) from truth_reports")


def test_honest_shared_devices_and_multi_bank_openers(small_db):
    shared = q1(small_db, """
        select count(*) from (select tx.src_device from tx join a on a.acct = tx.src
        where tx.src in (select account from truth_lookalike_accounts where kind='shared_device')
        group by 1 having count(distinct a.holder_id) >= 2)""")
    assert shared >= 5
    openers = q1(small_db, """
        select count(*) from (select a.holder_id from a join truth_lookalike_accounts l on l.account = a.acct
        where l.kind = 'new_account' group by 1 having count(distinct a.bank) >= 2
        and max(cast(opened_at as timestamptz)) - min(cast(opened_at as timestamptz)) <= interval 5 day)""")
    assert openers >= 3


def test_some_new_mule_accounts_carry_a_little_ordinary_use(small_db):
    n = q1(small_db, """select count(distinct m.account) from truth_accounts m join tx on tx.src = m.account
                        or tx.dst = m.account where m.tier = 'new'
                        and tx.txn_id not in (select txn_id from truth_scam_txns)""")
    assert n >= 3


def test_savings_circles_and_sme_marketing_sims(small_db):
    # organisers: many friends pay one round amount on one day, the pot leaves within hours
    n = q1(small_db, """
        with o as (select account from truth_lookalike_accounts where kind='savings_circle'),
        inflow as (select dst, cast(ts as date) d, count(distinct src) k, sum(amount) total from tx
                   where dst in (select account from o) group by 1, 2 having count(distinct src) >= 5)
        select count(*) from inflow join tx on tx.src = inflow.dst and cast(tx.ts as date) = inflow.d
        and tx.amount = inflow.total""")
    assert n >= 3
    sme = q1(small_db, """select count(*) from (select c.caller from c where c.caller in
                          (select msisdn from truth_lookalike_sims where kind='sme_marketing') and kind='sms'
                          group by 1 having count(distinct callee) >= 10)""")
    assert sme >= 3


def test_rings_differ_in_size_and_some_go_unreported(small_db):
    sizes = [int(v) for (v,) in q(small_db, "select victims from truth_rings")]
    assert max(sizes) >= 3 * max(1, min(sizes))


def test_honest_short_chains_dropshippers_and_own_account_moves(small_db):
    drop = q1(small_db, """
        with d as (select account from truth_lookalike_accounts where kind='dropshipper')
        select count(*) from tx i join tx o on o.src = i.dst and o.ts between i.ts and i.ts + interval 2 hour
        and o.amount < i.amount and o.amount >= 0.6 * i.amount where i.dst in (select account from d)""")
    assert drop >= 50
    chains = q1(small_db, """
        select count(*) from tx i join a ai on ai.acct = i.src join a ao on ao.acct = i.dst
        join tx o on o.src = i.dst and o.ts between i.ts and i.ts + interval 1 hour
        where ai.holder_id = ao.holder_id and ai.bank <> ao.bank
        and i.txn_id not in (select txn_id from truth_scam_txns)""")
    assert chains >= 50
