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


def tiny_credit_features(engine, frame: pd.DataFrame, holder_code: np.ndarray | None = None) -> pd.DataFrame:
    """`tester_fan`, `tested_by_fan` and `test_web_people` per row of `frame` (needs `account`,
    `holder_id`, `company`; `holder_code`, an integer code per row of `holder_id`, saves
    computing it). Deterministic; as-of exact (the canonical tables end at the as-of)."""
    n = len(frame)
    out = pd.DataFrame({"tester_fan": np.zeros(n), "tested_by_fan": np.zeros(n),
                        "test_web_people": np.zeros(n)}, index=frame.index)
    pairs = engine.sql(TEST_CREDITS_SQL)
    if pairs.empty:
        return out
    # positions and holder codes: the ends of every transaction are rows of the frame, and
    # integers are hashed and compared far faster than the account and holder strings
    index = pd.Index(frame["account"])
    tester, account = index.get_indexer(pairs["tester"]), index.get_indexer(pairs["account"])
    codes = pd.factorize(frame["holder_id"])[0] if holder_code is None else np.asarray(holder_code)
    company = frame["company"].to_numpy(np.float64)
    keep = (tester >= 0) & (account >= 0)
    tester, account = tester[keep], account[keep]
    keep = (codes[tester] != codes[account]) & ~(company[tester] > 0) & ~(company[tester] < 0)
    tester, account = tester[keep], account[keep]
    if len(tester) == 0:
        return out
    tester_holder, holder = codes[tester], codes[account]
    # fan: the different people each sender tested
    width = int(codes.max()) + 1
    tested_people = np.unique(tester.astype(np.int64) * width + holder)
    fan = np.bincount(tested_people // width, minlength=n).astype(np.float64)
    tested_by = np.zeros(n)
    np.maximum.at(tested_by, account, fan[tester])
    out["tester_fan"] = fan
    out["tested_by_fan"] = tested_by
    out["test_web_people"] = _web_people(tester, account, tester_holder, holder, n)
    return out


def test_web_people(pairs: pd.DataFrame, index: pd.Index) -> np.ndarray:
    """Per account of `index`: the number of different people (`tester_holder`, `holder`) in
    the connected web of tests (`tester` → `account` pairs) it belongs to; 0 outside any."""
    src, dst = index.get_indexer(pairs["tester"]), index.get_indexer(pairs["account"])
    keep = (src >= 0) & (dst >= 0)
    people = pd.factorize(np.concatenate([pairs["tester_holder"].to_numpy(), pairs["holder"].to_numpy()]))[0]
    half = len(pairs)
    return _web_people(src[keep], dst[keep], people[:half][keep], people[half:][keep], len(index))


def _web_people(src: np.ndarray, dst: np.ndarray, src_holder: np.ndarray, dst_holder: np.ndarray,
                n: int) -> np.ndarray:
    """`test_web_people` over positions (0..n-1) and integer holder codes."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    out = np.zeros(n)
    if len(src) == 0:
        return out
    graph = sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, web = connected_components(graph, directed=False)
    holders = np.concatenate([src_holder, dst_holder]).astype(np.int64)
    webs = np.concatenate([web[src], web[dst]]).astype(np.int64)
    width = int(holders.max()) + 1
    span = np.bincount(np.unique(webs * width + holders) // width, minlength=int(web.max()) + 1)
    member = np.unique(np.concatenate([src, dst]))
    out[member] = span[web[member]]
    return out


def ring_tested(features: pd.DataFrame) -> np.ndarray:
    """Bool per row: tested by, or itself, a sender that tested ≥ `RING_TESTER_PEOPLE` people,
    or part of a web of tests spanning ≥ `RING_WEB_PEOPLE` people."""
    return ((features["tested_by_fan"].to_numpy() >= RING_TESTER_PEOPLE)
            | (features["tester_fan"].to_numpy() >= RING_TESTER_PEOPLE)
            | (features["test_web_people"].to_numpy() >= RING_WEB_PEOPLE))
