"""Mule accounts: score every account seen by the as-of time.

How (DESIGN.md principle 3, learn from the data at hand):

1. account features (analytics/features/accounts.py) — flows, pass-through,
   fan-in from strangers, cross-bank scatter, account age, dormancy, test credits,
   ATM-limit and crypto exits, holder and device links — plus graph features over
   the transfer graph (money-weighted hops from reported accounts, chains,
   scatter-gather);
2. labels: the accounts that victim reports name (transfers' receivers and
   bank-account contacts);
3. a LightGBM model trained now, on this dataset, positives against the
   unlabeled majority (PU learning), cross-fitted over K folds so that no account
   is scored by a model that saw its label, with accounts that typology rules or
   graph proximity already implicate left out of the negatives; its scores are
   prior-corrected (Elkan–Noto) into the probability of being a mule; labels on
   accounts paid by hundreds (where mistaken reports land) weigh little;
4. evidence that needs no label: a sender testing several people's accounts with a
   few baht, a holder's fresh accounts at three or more banks, a phone paying for
   four or more people, a phone driving three or more people's accounts on three of
   which strangers' money passes straight through;
5. report evidence added as independent evidence (one report on an account few
   people pay flags it; on a busy account it is moderate; several independent
   victims are strong — mistaken reports exist), then spread over bulk money flows
   and shared devices;
6. person level: a holder whose account is a confident mule lifts the holder's
   other accounts (the Central Fraud Registry acts on the person);
7. a threshold from this dataset's score distribution, and reason codes from the
   model's per-feature contributions and the rules that fired.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zeroscam.analytics.detection.common import (
    choose_threshold,
    clean_label_weights,
    combine_reports,
    noisy_or,
    prior_corrected,
    pu_crossfit,
    reason_codes,
)
from zeroscam.analytics.features import accounts as account_features
from zeroscam.analytics.features.test_credits import ring_tested, tiny_credit_features

FOLDS = 5
# 120 rounds at rate 0.08 (first pass 60). 60 at 0.16 was as good on 18 development runs but
# bolder on a fresh world (honest drivers flagged; docs/detect-mules.md, third round)
ROUNDS = 120
# background sample per fold (re-weighted), enough for a few dozen features: 15,000 scored as
# well as 30,000 on 16 runs of worlds of 40k–106k accounts (mean F1 0.978 both) at half the
# boosting time (docs/detect-mules.md, fifth session); smaller worlds use all their accounts
MODEL = {"folds": FOLDS, "max_negatives": 15_000, "params": {"learning_rate": 0.08}}
# A report naming an account that few people pay is strong evidence on its own (the
# victim is a sizeable share of its payers: a collector); a report naming an account
# paid by hundreds (a driver, a shop) is weak — that is where mistaken reports land.
REPORT_ALONE = {"concentrated": 0.6, "diluted": 0.35}
REPORTER_SHARE = 0.05
# Paid by ≥ 60 different people, under 10 % of them victims named in reports: a business
# with its customers (as `trace` judges it), not a collector of a ring's victims.
BUSINESS_PAYERS = 60
BUSINESS_MAX_VICTIM_SHARE = 0.1
# ... taught as background at a tenth of the weight when it shows a layering shape: enough
# that a few mistaken reports naming drivers cannot make "driver" a mule, little enough that
# the model still reads fast pass-through from a few strangers as a mule's (fifth session)
BUSINESS_BACKGROUND_WEIGHT = 0.1
LAYERING_RULES = ["fan_out", "scatter_gather", "chain"]
DILUTED_LABEL_WEIGHT = 0.1
# Tested with a few baht by a sender that tested three or more people: a ring's account.
TEST_CREDIT_EVIDENCE = 0.7
# The holder opened accounts at three or more banks within two weeks, this one in the
# last 90 days: the Central Fraud Registry's nominee pattern.
NOMINEE_EVIDENCE = 0.6
NEW_ACCOUNT_DAYS = 90
# A phone that makes payments from the accounts of four or more people is a ring's
# (a family tablet serves two or three); an account paying mostly (≥ 80 %) from it is
# run by the ring — a victim whose phone a ring took over made few of her payments there.
RING_DEVICE_PEOPLE = 4
RING_DEVICE_SHARE = 0.8
RING_PHONE_EVIDENCE = 0.6
RING_DEVICE_PASSERS = 3
RING_DEVICE_PASS_EVIDENCE = 0.6
# Three or more accounts of different people, each passing strangers' money straight on to
# a handful of accounts, linked to each other by bulk payments: a ring's collector →
# layer → cash-out chain. Honest pass-throughs (salary then rent, a payroll agent, a
# family hub) stand alone or pay dozens of people.
CHAIN_RING_ACCOUNTS = 3
CHAIN_MAX_PAYEES = 10
CHAIN_BULK_SHARE = 0.05
CHAIN_COMPANY_SHARE = 0.1
# A slow ring (money held up to three days) looks like salary paid out to bills: its links
# must carry ≥ 30 % of the payer's outflow (a collector emptying itself into the ring's layer)
# and not be a trifle for the receiver (≥ 2 %: a shop paid by hundreds takes less from any one).
CHAIN_SLOW_HOURS = 72
CHAIN_SLOW_PAYER_SHARE = 0.3
CHAIN_SLOW_RECEIVER_SHARE = 0.02
CHAIN_RING_EVIDENCE = 0.6

FEATURE_CODES = {
    "pass_ratio": "pass_through", "fwd_1h_share": "pass_through", "fwd_1d_share": "pass_through",
    "fwd_wait_h": "pass_through", "max_balance_rel": "pass_through", "post_out_balance_rel": "pass_through",
    "in_n": "fan_in_strangers", "in_cp": "fan_in_strangers", "in_cp_stranger": "fan_in_strangers",
    "stranger_cp_share": "fan_in_strangers", "stranger_cents_share": "fan_in_strangers",
    "in_cp_7d": "fan_in_strangers", "in_n_7d": "fan_in_strangers", "in_n_1d": "fan_in_strangers",
    "in_banks": "fan_in_strangers",
    "out_cp": "fan_out", "out_n": "fan_out", "out_cp_7d": "fan_out", "out_n_7d": "fan_out",
    "out_banks": "cross_bank_scatter", "out_other_bank_share": "cross_bank_scatter",
    "age_days": "new_account", "age_at_first_in_days": "new_account",
    "max_gap_days": "dormant_burst", "burst_after_gap_share": "dormant_burst",
    "recent_in_share": "dormant_burst", "in_n_30d": "dormant_burst", "out_n_30d": "dormant_burst",
    "active_days": "dormant_burst", "days_since_last": "dormant_burst",
    "tiny_in_n": "test_credit", "tested_by_fan": "test_credit", "tester_fan": "test_credit",
    "test_web_people": "test_credit",
    "atm_limit_n": "atm_limit_cashout", "cash_out_share": "atm_limit_cashout",
    "round_out_share": "atm_limit_cashout",
    "crypto_share": "crypto_exit",
    "device_holders": "shared_device", "devices": "shared_device", "ring_device_share": "shared_device",
    "from_reported_1": "near_reported", "from_reported_2": "near_reported", "from_reported_3": "near_reported",
    "reported_payers": "near_reported", "to_reported_1": "near_reported",
    "holder_banks": "holder_multi_bank", "holder_banks_14d": "holder_multi_bank",
    "holder_accounts": "holder_multi_bank", "holder_sims": "holder_multi_bank",
    "holder_other_labeled": "holder_reported", "own_in_share": "own_accounts", "own_out_share": "own_accounts",
    "device_reported": "shared_device",
    "in_from_pass": "chain", "out_to_pass": "chain", "pass_in_from_pass": "chain",
    "gather_sources": "scatter_gather", "scatter_sinks": "scatter_gather",
    "in_avg_thb": "amount_pattern", "out_avg_thb": "amount_pattern", "in_thb": "amount_pattern",
    "out_thb": "amount_pattern",
    "kyc_channel_code": "kyc_profile", "unknown_kyc": "kyc_profile", "holder_age": "kyc_profile",
    "cash_in_share": "cash_in",
}

# Columns that are identifiers or label-derived, never model inputs.
NOT_FEATURES = {"account", "bank", "holder_id"}
# Not model inputs either: levels that describe one ring's scam (how much its victims
# pay) rather than what mules do; learned from a few reported rings they make the
# model look for those rings' amounts instead of mule behaviour. Nor the ring signals
# (test credits, fresh accounts at many banks, shared app devices): they count as
# evidence of their own below, and learned from reported rings that had them they make
# the model overlook rings that do not.
NOT_LEARNED = ["in_thb", "out_thb", "in_avg_thb", "out_avg_thb", "holder_age",
               "tiny_in_n", "tested_by_fan", "tester_fan", "test_web_people", "device_holders", "devices",
               "ring_device_share", "holder_banks", "holder_banks_14d"]


def _values(f: pd.DataFrame, name: str) -> np.ndarray:
    return np.nan_to_num(f[name].to_numpy(np.float64))


def typology_rules(f: pd.DataFrame) -> pd.DataFrame:
    """The classic mule typologies as explicit rules (bool per account, column = reason code).
    Thresholds are domain definitions (forwarded within a day, several unrelated payers),
    not values fitted to any dataset."""
    def col(name):
        return _values(f, name)

    fast = (col("fwd_1d_share") >= 0.8) & (col("pass_ratio") >= 0.8)
    rules = pd.DataFrame(index=f.index)
    rules["pass_through"] = fast & (col("in_cp_stranger") >= 2) & (col("max_balance_rel") <= 1.05)
    rules["fan_in_strangers"] = fast & (col("in_cp_stranger") >= 5) & (col("stranger_cp_share") >= 0.8)
    rules["fan_out"] = fast & (col("out_cp") >= 4) & (col("out_banks") >= 3)
    rules["scatter_gather"] = fast & ((col("gather_sources") >= 1) | (col("scatter_sinks") >= 1))
    rules["chain"] = fast & (col("pass_in_from_pass") >= 0.5)
    # one app device driving accounts of three or more different people
    rules["shared_device"] = col("device_holders") >= 3
    # one sender testing the accounts of three or more people with a few baht
    rules["test_credit"] = ring_tested(f)
    # most of its payments made from a phone that drives four or more people's accounts
    rules["ring_phone"] = col("ring_device_share") >= RING_DEVICE_SHARE
    # a nominee: accounts at three or more banks opened within two weeks, this one recently
    age_days = np.nan_to_num(f["age_days"].to_numpy(np.float64), nan=np.inf)  # unknown: not new
    rules["holder_multi_bank"] = (col("holder_banks_14d") >= 3) & (age_days <= NEW_ACCOUNT_DAYS)
    return rules


def detect_mules(dataset, engine) -> pd.DataFrame:
    """Score every account seen by `dataset.as_of` (in accounts or at either end of a
    transaction). Returns one row per account, sorted by the canonical key, with
    `account` (canonical `BANK-DIGITS`), `bank`, `account_digits`, `score` in [0,1],
    `flagged` (0/1) and `reasons` (`;`-separated codes, most important first, empty
    when not flagged)."""
    feats = account_features.compute(engine, dataset.as_of)
    frame = feats.frame
    n = len(frame)
    if n == 0:
        return pd.DataFrame({"account": pd.Series(dtype=object), "bank": pd.Series(dtype=object),
                             "account_digits": pd.Series(dtype=object), "score": pd.Series(dtype=float),
                             "flagged": pd.Series(dtype=int), "reasons": pd.Series(dtype=object)})

    reports = frame[["account"]].merge(feats.labels, on="account", how="left")
    n_reports = reports["n_reports"].fillna(0).to_numpy(np.float64)
    n_victims = reports["n_victims"].fillna(0).to_numpy(np.float64)
    labeled = n_reports > 0

    graph = account_features.graph_features(feats, labeled)
    holder_code = account_features.holder_codes(feats)
    X = pd.concat([frame.drop(columns=list(NOT_FEATURES)), graph,
                   tiny_credit_features(engine, frame, holder_code)], axis=1)
    X["ring_device_share"] = ring_device_share(feats)
    holder_labeled = np.bincount(holder_code, weights=labeled.astype(np.float64))[holder_code]
    X["holder_other_labeled"] = holder_labeled - labeled
    X = X.astype(np.float64)

    rules = typology_rules(X)
    rules["chain_ring"] = pass_through_chain(feats, X)
    business = layering_business(feats, X, rules)
    implicated = withheld_from_background(feats, X, rules, labeled, holder_code, business=business)
    background_weight = np.where(business, BUSINESS_BACKGROUND_WEIGHT, 1.0)
    keys = frame["account"].tolist()
    independent = np.maximum(n_victims, np.minimum(n_reports, 1))
    reporter_share = independent / np.maximum(np.nan_to_num(X["in_cp"].to_numpy()), 1.0)
    concentrated = reporter_share >= REPORTER_SHARE
    # a label on an account paid by hundreds, one of whom reports, teaches little
    label_prior = np.where(labeled & ~concentrated, DILUTED_LABEL_WEIGHT, 1.0)
    # two passes: the second discounts labels the first pass could not recognise
    # (mistaken reports naming honest sellers), so they stop teaching the model
    learn = X.drop(columns=NOT_LEARNED)
    # the first pass is read only on the labels: score just those, and let the second
    # pass reuse its binned training sets
    first = pu_crossfit(learn, keys, labeled, exclude_from_negatives=implicated, rounds=60,
                        positive_weight=label_prior, negative_weight=background_weight, score_rows=labeled,
                        **MODEL)
    weights = clean_label_weights(prior_corrected(first.score, labeled, weights=label_prior), labeled) * label_prior
    # the behaviour model's evidence is scaled below by the share of the inflow that is other
    # people's money and by inflow over outflow: where either is 0 the model is not asked
    # (the labeled rows always are: they set the prior)
    own_in = np.clip(X["own_in_share"].to_numpy(), 0.0, 1.0)
    money_in, money_out = np.nan_to_num(X["in_thb"].to_numpy()), np.nan_to_num(X["out_thb"].to_numpy())
    asked = labeled | ((own_in < 1.0) & (money_in > 0))
    fit = pu_crossfit(learn, keys, labeled, exclude_from_negatives=implicated, rounds=ROUNDS,
                      positive_weight=weights, negative_weight=background_weight, reuse=first, score_rows=asked,
                      **MODEL)
    p_model = prior_corrected(fit.score, labeled, weights=weights)
    # forwarding one's own money (moved in from one's own accounts) is spending, not passing
    # other people's money through: the behaviour model's evidence stands on the rest
    p_model = p_model * (1.0 - own_in)
    # nor is paying out far more than came in: that is spending savings, and a mule passes on
    # what it receives (a victim emptying her savings pays out many times what she got)
    p_model = p_model * np.clip(money_in / np.maximum(money_out, 1.0), 0.0, 1.0)
    # a ring's test credits, a nominee's fresh accounts at many banks and a ring's phones
    # are evidence without any label (they work before the first report)
    p_model = noisy_or(p_model, TEST_CREDIT_EVIDENCE * rules["test_credit"].to_numpy(np.float64),
                       NOMINEE_EVIDENCE * rules["holder_multi_bank"].to_numpy(np.float64),
                       RING_PHONE_EVIDENCE * rules["ring_phone"].to_numpy(np.float64),
                       RING_DEVICE_PASS_EVIDENCE * ring_device_pass_through(feats, X),
                       CHAIN_RING_EVIDENCE * rules["chain_ring"].to_numpy(np.float64))

    receiver_ok = X["exchange"].to_numpy() == 0
    alone = np.where(concentrated, REPORT_ALONE["concentrated"], REPORT_ALONE["diluted"])
    score, p_money, p_device = _with_graph(feats, p_model, independent, receiver_ok, alone)

    # person level: a confident mule account lifts its holder's other accounts
    holder = frame["holder_id"].to_numpy()
    known_holder = ~pd.Series(holder).str.startswith("acct:").to_numpy()
    other_max = _holder_mates_max(score, holder_code, frame_opened(X), known_holder)
    lifted = other_max > score
    score = np.where(lifted, other_max, score)

    threshold = choose_threshold(p_model, labeled)
    flagged = score >= max(threshold, 0.5) if labeled.sum() >= 5 else score >= 0.5

    # reasons: rules that fired, victim reports, then the model's strongest contributions
    rows = np.flatnonzero(flagged)
    reasons = pd.Series("", index=frame.index, dtype=object)
    if len(rows):
        contrib = fit.contributions(X, rows) if any(m is not None for m in fit.models) else \
            pd.DataFrame(0.0, index=rows, columns=list(X.columns))
        fired = rules.iloc[rows].copy()
        fired.index = rows
        fired.insert(0, "victim_reports", labeled[rows])
        fired["shared_device"] = fired["shared_device"] | (p_device[rows] >= GRAPH_REASON)
        fired["paid_by_mules"] = p_money[rows] >= GRAPH_REASON
        fired["holder_flagged"] = lifted[rows]
        codes = reason_codes(contrib, FEATURE_CODES, fired, top=4).to_numpy()
        reasons.iloc[rows] = np.where(codes == "", "mule_model", codes)

    bank = frame["bank"].astype(str)
    return pd.DataFrame({
        "account": frame["account"],
        "bank": bank,
        "account_digits": frame["account"].str.slice(4),
        "score": np.round(np.clip(score, 0.0, 1.0), 6),
        "flagged": flagged.astype(int),
        "reasons": reasons,
        "model_score": np.round(p_model, 6),
        "reports": n_reports.astype(int),
    })


OPENED_TOGETHER_DAYS = 14


def ring_device_share(feats) -> np.ndarray:
    """Per account: the share of its outgoing payments made from app devices that make
    payments for `RING_DEVICE_PEOPLE` or more different holders."""
    n = len(feats.frame)
    dev = feats.devices
    if dev is None or dev.empty:
        return np.zeros(n)
    people = dev.groupby("device_code")["holder_code"].nunique()
    ring = dev["device_code"].map(people).to_numpy() >= RING_DEVICE_PEOPLE
    pos, count = dev["pos"].to_numpy(), dev["n"].to_numpy(np.float64)
    total = np.bincount(pos, weights=count, minlength=n)
    on_ring = np.bincount(pos, weights=count * ring, minlength=n)
    return np.divide(on_ring, total, out=np.zeros(n), where=total > 0)


def ring_device_pass_through(feats, X: pd.DataFrame) -> np.ndarray:
    """Per account (0/1): it passes strangers' money straight on, from an app device that drives the
    accounts of three or more people and on which at least `RING_DEVICE_PASSERS` accounts do the same
    (a family tablet serves two or three people, one of whom may forward her salary)."""
    n = len(feats.frame)
    dev = feats.devices
    if dev is None or dev.empty:
        return np.zeros(n)
    passes = (_values(X, "fwd_1d_share") >= 0.8) & (np.abs(_values(X, "pass_ratio") - 1.0) <= 0.2) \
        & (_values(X, "in_cp_stranger") >= 1)
    d = dev[["pos", "device_code", "holder_code"]].drop_duplicates(["pos", "device_code"])
    d = d.assign(passes=passes[d["pos"].to_numpy()])
    people = d.groupby("device_code")["holder_code"].nunique()
    passers = d[d["passes"]].groupby("device_code")["pos"].nunique()
    ring = (d["device_code"].map(people).to_numpy() >= 3) & (d["device_code"].map(passers).fillna(0).to_numpy()
                                                              >= RING_DEVICE_PASSERS)
    out = np.zeros(n)
    out[d["pos"].to_numpy()[ring & d["passes"].to_numpy()]] = 1.0
    return out


def pass_through_chain(feats, X: pd.DataFrame) -> np.ndarray:
    """Per account (bool): it passes people's money on (in ≈ out, from strangers, not from its
    holder's own accounts nor from companies, cash deposits set aside) to at most
    `CHAIN_MAX_PAYEES` accounts, and bulk payments link it to such accounts of other people,
    `CHAIN_RING_ACCOUNTS` or more in all: the shape of a ring's money, with no report and no
    other signal needed. Accounts passing money on within a day link by payments of ≥ 5 % of the
    payer's outflow and of the receiver's inflow; slower ones by payments that carry a large part
    of the payer's outflow (`CHAIN_SLOW_*`)."""
    n = len(feats.frame)
    edges = feats.edges
    src, dst = edges["src_pos"].to_numpy(), edges["dst_pos"].to_numpy()
    keep = (src >= 0) & (dst >= 0)
    src, dst, cents = src[keep], dst[keep], edges["cents"].to_numpy(np.float64)[keep]
    out_tot = np.bincount(src, weights=cents, minlength=n)
    in_tot = np.bincount(dst, weights=cents, minlength=n)
    # victims are people: salary or a settlement paid by a company and passed on is a household
    # budget (a victim paying the ring her salary would otherwise head its chain)
    company = _values(X, "company") > 0
    from_company = np.bincount(dst, weights=cents * company[src], minlength=n) / np.maximum(in_tot, 1.0)
    # shares of the money that came in by transfer: a nominee's opening cash deposit is not
    # money passed on, and in a ring moving small sums it is a large part of the inflow
    cash = _values(X, "cash_in_share")
    transferred = np.maximum(1.0 - cash, 1e-9)
    passer = (np.abs(_values(X, "pass_ratio") / transferred - 1.0) <= 0.2) \
        & (_values(X, "stranger_cents_share") / transferred >= 0.8) & (cash < 0.5) \
        & (from_company < CHAIN_COMPANY_SHARE) & (_values(X, "own_in_share") < 0.2) \
        & (_values(X, "out_cp") <= CHAIN_MAX_PAYEES)
    fast = passer & (_values(X, "fwd_1d_share") / transferred >= 0.8)
    slow = passer & (_values(X, "fwd_wait_h") <= CHAIN_SLOW_HOURS)
    holder = account_features.holder_codes(feats)
    between = holder[src] != holder[dst]
    payer_share, receiver_share = cents / np.maximum(out_tot[src], 1.0), cents / np.maximum(in_tot[dst], 1.0)

    def linked(member: np.ndarray, min_payer: float, min_receiver: float) -> np.ndarray:
        from scipy import sparse
        from scipy.sparse.csgraph import connected_components

        link = member[src] & member[dst] & between & (payer_share >= min_payer) & (receiver_share >= min_receiver)
        graph = sparse.csr_matrix((np.ones(int(link.sum())), (src[link], dst[link])), shape=(n, n))
        _, component = connected_components(graph, directed=False)
        return member & (np.bincount(component)[component] >= CHAIN_RING_ACCOUNTS)

    return linked(fast, CHAIN_BULK_SHARE, CHAIN_BULK_SHARE) \
        | linked(fast | slow, CHAIN_SLOW_PAYER_SHARE, CHAIN_SLOW_RECEIVER_SHARE)


def withheld_from_background(feats, X: pd.DataFrame, rules: pd.DataFrame, labeled: np.ndarray,
                             holder_code: np.ndarray, business: np.ndarray | None = None) -> np.ndarray:
    """Bool per account: unlabeled accounts that must not be taught as "honest" — fed by
    reported accounts, holding a reported account opened together with this one, sharing an
    app device with reported accounts, showing the ring signals, or showing the layering
    typologies unless paid by very many people hardly any of whom are victims (`business_like`:
    a driver passing the day's fares on to the car's owner, the pump and the family must be
    background, or the model learns nothing against it and flags it as a mule — fifth session,
    612 of 1,000 drivers on a 50,000-person world; taught at `BUSINESS_BACKGROUND_WEIGHT`).
    Not the fan-in / pass-through rules: honest sellers fire those, and the model must see
    sellers as background to learn what sets mules apart. Nor the pass-through chain: it is
    evidence of its own, and withholding its slow passers from the background moved honest
    drivers over the line on a development world.
    `business`: `layering_business` when the caller has it already."""
    n = len(X)
    layering = rules[LAYERING_RULES].to_numpy().any(axis=1)
    return ((X["from_reported_1"].to_numpy() >= 0.5) | (X["device_reported"].to_numpy() > 0)
            | (_holder_mates_max(np.asarray(labeled, dtype=np.float64), holder_code, frame_opened(X),
                                 np.ones(n, dtype=bool)) > 0)
            | (layering & ~(layering_business(feats, X, rules) if business is None else business))
            | rules[["test_credit", "holder_multi_bank", "ring_phone"]].to_numpy().any(axis=1))


def layering_business(feats, X: pd.DataFrame, rules: pd.DataFrame) -> np.ndarray:
    """Bool per account: a business (`business_like`) whose outflow fires a layering rule —
    background, but taught at `BUSINESS_BACKGROUND_WEIGHT`."""
    return rules[LAYERING_RULES].to_numpy().any(axis=1) & business_like(feats, X)


def business_like(feats, X: pd.DataFrame) -> np.ndarray:
    """Bool per account: paid by at least `BUSINESS_PAYERS` different people, under
    `BUSINESS_MAX_VICTIM_SHARE` of them victims who paid a reported transfer."""
    n = len(feats.frame)
    src = feats.edges["src_pos"].to_numpy()
    dst = feats.edges["dst_pos"].to_numpy()
    keep = (src >= 0) & (dst >= 0)
    victim = feats.frame["victim_payer"].to_numpy(np.float64)
    victim_payers = np.bincount(dst[keep], weights=victim[src[keep]], minlength=n)
    payers = np.nan_to_num(X["in_cp"].to_numpy(np.float64))
    return (payers >= BUSINESS_PAYERS) & (victim_payers < BUSINESS_MAX_VICTIM_SHARE * payers)


def frame_opened(X: pd.DataFrame) -> np.ndarray:
    """Opening time in days before the as-of (NaN when the account is not in accounts)."""
    return X["age_days"].to_numpy(np.float64)


def _holder_mates_max(score: np.ndarray, holder: np.ndarray, age_days: np.ndarray,
                      known: np.ndarray) -> np.ndarray:
    """Per account, the highest score among the holder's *other* accounts opened within
    `OPENED_TOGETHER_DAYS` of it (a nominee opening accounts at several banks within
    days). A person who sold one old account keeps living on the others, which were
    opened at other times: those are not lifted. `holder`: per account, its holder's
    id or integer code (codes are merged several times faster)."""
    out = np.zeros(len(score))
    idx = np.flatnonzero(known & np.isfinite(age_days))
    if len(idx) == 0:
        return out
    df = pd.DataFrame({"i": idx, "h": holder[idx], "age": age_days[idx], "s": score[idx]})
    multi = df[df.duplicated("h", keep=False)]
    if multi.empty:
        return out
    pairs = multi.merge(multi, on="h", suffixes=("", "_o"))
    pairs = pairs[(pairs["i"] != pairs["i_o"]) & ((pairs["age"] - pairs["age_o"]).abs() <= OPENED_TOGETHER_DAYS)]
    if pairs.empty:
        return out
    best = pairs.groupby("i")["s_o"].max()
    out[best.index.to_numpy()] = best.to_numpy()
    return out


GRAPH_REASON = 0.3  # graph evidence worth naming as a reason
HOP_DAMPING = 0.9   # each hop away from the evidence is a little weaker
HOPS = 4
BULK_SHARE = 0.05   # a payment of ≥ 5 % of what the payer sent out is bulk money


def _with_graph(feats, p_model: np.ndarray, independent: np.ndarray, receiver_ok: np.ndarray,
                alone: np.ndarray):
    """Behaviour + reports + evidence over money and devices → (score, money, device)."""
    score = combine_reports(p_model, independent, alone=alone)
    p_money, p_device = _propagate(feats, score, receiver_ok=receiver_ok,
                                   base=lambda g: combine_reports(noisy_or(p_model, g), independent, alone=alone))
    score = combine_reports(noisy_or(p_model, np.maximum(p_money, p_device)), independent, alone=alone)
    return score, p_money, p_device


def _propagate(feats, score: np.ndarray, *, receiver_ok: np.ndarray, base) -> np.ndarray:
    """Mule evidence spreading over the transfer graph and shared devices.

    Money: for each account, the share of its inflow that came from each payer times
    that payer's score. Devices: `device_evidence`. Iterated over `HOPS` rounds, each
    hop damped by `HOP_DAMPING`. Returns (money evidence, device evidence) per account."""
    frame, edges = feats.frame, feats.edges
    n = len(frame)
    src = edges["src_pos"].to_numpy()
    dst = edges["dst_pos"].to_numpy()
    keep = (src >= 0) & (dst >= 0)
    src, dst = src[keep], dst[keep]
    w = edges["cents"].to_numpy(np.float64)[keep]
    # a person's transfers between their own accounts carry no evidence across: the
    # person level (holder lift) judges those
    holder = account_features.holder_codes(feats)
    other = holder[src] != holder[dst]
    src, dst, w = src[other], dst[other], w[other]
    in_tot = np.bincount(dst, weights=w, minlength=n)
    out_tot = np.bincount(src, weights=w, minlength=n)
    # A ring moves its money in bulk; a mule's small payment to a shop or a friend (its
    # cut, spent) carries little evidence however small the receiver's own inflow is.
    bulk = np.minimum(1.0, w / np.maximum(out_tot[src], 1) / BULK_SHARE)
    share = account_features.edge_matrix(dst, src, w / np.maximum(in_tot[dst], 1) * bulk, n)
    current = score.copy()
    money = device = np.zeros(n)
    for _ in range(HOPS):
        money = HOP_DAMPING * np.where(receiver_ok, share @ current, 0.0)
        device = HOP_DAMPING * account_features.device_evidence(feats, current)
        current = base(np.maximum(money, device))
    return money, device
