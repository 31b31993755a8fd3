"""Test credits: a ring checks the accounts it bought with a few baht before using them.

A person sends a tiny amount to an account now and then (splitting a bill, checking a
new PromptPay number). One sender crediting tiny amounts to the accounts of three or
more *different* people is a ring testing its mule accounts (DOMAIN.md: tiny "test"
credits before first use) — when the accounts were quiet before (a busy shop paid 10 baht
by a customer is not being tested). Card payments are excluded (merchants' refunds and
cash-back are tiny), and so are companies (a payment provider verifying customers'
accounts with one baht tests thousands of people, openly).

Per account (aligned with the feature frame):

* `tester_fan`: how many other people's accounts this account sent tiny credits to;
* `tested_by_fan`: the largest `tester_fan` among the senders of its own tiny credits;
* `test_web_people`: how many different people the web of tests it belongs to spans (a ring
  tests each new account from one of its accounts already tested, a chain rather than a star).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TINY_THB = 10
# Three different people tested by one sender: two can be a family's new accounts.
RING_TESTER_PEOPLE = 3
# A web of tests spanning four people: a tester and the three it tested, or a chain of tests
# passed from one new account to the next.
RING_WEB_PEOPLE = RING_TESTER_PEOPLE + 1

# A test comes before first use: the tested account was quiet (at most ten payments in
# over 10 baht in the 30 days before; a person's salary and a few transfers). A shop or a
# driver paid small sums all day is not being tested by a customer paying 10 baht.
QUIET_DAYS, QUIET_MAX_PAYMENTS = 30, 10

TEST_CREDITS_SQL = f"""
WITH tiny AS (
  SELECT src AS tester, dst AS account, CAST(FLOOR(epoch(ts)) AS BIGINT) AS t FROM transactions
  WHERE amount > 0 AND amount <= {TINY_THB} AND channel <> 'card'
    AND src IS NOT NULL AND dst IS NOT NULL AND src <> dst),
paid AS (
  SELECT dst AS account, CAST(FLOOR(epoch(ts)) AS BIGINT) AS t FROM transactions
  WHERE amount > {TINY_THB} AND dst IN (SELECT account FROM tiny)),
tests AS (
  SELECT tiny.tester, tiny.account, tiny.t, COUNT(paid.t) AS before_n
  FROM tiny LEFT JOIN paid ON paid.account = tiny.account
    AND paid.t < tiny.t AND paid.t >= tiny.t - {QUIET_DAYS * 86400}
  GROUP BY tiny.tester, tiny.account, tiny.t)
SELECT tester, account FROM tests WHERE before_n <= {QUIET_MAX_PAYMENTS}
GROUP BY tester, account
"""


def tiny_credit_features(engine, frame: pd.DataFrame) -> pd.DataFrame:
    """`tester_fan`, `tested_by_fan` and `test_web_people` per row of `frame` (needs `account`,
    `holder_id`, `company`). Deterministic; as-of exact (the canonical tables end at the as-of)."""
    out = pd.DataFrame({"tester_fan": np.zeros(len(frame)), "tested_by_fan": np.zeros(len(frame)),
                        "test_web_people": np.zeros(len(frame))}, index=frame.index)
    pairs = engine.sql(TEST_CREDITS_SQL)
    if pairs.empty:
        return out
    holder = pd.Series(frame["holder_id"].to_numpy(), index=frame["account"].to_numpy())
    company = pd.Series(frame["company"].to_numpy(np.float64), index=frame["account"].to_numpy())
    pairs["tester_holder"] = pairs["tester"].map(holder)
    pairs["holder"] = pairs["account"].map(holder)
    pairs = pairs[(pairs["holder"] != pairs["tester_holder"]) & (pairs["tester"].map(company).fillna(0) == 0)]
    if pairs.empty:
        return out
    fan = pairs.groupby("tester")["holder"].nunique()
    pairs["fan"] = pairs["tester"].map(fan)
    tested = pairs.groupby("account")["fan"].max()
    index = pd.Index(frame["account"])
    pos = index.get_indexer(fan.index)
    out.iloc[pos[pos >= 0], 0] = fan.to_numpy(np.float64)[pos >= 0]
    pos = index.get_indexer(tested.index)
    out.iloc[pos[pos >= 0], 1] = tested.to_numpy(np.float64)[pos >= 0]
    out["test_web_people"] = test_web_people(pairs, index)
    return out


def test_web_people(pairs: pd.DataFrame, index: pd.Index) -> np.ndarray:
    """Per account of `index`: the number of different people (`tester_holder`, `holder`) in
    the connected web of tests (`tester` → `account` pairs) it belongs to; 0 outside any."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    n = len(index)
    src, dst = index.get_indexer(pairs["tester"]), index.get_indexer(pairs["account"])
    keep = (src >= 0) & (dst >= 0)
    src, dst = src[keep], dst[keep]
    out = np.zeros(n)
    if len(src) == 0:
        return out
    graph = sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, web = connected_components(graph, directed=False)
    people = pd.DataFrame({"web": np.concatenate([web[src], web[dst]]),
                           "holder": np.concatenate([pairs["tester_holder"].to_numpy()[keep],
                                                     pairs["holder"].to_numpy()[keep]])})
    span = people.groupby("web")["holder"].nunique()
    member = np.unique(np.concatenate([src, dst]))
    out[member] = span.reindex(web[member]).to_numpy(np.float64)
    return out


def ring_tested(features: pd.DataFrame) -> np.ndarray:
    """Bool per row: tested by, or itself, a sender that tested ≥ `RING_TESTER_PEOPLE` people,
    or part of a web of tests spanning ≥ `RING_WEB_PEOPLE` people."""
    return ((features["tested_by_fan"].to_numpy() >= RING_TESTER_PEOPLE)
            | (features["tester_fan"].to_numpy() >= RING_TESTER_PEOPLE)
            | (features["test_web_people"].to_numpy() >= RING_WEB_PEOPLE))
