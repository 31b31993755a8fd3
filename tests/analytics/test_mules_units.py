"""The pieces of the mule detector: PU cross-fitting, report evidence, person-level lift,
reason codes, thresholds — each on small hand-made inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from zeroscam.analytics.detection.common import (
    clean_label_weights,
    combine_reports,
    noisy_or,
    otsu_threshold,
    prior_corrected,
    pu_crossfit,
    reason_codes,
    stable_folds,
)
from zeroscam.analytics.detection.mules import _holder_mates_max


def _pu_problem(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "noise": rng.normal(size=n)})
    truth = (X["a"] > 1.2).to_numpy()
    labeled = truth & (rng.random(n) < 0.4)       # reports name 40% of the positives
    keys = [f"acct{i:05d}" for i in range(n)]
    return X, keys, truth, labeled


def test_pu_crossfit_finds_unlabeled_positives():
    X, keys, truth, labeled = _pu_problem()
    fit = pu_crossfit(X, keys, labeled, rounds=60)
    p = prior_corrected(fit.score, labeled)
    unlabeled_pos = truth & ~labeled
    assert p[unlabeled_pos].mean() > 0.5
    assert p[~truth].mean() < 0.05


def test_pu_crossfit_is_deterministic_and_order_free():
    X, keys, _, labeled = _pu_problem(n=1200)
    a = pu_crossfit(X, keys, labeled, rounds=30).score
    b = pu_crossfit(X, keys, labeled, rounds=30).score
    assert np.array_equal(a, b)
    order = np.random.default_rng(1).permutation(len(keys))
    c = pu_crossfit(X.iloc[order].reset_index(drop=True), [keys[i] for i in order], labeled[order], rounds=30).score
    # same folds (hash of the key) → same models up to row order inside LightGBM's bins
    assert np.corrcoef(a[order], c)[0, 1] > 0.99


def test_no_labels_no_model():
    X, keys, _, _ = _pu_problem(n=200)
    fit = pu_crossfit(X, keys, np.zeros(200, dtype=bool))
    assert (fit.score == 0).all()


def test_clean_label_weights_discount_doubtful_labels():
    w = clean_label_weights(np.array([0.9, 0.01, 0.5]), np.array([True, True, False]))
    assert w[0] == 0.9 and w[1] == 0.05 and w[2] == 1.0


def test_prior_correction_ignores_a_minority_of_mistaken_labels():
    score = np.array([0.4, 0.42, 0.38, 0.41, 0.01, 0.0, 0.2])
    labeled = np.array([True, True, True, True, True, False, False])
    p = prior_corrected(score, labeled)
    assert abs(p[6] - 0.2 / 0.4) < 1e-9     # median of labeled scores is 0.4


def test_one_report_is_moderate_several_are_strong():
    innocent = np.array([0.02, 0.02, 0.02])
    reports = np.array([1, 2, 3])
    combined = combine_reports(innocent, reports)
    assert 0.2 < combined[0] < 0.5          # named once, looks honest: moderate, not flagged
    assert combined[1] >= 0.5 and combined[2] > combined[1]
    # a mule-like account named once is strong; no report leaves the score alone
    assert combine_reports(np.array([0.6]), np.array([1]))[0] > 0.8
    assert combine_reports(np.array([0.3]), np.array([0]))[0] == 0.3


@given(st.lists(st.floats(0, 1), min_size=1, max_size=5), st.lists(st.floats(0, 1), min_size=1, max_size=5))
def test_noisy_or_bounds(a, b):
    n = min(len(a), len(b))
    x, y = np.array(a[:n]), np.array(b[:n])
    out = noisy_or(x, y)
    assert ((out >= np.maximum(x, y) - 1e-12) & (out <= 1 + 1e-12)).all()


def test_holder_lift_only_across_accounts_opened_together():
    score = np.array([0.95, 0.0, 0.0, 0.0])
    holder = np.array(["h1", "h1", "h1", "h2"])
    age_days = np.array([10.0, 12.0, 3000.0, 11.0])   # 3000: an old account of the same person
    known = np.ones(4, dtype=bool)
    mates = _holder_mates_max(score, holder, age_days, known)
    assert mates[1] == 0.95          # opened two days apart: lifted
    assert mates[2] == 0.0           # sold-account holder's old account: not lifted
    assert mates[3] == 0.0           # someone else
    assert mates[0] == 0.0           # no mate scores higher


def test_reason_codes_most_important_first_and_rules_included():
    contrib = pd.DataFrame({"pass_ratio": [2.0, 0.0], "age_days": [0.5, 0.0], "fwd_1h_share": [0.3, 0.0],
                            "crypto_share": [-1.0, 0.0]}, index=[7, 9])
    codes = {"pass_ratio": "pass_through", "fwd_1h_share": "pass_through", "age_days": "new_account",
             "crypto_share": "crypto_exit"}
    rules = pd.DataFrame({"victim_reports": [True, False]}, index=[7, 9])
    out = reason_codes(contrib, codes, rules)
    assert out[7] == "victim_reports;pass_through;new_account"
    assert out[9] == ""


def test_folds_are_stable_and_balanced():
    keys = [f"014-{i:010d}" for i in range(5000)]
    f = stable_folds(keys, 5)
    assert np.array_equal(f, stable_folds(keys, 5))
    counts = np.bincount(f, minlength=5)
    assert counts.min() > 800


def test_otsu_splits_two_groups():
    values = np.concatenate([np.full(100, 0.05), np.full(20, 0.9)])
    t = otsu_threshold(values)
    assert 0.05 < t <= 0.9


def test_nominee_rule_needs_three_banks_within_two_weeks_and_a_recent_account():
    from zeroscam.analytics.detection.mules import typology_rules

    cols = ["fwd_1d_share", "pass_ratio", "in_cp_stranger", "max_balance_rel", "stranger_cp_share", "out_cp",
            "out_banks", "gather_sources", "scatter_sinks", "pass_in_from_pass", "device_holders",
            "tested_by_fan", "tester_fan", "test_web_people", "ring_device_share"]
    f = pd.DataFrame(0.0, index=range(4), columns=cols)
    f["holder_banks_14d"] = [3, 3, 2, 4]
    f["age_days"] = [20, 400, 20, np.nan]      # old account; too few banks; not in the accounts file
    assert typology_rules(f)["holder_multi_bank"].tolist() == [True, False, False, False]


def test_ring_device_share_counts_payments_from_phones_of_four_or_more_people():
    from types import SimpleNamespace

    from zeroscam.analytics.detection.mules import ring_device_share

    frame = pd.DataFrame({"account": [f"a{i}" for i in range(6)]})
    # device 0: accounts of 4 people (a0..a3); device 1: a family tablet (a4, a5: 2 people)
    devices = pd.DataFrame({"pos": [0, 1, 2, 3, 0, 4, 5], "device_code": [0, 0, 0, 0, 1, 1, 1],
                            "holder_code": [0, 1, 2, 3, 0, 4, 5], "n": [4, 1, 1, 1, 1, 3, 3]})
    share = ring_device_share(SimpleNamespace(frame=frame, devices=devices))
    assert np.allclose(share, [0.8, 1.0, 1.0, 1.0, 0.0, 0.0])


def test_ring_device_pass_through_needs_three_people_and_three_passing_accounts():
    from types import SimpleNamespace

    from zeroscam.analytics.detection.mules import RING_DEVICE_PASSERS, ring_device_pass_through

    frame = pd.DataFrame({"account": [f"a{i}" for i in range(8)]})
    # device 0: accounts a0..a3 of four people, a0..a2 pass strangers' money straight on, a3 does not;
    # device 1: a family tablet of three people (a4..a6) on which only a4 forwards her salary;
    # a7 passes money on from a phone of its own
    devices = pd.DataFrame({"pos": [0, 1, 2, 3, 4, 5, 6, 7], "device_code": [0, 0, 0, 0, 1, 1, 1, 2],
                            "holder_code": [0, 1, 2, 3, 4, 5, 6, 7], "n": [1] * 8})
    passes = [1, 1, 1, 0, 1, 0, 0, 1]
    X = pd.DataFrame({"fwd_1d_share": [0.95 if p else 0.1 for p in passes],
                      "pass_ratio": [1.0 if p else 0.3 for p in passes], "in_cp_stranger": [2.0] * 8})
    flags = ring_device_pass_through(SimpleNamespace(frame=frame, devices=devices), X)
    assert flags.tolist() == [1, 1, 1, 0, 0, 0, 0, 0]
    # with one passer fewer on device 0 it is no ring's phone
    X.loc[2, "fwd_1d_share"] = 0.1
    assert RING_DEVICE_PASSERS == 3
    assert ring_device_pass_through(SimpleNamespace(frame=frame, devices=devices), X).sum() == 0


def _passers(n, **overrides):
    base = {"fwd_1d_share": 0.95, "pass_ratio": 1.0, "stranger_cents_share": 1.0, "own_in_share": 0.0,
            "out_cp": 2.0, "cash_in_share": 0.0, "fwd_wait_h": 0.5, "company": 0.0}
    return pd.DataFrame({k: [overrides.get(k, v)] * n for k, v in base.items()})


def test_pass_through_chain_needs_three_linked_passers_of_different_people():
    from types import SimpleNamespace

    from zeroscam.analytics.detection.mules import pass_through_chain

    # a0 → a1 → a2: a collector, a layer and a cash-out of three people, each passing money on;
    # a3 → a4: two passers only; a5 → a6 → a7: one person's three accounts
    frame = pd.DataFrame({"account": [f"a{i}" for i in range(8)],
                          "holder_id": ["h0", "h1", "h2", "h3", "h4", "h5", "h5", "h5"]})
    edges = pd.DataFrame({"src_pos": [0, 1, 3, 5, 6], "dst_pos": [1, 2, 4, 6, 7],
                          "cents": [1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000]})
    feats = SimpleNamespace(frame=frame, edges=edges)
    X = _passers(8)
    assert pass_through_chain(feats, X).tolist() == [True, True, True, False, False, False, False, False]

    # an opening cash deposit of a quarter of the inflow, kept: the transfers are still passed on
    X.loc[1, ["cash_in_share", "fwd_1d_share", "pass_ratio", "stranger_cents_share"]] = [0.25, 0.72, 0.75, 0.75]
    assert pass_through_chain(feats, X)[:3].all()
    # a shopkeeper living on cash deposits passes nothing on
    X.loc[1, ["cash_in_share", "fwd_1d_share", "pass_ratio", "stranger_cents_share"]] = [0.7, 0.3, 0.3, 0.3]
    assert not pass_through_chain(feats, X).any()
    X = _passers(8)
    # the middle account pays dozens of people (a payroll agent, a family hub): the chain breaks
    X.loc[1, "out_cp"] = 30.0
    assert not pass_through_chain(feats, X).any()
    # nor does a small payment link two passers: it is a purchase, not the ring's money
    # (a1 sends almost all of its money to a8, who keeps it)
    frame = pd.concat([frame, pd.DataFrame({"account": ["a8"], "holder_id": ["h8"]})], ignore_index=True)
    small = pd.DataFrame({"src_pos": [0, 1, 1, 3, 5, 6], "dst_pos": [1, 2, 8, 4, 6, 7],
                          "cents": [1_000_000, 1_000, 999_000, 1_000_000, 1_000_000, 1_000_000]})
    X = pd.concat([_passers(8), _passers(1, fwd_1d_share=0.0, fwd_wait_h=168.0)], ignore_index=True)
    flags = pass_through_chain(SimpleNamespace(frame=frame, edges=small), X)
    assert not flags.any()
    # the same payment in bulk: a0, a1 and a2 are a chain again
    bulk = small.assign(cents=[1_000_000, 999_000, 1_000, 1_000_000, 1_000_000, 1_000_000])
    assert pass_through_chain(SimpleNamespace(frame=frame, edges=bulk), X)[:3].all()

    # a slow chain (money held two days) links only by payments carrying ≥ 30 % of the payer's
    # outflow: salary paid out to bills over a few days is also in ≈ out
    X = _passers(9, fwd_1d_share=0.0, fwd_wait_h=48.0)
    edges = pd.DataFrame({"src_pos": [0, 0, 1, 1, 3], "dst_pos": [1, 3, 2, 4, 4],
                          "cents": [900_000, 100_000, 900_000, 100_000, 1_000_000]})
    flags = pass_through_chain(SimpleNamespace(frame=frame, edges=edges), X)
    assert flags.tolist() == [True, True, True, False, False, False, False, False, False]
    edges.loc[2, "cents"], edges.loc[3, "cents"] = 250_000, 750_000  # a1 → a2 is now 25 % of a1's outflow
    assert not pass_through_chain(SimpleNamespace(frame=frame, edges=edges), X)[2]


def test_test_web_people_counts_the_people_a_chain_of_tests_spans():
    from zeroscam.analytics.features.test_credits import RING_WEB_PEOPLE, ring_tested, test_web_people

    index = pd.Index([f"a{i}" for i in range(7)])
    # a0 tests a1, a1 tests a2, a2 tests a3 (four people: a ring passing the test down its new
    # accounts); a4 tests a5 and a6, but a5 and a6 are one person's accounts (three people)
    pairs = pd.DataFrame({"tester": ["a0", "a1", "a2", "a4", "a4"], "account": ["a1", "a2", "a3", "a5", "a6"],
                          "tester_holder": ["h0", "h1", "h2", "h4", "h4"], "holder": ["h1", "h2", "h3", "h5", "h5"]})
    people = test_web_people(pairs, index)
    assert people.tolist() == [4, 4, 4, 4, 2, 2, 2]
    feats = pd.DataFrame({"tested_by_fan": np.ones(7), "tester_fan": np.ones(7), "test_web_people": people})
    assert ring_tested(feats).tolist() == [True] * 4 + [False] * 3
    assert RING_WEB_PEOPLE == 4
    # the chain cut after a2: three people, no ring
    assert test_web_people(pairs.drop(index=2), index)[:3].tolist() == [3, 3, 3]


def test_pass_through_chain_is_not_headed_by_salary_passed_on():
    from types import SimpleNamespace

    from zeroscam.analytics.detection.mules import pass_through_chain

    # c (a company) pays a0 her salary, which she pays on to a1 (a ring's collector) → a2 → a3
    frame = pd.DataFrame({"account": ["c", "a0", "a1", "a2", "a3"], "holder_id": ["hc", "h0", "h1", "h2", "h3"]})
    edges = pd.DataFrame({"src_pos": [0, 1, 2, 3], "dst_pos": [1, 2, 3, 4], "cents": [1_000_000] * 4})
    X = _passers(5)
    X.loc[0, ["company", "fwd_1d_share", "fwd_wait_h"]] = [1.0, 0.0, 168.0]
    assert pass_through_chain(SimpleNamespace(frame=frame, edges=edges), X).tolist() == [False, False, True, True, True]
    # a person paying her the same money: she is a link like any other
    X.loc[0, "company"] = 0.0
    assert pass_through_chain(SimpleNamespace(frame=frame, edges=edges), X).tolist() == [False, True, True, True, True]


def _scatter_gather_by_hand(edges, n):
    """Per account: sources reaching it (sinks it reaches) over ≥ 2 distinct intermediates
    with at most 50 payers and 50 payees each; counted path by path."""
    payees = {a: {d for s, d in edges if s == a} for a in range(n)}
    payers = {a: {s for s, d in edges if d == a} for a in range(n)}
    modest = {a for a in range(n) if len(payees[a]) <= 50 and len(payers[a]) <= 50}
    gather, scatter = np.zeros(n), np.zeros(n)
    for s in range(n):
        for t in range(n):
            if s != t and len({m for m in payees[s] & payers[t] if m in modest}) >= 2:
                gather[t] += 1
                scatter[s] += 1
    return gather, scatter


@given(st.sets(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=60), st.integers(0, 60))
def test_scatter_gather_counts_paths_over_two_intermediates(edge_set, fan):
    from zeroscam.analytics.features.accounts import _scatter_gather

    n = 12 + fan
    # a hub paid by `fan` extra accounts: past 50 payers it stops being an intermediate
    edges = sorted((s, d) for s, d in edge_set if s != d) + [(12 + i, 3) for i in range(fan)]
    src = np.array([s for s, _ in edges], dtype=np.int64)
    dst = np.array([d for _, d in edges], dtype=np.int64)
    gather, scatter = _scatter_gather(src, dst, n)
    want_gather, want_scatter = _scatter_gather_by_hand(edges, n)
    assert gather.tolist() == want_gather.tolist()
    assert scatter.tolist() == want_scatter.tolist()


def _device_evidence_by_hand(rows, score, n):
    """rows: (pos, device, holder, payments). Per account: Σ over its devices of the device's
    share of its payments × the best score of the second other person on the device."""
    out = np.zeros(n)
    paid = {p: sum(c for q, _, _, c in rows if q == p) for p, _, _, _ in rows}
    for p, d, h, c in rows:
        people = {}
        for q, e, k, _ in rows:
            if e == d:
                people[k] = max(people.get(k, -np.inf), score[q])
        ranked = sorted(people.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        top_h = [k for k, _ in ranked] + [-1] * 3
        top_s = [s for _, s in ranked] + [0.0] * 3
        # this account's own holder among the first two: the third is the second *other*
        second = top_s[2] if h in top_h[:2] else top_s[1]
        out[p] += c / paid[p] * second
    return np.clip(out, 0.0, 1.0)


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 3), st.integers(1, 5)), min_size=1, max_size=25),
       st.lists(st.sampled_from([0.0, 0.2, 0.5, 0.9]), min_size=8, max_size=8))
def test_device_evidence_takes_the_second_other_person_on_each_device(rows, scores):
    from types import SimpleNamespace

    from zeroscam.analytics.features.accounts import device_evidence

    holder = np.array([0, 0, 1, 2, 3, 4, 5, 5])  # accounts 0,1 and 6,7: one person each
    rows = list({(p, d): (p, d, int(holder[p]), c) for p, d, c in rows}.values())  # one row per (account, device)
    dev = pd.DataFrame(rows, columns=["pos", "device_code", "holder_code", "n"])
    feats = SimpleNamespace(frame=pd.DataFrame(index=range(8)), devices=dev)
    score = np.array(scores)
    got = device_evidence(feats, score)
    assert np.allclose(got, _device_evidence_by_hand(rows, score, 8), atol=1e-12)
    # the layout kept from the first call gives the same answer for other scores
    assert np.allclose(device_evidence(feats, score[::-1].copy()),
                       _device_evidence_by_hand(rows, score[::-1], 8), atol=1e-12)


@given(st.sets(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=40), st.booleans())
def test_edge_matrix_is_the_matrix_of_the_edges_in_any_order(pairs, shuffle):
    from zeroscam.analytics.features.accounts import edge_matrix

    pairs = sorted(pairs)
    if shuffle:
        pairs = pairs[::-1]
    rows = np.array([r for r, _ in pairs], dtype=np.int64)
    cols = np.array([c for _, c in pairs], dtype=np.int64)
    values = np.arange(1, len(pairs) + 1, dtype=np.float64) / 7
    want = np.zeros((10, 10))
    want[rows, cols] = values
    x = np.linspace(0.1, 1.0, 10)
    for m, dense in ((edge_matrix(rows, cols, values, 10), want), (edge_matrix(cols, rows, values, 10), want.T)):
        assert np.array_equal(m.toarray(), dense)
        assert np.allclose(m @ x, dense @ x)


def test_business_like_needs_many_payers_hardly_any_of_them_victims():
    from types import SimpleNamespace

    from zeroscam.analytics.detection.mules import BUSINESS_PAYERS, business_like

    # account 0: a driver paid by 70 people, 3 of them victims of a reported scam;
    # account 1: a collector paid by 70 people, 20 of them victims; account 2: paid by 12
    driver, collector, small = list(range(3, 73)), list(range(73, 143)), list(range(143, 155))
    n = 155
    victim = np.zeros(n)
    victim[[3, 4, 5]] = 1.0
    victim[73:93] = 1.0
    edges = pd.DataFrame({"src_pos": driver + collector + small,
                          "dst_pos": [0] * 70 + [1] * 70 + [2] * 12})
    in_cp = np.zeros(n)
    in_cp[[0, 1, 2]] = [70, 70, 12]
    feats = SimpleNamespace(frame=pd.DataFrame({"victim_payer": victim}), edges=edges)
    assert business_like(feats, pd.DataFrame({"in_cp": in_cp}))[:3].tolist() == [True, False, False]
    in_cp[0] = BUSINESS_PAYERS - 1
    assert not business_like(feats, pd.DataFrame({"in_cp": in_cp}))[0]


def test_layering_withholds_a_collector_from_the_background_but_not_a_driver():
    from types import SimpleNamespace

    from zeroscam.analytics.detection.mules import withheld_from_background

    # 0: a driver paid by 80 strangers, fanning the fares out across banks; 1: a collector paid
    # by 6 victims, fanning out the same way; 2: a driver that also pays a ring's test credits;
    # 3: an ordinary account; payers 4..89
    n = 90
    src = list(range(4, 84)) + list(range(84, 90)) + list(range(4, 84))
    dst = [0] * 80 + [1] * 6 + [2] * 80
    frame = pd.DataFrame({"victim_payer": np.r_[np.zeros(84), np.ones(6)]})
    feats = SimpleNamespace(frame=frame, edges=pd.DataFrame({"src_pos": src, "dst_pos": dst}))
    X = pd.DataFrame({"in_cp": np.bincount(dst, minlength=n).astype(float), "from_reported_1": 0.0,
                      "device_reported": 0.0, "age_days": np.nan}, index=range(n))
    rules = pd.DataFrame(False, index=range(n), columns=["fan_out", "scatter_gather", "chain", "test_credit",
                                                         "holder_multi_bank", "ring_phone"])
    rules.loc[[0, 1, 2], "fan_out"] = True
    rules.loc[2, "test_credit"] = True
    withheld = withheld_from_background(feats, X, rules, np.zeros(n, bool), np.arange(n))
    assert withheld[:4].tolist() == [False, True, True, False]
