"""`zeroscam detect mules`: the contract output, and that it finds mules no report names."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from zeroscam.cli.main import app

TINY = Path(__file__).resolve().parents[3] / "shared" / "examples" / "tiny"
if not TINY.is_dir():  # the checkout's sibling /work/shared
    TINY = Path("/work/shared/examples/tiny")


def simulate(out: Path, scale: str, seed: int) -> Path:
    result = CliRunner().invoke(app, ["simulate", "--out", str(out), "--scale", scale, "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    return out


def detect(data: Path, out: Path, *extra: str) -> pd.DataFrame:
    result = CliRunner().invoke(app, ["detect", "mules", "--data", str(data), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out, dtype={"bank": str, "account": str, "reasons": str}, keep_default_na=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    return simulate(tmp_path_factory.mktemp("mules-world"), "tiny", 11)


def check_contract(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["bank", "account", "score", "flagged", "reasons"]
    assert frame["bank"].str.fullmatch(r"\d{3}").all()
    assert frame["account"].str.fullmatch(r"\d+").all()
    assert frame["score"].between(0, 1).all()
    assert set(frame["flagged"].unique()) <= {0, 1}
    assert (frame.loc[frame["flagged"] == 0, "reasons"] == "").all()
    flagged_reasons = frame.loc[frame["flagged"] == 1, "reasons"]
    assert all(re.fullmatch(r"[a-z_]+(;[a-z_]+)*", r) for r in flagged_reasons)
    assert not frame.duplicated(["bank", "account"]).any()


def test_tiny_example_one_row_per_account_seen(tmp_path):
    frame = detect(TINY, tmp_path / "mules.csv")
    check_contract(frame)
    keys = set(frame["bank"] + "-" + frame["account"])
    # accounts.csv has four accounts; every transaction endpoint is one of them
    assert keys == {"004-1234567890", "014-9876543210", "006-5550001112", "002-4440009999"}
    named = frame[frame["account"] == "9876543210"].iloc[0]
    honest = frame[frame["account"] == "4440009999"].iloc[0]
    assert named["score"] > honest["score"]


def test_accounts_only_seen_in_transactions_are_scored(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("accounts.csv", "transactions.csv", "reports.jsonl"):
        (data / name).write_text((TINY / name).read_text(encoding="utf-8"), encoding="utf-8")
    # an endpoint at a bank that sent no accounts.csv rows
    with open(data / "transactions.csv", "a", encoding="utf-8") as fh:
        fh.write("T-9100,2025-03-01T22:00:00+07:00,transfer,006,5550001112,069,7770001234,500.00,\n")
    frame = detect(data, tmp_path / "mules.csv")
    check_contract(frame)
    assert "7770001234" in set(frame["account"])


def test_simulated_world_contract_and_unreported_mules_found(world, tmp_path):
    frame = detect(world, tmp_path / "mules.csv")
    check_contract(frame)
    truth = pd.read_csv(world / "truth" / "accounts.csv", dtype=str)
    active = truth[truth["first_scam_ts"].notna()]
    keys = frame["bank"] + "-" + frame["account"]
    is_mule = keys.isin(set(active["account"])).to_numpy()
    flagged = frame["flagged"].to_numpy() == 1
    assert is_mule.sum() > 0
    precision = (is_mule & flagged).sum() / max(flagged.sum(), 1)
    recall = (is_mule & flagged).sum() / is_mule.sum()
    assert precision >= 0.7 and recall >= 0.7, (precision, recall)

    from zeroscam.exchange.axf import open_dataset

    ds = open_dataset(world)
    named = set(ds.con.execute("SELECT dst FROM report_transfers UNION "
                               "SELECT value FROM report_contacts WHERE type = 'bank_account'").df().iloc[:, 0])
    unreported = is_mule & ~keys.isin(named).to_numpy()
    assert unreported.sum() > 0
    assert (flagged & unreported).sum() / unreported.sum() >= 0.6
    # mules score higher than everyone else on average, by a wide margin
    scores = frame["score"].to_numpy()
    assert scores[is_mule].mean() > 5 * scores[~is_mule].mean()


def test_missing_transactions_is_a_clean_error(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "accounts.csv").write_text((TINY / "accounts.csv").read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(app, ["detect", "mules", "--data", str(data), "--out", str(tmp_path / "m.csv")])
    assert result.exit_code != 0
    assert "transactions" in str(result.exception) or "transactions" in result.output


def test_detect_mules_function_columns(world):
    from zeroscam.analytics.detection.mules import detect_mules
    from zeroscam.analytics.engine import make_engine
    from zeroscam.exchange.axf import open_dataset

    ds = open_dataset(world)
    result = detect_mules(ds, make_engine("duckdb", ds))
    for col in ("account", "bank", "account_digits", "score", "flagged", "reasons"):
        assert col in result.columns
    assert (result["account"] == result["bank"] + "-" + result["account_digits"]).all()
    assert result["account"].is_monotonic_increasing
    assert np.isfinite(result["score"]).all()
