"""Mule-SIM detection: which numbers make the scam calls and send the scam SMS.

`detect_sims(dataset, engine)` scores every number seen by the dataset's as-of
time (docs/detect-sims.md). How:

1. Features per number (analytics/features/sims.py, SQL through the engine seam):
   calling pattern, SIM and holder, handsets, cells, victims called, neighbours
   named in reports through shared IMEIs, holders and cells.
2. Labels from the data itself: numbers that victim reports name as a contact.
   LightGBM learns named vs the rest (PU learning), cross-fitted so that no
   number is scored by a model that saw its own label; Elkan–Noto turns the
   scores into probabilities.
3. A second round feeds each number the first round's scores of its neighbours
   (same handsets, same holder), so a farm's SIMs that no report names are found
   through the ones that are; its score is the final one.
4. Typology rules add evidence: victims called far above the data's base rate;
   named by reports; and two label-free rules — a fresh SIM (or `+697`) blasting
   many distinct strangers with no inbound is flagged on its own and never taught
   as a negative; a group of blast-shaped SIMs tied by a holder or handset (or
   `+697` lines) whose fresh SIMs together reached many strangers is flagged as
   one farm; a many-SIM fleet that only ever reaches one number and an
   established company pool making conversations are held under the cut. The
   flag threshold comes from this dataset's scores.
5. Reasons: the rules that fired and the largest LightGBM contributions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zeroscam.analytics.detection import common
from zeroscam.analytics.features.sims import MODEL_FEATURES, sim_features

# Feature → reason code (contributions of features sharing a code add up).
FEATURE_CODES = {
    "n_out": "many_strangers", "n_callees": "many_strangers", "callees_per_out": "many_strangers",
    "stranger_share": "many_strangers", "out_share": "many_strangers", "n_in": "many_strangers",
    "share_short": "short_calls", "share_unanswered": "short_calls", "mean_talk_s": "short_calls",
    "share_sms": "sms_blast", "max_day_sms": "sms_blast",
    "sim_age_days": "new_sim_burst", "first_use_age_days": "new_sim_burst",
    "out_per_active_day": "new_sim_burst", "max_day_out": "new_sim_burst",
    "active_days": "new_sim_burst", "span_days": "new_sim_burst",
    "n_called_victims": "called_victims", "called_victim_share": "called_victims",
    "h_sims": "holder_many_sims", "h_sims_7d": "holder_many_sims", "h_sims_30d": "holder_many_sims",
    "h_days_since_last_reg": "holder_many_sims", "h_reg_span_days": "holder_many_sims",
    "h_named_others": "holder_named_sims", "h_named_share": "holder_named_sims",
    "h_score_max": "holder_named_sims", "h_score_mean": "holder_named_sims",
    "h_accounts": "holder_mule_accounts", "h_reported_accounts": "holder_mule_accounts",
    "h_new_accounts": "holder_mule_accounts", "h_mule_score": "holder_mule_accounts",
    "n_imeis": "sim_farm_imei", "imei_max_sims": "sim_farm_imei", "imei_cosims": "sim_farm_imei",
    "imei_named_others": "sim_farm_imei", "imei_named_share": "sim_farm_imei",
    "imei_score_max": "sim_farm_imei", "imei_score_mean": "sim_farm_imei",
    "n_cells": "shared_cells", "top_cell_share": "shared_cells", "cell_named_share": "shared_cells",
    "cell_max_sims": "shared_cells",
    "border_share": "border_cell", "min_border_km": "border_cell",
    "is_voip697": "foreign_voip", "is_foreign": "foreign_voip", "is_roam698": "roaming",
}

OUTPUT_COLUMNS = ["msisdn", "score", "flagged", "reasons"]
NBTC_SIMS_PER_HOLDER = 5
# One thread per booster: on a busy machine LightGBM's OpenMP threads spin against each
# other (4x slower on 2 shared cores), and a fixed count keeps results reproducible.
TRAIN_PARAMS = {"num_threads": 1}
# Typology as shape constraints (DOMAIN.md "How mule SIMs behave"): the model may
# learn how much each of these matters here, but never that more of it is more honest.
MONOTONE = {
    "share_unanswered": 1, "share_short": 1, "stranger_share": 1, "out_share": 1, "callees_per_out": 1,
    "imei_max_sims": 1, "imei_cosims": 1, "h_sims_7d": 1, "h_sims_30d": 1, "border_share": 1,
    "is_voip697": 1, "h_reported_accounts": 1, "h_mule_score": 1,
    "h_named_others": 1, "h_named_share": 1, "imei_named_others": 1, "imei_named_share": 1,
    "cell_named_share": 1, "h_score_max": 1, "h_score_mean": 1, "imei_score_max": 1, "imei_score_mean": 1,
    "mean_talk_s": -1, "first_use_age_days": -1, "h_days_since_last_reg": -1, "min_border_km": -1,
    "h_reg_span_days": -1,
}
# Features that drive which numbers get named (a victim who reported names the number
# that called them). Feeding them to the model would break PU learning's premise that
# the named are a random sample of the scam numbers; they act through the rule instead.
SELECTION_FEATURES = ("n_called_victims", "called_victim_share")
# Features counting named numbers among a number's neighbours.
NEIGHBOUR_LABEL_FEATURES = ("h_named_others", "h_named_share", "imei_named_others", "imei_named_share",
                            "cell_named_share")  # NBTC: holders of more than 5 SIMs must re-verify


def detect_sims(dataset, engine=None, *, account_scores: pd.DataFrame | None = None,
                progress=None, details: bool = False) -> pd.DataFrame:
    """Score every number seen by `dataset.as_of`.

    dataset: an opened AXF dataset (`zeroscam.exchange.axf.open_dataset`).
    engine: an engine from `analytics.engine.make_engine`, or its name
    (`"duckdb"`/`"spark"`); default DuckDB over `dataset.con`.
    account_scores: optional output of the mule detector (`bank, account, score`
    or `account, score`); adds the holder's highest mule score as a feature.
    Returns a DataFrame `msisdn, score, flagged, reasons` sorted by msisdn
    (with `details=True`, also the features and intermediate scores).
    """
    from zeroscam.analytics.engine import make_engine

    if engine is None or isinstance(engine, str):
        engine = make_engine(engine or "duckdb", dataset)
    step = progress.advance if progress is not None else (lambda *_a, **_k: None)
    feats = sim_features(engine, dataset.as_of)
    step("sim features")
    feats = _add_account_scores(feats, engine, account_scores)
    links = imei_links(engine)
    return score_numbers(feats, links, details=details, step=step)


def _add_account_scores(feats: pd.DataFrame, engine, account_scores) -> pd.DataFrame:
    """The holder's highest mule-account score, when the mule detector's output is at hand."""
    if account_scores is None or len(account_scores) == 0:
        return feats
    scores = account_scores.copy()
    if "bank" in scores.columns and not scores["account"].astype(str).str.contains("-").all():
        scores["account"] = scores["bank"].astype(str).str.zfill(3) + "-" + scores["account"].astype(str)
    holders = engine.sql("SELECT account, holder_id FROM accounts WHERE holder_id IS NOT NULL")
    per_holder = (holders.merge(scores[["account", "score"]], on="account")
                  .groupby("holder_id")["score"].max().rename("h_mule_score"))
    return feats.merge(per_holder, left_on="holder_id", right_index=True, how="left")


def called_victims_rule(feats: pd.DataFrame) -> np.ndarray:
    """Numbers that called far more later-victims than chance allows.

    The base rate is this dataset's own: the share of all caller→callee pairs
    whose callee reported a scam. A number fires when the binomial chance of
    calling at least as many victims, at that rate, is below 1/(numbers seen)."""
    from scipy.special import betainc

    n = feats["n_callees"].to_numpy(np.float64)
    k = feats["n_called_victims"].to_numpy(np.float64)
    total = n.sum()
    if total <= 0 or k.sum() <= 0:
        return np.zeros(len(feats), dtype=bool)
    p0 = min(k.sum() / total, 0.5)
    alpha = 1.0 / max(len(feats), 1)
    # P(X >= k) for X ~ Binomial(n, p0), k >= 1: the regularised incomplete beta I_p0(k, n-k+1)
    kk = np.maximum(k, 1.0)
    tail = np.where(k >= 1, betainc(kk, np.maximum(n - kk + 1, 1e-9), p0), 1.0)
    return (k >= 2) & (tail < alpha)


# Label-free typology (DOMAIN.md "How mule SIMs behave"): domain floors, not fitted to data.
BLAST_MIN_CALLEES = 20       # "many distinct strangers"
BLAST_SHARE = 0.9            # outbound share, stranger share: "little inbound", "strangers"
BLAST_DISTINCT = 0.8         # distinct callees per outbound event: blasts, not one server
BLAST_TOUCH = 0.5            # SMS, unanswered or very short among outbound events
BLAST_RATE_X = 3.0           # busier per active day than this dataset's median caller, times this
BLAST_FRESH_DAYS = 60        # first used within this many days of registration


def _blast_shape(feats: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(calls, fresh, busy): whether a number calls like a farm SIM — (almost) only
    outbound, to strangers, distinct callees, mostly SMS, unanswered or very short, not
    a company's; whether it is fresh (first used soon after registration, or never
    registered); and whether it is busier than the dataset's median caller."""
    def col(name):
        return feats[name].to_numpy(np.float64)

    n_out = col("n_out")
    touch = (col("n_sms") + col("n_unanswered") + col("n_short")) / np.maximum(n_out, 1.0)
    rate = col("out_per_active_day")
    active = (n_out > 0) & np.isfinite(rate)
    median_rate = float(np.median(rate[active])) if active.any() else np.inf
    fresh = (col("first_use_age_days") <= BLAST_FRESH_DAYS) | (col("is_sim") == 0)
    # `+697` VoIP costs nothing per number, so rings spread a blast thin over many of
    # them: the busier-than-usual test is waived for those (twenty strangers still needed)
    busy = (rate >= BLAST_RATE_X * median_rate) | (col("is_voip697") > 0)
    with np.errstate(invalid="ignore"):
        calls = ((col("out_share") >= BLAST_SHARE) & (col("stranger_share") >= BLAST_SHARE)
                 & (col("callees_per_out") >= BLAST_DISTINCT) & (touch >= BLAST_TOUCH)
                 & (col("is_company") != 1))
    return calls, fresh, busy


def blast_rule(feats: pd.DataFrame) -> np.ndarray:
    """Numbers that behave like a farm SIM whether or not anyone named them: a fresh
    SIM (or a number with no registration at all, such as `+697` VoIP) blasting SMS,
    unanswered or very short calls to many distinct strangers, with (almost) no
    inbound, busier than the dataset's median caller, not registered to a company.
    Uses no label, so it finds farms no report has named; one server number (IoT
    fleets) fails it, and company pools (the documented look-alike) are left to the
    model, where being a company is one feature among others."""
    calls, fresh, busy = _blast_shape(feats)
    return calls & fresh & busy & (feats["n_callees"].to_numpy(np.float64) >= BLAST_MIN_CALLEES)


FARM_MIN_MEMBER_CALLEES = 3  # shares measured on at least three callees, not a call or two
VOIP_GATEWAY = "+697 gateway"  # the tie shared by all `+697` VoIP numbers (see farm_blast_rule)


def farm_blast_rule(feats: pd.DataFrame, links: pd.DataFrame | None) -> np.ndarray:
    """The blast test applied to a farm as one machine. Numbers that call like a farm
    SIM (`_blast_shape`'s calling pattern, at least three callees), are fresh or busy,
    and are tied to each other by a shared holder or handset form a group. The group is a farm when its
    fresh, busy members (what `blast_rule` asks of one SIM, but the twenty strangers)
    together reached at least `BLAST_MIN_CALLEES` strangers; then every member of the
    group is flagged, two or more of them.

    Why: a farm that started hours or a day ago spreads its blast over many SIMs
    (and rotating farms swap SIMs and handsets every day), so no single SIM has
    reached twenty strangers yet, though the farm has. Once the farm is shown by its
    fresh SIMs, the aged SIMs it runs as busily beside them on the same holder or
    handset (bought or kept for months) and the new ones working slower today are
    its SIMs too; a nominee's own old SIM making a few calls a day is neither.
    Only numbers that pass every per-number calling test join a group, so an honest
    family or a company pool is never pulled in by a handset it shares with one.
    Callees are summed over the fresh members (farm SIMs dial different numbers; the
    sum can only overstate). A shop texting its customers from a few SIMs now and
    then is not busy enough per SIM to show a farm."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    calls, fresh, busy = _blast_shape(feats)
    n_callees = feats["n_callees"].to_numpy(np.float64)
    out = np.zeros(len(feats), dtype=bool)
    # a member is new or busy like a farm SIM (a nominee's own old, unhurried SIM is neither)
    idx = np.flatnonzero(calls & (fresh | busy) & (n_callees >= FARM_MIN_MEMBER_CALLEES))
    if len(idx) < 2:
        return out
    numbers = feats["msisdn"].to_numpy(dtype=str)
    # `+697` numbers have no holder, handset or cell to tie them: they count as the lines
    # of one gateway abroad (rings buy them in batches; no honest use blasts strangers)
    owner = feats["holder_id"].astype(object).where(feats["is_voip697"] == 0, VOIP_GATEWAY)
    holder, holders = pd.factorize(owner.to_numpy()[idx])
    rows, cols, m = [np.flatnonzero(holder >= 0)], [len(idx) + holder[holder >= 0]], len(holders)
    if links is not None and len(links):
        pos = _positions(numbers[idx], links["msisdn"].to_numpy(dtype=str))
        imei, imeis = pd.factorize(links["imei"].to_numpy()[pos >= 0])
        rows.append(pos[pos >= 0])
        cols.append(len(idx) + m + imei)
        m += len(imeis)
    r, c = np.concatenate(rows), np.concatenate(cols)
    size = len(idx) + m
    _, label = connected_components(coo_matrix((np.ones(len(r)), (r, c)), shape=(size, size)), directed=False)
    label = label[:len(idx)]
    members = np.bincount(label)
    evidence = (fresh & busy)[idx]
    callees = np.bincount(label, weights=np.where(evidence, n_callees[idx], 0.0))
    ok = (members >= 2) & (callees >= BLAST_MIN_CALLEES)
    out[idx] = ok[label]
    return out


def fleet_rule(feats: pd.DataFrame) -> np.ndarray:
    """Numbers of a machine fleet: a holder with more than five SIMs none of which ever
    reached more than one callee (IoT SIMs reporting to one server). A farm exists to
    reach many different people, so a registration burst alone must not make these
    look like one. Label-free, like `blast_rule`."""
    holder = feats["holder_id"]
    callees = feats["n_callees"].fillna(0)
    most = callees.groupby(holder).transform("max")
    active = feats["n_out"].fillna(0).groupby(holder).transform("max")
    return ((feats["h_sims"].fillna(0) > NBTC_SIMS_PER_HOLDER) & holder.notna()
            & (most <= 1) & (active > 0)).to_numpy(bool)


def pool_rule(feats: pd.DataFrame) -> np.ndarray:
    """Numbers of an honest company pool (DOMAIN.md's documented look-alike: courier
    and call-centre pools registered to companies): a company's SIM whose holder has
    no number named by a report, first used long after it was registered or held by
    a company that has registered SIMs over a longer span than that (an established
    pool adding a line, not the farm's batch "registered days before use"), and whose calls are mostly conversations
    (under half SMS, unanswered or very short: not the farm's blast). Everything a
    farm is known by is absent, so a registration structure that resembles a farm
    (many SIMs per holder and handset) must not flag it on its own. A nominee company
    running fresh SIMs, blasting, or named in one report is not spared. Label-free."""
    def col(name):
        return feats[name].to_numpy(np.float64)

    touch = (col("n_sms") + col("n_unanswered") + col("n_short")) / np.maximum(col("n_out"), 1.0)
    with np.errstate(invalid="ignore"):
        aged = (col("first_use_age_days") > BLAST_FRESH_DAYS) | (col("h_reg_span_days") > BLAST_FRESH_DAYS)
        return ((col("is_company") == 1) & aged & (touch < BLAST_TOUCH) & (col("n_named") == 0)
                & (np.nan_to_num(col("h_named_others")) == 0))


def imei_links(engine) -> pd.DataFrame:
    """Distinct (msisdn, imei) pairs: which handsets each number called from."""
    return engine.sql("SELECT DISTINCT caller AS msisdn, imei FROM cdrs "
                      "WHERE caller IS NOT NULL AND imei IS NOT NULL")


def _positions(numbers: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Row of each value in the sorted `numbers` array, -1 where absent."""
    pos = np.searchsorted(numbers, values)
    pos = np.minimum(pos, max(len(numbers) - 1, 0))
    found = (len(numbers) > 0) & (numbers[pos] == values) if len(numbers) else np.zeros(len(values), bool)
    return np.where(found, pos, -1)


def _max_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """out[i] = max of values where index == i (NaN ignored; NaN where none)."""
    out = np.full(size, -np.inf)
    ok = ~np.isnan(values)
    np.maximum.at(out, index[ok], values[ok])
    out[np.isneginf(out)] = np.nan
    return out


def _neighbour_scores(feats: pd.DataFrame, prob: np.ndarray, links: pd.DataFrame | None) -> pd.DataFrame:
    """Round-two inputs: first-round scores of the other numbers on the same handsets
    and of the same holder's other numbers (integer arrays: this runs on every number)."""
    n = len(feats)
    numbers = feats["msisdn"].to_numpy(dtype=str)
    out = pd.DataFrame(index=feats.index)
    out["imei_score_mean"] = np.nan
    out["imei_score_max"] = np.nan
    if links is not None and len(links):
        pos = _positions(numbers, links["msisdn"].to_numpy(dtype=str))
        keep = pos >= 0
        pos = pos[keep]
        imei, _ = pd.factorize(links["imei"].to_numpy()[keep])
        p = prob[pos]
        total = np.bincount(imei, weights=p)
        count = np.bincount(imei).astype(np.float64)
        high = (p >= 0.5).astype(np.float64)
        highs = np.bincount(imei, weights=high)
        with np.errstate(invalid="ignore", divide="ignore"):
            others_mean = np.where(count[imei] > 1, (total[imei] - p) / (count[imei] - 1), np.nan)
        out["imei_score_mean"] = _max_by(pos, others_mean, n)
        out["imei_score_max"] = _max_by(pos, highs[imei] - high, n)
    out["h_score_mean"] = np.nan
    out["h_score_max"] = np.nan
    holder, _ = pd.factorize(feats["holder_id"])
    has = holder >= 0
    if not has.any():
        return out
    h, p = holder[has], prob[has]
    total = np.bincount(h, weights=p)
    count = np.bincount(h).astype(np.float64)
    top = _max_by(h, p, int(h.max()) + 1 if len(h) else 0)
    # the second largest per holder: the max after removing one copy of the max
    is_top = np.zeros(len(h), dtype=bool)
    order = np.lexsort((-p, h))
    first_of = np.r_[True, h[order][1:] != h[order][:-1]]
    is_top[order[first_of]] = True
    second = _max_by(h, np.where(is_top, np.nan, p), len(top))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_others = np.where(count[h] > 1, (total[h] - p) / (count[h] - 1), np.nan)
    out.loc[has, "h_score_mean"] = mean_others
    out.loc[has, "h_score_max"] = np.where(is_top, second[h], top[h])
    return out


def pu_f1_threshold(score: np.ndarray, labeled: np.ndarray, *, floor: float = 0.05) -> float:
    """The flag threshold that maximises Lee & Liu's PU criterion recall² / P(flagged),
    where recall is measured on the labeled (named) numbers with their cross-fitted
    scores. It is proportional to F1's precision × recall without needing negatives,
    so the cut comes from this dataset alone. `floor` only guards against flagging
    on noise when labels are very few."""
    score = np.asarray(score, dtype=np.float64)
    labeled = np.asarray(labeled, dtype=bool)
    if labeled.sum() < 3:
        return 0.5
    order = np.argsort(-score, kind="stable")
    s_sorted = score[order]
    hits = np.cumsum(labeled[order])
    # evaluate only at the last position of each distinct score (ties flag together)
    last = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    k = np.flatnonzero(last & (s_sorted >= floor))
    if len(k) == 0:
        return 0.5
    recall = hits[k] / labeled.sum()
    flagged_share = (k + 1) / len(score)
    best = int(np.argmax(recall**2 / flagged_share))
    return float(s_sorted[k[best]])


def linked_groups(feats: pd.DataFrame, links: pd.DataFrame | None) -> np.ndarray:
    """A group key per number: numbers joined by a shared handset or holder (transitively)
    share it. The key is the group's smallest msisdn, so it depends on neither row
    order nor engine. Cross-fitting folds by group: a SIM farm is scored by a model
    that never saw its own farm-mates taught as negatives."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    numbers = feats["msisdn"].to_numpy(dtype=str)  # sorted
    n = len(numbers)
    holder, holders = pd.factorize(feats["holder_id"])
    rows = [np.flatnonzero(holder >= 0)]
    cols = [n + holder[holder >= 0]]
    m = len(holders)
    if links is not None and len(links):
        pos = _positions(numbers, links["msisdn"].to_numpy(dtype=str))
        imei, imeis = pd.factorize(links["imei"].to_numpy())
        rows.append(pos[pos >= 0])
        cols.append(n + m + imei[pos >= 0])
        m += len(imeis)
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(n + m, n + m))
    _, label = connected_components(graph, directed=False)
    label = label[:n]
    # each component named by its first (smallest, as numbers are sorted) msisdn
    first = np.full(label.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(first, label, np.arange(n))
    return numbers[first[label]].astype(object)


def pu_crossfit_grouped(X: pd.DataFrame, groups: list[str], positive: np.ndarray, *,
                        exclude_from_negatives: np.ndarray, seed: int = common.SEED,
                        rounds: int = 120, folds: int = 5, max_negatives: int = 30_000) -> common.CrossFit:
    """`common.pu_crossfit` with two changes for numbers: folds by linked group, and
    each unlabeled group weighs as one negative in all (1/size per member).

    Why: the SIMs of a farm that no report names yet are many near-identical rows;
    taught as negatives at full weight, one such farm outweighs the named SIMs of
    other farms and teaches the model that farms are honest. Honest numbers are
    mostly alone or in small families, so they keep nearly full weight.
    """
    import lightgbm as lgb

    n = len(X)
    positive = np.asarray(positive, dtype=bool)
    excluded = np.asarray(exclude_from_negatives, dtype=bool) & ~positive
    features = list(X.columns)
    matrix = X.to_numpy(np.float64)
    fold = common.stable_folds(groups, folds, salt=f"fold{seed}")
    score = np.zeros(n, dtype=np.float64)
    fit = common.CrossFit(score=score, fold=fold, features=features)
    if positive.sum() < 2 or (~positive & ~excluded).sum() < 2:
        fit.models = [None] * folds
        return fit
    keys = pd.Series(groups)
    size = keys.map(keys.value_counts()).to_numpy(np.float64)
    u = common.stable_uniform(keys.tolist(), salt=f"neg{seed}")
    base = common.lgbm_params(seed, **TRAIN_PARAMS)
    base["monotone_constraints"] = [MONOTONE.get(f, 0) for f in features]
    base["monotone_constraints_method"] = "advanced"
    for f in range(folds):
        train_pos = positive & (fold != f)
        train_neg = ~positive & ~excluded & (fold != f)
        rate = min(1.0, max_negatives / max(int(train_neg.sum()), 1))
        train_neg &= u < rate
        if train_pos.sum() == 0 or train_neg.sum() == 0:
            fit.models.append(None)
            continue
        idx = np.flatnonzero(train_pos | train_neg)
        w = np.where(positive[idx], 1.0, 1.0 / (rate * np.sqrt(size[idx])))
        booster = lgb.train(dict(base), lgb.Dataset(matrix[idx], label=positive[idx].astype(np.float64),
                                                    weight=w, feature_name=features, free_raw_data=True),
                            num_boost_round=rounds)
        fit.models.append(booster)
        rows = np.flatnonzero(fold == f)
        if len(rows):
            score[rows] = booster.predict(matrix[rows], num_threads=common.THREADS)
    return fit


def score_numbers(feats: pd.DataFrame, links: pd.DataFrame | None = None, *, details: bool = False,
                  step=lambda *_a, **_k: None) -> pd.DataFrame:
    """Model + rules over a feature table from `sim_features` (sorted by msisdn)."""
    feats = feats.reset_index(drop=True)
    groups = linked_groups(feats, links).tolist()
    named = feats["n_named"].to_numpy() > 0
    rule_victims = called_victims_rule(feats)
    rule_blast = blast_rule(feats)
    # Farms caught only as a group add flags at the end and leave the model alone: as
    # unsure negatives or scoring neighbours they moved the PU threshold on worlds where
    # the model was right (a shop's SIMs texting customers came up with them).
    rule_farm = farm_blast_rule(feats, links) & ~rule_blast
    columns = [c for c in MODEL_FEATURES if c not in SELECTION_FEATURES]
    columns += ["h_mule_score"] if "h_mule_score" in feats.columns else []
    # Unlabeled numbers tied to named ones (same handset or holder) or caught by the
    # victims rule are not taught as negatives: they are the ones we are looking for.
    near_named = ((feats["imei_named_others"].fillna(0).to_numpy() >= 1)
                  | (feats["h_named_others"].fillna(0).to_numpy() >= 1))
    unsure = rule_victims | near_named | rule_blast

    # Round 1: PU model on the number's own behaviour and structure, without any
    # feature derived from other numbers' labels (a farm nobody named yet must still
    # look like the named farms).
    X1 = feats[[c for c in columns if c not in NEIGHBOUR_LABEL_FEATURES]].astype(np.float64)
    fit1 = pu_crossfit_grouped(X1, groups, named, exclude_from_negatives=unsure)
    prob1 = common.prior_corrected(fit1.score, named)
    step("round one")

    # Round 2: add the neighbours' round-one scores (holder), so unnamed SIMs of a
    # holder whose other SIMs look like a farm rise with them.
    # a number the typology rule catches counts as a scoring neighbour even if unnamed
    neigh = _neighbour_scores(feats, np.maximum(prob1, rule_blast.astype(np.float64)), links)
    X2 = pd.concat([X1, neigh], axis=1)
    fit2 = pu_crossfit_grouped(X2, groups, named, exclude_from_negatives=unsure | (prob1 >= 0.5),
                               seed=common.SEED + 7)
    prob = common.prior_corrected(fit2.score, named)
    step("round two")

    # Final score: round two's (it sees round one's verdicts on the neighbours; taking
    # the larger of the two rounds let round one's guesses about large company pools
    # through).
    score = prob.copy()
    score = np.where(rule_victims, np.maximum(score, 0.5), score)
    # never above 0.5: for calibrated probabilities the F1-optimal cut is F*/2 <= 0.5.
    # Computed before the typology floor: the rule is separate evidence, and its 0.5s
    # would otherwise pull the cut up to 0.5 for the model's own ranking.
    threshold = min(pu_f1_threshold(score, named), 0.5)
    score = np.where(rule_blast | rule_farm, np.maximum(score, 0.5), score)
    # an unnamed fleet SIM stays below the cut (the model may still rank it highest
    # among the honest: it keeps its order, just under the threshold)
    fleet = fleet_rule(feats) & ~named & ~rule_victims
    # so does an honest company pool (aged SIMs, conversations, nothing named)
    pool = pool_rule(feats) & ~rule_victims
    score = np.where(fleet | pool, np.minimum(score, 0.99 * threshold), score)
    flagged = score >= threshold
    # A number named by two or more separate reports is flagged whatever the model says.
    flagged |= feats["n_named"].to_numpy() >= 2
    flagged |= rule_victims & named
    flagged |= rule_blast | rule_farm
    if all(model is None for model in fit1.models):
        # Too few named numbers to learn from: the reports are all the evidence there is.
        flagged |= named
    # a number flagged by a rule scores at least the threshold: scores and flags agree
    score = np.where(flagged, np.maximum(score, threshold), score)

    rules = pd.DataFrame({
        "victim_reports": named,
        "called_victims": rule_victims,
        "fresh_blaster": rule_blast,
        "farm_blaster": rule_farm,
        "sim_farm_imei": feats["imei_max_sims"].fillna(0).to_numpy() > NBTC_SIMS_PER_HOLDER,
        "holder_many_sims": feats["h_sims"].fillna(0).to_numpy() > NBTC_SIMS_PER_HOLDER,
        "border_cell": feats["border_share"].fillna(0).to_numpy() >= 0.5,
        "foreign_voip": feats["is_voip697"].to_numpy() > 0,
        "roaming": feats["is_roam698"].to_numpy() > 0,
    })
    rows = np.flatnonzero(flagged)
    reasons = pd.Series("", index=feats.index, dtype=object)
    if len(rows):
        contrib = fit2.contributions(X2, rows)
        reasons.iloc[rows] = common.reason_codes(contrib, FEATURE_CODES, rules.iloc[rows],
                                                 top=5).to_numpy()
    step("reasons")

    out = pd.DataFrame({
        "msisdn": feats["msisdn"].astype(str),
        "score": np.round(np.clip(score, 0.0, 1.0), 6),
        "flagged": flagged.astype(int),
        "reasons": reasons,
    })
    if details:
        out = pd.concat([out, feats.drop(columns=["msisdn"]),
                         pd.DataFrame({"prob1": prob1, "prob2": prob, "rule_victims": rule_victims,
                                       "rule_blast": rule_blast, "rule_farm": rule_farm, "rule_fleet": fleet,
                                       "rule_pool": pool, "threshold": threshold}), neigh], axis=1)
    return out
