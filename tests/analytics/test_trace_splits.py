"""Trace: a pool split over layers in one burst; reports that name the paid account but list no transfer."""

from __future__ import annotations


import pandas as pd
import pytest

from test_trace import V1, V2, M1, M2, M3, _ts, plan, report, write_axf
from zeroscam.analytics.trace import TraceConfig, trace_report, trace_reports
from zeroscam.exchange.axf import open_dataset

C, L1, L2, L3 = "030-8100000001", "006-8100000002", "006-8100000003", "004-8100000004"


def test_collector_splitting_its_pool_over_two_layers_in_one_burst_gives_each_victim_to_both(tmp_path):
    # C pools a reporting victim's 30,000 and an unreported payer's 60,000, then pays 50,000 to L1 and
    # 38,000 to L2 two minutes apart. Last in, first out payment by payment gave the whole report to L2 and
    # nothing to L1; the two payments are one decision, so each takes its share of the report's money, and
    # the trail reaches L3, where L1 forwards what it got a day later.
    txns = [("T1", 0, "transfer", V1, C, 30000), ("U1", 60, "transfer", V2, C, 60000),
            ("S1", 600, "transfer", C, L1, 50000), ("S2", 602, "transfer", C, L2, 38000),
            ("F1", 2000, "transfer", L1, L3, 49000), ("X2", 700, "cash_out", L2, None, 38000)]
    reports = [report("R1", [dict(minute=0, src=V1, dst=C, amount=30000, txn_id="T1")], 3000)]
    ds = open_dataset(write_axf(tmp_path / "d", txns, reports))
    followed = plan(trace_reports(ds), "R1")
    # the burst took 88,000: 60,000 of U1 and 28,000 of the report, split 50:38
    assert followed[L1] == pytest.approx(28000 * 50 / 88)
    assert followed[L2] == pytest.approx(28000 * 38 / 88)
    assert followed[L3] == pytest.approx(28000 * 50 / 88 * 49 / 50)
    # two payments hours apart are two decisions: last in, first out as before (the report's money all to L2)
    apart = [t if t[0] != "S2" else ("S2", 900, "transfer", C, L2, 38000) for t in txns]
    ds = open_dataset(write_axf(tmp_path / "apart", apart, reports))
    assert set(plan(trace_reports(ds, ring_linked=False), "R1")) == {C, L2}
    ds = open_dataset(write_axf(tmp_path / "again", txns, reports))
    assert set(plan(trace_reports(ds, ring_linked=False, config=TraceConfig(burst_gap_min=0.0)), "R1")) == {C, L2}


def test_mule_splitting_one_arrival_over_two_layers_forwards_it_whole(tmp_path):
    # one arrival paid on as 60,000 + 38,000 within minutes: all of it is that arrival's money, split 60:38
    txns = [("C0", -500, "cash_in", None, M1, 40000), ("T1", 0, "transfer", V1, M1, 100000),
            ("S1", 10, "transfer", M1, M2, 60000), ("S2", 12, "transfer", M1, M3, 38000)]
    ds = open_dataset(write_axf(tmp_path / "d", txns,
                                [report("R1", [dict(minute=0, src=V1, dst=M1, amount=100000, txn_id="T1")])]))
    assert plan(trace_reports(ds), "R1") == {M1: 100000.0, M2: 60000.0, M3: 38000.0}


def _with_holders(folder, holders: dict[str, str]):
    rows = [{"bank": a.split("-")[0], "account": a.split("-")[1], "holder_id": h, "holder_type": "person",
             "opened_at": "2020-01-01", "status": "active"} for a, h in holders.items()]
    pd.DataFrame(rows).to_csv(folder / "accounts.csv", index=False)
    return folder


def test_report_naming_only_the_paid_account_finds_the_payment_to_a_collector_many_unreported_pay(tmp_path):
    # The victim lists no transfer, only the account she paid (a contact) and her loss. C is paid by 30
    # people who never report, so by its payers it looks like a shop, which the search for a victim's
    # unlisted payments skips; but this report names C, so her payment to it is the reported one.
    txns = [(f"U{i}", -1400 + 40 * i, "transfer", f"030-82000{i:05d}", C, 1000) for i in range(30)]
    txns += [("T1", 0, "transfer", V1, C, 20000), ("S1", 600, "transfer", C, L1, 49000),
             ("X1", 700, "cash_out", L1, None, 49000), ("Z1", 30, "transfer", V1, M3, 300)]
    rec = {"report_id": "R1", "reported_at": _ts(2000), "scam_type": "job", "loss_thb": 20000.0,
           "victim": {"holder_id": "5443466252102"}, "transfers": [],
           "contacts": [{"type": "bank_account", "value": C}]}
    folder = _with_holders(write_axf(tmp_path / "d", txns, [rec]), {V1: "5443466252102", M3: "6161202160610"})
    ds = open_dataset(folder)
    followed = plan(trace_reports(ds), "R1")
    assert followed == {C: 20000.0, L1: 20000.0}
    # the service's new report: the same, with the named account passed in
    fresh = trace_report(ds, "NEW", transfers=[], loss_thb=20000.0, victim_holder_id="5443466252102",
                         reported_at=_ts(2000), named_accounts=[C])
    assert plan(fresh, "NEW") == followed
    # another report naming nothing: her payments to a shop-like account are not a lead
    rec2 = dict(rec, contacts=[])
    folder2 = _with_holders(write_axf(tmp_path / "e", txns, [rec2]), {V1: "5443466252102"})
    assert plan(trace_reports(open_dataset(folder2)), "R1") == {}


def test_business_with_many_customers_named_by_mistake_is_not_followed_though_it_passes_its_takings_on(
        tmp_path):
    # SELLER is paid by 80 customers in the day before a (mistaken) victim pays her, and passes 98 % of it
    # all on the next day to her husband and her supplier. Six customers are victims of other scams (they
    # report payments to M3), so under 10 % of her payers are suspect but more than an endpoint's 5 %. By
    # its sweep alone she looks like a collector; by its payers (very many, hardly any suspect) she is a
    # business: listed, not followed.
    SELLER, HUSBAND, SUPPLIER = "030-8300000001", "030-8300000002", "030-8300000003"

    def world(customers, suspect):
        payers = [f"030-84000{i:05d}" for i in range(customers)]
        txns = [(f"U{i}", -1400 + 17 * i, "transfer", a, SELLER, 40000 / customers) for i, a in enumerate(payers)]
        txns += [(f"X{i}", -3000 + i, "transfer", a, M3, 500) for i, a in enumerate(payers[:suspect])]
        txns += [("T1", 0, "transfer", V1, SELLER, 2000), ("P1", 600, "transfer", SELLER, HUSBAND, 30000),
                 ("P2", 700, "transfer", SELLER, SUPPLIER, 11000)]
        reports = [report("R1", [dict(minute=0, src=V1, dst=SELLER, amount=2000, txn_id="T1")], 2000)]
        reports += [report(f"Q{i}", [dict(minute=-3000 + i, src=a, dst=M3, amount=500, txn_id=f"X{i}")], 2000)
                    for i, a in enumerate(payers[:suspect])]
        return txns, reports

    ds = open_dataset(write_axf(tmp_path / "d", *world(80, 6)))
    assert set(plan(trace_reports(ds), "R1")) == {SELLER}
    # paid by 30 people (a collector's unreported victims are tens, not hundreds) the same sweep is followed
    ds = open_dataset(write_axf(tmp_path / "c", *world(30, 2)))
    assert set(plan(trace_reports(ds, ring_linked=False), "R1")) == {SELLER, HUSBAND}


def test_layer_holding_one_arrival_for_days_then_sending_it_on_is_followed_one_mixing_it_with_pay_is_not(
        tmp_path):
    # M1 forwards the victim's money to L1 at once; L1 keeps it alone for four days (past the 72-hour
    # window of the other rules) and then sends it on to L2: with nothing else in L1, what left is the
    # victim's money, so L2 is on the path. PERSON gets the same forward, but her 30,000 pay arrives in
    # between before she pays 45,000 on: her payment mixes both, and nothing says it is the victim's.
    PERSON = "030-8500000001"
    day = 24 * 60

    def world(acc, extra):
        return [("T1", 0, "transfer", V1, M1, 50000), ("F1", 10, "transfer", M1, acc, 49000),
                ("S1", 4 * day, "transfer", acc, L2, 45000 if extra else 48000)] + extra

    reports = [report("R1", [dict(minute=0, src=V1, dst=M1, amount=50000, txn_id="T1")], 6 * day)]
    ds = open_dataset(write_axf(tmp_path / "l", world(L1, []), reports))
    assert plan(trace_reports(ds, ring_linked=False), "R1") == {M1: 50000.0, L1: 49000.0, L2: 48000.0}
    ds = open_dataset(write_axf(tmp_path / "p", world(PERSON, [("W1", 2 * day, "transfer", M3, PERSON, 30000)]),
                                reports))
    assert set(plan(trace_reports(ds, ring_linked=False), "R1")) == {M1, PERSON}
    # sent on later than the rule looks (here 3 days instead of 14): not followed
    ds = open_dataset(write_axf(tmp_path / "late", world(L1, []), reports))
    assert set(plan(trace_reports(ds, ring_linked=False, config=TraceConfig(max_hold_days=3.0)), "R1")) == {M1, L1}
