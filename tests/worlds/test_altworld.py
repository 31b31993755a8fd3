"""The independent generator writes a world that the AXF reader and `zeroscam evaluate` accept.

Detector quality is measured on these worlds (docs/robustness.md), never gated here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import altworld  # noqa: E402

from zeroscam.evaluate.baselines import reports_only  # noqa: E402
from zeroscam.evaluate.inputs import load_truth, read_mules, read_sims  # noqa: E402
from zeroscam.evaluate.service import evaluate  # noqa: E402
from zeroscam.exchange.axf import open_dataset  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("alt") / "w"
    altworld.generate(out, seed=3, n_people=1200, days=16)
    return out


def test_loads_through_the_axf_reader(world: Path) -> None:
    ds = open_dataset(world)
    counts = {t: ds.con.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("accounts", "transactions", "sims", "cdrs", "cells", "reports")}
    params = json.loads((world / "truth" / "params.json").read_text())
    assert counts["transactions"] == params["counts"]["transactions"]
    assert counts["cdrs"] == params["counts"]["cdrs"]
    assert counts["reports"] == params["counts"]["reports"] > 0
    # mixed written forms (dashes, 12-digit numbers, local phones) all normalise to canonical keys
    bad = ds.con.execute("select count(*) from accounts where not regexp_matches(account, '^\\d{3}-\\d{10,12}$')").fetchone()[0]
    assert bad == 0
    assert ds.con.execute("select count(*) from sims where msisdn not like '+66%'").fetchone()[0] == 0


def test_truth_is_consistent(world: Path) -> None:
    t = load_truth(world / "truth")
    # every scam transaction exists, and its victim rows add up to its amount
    txns = pd.read_csv(world / "transactions.csv", dtype=str, usecols=["txn_id", "amount"])
    assert set(t.scam_txns["txn_id"]) <= set(txns["txn_id"])
    sums = t.scam_txns.groupby("txn_id")["amount"].sum().round(2)
    whole = t.scam_txns.groupby("txn_id")["txn_amount"].first().astype(float)
    assert (sums - whole).abs().max() < 0.011
    # victims' losses are their hop-1 rows
    hop1 = t.scam_txns[t.scam_txns["kind"] == "victim_payment"].groupby("victim_id")["amount"].sum()
    assert (hop1.reindex(t.victims["victim_id"]).to_numpy() - t.victims["loss_thb"].to_numpy()).__abs__().max() < 0.02
    # no criminal identifier is listed as a look-alike
    assert not set(t.accounts["account"]) & set(t.lookalike_accounts["account"])
    assert not set(t.sims["msisdn"]) & set(t.lookalike_sims["msisdn"])
    assert set(t.accounts["tier"]) <= {"new", "dormant", "nominee_old"}
    assert t.reports["mistaken"].eq("1").sum() >= 1


def test_evaluate_accepts_the_truth(world: Path, tmp_path: Path) -> None:
    reports_only(world, None, tmp_path)
    truth = load_truth(world / "truth")
    res = evaluate(truth, world, mules=read_mules(tmp_path / "mules.csv"), sims=read_sims(tmp_path / "sims.csv"))
    assert res["mules"]["positives"] > 0
    assert res["sims"]["positives"] > 0
    # the reports-only baseline never finds an unreported mule
    assert res["mules"]["recall_unreported"] in (0.0, None)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    altworld.generate(a, seed=5, n_people=400, days=8)
    altworld.generate(b, seed=5, n_people=400, days=8)
    for name in ("transactions.csv", "cdrs.csv", "reports.jsonl", "truth/scam_txns.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
