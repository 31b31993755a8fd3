"""Trace: freeze plans from victim reports, on small AXF folders read by the real reader."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zeroscam.analytics.trace import TraceConfig, TraceIndex, to_output, trace_report, trace_reports
from zeroscam.exchange.axf import open_dataset

TINY = Path(__file__).resolve().parents[3] / "shared" / "examples" / "tiny"
T0 = datetime(2025, 3, 1, 10, 0)  # Bangkok wall time


def _ts(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat() + "+07:00"


def write_axf(folder: Path, txns: list[tuple], reports: list[dict]) -> Path:
    """txns: (txn_id, minute, channel, src 'BBB-DIGITS'|None, dst|None, amount)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for tid, minute, channel, src, dst, amount in txns:
        sb, sa = src.split("-") if src else ("", "")
        db, da = dst.split("-") if dst else ("", "")
        rows.append({"txn_id": tid, "ts": _ts(minute), "channel": channel, "src_bank": sb, "src_account": sa,
                     "dst_bank": db, "dst_account": da, "amount": f"{amount:.2f}"})
    pd.DataFrame(rows, columns=["txn_id", "ts", "channel", "src_bank", "src_account", "dst_bank",
                                "dst_account", "amount"]).to_csv(folder / "transactions.csv", index=False)
    with open(folder / "reports.jsonl", "w") as f:
        for r in reports:
            f.write(json.dumps(r) + "\n")
    return folder


def report(rid: str, transfers: list[dict], minute: float = 600) -> dict:
    out = []
    for t in transfers:
        item = {"ts": _ts(t["minute"]), "from_bank": t["src"].split("-")[0], "from_account": t["src"].split("-")[1],
                "to_bank": t["dst"].split("-")[0], "to_account": t["dst"].split("-")[1], "amount": t["amount"]}
        if t.get("txn_id"):
            item["txn_id"] = t["txn_id"]
        out.append(item)
    return {"report_id": rid, "reported_at": _ts(minute), "scam_type": "call_centre",
            "loss_thb": sum(t["amount"] for t in transfers), "transfers": out}


V1, V2, V3 = "004-1000000001", "004-1000000002", "004-1000000003"
M1, M2, M3 = "014-2000000001", "006-2000000002", "002-2000000003"
SHOP, CAFE, EXCH = "025-3000000001", "011-3000000002", "014-9000000009"


def plan(frame: pd.DataFrame, rid: str) -> dict[str, float]:
    sub = frame[frame["report_id"] == rid]
    return {f"{b}-{a}": float(v) for b, a, v in zip(sub["bank"], sub["account"], sub["traced_thb"])}


def test_tiny_example_follows_to_the_atm(tmp_path):
    ds = open_dataset(TINY)
    frame = trace_reports(ds)
    assert plan(frame, "R-000123") == {"014-9876543210": 35000.0, "006-5550001112": 34000.0}
    row = frame[frame["account"] == "5550001112"].iloc[0]
    assert row["hop"] == 2 and row["held_thb"] == pytest.approx(500.0)
    assert row["cashed_out_thb"] == pytest.approx(33500.0)
    out = to_output(frame)
    assert list(out.columns) == ["report_id", "hop", "bank", "account", "traced_thb", "first_in_ts"]
    assert out["first_in_ts"].tolist() == ["2025-03-01T21:40:00+07:00", "2025-03-01T21:44:10+07:00"]


def test_mule_with_old_savings_still_passes_victim_money_on(tmp_path):
    # a bought account with years of savings: the money that just arrived is the money that leaves
    txns = [("S1", -100000, "cash_in", None, M1, 100000), ("T1", 0, "transfer", V1, M1, 30000),
            ("T2", 5, "transfer", M1, M2, 29000), ("T3", 9, "cash_out", M2, None, 29000)]
    ds = open_dataset(write_axf(tmp_path / "d", txns, [report("R1", [dict(minute=0, src=V1, dst=M1,
                                                                          amount=30000, txn_id="T1")])]))
    frame = trace_reports(ds)
    assert plan(frame, "R1") == {M1: 30000.0, M2: 29000.0}
    held = dict(zip(frame["account"], frame["held_thb"]))
    assert held[M1.split("-")[1]] == pytest.approx(1000.0)
    assert held[M2.split("-")[1]] == pytest.approx(0.0)


def test_pooled_account_does_not_smear_victims_and_money_moves_forward_only(tmp_path):
    txns = [("E0", -30, "transfer", M1, M3, 5000),        # before any victim money: not traced
            ("C0", -60, "cash_in", None, M1, 5000),
            ("T1", 0, "transfer", V1, M1, 10000), ("F1", 5, "transfer", M1, M2, 10000),
            ("T2", 60, "transfer", V2, M1, 20000), ("F2", 65, "transfer", M1, SHOP, 20000)]
    reports = [report("R1", [dict(minute=0, src=V1, dst=M1, amount=10000, txn_id="T1")]),
               report("R2", [dict(minute=60, src=V2, dst=M1, amount=20000, txn_id="T2")])]
    ds = open_dataset(write_axf(tmp_path / "d", txns, reports))
    frame = trace_reports(ds)
    assert plan(frame, "R1") == {M1: 10000.0, M2: 10000.0}
    assert plan(frame, "R2") == {M1: 20000.0, SHOP: 20000.0}
    assert M3.split("-")[1] not in set(frame["account"])


def test_cash_crypto_merchants_and_small_spending_end_the_path(tmp_path):
    txns = [("T1", 0, "transfer", V1, M1, 50000), ("F1", 3, "crypto_out", M1, EXCH, 20000),
            ("F2", 4, "card", M1, CAFE, 80), ("F3", 5, "transfer", M1, SHOP, 15000),
            ("F4", 6, "cash_out", M1, None, 14920)]
    # SHOP is a merchant: paid by very many distinct customers, none of them victims
    for i in range(80):
        txns.append((f"P{i}", -1000 + i, "card", f"030-40000{i:05d}", SHOP, 300))
    ds = open_dataset(write_axf(tmp_path / "d", txns,
                                [report("R1", [dict(minute=0, src=V1, dst=M1, amount=50000, txn_id="T1")])]))
    frame = trace_reports(ds)
    assert plan(frame, "R1") == {M1: 50000.0}
    row = frame.iloc[0]
    assert row["crypto_thb"] == pytest.approx(20000.0)
    assert row["cashed_out_thb"] == pytest.approx(14920.0)


def test_report_without_txn_id_matches_the_closest_transfer(tmp_path):
    # the victim remembers 21:00 and 35,000; the real one was 35,012 at 19:10; a farther one also fits
    txns = [("A", 0, "transfer", V1, M1, 35012), ("B", 600, "transfer", V3, M1, 35000),
            ("FA", 3, "transfer", M1, M2, 35012), ("FB", 603, "transfer", M1, M3, 35000)]
    ds = open_dataset(write_axf(tmp_path / "d", txns,
                                [report("R1", [dict(minute=110, src=V1, dst=M1, amount=35000)])]))
    frame = trace_reports(ds, ring_linked=False)
    assert plan(frame, "R1") == {M1: 35012.0, M2: 35012.0}
    # M1 passed the other (unreported) victim's 35,000 on whole to M3, which still holds it: the ring's
    # money, listed with the money it holds
    ring = trace_reports(ds)
    assert ring[ring["role"] == "ring_flow"]["account"].tolist() == [M3.split("-")[1]]


def test_unmatched_transfer_still_names_the_paid_account(tmp_path):
    txns = [("X", 0, "transfer", V2, M2, 100)]
    ds = open_dataset(write_axf(tmp_path / "d", txns,
                                [report("R1", [dict(minute=0, src=V1, dst=M3, amount=9000)])]))
    frame = trace_reports(ds)
    assert plan(frame, "R1") == {M3: 9000.0}
    assert frame.iloc[0]["hop"] == 1


def test_new_report_traced_like_a_stored_one(tmp_path):
    txns = [("T1", 0, "transfer", V1, M1, 30000), ("T2", 5, "transfer", M1, M2, 29000),
            ("T3", 9, "transfer", M2, M3, 28000)]
    ds = open_dataset(write_axf(tmp_path / "d", txns,
                                [report("R1", [dict(minute=0, src=V1, dst=M1, amount=30000, txn_id="T1")])]))
    stored = trace_reports(ds)
    fresh = trace_report(ds, "NEW", transfers=[{"ts": _ts(0), "src": V1, "dst": M1, "amount": 30000.0}])
    assert plan(fresh, "NEW") == plan(stored, "R1") == {M1: 30000.0, M2: 29000.0, M3: 28000.0}
    assert trace_report(ds, "R1")["traced_thb"].tolist() == stored["traced_thb"].tolist()


def test_as_of_equals_cut_data(tmp_path):
    txns = [("T1", 0, "transfer", V1, M1, 30000), ("T2", 5, "transfer", M1, M2, 29000),
            ("T3", 90, "transfer", M2, M3, 28000), ("T4", 95, "transfer", V2, M1, 5000)]
    reports = [report("R1", [dict(minute=0, src=V1, dst=M1, amount=30000, txn_id="T1")], minute=30),
               report("R2", [dict(minute=95, src=V2, dst=M1, amount=5000, txn_id="T4")], minute=120)]
    full = write_axf(tmp_path / "full", txns, reports)
    cut = write_axf(tmp_path / "cut", txns[:2], reports[:1])
    as_of = _ts(60)
    a = to_output(trace_reports(open_dataset(full, as_of)))
    b = to_output(trace_reports(open_dataset(cut, as_of)))
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    assert set(a["account"]) == {M1.split("-")[1], M2.split("-")[1]}


def test_cli_writes_the_contract_csv(tmp_path):
    out = tmp_path / "trace.csv"
    run = subprocess.run([sys.executable, "-m", "zeroscam", "trace", "--data", str(TINY), "--out", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "report_id,hop,bank,account,traced_thb,first_in_ts"
    assert lines[1] == "R-000123,1,014,9876543210,35000.00,2025-03-01T21:40:00+07:00"


def test_cli_bad_as_of_is_one_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "zeroscam", "trace", "--data", str(TINY), "--as-of", "yesterday",
                          "--out", str(tmp_path / "t.csv")], capture_output=True, text=True)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- properties

ACCS = [f"014-50000000{i:02d}" for i in range(6)]


@st.composite
def worlds(draw):
    n = draw(st.integers(3, 25))
    txns = []
    for i in range(n):
        kind = draw(st.sampled_from(["transfer", "transfer", "transfer", "cash_out", "cash_in"]))
        src = None if kind == "cash_in" else draw(st.sampled_from(ACCS))
        dst = None if kind == "cash_out" else draw(st.sampled_from([a for a in ACCS if a != src]))
        txns.append((f"T{i}", i, kind, src, dst, draw(st.integers(1, 500)) * 100.0))
    return txns


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_traced_money_is_conserved_and_bounded_by_balances(txns):
    frame = pd.DataFrame(txns, columns=["txn_id", "minute", "channel", "src", "dst", "amount"])
    frame["ts"] = [T0 + timedelta(minutes=m) for m in frame["minute"]]
    cfg = TraceConfig(floor_thb=0.0, floor_share=0.0, lot_floor_thb=0.0, endpoint_min_payers=10**9)
    index = TraceIndex.from_frame(frame, config=cfg)
    from zeroscam.analytics.trace import _trace_seeds

    receivers = set(index.dst[index.dst >= 0].tolist())
    held_total: dict[int, float] = {}
    for r in range(len(frame)):
        if index.dst[r] < 0 or index.src[r] < 0:
            continue
        seed = (int(index.dst[r]), int(index.in_pos[r]), float(index.amount[r]), int(index.ts[r]))
        reached = _trace_seeds(index, [seed])
        # conservation: what came in is held, cashed out, passed on to accounts we reached, or not followed
        end = sum(x.held + x.cashed_out + x.crypto + x.unfollowed for x in reached.values())
        assert end == pytest.approx(seed[2], abs=1e-6)
        for acc, x in reached.items():
            assert x.traced >= x.held - 1e-6
        if int(index.src[r]) not in receivers:  # money disjoint from every other such seed
            for acc, x in reached.items():
                held_total[acc] = held_total.get(acc, 0.0) + x.held
    # disjoint seeds together never hold more than the account has at the end
    for acc, held in held_total.items():
        assert held <= index.balances(acc)[-1] + 1e-6


def test_mule_that_pools_arrivals_before_paying_on_is_still_followed(tmp_path):
    # M2 gets the victim's money and other money, then pays the sum on at once and is empty
    txns = [("T1", 0, "transfer", V1, M1, 30000), ("F1", 10, "transfer", M1, M2, 29500),
            ("C1", 120, "cash_in", None, M2, 20000), ("P1", 600, "transfer", M2, M3, 49000),
            ("X1", 620, "cash_out", M3, None, 49000)]
    ds = open_dataset(write_axf(tmp_path / "d", txns, [report("R1", [dict(minute=0, src=V1, dst=M1,
                                                                          amount=30000, txn_id="T1")], 2000)]))
    followed = plan(trace_reports(ds), "R1")
    assert set(followed) == {M1, M2, M3}
    assert followed[M3] == pytest.approx(29000.0)  # last in, first out: 500 of hers stays in M2
    # without the emptying rule the pooled payment stops the trail at M2
    stopped = plan(trace_reports(ds, config=TraceConfig(min_outflow_share=9.0)), "R1")
    assert set(stopped) == {M1, M2}


def test_ring_flow_lists_an_unreported_collector_feeding_a_layer_but_not_people_paying_from_their_own_money(
        tmp_path):
    C, P, FRIEND = "030-5000000001", "030-5000000002", "030-5000000003"
    txns = [("T1", 0, "transfer", V1, M1, 40000), ("F1", 30, "transfer", M1, M2, 38000),
            # a victim who never reports pays collector C, which passes it on into the layer M2, keeping a cut
            ("T3", 100, "transfer", V3, C, 30000), ("F3", 160, "transfer", C, M2, 27000),
            # P is paid by a friend and pays M2 a part of it (buys something): not a forward
            ("S1", 200, "transfer", FRIEND, P, 9000), ("S2", 260, "transfer", P, M2, 1500),
            # the reporting victim's own account pays M2 again later from its own money
            ("T4", 400, "transfer", V1, M2, 500)]
    ds = open_dataset(write_axf(tmp_path / "d", txns,
                                [report("R1", [dict(minute=0, src=V1, dst=M1, amount=40000, txn_id="T1")])]))
    frame = trace_reports(ds)
    flow = frame[frame["role"] == "ring_flow"]
    assert flow["account"].tolist() == [C.split("-")[1]]
    assert flow["traced_thb"].iloc[0] == pytest.approx(3000.0)   # what C still holds
    assert flow["report_id"].iloc[0] == "R1"
    assert trace_reports(ds, ring_linked=False)["role"].ne("ring_flow").all()


def test_ring_flow_does_not_follow_a_mules_spending(tmp_path):
    # M1 forwards the victim's money and pays its rent from its cut (below the 5 % listing floor): the
    # landlord keeps it, but that is spending, not a forward of what M1 just received
    LANDLORD = "030-6000000001"
    txns = [("T1", 0, "transfer", V1, M1, 40000), ("F1", 30, "transfer", M1, M2, 36000),
            ("R1", 200, "transfer", M1, LANDLORD, 1000)]
    ds = open_dataset(write_axf(tmp_path / "d", txns,
                                [report("R1", [dict(minute=0, src=V1, dst=M1, amount=40000, txn_id="T1")])]))
    frame = trace_reports(ds)
    assert LANDLORD.split("-")[1] not in set(frame["account"])


def test_collector_pooling_unreported_payers_and_layer_pooling_collectors_are_followed(tmp_path):
    # C is paid by 30 people who never report and by one reporting victim, and sweeps the pool on to M2 the
    # same day; M2 is paid by 20 such collectors (most payers not suspect: it looks like a shop) and sweeps
    # everything on to M3. Both behave like ring accounts, so the victim's money is followed to M3.
    C = "030-7000000001"
    txns = [(f"U{i}", -1400 + 40 * i, "transfer", f"030-71000{i:05d}", C, 1000) for i in range(30)]
    txns += [(f"K{i}", 100 + 10 * i, "transfer", f"030-72000{i:05d}", M2, 5000) for i in range(20)]
    txns += [("T1", 0, "transfer", V1, C, 20000), ("S1", 600, "transfer", C, M2, 49000),
             ("S2", 700, "transfer", M2, M3, 149000), ("X1", 760, "cash_out", M3, None, 149000)]
    ds = open_dataset(write_axf(tmp_path / "d", txns,
                                [report("R1", [dict(minute=0, src=V1, dst=C, amount=20000, txn_id="T1")], 2000)]))
    followed = plan(trace_reports(ds), "R1")
    assert set(followed) == {C, M2, M3}
    assert followed[M3] == pytest.approx(20000.0)
    # judged by its payers alone, C looks like an honest seller named by mistake and the trail stops there
    assert set(plan(trace_reports(ds, config=TraceConfig(min_sweep_share=9.0)), "R1")) == {C}


def test_honest_seller_named_by_mistake_is_not_followed_to_her_supplier(tmp_path):
    # SELLER is paid by 30 customers (one of them files a mistaken report), keeps her takings and pays her
    # supplier a part of them the next day: listed (the victim paid her), not followed
    SELLER, SUPPLIER = "030-7300000001", "030-7300000002"
    txns = [(f"U{i}", -1400 + 40 * i, "transfer", f"030-74000{i:05d}", SELLER, 1000) for i in range(30)]
    txns += [("T1", 0, "transfer", V1, SELLER, 20000), ("P1", 900, "transfer", SELLER, SUPPLIER, 15000)]
    ds = open_dataset(write_axf(tmp_path / "d", txns,
                                [report("R1", [dict(minute=0, src=V1, dst=SELLER, amount=20000, txn_id="T1")],
                                        2000)]))
    assert set(plan(trace_reports(ds), "R1")) == {SELLER}


def test_layer_pooling_collectors_into_one_payment_is_followed_though_more_keeps_arriving(tmp_path):
    # M2 pools the victim's money with two other collectors' and pays the sum on at once (empty after); a big
    # arrival later that day stays, so less than 90 % of what arrived around then left: the balance rule sees
    # that this arrival's money is gone all the same (down to the float M2 had before it)
    X1, X2, X3 = "030-7500000001", "030-7500000002", "030-7500000003"
    txns = [("C0", -100, "cash_in", None, M2, 5000),
            ("T1", 0, "transfer", V1, M1, 30000), ("F1", 10, "transfer", M1, M2, 29500),
            ("K1", 60, "transfer", X1, M2, 20000), ("K2", 120, "transfer", X2, M2, 20000),
            ("S1", 600, "transfer", M2, M3, 69500), ("B1", 700, "transfer", X3, M2, 200000),
            ("X1", 760, "cash_out", M3, None, 69500)]
    ds = open_dataset(write_axf(tmp_path / "d", txns,
                                [report("R1", [dict(minute=0, src=V1, dst=M1, amount=30000, txn_id="T1")], 2000)]))
    followed = plan(trace_reports(ds), "R1")
    assert set(followed) == {M1, M2, M3}
    assert followed[M3] == pytest.approx(29500.0)
    assert set(plan(trace_reports(ds, config=TraceConfig(min_outflow_share=9.0)), "R1")) == {M1, M2}


def test_collector_that_emptied_its_pool_is_followed_though_victims_pay_on_a_seller_with_savings_is_not(
        tmp_path):
    # C pools 30 unreported payers and the reporting victim, sweeps the whole pool to M2 after 33 hours and
    # is empty; 15 more victims pay after the sweep (within the window, so under 90 % of what arrived left).
    # SELLER gets the same payments but has savings and pays her supplier 45,000 of them: not emptied.
    C, SELLER, SUPPLIER = "030-7600000001", "030-7600000002", "030-7600000003"

    def world(acc, pay_on):
        txns = [(f"U{i}", -1400 + 40 * i, "transfer", f"030-77000{i:05d}", acc, 1000) for i in range(30)]
        txns += [(f"W{i}", 2100 + 40 * i, "transfer", f"030-78000{i:05d}", acc, 2000) for i in range(15)]
        return txns + [("T1", 0, "transfer", V1, acc, 20000)] + pay_on

    ds = open_dataset(write_axf(tmp_path / "c", world(C, [("S1", 2000, "transfer", C, M2, 50000),
                                                          ("X1", 2050, "cash_out", M2, None, 50000)]),
                                [report("R1", [dict(minute=0, src=V1, dst=C, amount=20000, txn_id="T1")], 2000)]))
    assert set(plan(trace_reports(ds), "R1")) == {C, M2}
    savings = [("B0", -3000, "cash_in", None, SELLER, 200000), ("P1", 2000, "transfer", SELLER, SUPPLIER, 45000)]
    ds = open_dataset(write_axf(tmp_path / "s", world(SELLER, savings),
                                [report("R1", [dict(minute=0, src=V1, dst=SELLER, amount=20000, txn_id="T1")],
                                        2000)]))
    assert set(plan(trace_reports(ds), "R1")) == {SELLER}
