"""`common.pu_crossfit`'s shortcuts give the same scores as the plain way.

Folds trained side by side, a second pass reusing the first pass's binned training
sets, and scoring only some rows are speed-ups: none may change a score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zeroscam.analytics.detection import common


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    n = 3000
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"f{i}" for i in range(6)])
    X.loc[rng.random(n) < 0.05, "f2"] = np.nan
    signal = X["f0"].to_numpy() + 0.5 * X["f1"].to_numpy()
    positive = (signal > 1.8) & (rng.random(n) < 0.6)
    excluded = (signal > 1.8) & ~positive & (rng.random(n) < 0.5)
    keys = [f"k{i:05d}" for i in range(n)]
    return X, keys, positive, excluded


def fit(data, **kw):
    X, keys, positive, excluded = data
    return common.pu_crossfit(X, keys, positive, exclude_from_negatives=excluded, folds=4, rounds=25,
                              max_negatives=1500, **kw)


def test_parallel_folds_same_scores(data, monkeypatch):
    monkeypatch.setattr(common, "FOLD_WORKERS", 1)
    one = fit(data)
    monkeypatch.setattr(common, "FOLD_WORKERS", 2)
    two = fit(data)
    assert one.score.max() > 0
    np.testing.assert_array_equal(one.score, two.score)


def test_reuse_and_score_rows_same_scores(data):
    X, keys, positive, _ = data
    first = fit(data)
    weights = common.clean_label_weights(common.prior_corrected(first.score, positive), positive)
    assert weights[positive].min() < 1  # the second pass really differs from the first
    plain = fit(data, positive_weight=weights)
    reused = fit(data, positive_weight=weights, reuse=first)
    assert all(t is not None and t[1] is first._train[f][1] for f, t in enumerate(reused._train))
    np.testing.assert_array_equal(plain.score, reused.score)
    rows = np.flatnonzero(positive)
    np.testing.assert_array_equal(plain.contributions(X, rows).to_numpy(),
                                  reused.contributions(X, rows).to_numpy())

    some = fit(data, score_rows=positive)
    np.testing.assert_array_equal(some.score[positive], first.score[positive])
    assert (some.score[~positive] == 0).all()


def test_reuse_ignored_when_data_differs(data):
    X, keys, positive, excluded = data
    first = fit(data)
    other = X.copy()
    other.iloc[0, 0] += 1.0
    fresh = common.pu_crossfit(other, keys, positive, exclude_from_negatives=excluded, folds=4, rounds=25,
                               max_negatives=1500)
    reused = common.pu_crossfit(other, keys, positive, exclude_from_negatives=excluded, folds=4, rounds=25,
                                max_negatives=1500, reuse=first)
    assert all(t[1] is not first._train[f][1] for f, t in enumerate(reused._train))
    np.testing.assert_array_equal(fresh.score, reused.score)


def test_negative_weight_down_weights_background_rows(data):
    """Unlabeled rows that look like the positives, taught at a tenth of the weight, pull the
    scores of their region down less; weight 1 everywhere is the unweighted fit."""
    X, keys, positive, excluded = data
    signal = X["f0"].to_numpy() + 0.5 * X["f1"].to_numpy()
    lookalike = (signal > 1.8) & ~positive & ~excluded
    plain = fit(data)
    assert np.array_equal(fit(data, negative_weight=np.ones(len(X))).score, plain.score)
    light = fit(data, negative_weight=np.where(lookalike, 0.1, 1.0))
    assert light.score[lookalike].mean() > plain.score[lookalike].mean()


def test_reuse_with_an_equal_copy_of_the_frame_same_scores(data):
    """The reused fit takes the matrix of the same frame object as it is; an equal copy is
    converted and compared: both give the scores of a fit without reuse."""
    X, keys, positive, excluded = data
    weights = np.where(positive, 0.5, 1.0)
    first = fit(data)
    plain = fit(data, positive_weight=weights)
    same = fit(data, positive_weight=weights, reuse=first)
    copy = common.pu_crossfit(X.copy(), keys, positive, exclude_from_negatives=excluded, folds=4, rounds=25,
                              max_negatives=1500, positive_weight=weights, reuse=first)
    assert same._matrix is first._matrix and copy._matrix is not first._matrix
    np.testing.assert_array_equal(plain.score, same.score)
    np.testing.assert_array_equal(plain.score, copy.score)
