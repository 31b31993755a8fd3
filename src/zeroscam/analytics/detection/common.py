"""Shared machinery of the detectors (mule accounts, mule SIMs).

DESIGN.md principle 3: learn from the data at hand. A detector builds one
feature row per entity (SQL through the engine seam), takes the entities that
victim reports name as its positive labels, and then:

1. `pu_crossfit` trains LightGBM at run time on *this* dataset — positives
   against the unlabeled majority (PU learning), leaving out of the negatives
   the entities with strong independent evidence (`exclude_from_negatives`),
   cross-fitted over K deterministic folds so that every entity is scored by a
   model that never saw its own label;
2. `prior_corrected` turns those scores into probabilities of being a mule
   (Elkan–Noto: divide by the mean score of the labeled positives);
3. `otsu_threshold` / `choose_threshold` picks the flag threshold from the
   score distribution of this dataset, not from a constant tuned elsewhere;
4. `reason_codes` turns LightGBM's per-feature contributions
   (`pred_contrib=True`) plus the typology rules that fired into short codes,
   most important first.

Everything here is deterministic: folds come from a hash of the entity key,
LightGBM runs with fixed seeds, `deterministic=True` and a fixed thread count,
and sorts are stable.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SEED = 20240801
THREADS = 1  # fixed (results depend on it); one thread: OpenMP spin-waits badly on a busy 2-core box
# Folds train side by side in Python threads (LightGBM releases the GIL), each with
# THREADS OpenMP threads: a fold's model does not depend on what runs next to it.
FOLD_WORKERS = max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


def lgbm_params(seed: int = SEED, **overrides) -> dict:
    """LightGBM parameters for small tabular PU problems, deterministic."""
    params = {
        "objective": "binary",
        "learning_rate": 0.06,
        "num_leaves": 15,
        "min_data_in_leaf": 10,
        "min_sum_hessian_in_leaf": 1e-3,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "max_bin": 63,
        "seed": seed,
        "bagging_seed": seed + 1,
        "feature_fraction_seed": seed + 2,
        "data_random_seed": seed + 3,
        "deterministic": True,
        # row-wise histograms: the same sums in the same row order as column-wise (same
        # models, bit for bit), ~18 % less training time on one thread (docs/detect-mules.md)
        "force_row_wise": True,
        "num_threads": THREADS,
        "verbose": -1,
    }
    params.update(overrides)
    return params


def stable_folds(keys: Sequence[str], k: int, salt: str = "") -> np.ndarray:
    """Fold number 0..k-1 per key, from a CRC32 of the key: same key, same fold, every run."""
    return np.fromiter((zlib.crc32((salt + str(key)).encode()) % k for key in keys),
                       dtype=np.int64, count=len(keys))


def stable_uniform(keys: Sequence[str], salt: str) -> np.ndarray:
    """A deterministic pseudo-random number in [0,1) per key (for subsampling)."""
    return np.fromiter((zlib.crc32((salt + str(key)).encode()) / 2**32 for key in keys),
                       dtype=np.float64, count=len(keys))


@dataclass
class CrossFit:
    """The result of `pu_crossfit`.

    `score[i]` is P(labeled | features) for row i from the model that did not
    train on row i's fold. `models[f]` scored fold f; `fold[i]` is row i's fold.
    """

    score: np.ndarray
    fold: np.ndarray
    models: list = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    # what the models were trained on, for `pu_crossfit(reuse=...)`: the feature
    # matrix, the LightGBM parameters, and per fold the training rows and binned Dataset
    _matrix: np.ndarray | None = field(default=None, repr=False)
    _frame: object = field(default=None, repr=False)  # the X the matrix came from
    _params: dict | None = field(default=None, repr=False)
    _train: list = field(default_factory=list, repr=False)
    # the keys object, folds and seed, and the negative-sampling numbers drawn from them
    # (a CRC per key: a second call on the same keys does not compute them again)
    _keys: tuple | None = field(default=None, repr=False)
    _u: np.ndarray | None = field(default=None, repr=False)

    def contributions(self, X: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
        """Per-feature contributions (log-odds, LightGBM `pred_contrib`) for the given row
        positions, each row explained by the model that scored it. Columns: the features
        (the bias column is dropped); index: the row positions."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros((len(rows), len(self.features)), dtype=np.float64)
        matrix = X.iloc[rows][self.features].to_numpy(np.float64)  # the rows asked for, in order

        def explain(f: int) -> None:
            pick = np.flatnonzero(self.fold[rows] == f)
            if self.models[f] is None or len(pick) == 0:
                return
            contrib = self.models[f].predict(matrix[pick], pred_contrib=True, num_threads=THREADS)
            out[pick] = contrib[:, :-1]

        # each fold's rows in a thread of their own, like training (LightGBM releases the GIL)
        if FOLD_WORKERS > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max(1, len(self.models))) as pool:
                list(pool.map(explain, range(len(self.models))))
        else:
            for f in range(len(self.models)):
                explain(f)
        return pd.DataFrame(out, index=rows, columns=self.features)


def pu_crossfit(X: pd.DataFrame, keys: Sequence[str], positive: np.ndarray, *,
                exclude_from_negatives: np.ndarray | None = None,
                folds: int = 5, rounds: int = 150, max_negatives: int = 60_000,
                seed: int = SEED, params: Mapping | None = None,
                positive_weight: np.ndarray | None = None, negative_weight: np.ndarray | None = None,
                score_rows: np.ndarray | None = None,
                reuse: CrossFit | None = None) -> CrossFit:
    """Cross-fitted PU LightGBM: positives vs the unlabeled rest.

    X: one row per entity, numeric feature columns only (NaN allowed).
    keys: the entity keys, aligned with X (used for folds and sampling, so the
    result does not depend on row order). positive: bool array, the labels the
    data brings. exclude_from_negatives: bool array, unlabeled rows with strong
    evidence of being positive (rules fired, close to labeled ones) that must not
    be taught as negatives. Negatives are subsampled to `max_negatives` per fold
    (deterministically) and re-weighted so scores stay P(labeled | x).
    positive_weight: optional per-row weight of the positives (e.g. from
    `clean_label_weights`: labels the data itself doubts count less).
    negative_weight: optional per-row weight of the unlabeled rows taught as background
    (before the subsampling re-weighting).
    score_rows: optional bool mask, the rows whose score the caller needs (the others
    stay 0; predicting is a good part of the cost). reuse: an earlier fit on the same
    X (the same frame object, unchanged since, or an equal one), labels, exclusions, folds
    and parameters (only the positive weights may differ):
    its binned training sets are used again, with the same models as building them anew.
    """
    n = len(X)
    positive = np.asarray(positive, dtype=bool)
    excluded = (np.zeros(n, dtype=bool) if exclude_from_negatives is None
                else np.asarray(exclude_from_negatives, dtype=bool) & ~positive)
    features = list(X.columns)
    # the same frame object as the reused fit's (one frame for both passes): its matrix is
    # taken as it is rather than converted and compared again (the frame must not change)
    same_frame = reuse is not None and reuse._frame is X and reuse._matrix is not None
    matrix = reuse._matrix if same_frame else X.to_numpy(np.float64)
    # folds and sampling numbers depend on the keys, folds and seed only: a reused fit on
    # the same keys object (and folds, seed) has them already
    same_keys = (reuse is not None and reuse._keys is not None and reuse._keys[0] is keys
                 and reuse._keys[1:] == (n, folds, seed))
    fold = reuse.fold if same_keys else stable_folds(keys, folds, salt=f"fold{seed}")
    score = np.zeros(n, dtype=np.float64)
    fit = CrossFit(score=score, fold=fold, features=features)
    if positive.sum() < 2 or (~positive & ~excluded).sum() < 2:
        # Nothing to learn from: no labels (or no background). Scores stay 0; rules decide.
        fit.models = [None] * folds
        return fit

    import lightgbm as lgb

    u = reuse._u if same_keys else stable_uniform(keys, salt=f"neg{seed}")
    fit._keys, fit._u = (keys, n, folds, seed), u
    base = lgbm_params(seed, **(params or {}))
    pos_w = np.ones(n) if positive_weight is None else np.asarray(positive_weight, dtype=np.float64)
    neg_w = np.ones(n) if negative_weight is None else np.asarray(negative_weight, dtype=np.float64)
    wanted = np.ones(n, dtype=bool) if score_rows is None else np.asarray(score_rows, dtype=bool)
    fit._matrix, fit._params, fit._frame = matrix, base, X
    fit._train = [None] * folds
    same_data = (reuse is not None and reuse._params == base and reuse.features == features
                 and len(reuse._train) == folds and np.array_equal(reuse.fold, fold)
                 and reuse._matrix is not None and reuse._matrix.shape == matrix.shape
                 # bit for bit (one integer compare; NaN-aware float compare is ten times slower)
                 and (same_frame or np.array_equal(reuse._matrix.view(np.uint64), matrix.view(np.uint64))))

    def train(f: int):
        train_pos = positive & (fold != f)
        train_neg = ~positive & ~excluded & (fold != f)
        n_neg = int(train_neg.sum())
        rate = min(1.0, max_negatives / max(n_neg, 1))
        train_neg &= u < rate
        if train_pos.sum() == 0 or train_neg.sum() == 0:
            return None
        idx = np.flatnonzero(train_pos | train_neg)
        y = positive[idx].astype(np.float64)
        w = np.where(positive[idx], pos_w[idx], neg_w[idx] / rate)
        old = reuse._train[f] if same_data else None
        if old is not None and np.array_equal(old[0], idx) and np.array_equal(old[1].get_label(), y):
            # bins come from the feature values alone: only the weights change
            data = old[1]
            data.set_weight(w)
        else:
            data = lgb.Dataset(matrix[idx], label=y, weight=w, feature_name=features, free_raw_data=True)
        booster = lgb.train(dict(base), data, num_boost_round=rounds)
        fit._train[f] = (idx, data)
        rows = np.flatnonzero((fold == f) & wanted)
        if len(rows):
            score[rows] = booster.predict(matrix[rows], num_threads=THREADS)
        return booster

    if FOLD_WORKERS > 1:
        from concurrent.futures import ThreadPoolExecutor

        # every fold in its own thread: the OS shares the cores among them, where two
        # workers would leave the fifth fold to run alone on one core
        with ThreadPoolExecutor(folds) as pool:
            fit.models = list(pool.map(train, range(folds)))
    else:
        fit.models = [train(f) for f in range(folds)]
    return fit


def clean_label_weights(probability: np.ndarray, positive: np.ndarray, *, low: float = 0.05) -> np.ndarray:
    """Weights for a second PU pass: a labeled row counts as much as the first pass's
    cross-fitted probability that it is positive (confident learning: a label that
    looks nothing like the other labels — a mistaken report — is mostly ignored).
    Unlabeled rows get 1."""
    positive = np.asarray(positive, dtype=bool)
    return np.where(positive, np.clip(probability, low, 1.0), 1.0)


def prior_corrected(score: np.ndarray, positive: np.ndarray, *, floor: float = 0.05,
                    weights: np.ndarray | None = None) -> np.ndarray:
    """Elkan–Noto: P(positive | x) ≈ P(labeled | x) / c, with c the typical cross-fitted
    score of the labeled positives. c is their *median*, not the mean, so that a minority
    of mistaken labels (honest entities named by mistake, scored low) does not deflate c
    and inflate every probability. Clipped to [0, 1]; `floor` keeps c sane when labels
    are few. `weights` (per row) makes it a weighted median."""
    positive = np.asarray(positive, dtype=bool)
    if positive.sum() == 0:
        return np.zeros_like(score)
    if weights is None:
        c = float(np.median(score[positive]))
    else:
        values, w = score[positive], np.asarray(weights, dtype=np.float64)[positive]
        order = np.argsort(values, kind="stable")
        cum = np.cumsum(w[order])
        c = float(values[order][np.searchsorted(cum, cum[-1] / 2)])
    c = max(c, floor)
    return np.clip(score / c, 0.0, 1.0)


def combine_reports(p_model: np.ndarray, n_independent: np.ndarray, *, likelihood_ratio: float = 3.0,
                    alone: float | np.ndarray = 0.35) -> np.ndarray:
    """Add victim reports to a behavioural probability.

    Each independent report multiplies the odds by `likelihood_ratio` (reports are
    evidence, not proof: mistaken reports exist); and a named entity scores at least
    `1 - (1 - alone)^n` however innocent it looks (`alone` may differ per entity) —
    one report alone is moderate,
    several independent ones are strong."""
    p = np.clip(np.asarray(p_model, dtype=np.float64), 1e-4, 1 - 1e-6)
    n = np.asarray(n_independent, dtype=np.float64)
    odds = p / (1 - p) * likelihood_ratio ** n
    combined = odds / (1 + odds)
    floor = 1.0 - (1.0 - alone) ** n
    out = np.maximum(combined, floor)
    return np.where(n > 0, out, np.asarray(p_model, dtype=np.float64))


def otsu_threshold(values: np.ndarray, *, bins: int = 200, lo: float = 0.0, hi: float = 1.0) -> float:
    """The cut that best separates the values into two groups (Otsu's method on a histogram):
    a data-driven split of a bimodal score distribution."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return 0.5
    hist, edges = np.histogram(np.clip(values, lo, hi), bins=bins, range=(lo, hi))
    centers = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centers)
    mu0 = np.divide(m0, w0, out=np.zeros_like(m0, dtype=np.float64), where=w0 > 0)
    mu1 = np.divide(m0[-1] - m0, w1, out=np.zeros_like(m0, dtype=np.float64), where=w1 > 0)
    between = w0 * w1 * (mu0 - mu1) ** 2
    return float(edges[int(np.argmax(between)) + 1])


def choose_threshold(score: np.ndarray, positive: np.ndarray, *, min_recall: float = 0.9,
                     default: float = 0.5) -> float:
    """A flag threshold from this dataset: the lower of `default` and the score that keeps
    `min_recall` of the labeled positives above it, but never below the Otsu split of
    the scores of the labeled positives' distribution and the rest (so a few mistaken
    reports with low scores do not drag the threshold down)."""
    positive = np.asarray(positive, dtype=bool)
    if positive.sum() < 5:
        return default
    recall_cut = float(np.quantile(score[positive], 1 - min_recall))
    split = otsu_threshold(score)
    return float(min(default, max(recall_cut, split)))


def noisy_or(*probabilities: np.ndarray) -> np.ndarray:
    """Combine independent pieces of evidence: 1 - Π(1 - p)."""
    out = np.ones_like(np.asarray(probabilities[0], dtype=np.float64))
    for p in probabilities:
        out *= 1.0 - np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    return 1.0 - out


def reason_codes(contrib: pd.DataFrame, feature_codes: Mapping[str, str],
                 rules: pd.DataFrame | None = None, *, top: int = 4,
                 min_contrib: float = 0.05) -> pd.Series:
    """Short reason codes per row, most important first, as a `;`-joined string.

    contrib: per-feature contributions (rows = entities, columns = features).
    feature_codes: feature column → reason code (several features may share a code;
    their contributions add up; features without a code are not shown).
    rules: optional bool frame aligned with `contrib` (same index), columns = reason
    codes of typology rules that fired; a fired rule comes before model reasons of
    lower weight and after none (rules are listed first, in column order).
    Only positive contributions above `min_contrib` count.
    """
    codes = sorted(set(feature_codes.values()))
    by_code = pd.DataFrame(0.0, index=contrib.index, columns=codes)
    for feature, code in feature_codes.items():
        if feature in contrib.columns:
            by_code[code] += contrib[feature].to_numpy()
    values = by_code.to_numpy()
    out = []
    rule_cols = list(rules.columns) if rules is not None else []
    rule_values = rules.reindex(contrib.index).fillna(False).to_numpy(bool) if rules is not None else None
    for i in range(len(by_code)):
        names: list[str] = []
        if rule_values is not None:
            names.extend(c for c, hit in zip(rule_cols, rule_values[i]) if hit)
        order = np.argsort(-values[i], kind="stable")
        for j in order:
            if values[i, j] < min_contrib:
                break
            if codes[j] not in names:
                names.append(codes[j])
        out.append(";".join(names[:top]))
    return pd.Series(out, index=contrib.index, dtype=object)


def ts_literal(dt) -> str:
    """A naive-UTC datetime as a SQL literal both DuckDB and Spark read."""
    return f"TIMESTAMP '{pd.Timestamp(dt).strftime('%Y-%m-%d %H:%M:%S')}'"


def materialize(engine, name: str, select_sql: str) -> None:
    """Store a query's result under `name` for the following queries: a temp table on
    DuckDB, a cached temp view on Spark (sqlglot would turn TEMP TABLE into a view
    without OR REPLACE, so the statement is written per engine here)."""
    if engine.name == "spark":
        engine.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {select_sql}")
        engine.spark.catalog.cacheTable(name)
    else:
        engine.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select_sql}")


def drop(engine, *names: str) -> None:
    """Drop what `materialize` made (uncache on Spark)."""
    for name in names:
        if engine.name == "spark":
            try:
                engine.spark.catalog.uncacheTable(name)
            except Exception:  # noqa: BLE001 - already gone
                pass
            engine.spark.catalog.dropTempView(name)
        else:
            engine.execute(f"DROP TABLE IF EXISTS {name}")
