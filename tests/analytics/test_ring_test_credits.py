"""Test credits: one sender crediting a few baht to the accounts of several people marks a ring."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroscam.analytics.engine import DuckDBEngine
from zeroscam.analytics.features.test_credits import QUIET_MAX_PAYMENTS, ring_tested, tiny_credit_features


T0 = pd.Timestamp("2025-03-01 12:00")


def _engine(rows):
    """rows: (src, dst, amount, channel[, ts]); ts defaults to one moment."""
    con = duckdb.connect()
    tx = pd.DataFrame([r if len(r) == 5 else (*r, T0) for r in rows], columns=["src", "dst", "amount", "channel", "ts"])
    tx["ts"] = pd.to_datetime(tx["ts"])
    con.register("tx", tx)
    con.execute("CREATE TABLE transactions AS SELECT * FROM tx")
    return DuckDBEngine(con)


def _frame(accounts):
    """accounts: {account: (holder, company)}"""
    return pd.DataFrame({"account": list(accounts), "holder_id": [h for h, _ in accounts.values()],
                         "company": [float(c) for _, c in accounts.values()]})


def test_a_sender_testing_three_people_marks_all_of_them():
    frame = _frame({"T": ("ring", 0), "A": ("p1", 0), "B": ("p2", 0), "C": ("p3", 0), "D": ("p4", 0),
                    "E": ("p5", 0), "F": ("p6", 0)})
    credits = [("T", "A", 1.0, "promptpay"), ("T", "B", 7.0, "transfer"), ("T", "C", 10.0, "promptpay"),
               ("E", "F", 5.0, "promptpay"),          # one tiny credit between friends: nothing
               ("T", "A", 5000.0, "promptpay")]       # big payments are not tests
    f = tiny_credit_features(_engine(credits), frame)
    assert f["tester_fan"].tolist() == [3, 0, 0, 0, 0, 1, 0]
    assert f["tested_by_fan"].tolist() == [0, 3, 3, 3, 0, 0, 1]
    assert f["test_web_people"].tolist() == [4, 4, 4, 4, 0, 2, 2]
    assert ring_tested(f).tolist() == [True, True, True, True, False, False, False]

    # a tested account passing a test on to a quiet account: the ring's web of tests reaches it
    f = tiny_credit_features(_engine(credits + [("A", "D", 5.0, "promptpay")]), frame)
    assert f["tested_by_fan"].tolist()[4] == 1
    assert ring_tested(f).tolist() == [True, True, True, True, True, False, False]


def test_own_accounts_cards_and_companies_do_not_count():
    frame = _frame({"T": ("h", 0), "T2": ("h", 0), "T3": ("h", 0), "S": ("shop", 0),
                    "P": ("provider", 1), "A": ("p1", 0), "B": ("p2", 0), "C": ("p3", 0)})
    eng = _engine([("T", "T2", 1.0, "promptpay"), ("T", "T3", 1.0, "promptpay"),   # own accounts
                   ("S", "A", 2.0, "card"), ("S", "B", 2.0, "card"), ("S", "C", 2.0, "card"),  # refunds
                   ("P", "A", 1.0, "transfer"), ("P", "B", 1.0, "transfer"), ("P", "C", 1.0, "transfer")])
    f = tiny_credit_features(eng, frame)
    assert not ring_tested(f).any()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from([0.5, 3.0, 10.0, 11.0, 900.0])),
                max_size=25))
def test_fan_counts_distinct_people_and_never_exceeds_them(edges):
    accounts = {f"a{i}": (f"h{i % 4}", 0) for i in range(6)}
    frame = _frame(accounts)
    f = tiny_credit_features(_engine([(f"a{s}", f"a{d}", amt, "promptpay") for s, d, amt in edges]), frame)
    assert (f["tester_fan"] <= 3).all() and (f["tested_by_fan"] <= 3).all()   # 4 holders, minus one's own
    tiny = {(s, d) for s, d, amt in edges if amt <= 10 and s != d and s % 4 != d % 4}
    for i in range(6):
        people = {d % 4 for s, d in tiny if s == i}
        assert f["tester_fan"].iloc[i] == len(people)
    assert np.isfinite(f.to_numpy()).all()


def test_busy_accounts_paid_a_few_baht_are_not_being_tested():
    """A customer paying 10 baht at three shops that are paid all day tests nobody; the same
    credits to three accounts that were quiet before are a ring's tests."""
    shops = {"C": ("customer", 0), "A": ("p1", 0), "B": ("p2", 0), "D": ("p3", 0), "X": ("payer", 0)}

    def world(earlier_payments):
        rows = [("X", shop, 60.0, "promptpay", T0 - pd.Timedelta(days=1, hours=k))
                for shop in "ABD" for k in range(earlier_payments)]
        rows += [("C", shop, 10.0, "promptpay", T0) for shop in "ABD"]
        return tiny_credit_features(_engine(rows), _frame(shops))

    busy = world(QUIET_MAX_PAYMENTS + 1)
    assert busy["tester_fan"].tolist() == [0, 0, 0, 0, 0] and not ring_tested(busy).any()
    quiet = world(QUIET_MAX_PAYMENTS)
    assert quiet["tester_fan"].tolist() == [3, 0, 0, 0, 0]
    assert ring_tested(quiet).tolist() == [True, True, True, True, False]
