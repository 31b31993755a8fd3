"""Rings: communities of accounts, numbers and holders, kept only with evidence of organised crime."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from zeroscam.analytics.rings import find_rings, write_summary
from zeroscam.exchange.axf import open_dataset

TINY = Path(__file__).resolve().parents[3] / "shared" / "examples" / "tiny"
T0 = datetime(2025, 3, 1, 10, 0)


def _ts(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat() + "+07:00"


def _nid(base: int) -> str:
    """A valid 13-digit Thai national ID from 12 digits."""
    d = [int(c) for c in f"{base:012d}"]
    return "".join(map(str, d)) + str((11 - sum(x * (13 - i) for i, x in enumerate(d)) % 11) % 10)


def build_world(folder: Path) -> dict:
    """Two rings that victims report, an honest courier SIM pool, an honest seller and her buyers."""
    folder.mkdir(parents=True, exist_ok=True)
    accounts, sims, cdrs, txns, reports = [], [], [], [], []
    truth = {}
    tid = 0

    def txn(minute, src, dst, amount, channel="transfer", device=None):
        nonlocal tid
        tid += 1
        sb, sa = src.split("-") if src else ("", "")
        db, da = dst.split("-") if dst else ("", "")
        txns.append({"txn_id": f"T{tid}", "ts": _ts(minute), "channel": channel, "src_bank": sb, "src_account": sa,
                     "dst_bank": db, "dst_account": da, "amount": f"{amount:.2f}", "src_device": device or ""})
        return f"T{tid}"

    for r, base in ((1, 100), (2, 200)):
        nominee, farm_holder = _nid(base), _nid(base + 1)
        collector, layer, cashout = f"014-{base}0000001", f"006-{base}0000002", f"002-{base}0000003"
        for acc in (collector, layer, cashout):
            b, a = acc.split("-")
            accounts.append({"bank": b, "account": a, "holder_id": nominee, "holder_type": "person",
                             "opened_at": "2025-02-20"})
        farm = [f"+6665{base}{i:04d}" for i in range(6)]
        for m in farm:
            sims.append({"msisdn": m, "operator": "TRUE", "holder_id": farm_holder,
                         "registered_at": "2025-02-25T09:00:00+07:00"})
        for i, m in enumerate(farm):  # SMS blasts from two shared handsets
            for k in range(3):
                cdrs.append({"ts": _ts(-500 + i * 10 + k), "kind": "sms", "caller": m,
                             "callee": f"08{base}{i}{k:05d}"[:10], "duration_s": 0, "cell_id": "SK-1",
                             "imei": f"35693803564{base}{i % 2}"[:15]})
        ring_ids = {("account", collector), ("account", layer), ("account", cashout), ("holder", nominee),
                    ("holder", farm_holder)} | {("msisdn", m) for m in farm}
        truth[r] = ring_ids
        for v in range(3):  # three victims each, every one reports
            victim = f"004-{base}{v}000009"
            minute = v * 120 + r * 1000
            t = txn(minute, victim, collector, 20000 + v * 1000, "promptpay", f"dev-v{base}{v}")
            txn(minute + 5, collector, layer, 19500 + v * 1000, device=f"dev-r{r}")
            txn(minute + 12, layer, cashout, 19000 + v * 1000, device=f"dev-r{r}")
            txn(minute + 30, cashout, None, 18000 + v * 1000, "cash_out")
            reports.append({"report_id": f"R-{r}{v}", "reported_at": _ts(minute + 900), "scam_type": "call_centre",
                            "loss_thb": 20000 + v * 1000,
                            "contacts": [{"type": "phone", "value": farm[v]}],
                            "transfers": [{"ts": _ts(minute), "txn_id": t, "from_bank": "004",
                                           "from_account": victim.split("-")[1], "to_bank": "014",
                                           "to_account": collector.split("-")[1], "amount": 20000 + v * 1000}]})
    # an honest courier company: many SIMs on two handsets, no reports
    for i in range(8):
        m = f"+66890000{i:03d}"
        sims.append({"msisdn": m, "operator": "AIS", "holder_id": "C:0105561000011",
                     "registered_at": "2024-06-01T09:00:00+07:00"})
        for k in range(4):
            cdrs.append({"ts": _ts(-300 + i * 7 + k), "kind": "voice", "caller": m, "callee": f"0891{i}{k:05d}"[:10],
                         "duration_s": 40, "cell_id": "BKK-1", "imei": f"35000000000000{i % 2}"})
    # an honest seller named by one mistaken report
    seller = "025-7000000001"
    accounts.append({"bank": "025", "account": "7000000001", "holder_id": _nid(700), "holder_type": "person",
                     "opened_at": "2020-01-01"})
    for i in range(12):
        t = txn(-2000 + i * 60, f"030-80000000{i:02d}", seller, 350, "promptpay")
    txn(-2000 + 12 * 60 + 30, seller, "011-7100000001", 2500)
    reports.append({"report_id": "R-MISTAKE", "reported_at": _ts(0), "scam_type": "online_shopping",
                    "loss_thb": 350, "transfers": [{"ts": _ts(-2000 + 11 * 60), "txn_id": t, "from_bank": "030",
                                                    "from_account": "8000000011", "to_bank": "025",
                                                    "to_account": "7000000001", "amount": 350}]})
    pd.DataFrame(accounts).to_csv(folder / "accounts.csv", index=False)
    pd.DataFrame(sims).to_csv(folder / "sims.csv", index=False)
    pd.DataFrame(cdrs).to_csv(folder / "cdrs.csv", index=False)
    pd.DataFrame(txns).to_csv(folder / "transactions.csv", index=False)
    with open(folder / "reports.jsonl", "w") as f:
        for r in reports:
            f.write(json.dumps(r) + "\n")
    return truth


def _clusters(members: pd.DataFrame) -> list[set]:
    return [set(zip(g["entity_type"], g["entity"])) for _, g in members.groupby("ring_id")]


def test_two_reported_rings_found_honest_clusters_left_out(tmp_path):
    truth = build_world(tmp_path / "w")
    result = find_rings(open_dataset(tmp_path / "w"), use_detectors=False)
    assert result.evidence == "reports_only"
    clusters = _clusters(result.members)
    assert len(clusters) == 2
    for ring in truth.values():
        best = max(clusters, key=lambda c: len(c & ring))
        assert best == ring, (best ^ ring)
    entities = set(result.members["entity"])
    assert not any(e.startswith("+66890000") for e in entities)  # courier pool
    assert "C:0105561000011" not in entities
    assert "025-7000000001" not in entities                      # mistaken report's seller
    assert not any(e.startswith("004-") for e in entities)      # victims who paid in


def test_ring_ids_are_deterministic_and_summary_is_written(tmp_path):
    build_world(tmp_path / "w")
    a = find_rings(open_dataset(tmp_path / "w"), use_detectors=False)
    b = find_rings(open_dataset(tmp_path / "w"), use_detectors=False)
    pd.testing.assert_frame_equal(a.members, b.members)
    (tmp_path / "out").mkdir()
    path = write_summary(a, tmp_path / "out" / "rings.csv")
    doc = json.loads(path.read_text())
    assert path.name == "rings.json" and doc["evidence"] == "reports_only"
    ring = doc["rings"][0]
    assert set(ring["members"]) >= {"collector_accounts", "layering_accounts", "cash_out_accounts",
                                    "nominee_holders", "sim_farm"}
    assert len(ring["reports"]) == 3 and ring["money_in_thb"] > 60000
    assert ring["scam_types"] == {"call_centre": 3}
    assert ring["members"]["collector_accounts"] and ring["members"]["cash_out_accounts"]
    assert ring["cells"][0]["cell_id"] == "SK-1"


def test_as_of_before_the_second_ring_is_reported_sees_one(tmp_path):
    build_world(tmp_path / "w")
    result = find_rings(open_dataset(tmp_path / "w", _ts(2100)), use_detectors=False)
    clusters = _clusters(result.members)
    assert len(clusters) == 1
    assert ("account", "014-1000000001") in clusters[0]


def test_cli_writes_csv_and_json(tmp_path):
    build_world(tmp_path / "w")
    out = tmp_path / "rings.csv"
    run = subprocess.run([sys.executable, "-m", "zeroscam", "rings", "--data", str(tmp_path / "w"),
                          "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    frame = pd.read_csv(out, dtype=str)
    assert list(frame.columns) == ["entity_type", "entity", "ring_id"]
    assert set(frame["entity_type"]) == {"account", "msisdn", "holder"}
    assert (tmp_path / "rings.json").exists()


def _engine_with(tables: dict[str, pd.DataFrame]):
    import duckdb

    from zeroscam.analytics.engine import DuckDBEngine

    con = duckdb.connect()
    for name, frame in tables.items():
        con.register(f"_{name}", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}")
    return DuckDBEngine(con)


def test_talk_then_pay_ties_the_last_talking_number_to_the_paid_account():
    from zeroscam.analytics.rings import RingConfig, _called_then_paid

    t0 = pd.Timestamp("2025-03-01 10:00")
    eng = _engine_with({
        "cdrs": pd.DataFrame({
            "ts": [t0, t0 + pd.Timedelta(hours=1), t0, t0],
            "kind": ["voice", "voice", "voice", "sms"],
            "caller": ["+66610000001", "+66610000002", "+66610000003", "+66610000004"],
            "callee": ["+66820000001", "+66820000001", "+66820000002", "+66820000002"],
            "duration_s": [900, 600, 5, 0]}),
        "sims": pd.DataFrame({"msisdn": ["+66820000001", "+66820000002"], "holder_id": ["V1", "V2"]}),
        "accounts": pd.DataFrame({"account": ["004-1", "004-2"], "holder_id": ["V1", "V2"]}),
        "transactions": pd.DataFrame({
            "txn_id": ["a", "b"], "ts": [t0 + pd.Timedelta(hours=3), t0 + pd.Timedelta(hours=2)],
            "src": ["004-1", "004-2"], "dst": ["014-9", "014-9"], "amount": [5000.0, 4000.0]}),
    })
    phones = {"+66610000001", "+66610000002", "+66610000003", "+66610000004"}
    cfg = RingConfig(callers_per_payment=1, min_called_victims=1, min_called_share=0.3)
    # V1 talked to two numbers, the later one talked her into paying; V2's calls were too short to count
    assert _called_then_paid(eng, phones, {"014-9"}, cfg) == [("+66610000002", "014-9", 1)]
    # one paying victim of two payers is below a share of 0.6
    assert _called_then_paid(eng, phones, {"014-9"}, RingConfig(callers_per_payment=1, min_called_victims=1,
                                                                min_called_share=0.6)) == []


def test_voip_batch_links_numbers_started_together_only():
    from zeroscam.analytics.rings import RingConfig, _voip_batches

    t0 = pd.Timestamp("2025-03-01 10:00")
    eng = _engine_with({"cdrs": pd.DataFrame({
        "ts": [t0, t0 + pd.Timedelta(minutes=20), t0 + pd.Timedelta(minutes=50), t0 + pd.Timedelta(days=2)],
        "caller": ["+6971", "+6972", "+6973", "+6974"]})})
    pairs = _voip_batches(eng, {"+6971", "+6972", "+6973", "+6974"}, RingConfig(batch_hours=1.0))
    # one batch named by its first number; the number started two days later is alone and left out
    assert pairs == [("+6971", "+6971"), ("+6972", "+6971"), ("+6973", "+6971")]
    assert _voip_batches(eng, {"+6971"}, RingConfig()) == []


def test_money_ties_pull_in_missed_mules_not_victims_nor_own_accounts():
    from zeroscam.analytics.rings import RingConfig, _money_ties
    from zeroscam.analytics.trace import TraceIndex

    rows = []

    def pay(hours, src, dst, amount, channel="transfer"):
        rows.append({"txn_id": f"T{len(rows)}", "ts": pd.Timestamp("2025-03-01 08:00") + pd.Timedelta(hours=hours),
                     "src": src, "dst": dst, "amount": float(amount), "channel": channel})

    ring = {"014-C", "002-X"}                      # flagged collector and cash-out
    for k in range(3):                             # L: an unflagged layer between them
        pay(10 + k, "014-C", "006-L", 9000)
        pay(10.2 + k, "006-L", "002-X", 8800)
    for k in range(2):                             # K: an unflagged collector feeding L
        pay(20 + k, f"004-V{k}", "011-K", 5000)
        pay(20.3 + k, "011-K", "006-L", 4900)
        pay(20.5 + k, "006-L", "002-X", 4800)
    pay(30, "002-X", "025-T", 5)                   # T: tested with a tiny credit, then forwards a victim's money
    pay(31, "004-V7", "025-T", 3000)
    pay(31.5, "025-T", "014-C", 2950)
    pay(0, "030-E", "069-W", 30000)                # W: a victim paying from her salary days later
    pay(120, "069-W", "014-C", 12000)
    pay(150, "069-W", "014-C", 12000)
    pay(160, "069-W", "033-M", 4000)
    pay(40, "014-C", "014-O", 3000)                # O: the collector's holder's own other account
    pay(41, "014-C", "014-O", 3000)
    pay(42, "014-O", "033-M", 5500)
    for k in range(30):                            # M: a shop everyone pays
        pay(k, f"030-P{k}", "033-M", 400)
    pay(44, "014-C", "033-M", 400)
    index = TraceIndex.from_frame(pd.DataFrame(rows))
    holders = {"014-C": "H1", "014-O": "H1"}
    tied = _money_ties(index, ring, set(), RingConfig(), holders)
    assert tied == {"006-L", "011-K", "025-T"}
    # K is tied only through L: one round is not enough
    assert _money_ties(index, ring, set(), RingConfig(tie_rounds=1), holders) == {"006-L", "025-T"}
    # without the holder register, the own account looks like a layer
    assert "014-O" in _money_ties(index, ring, set(), RingConfig(), None)
    assert "006-L" not in _money_ties(index, ring, {"006-L"}, RingConfig(), holders)


def test_farm_batch_links_numbers_on_one_cell_started_together_only():
    from zeroscam.analytics.rings import RingConfig, _farm_batches

    t0 = pd.Timestamp("2025-03-01 00:00")
    h = pd.Timedelta(hours=1)
    calls = [  # (caller, hours after the data start, cell)
        ("+6601", 0, "X-1"),                                     # the data's first day: start unknown
        ("+6602", 0.5, "X-1"), ("+6602", 50, "X-1"),
        ("+6610", 48, "A-1"), ("+6611", 49, "A-1"), ("+6612", 51, "A-1"),  # one farm switched on
        ("+6612", 52, "B-9"),                                    # mostly still on A-1
        ("+6613", 200, "A-1"),                                   # days later: not the same batch
        ("+6620", 49, "B-9"), ("+6620", 60, "B-9"),              # same hours, another cell
    ]
    eng = _engine_with({"cdrs": pd.DataFrame({"ts": [t0 + k * h for _, k, _ in calls],
                                              "caller": [c for c, _, _ in calls],
                                              "cell_id": [c for _, _, c in calls]})})
    phones = {c for c, _, _ in calls}
    pairs = _farm_batches(eng, phones, RingConfig(farm_batch_hours=3.0))
    assert sorted(pairs) == [("+6610", "A-1|+6610"), ("+6611", "A-1|+6610"), ("+6612", "A-1|+6610")]
    assert _farm_batches(eng, phones, RingConfig(farm_batch_hours=1.5)) == [("+6610", "A-1|+6610"),
                                                                         ("+6611", "A-1|+6610")]


def test_talk_then_pay_short_call_counts_only_when_she_paid_soon_after():
    from zeroscam.analytics.rings import RingConfig, _called_then_paid

    t0 = pd.Timestamp("2025-03-01 10:00")
    eng = _engine_with({
        "cdrs": pd.DataFrame({"ts": [t0, t0], "kind": ["voice", "voice"],
                              "caller": ["+66610000001", "+66610000002"],
                              "callee": ["+66820000001", "+66820000002"], "duration_s": [40, 40]}),
        "sims": pd.DataFrame({"msisdn": ["+66820000001", "+66820000002"], "holder_id": ["V1", "V2"]}),
        "accounts": pd.DataFrame({"account": ["004-1", "004-2"], "holder_id": ["V1", "V2"]}),
        "transactions": pd.DataFrame({
            "txn_id": ["a", "b"], "ts": [t0 + pd.Timedelta(hours=1), t0 + pd.Timedelta(hours=30)],
            "src": ["004-1", "004-2"], "dst": ["014-9", "014-8"], "amount": [5000.0, 4000.0]}),
    })
    phones = {"+66610000001", "+66610000002"}
    cfg = RingConfig(long_talk_s=120, quick_pay_minutes=360)
    # a 40-s call then a payment an hour later counts; the same call then a payment a day later does not
    assert _called_then_paid(eng, phones, {"014-9", "014-8"}, cfg) == [("+66610000001", "014-9", 1)]
    # a long talk counts for the whole window
    assert len(_called_then_paid(eng, phones, {"014-9", "014-8"}, RingConfig(long_talk_s=30))) == 2


def test_a_nominees_bundle_joins_the_ring_but_not_accounts_of_other_times_or_companies():
    from zeroscam.analytics.rings import RingConfig, _add_bundles

    accounts = pd.DataFrame({
        "account": ["004-1", "014-2", "025-3", "006-4", "011-5", "002-6"],
        "holder_id": ["N", "N", "N", "N", "C", "C"],
        "holder_type": ["person"] * 4 + ["company"] * 2,
        "opened_at": ["2025-03-01", "2025-03-05", "2025-03-12", "2019-06-01", "2025-03-01", "2025-03-02"]})
    rings = [{"accounts": {"004-1", "011-5"}, "msisdns": set(), "holders": {"N"}}]
    _add_bundles(rings, accounts, {"C"}, RingConfig())
    # 014-2 and 025-3 opened within 14 days of 004-1; 006-4 (2019) is the nominee's own; C is a company
    assert rings[0]["accounts"] == {"004-1", "011-5", "014-2", "025-3"}


def test_rings_tied_several_times_are_joined_a_single_chance_tie_is_not():
    from zeroscam.analytics.rings import _merge_tied

    def ring(accounts, msisdns, reports=()):
        return {"accounts": set(accounts), "msisdns": set(msisdns), "holders": set(), "reports": set(reports),
                "account_holders": set(), "sim_holders": set()}

    rings = [ring({"004-1"}, {"+661", "+662"}, {"R1"}), ring({"014-2", "025-3"}, set(), {"R2"}),
             ring({"006-4"}, {"+664"})]
    # farm numbers talked victims into paying the money side: four ties; the third ring met it once
    edges = [("m:+661", "a:014-2"), ("m:+662", "a:014-2"), ("m:+661", "a:025-3"), ("a:004-1", "a:025-3"),
             ("a:025-3", "a:006-4"), ("m:+661", "h:X"), ("h:X", "a:006-4")]
    merged = _merge_tied(rings, edges, 4)
    assert len(merged) == 2
    assert merged[0]["accounts"] == {"004-1", "014-2", "025-3"} and merged[0]["reports"] == {"R1", "R2"}
    assert merged[1]["accounts"] == {"006-4"}
    # three ties are not enough
    assert len(_merge_tied(rings, edges[1:], 4)) == 3


def test_a_flagged_account_paying_another_persons_flagged_account_counts_not_own_or_unflagged():
    from zeroscam.analytics.rings import _pays_flagged

    flagged = {"004-1", "014-2", "025-3", "006-4"}
    holder = {"004-1": "A", "014-2": "B", "025-3": "C", "006-4": "C", "011-5": "D"}
    pairs = [("004-1", "014-2"), ("025-3", "006-4"), ("011-5", "014-2"), ("014-2", "011-5")]
    # 004-1 forwards to B's flagged account; C only moves money between its own; 011-5 is not flagged
    assert _pays_flagged(pairs, flagged, holder) == {"004-1"}


def _index(rows):
    from zeroscam.analytics.trace import TraceIndex

    frame = pd.DataFrame([{"txn_id": f"T{k}", "ts": pd.Timestamp("2025-03-01 08:00") + pd.Timedelta(hours=h),
                           "src": s, "dst": d, "amount": float(a), "channel": "transfer"}
                          for k, (h, s, d, a) in enumerate(rows)])
    return TraceIndex.from_frame(frame)


def test_test_credits_reach_tested_accounts_step_by_step_not_own_nor_real_payments():
    from zeroscam.analytics.rings import _test_credits

    index = _index([
        (1, "014-C", "006-A", 2),       # the ring tests A with 2 baht ...
        (2, "006-A", "011-B", 1),       # ... and A tests B: reached in two steps
        (3, "011-B", "025-D", 5),       # B is tested by / tests D either way
        (4, "014-C", "002-O", 1),       # C's holder's own other account: no tie
        (5, "014-C", "030-S", 450),     # a real payment to a shop: no tie
        (6, "014-C", "069-X", 3),       # an excluded account (a victim's) is not entered
        (7, "069-X", "033-Y", 3),       # ... nor followed through
        (8, "004-P", "004-Q", 1),       # tiny payments elsewhere tie nothing to the ring
    ])
    holders = {"014-C": "H1", "002-O": "H1"}
    assert _test_credits(index, {"014-C"}, {"069-X"}, holders, 10.0) == {"014-C", "006-A", "011-B", "025-D"}
    # a lower ceiling keeps only the 1-2 baht credits
    assert _test_credits(index, {"014-C"}, {"069-X"}, holders, 2.0) == {"014-C", "006-A", "011-B"}
    # without the holder register the own account looks tested
    assert "002-O" in _test_credits(index, {"014-C"}, set(), {}, 10.0)
    assert _test_credits(index, {"030-S"}, set(), holders, 10.0) == set()


def test_test_credits_stop_at_a_vendor_paid_small_sums_by_many():
    from zeroscam.analytics.rings import TINY_TIES_MAX_PEOPLE, _test_credits

    def rows(customers):
        # a mule buys a 10-baht snack from a vendor whom `customers` other people also pay 10 baht
        return [(1, "014-M", "006-V", 10)] + [(2 + k, f"011-{k:04d}", "006-V", 10) for k in range(customers)]

    busy = _test_credits(_index(rows(TINY_TIES_MAX_PEOPLE)), {"014-M"}, set(), {}, 10.0)
    assert busy == {"014-M"}                            # more than the cap of people: a vendor
    few = _test_credits(_index(rows(TINY_TIES_MAX_PEOPLE - 1)), {"014-M"}, set(), {}, 10.0)
    assert "006-V" in few and len(few) == TINY_TIES_MAX_PEOPLE + 1   # within the cap it is followed


def test_a_slow_collector_is_tied_on_big_forwards_a_shop_paying_small_sums_is_not():
    from zeroscam.analytics.rings import RingConfig, _money_ties

    rows = []
    for k in range(2):
        rows.append((k * 100, f"004-V{k}", "011-K", 40000))     # K: a victim's money arrives ...
        rows.append((k * 100 + 40, "011-K", "006-L", 20000))    # ... and leaves 40 h later, in two parts
        rows.append((k * 100 + 40.1, "011-K", "002-X", 19000))
    for k in range(10):
        rows.append((k, f"030-P{k}", "033-S", 300))             # S: a shop's takings ...
    rows.append((40, "033-S", "006-L", 900))                     # ... paid on in small sums two days later
    rows.append((50, "033-S", "006-L", 900))
    rows.append((60, "033-S", "002-X", 900))
    index = _index(rows)
    ring = {"006-L", "002-X"}
    assert _money_ties(index, ring, set(), RingConfig(tie_rounds=1)) == {"011-K"}
    # with the one-day window alone K looks like a victim paying from her balance
    assert _money_ties(index, ring, set(), RingConfig(tie_rounds=1, tie_slow_hours=24.0)) == set()
    # counting small payments over three days too would take the shop
    assert "033-S" in _money_ties(index, ring, set(), RingConfig(tie_rounds=1, tie_slow_thb=100.0))


def _ring(accounts, msisdns):
    return {"accounts": set(accounts), "msisdns": set(msisdns), "holders": set(), "reports": set(),
            "account_holders": set(), "sim_holders": set()}


def test_a_farm_with_no_money_side_joins_on_two_ties_two_money_rings_do_not():
    from zeroscam.analytics.rings import _merge_tied

    rings = [_ring({"004-1"}, {"+661"}), _ring(set(), {"+662", "+663"}), _ring({"014-2"}, {"+664"})]
    edges = [("m:+662", "a:004-1"), ("m:+663", "m:+661"),        # the farm: two ties to ring 0
             ("a:014-2", "a:004-1"), ("m:+664", "m:+661")]       # ring 2: two ties to ring 0 as well
    merged = _merge_tied(rings, edges, 4, 2)
    assert sorted(sorted(r["msisdns"]) for r in merged) == [["+661", "+662", "+663"], ["+664"]]
    # one tie is not enough, not even for a farm
    assert len(_merge_tied(rings, edges[1:], 4, 2)) == 3
    # without the farm rule nothing joins
    assert len(_merge_tied(rings, edges, 4)) == 3


def test_a_farm_cut_off_its_batch_joins_the_one_ring_with_money_holding_its_batch_mates():
    from zeroscam.analytics.rings import _merge_batch_mates

    rings = [_ring({"004-1"}, {"+661"}), _ring(set(), {"+662", "+663"}),   # ring 0 and its farm, cut apart
             _ring({"014-2"}, {"+664"}), _ring({"025-3"}, {"+665"}),       # two rings sharing one batch
             _ring(set(), {"+666"})]                                       # a farm whose batch spans both
    edges = [("b:+661", "m:+661"), ("b:+661", "m:+662"), ("b:+661", "m:+663"),
             ("f:X|+664", "m:+664"), ("f:X|+664", "m:+665"), ("f:X|+664", "m:+666")]
    merged = _merge_batch_mates(rings, edges)
    assert sorted(sorted(r["msisdns"]) for r in merged) == [["+661", "+662", "+663"], ["+664"], ["+665"],
                                                            ["+666"]]
