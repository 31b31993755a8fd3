"""The SIM detector end to end: output contract, exact as-of, honest look-alikes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zeroscam.analytics.detection.sims import OUTPUT_COLUMNS, detect_sims
from zeroscam.exchange.axf import open_dataset
from zeroscam.kit.timeutil import parse_ts

EXAMPLE = Path("/work/shared/examples/tiny")
TIME_COLUMN = {"accounts": "opened_at", "transactions": "ts", "sims": "registered_at", "cdrs": "ts"}


def cut_folder(src: Path, dst: Path, as_of) -> None:
    """Copy an AXF folder keeping only what existed at `as_of` (done independently of the reader)."""
    dst.mkdir(parents=True, exist_ok=True)
    for path in src.iterdir():
        name = path.name.split(".")[0]
        if path.suffix in (".csv", ".parquet") and name in TIME_COLUMN:
            frame = (pd.read_csv(path, dtype=str, keep_default_na=False) if path.suffix == ".csv"
                     else pd.read_parquet(path).astype(str))
            times = frame[TIME_COLUMN[name]]
            parsed = times.map({v: parse_ts(v) for v in times.unique()})
            kept = frame[parsed <= as_of]
            if path.suffix == ".csv":
                kept.to_csv(dst / path.name, index=False)
            else:
                kept.to_parquet(dst / path.name)
        elif path.name == "reports.jsonl":
            lines = [line for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip() and parse_ts(json.loads(line)["reported_at"]) <= as_of]
            (dst / path.name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        elif path.is_file():
            shutil.copy(path, dst / path.name)


def test_output_contract_on_the_example():
    ds = open_dataset(EXAMPLE)
    out = detect_sims(ds)
    assert list(out.columns) == OUTPUT_COLUMNS
    # every registered SIM, caller and callee, once, in E.164
    assert sorted(out["msisdn"]) == ["+66651112233", "+66651112234", "+66812345678",
                                     "+66877777777", "+66899999999"]
    assert out["msisdn"].str.fullmatch(r"\+\d{8,15}").all()
    assert out["score"].between(0, 1).all() and set(out["flagged"]) <= {0, 1}
    assert (out.loc[out["flagged"] == 0, "reasons"] == "").all()


def test_mule_scores_reach_the_holders_numbers():
    ds = open_dataset(EXAMPLE)
    mules = pd.DataFrame({"bank": ["014", "004"], "account": ["9876543210", "1234567890"], "score": [0.9, 0.1]})
    out = detect_sims(ds, account_scores=mules, details=True).set_index("msisdn")
    assert out.loc["+66651112233", "h_mule_score"] == pytest.approx(0.9)
    assert out.loc["+66812345678", "h_mule_score"] == pytest.approx(0.1)
    assert np.isnan(out.loc["+66877777777", "h_mule_score"])


@pytest.mark.parametrize("files", [("sims.csv",), ("cdrs.csv",), ("reports.jsonl",), ("sims.csv", "reports.jsonl")])
def test_partial_folders(tmp_path, files):
    """Any subset of the files works; with too few reports to learn from, a named number
    is flagged on the reports alone."""
    for name in files:
        shutil.copy(EXAMPLE / name, tmp_path / name)
    out = detect_sims(open_dataset(tmp_path)).set_index("msisdn")
    assert list(out.columns) == OUTPUT_COLUMNS[1:]
    if "reports.jsonl" in files:
        assert out.loc["+66651112233", "flagged"] == 1
        assert out.loc["+66651112233", "reasons"].startswith("victim_reports")
        assert out.loc["+66651112233", "score"] >= 0.5
    assert (out.loc[out["flagged"] == 0, "reasons"] == "").all()


def test_engine_by_name_and_default_are_the_same():
    ds = open_dataset(EXAMPLE)
    pd.testing.assert_frame_equal(detect_sims(ds), detect_sims(ds, "duckdb"))


# --- on simulated worlds --------------------------------------------------------------

def _simulate(tmp_path_factory, scale: str, seed: int) -> Path:
    from zeroscam.simulate.service import simulate

    out = tmp_path_factory.mktemp(f"world-{scale}-{seed}")
    simulate(out, scale=scale, seed=seed, show_progress=False)
    return out


@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory) -> Path:
    return _simulate(tmp_path_factory, "tiny", 11)


@pytest.fixture(scope="module")
def small_world(tmp_path_factory) -> Path:
    return _simulate(tmp_path_factory, "small", 23)


def _middle_of_calls(world: Path):
    ts = pd.read_csv(world / "cdrs.csv", usecols=["ts"], dtype=str)["ts"]
    times = sorted(parse_ts(v) for v in ts.iloc[:: max(1, len(ts) // 500)])
    return times[int(len(times) * 0.6)]


def test_as_of_is_exact(tiny_world, tmp_path):
    """Full files with --as-of TS and files cut at TS give identical output."""
    as_of = _middle_of_calls(tiny_world)
    cut = tmp_path / "cut"
    cut_folder(tiny_world, cut, as_of)
    full = detect_sims(open_dataset(tiny_world, as_of))
    cut_out = detect_sims(open_dataset(cut, as_of))
    pd.testing.assert_frame_equal(full, cut_out)
    # and the cut really removed something that the full run had to ignore
    later = detect_sims(open_dataset(tiny_world))
    assert len(later) > len(full) or not later["score"].equals(full["score"])


def test_every_number_seen_once_in_e164(tiny_world):
    ds = open_dataset(tiny_world)
    out = detect_sims(ds)
    assert out["msisdn"].is_unique
    seen = set(ds.con.execute("SELECT msisdn FROM sims UNION SELECT caller FROM cdrs "
                              "UNION SELECT callee FROM cdrs").df()["msisdn"])
    assert seen <= set(out["msisdn"])
    assert out["msisdn"].str.fullmatch(r"\+\d{8,15}").all()
    flagged = out[out["flagged"] == 1]
    assert (flagged["reasons"] != "").all()


def test_finds_ring_sims_and_spares_look_alikes(small_world):
    """On a small simulated world: ring SIMs found, unreported ones too, company
    pools, families and handset changers left alone."""
    ds = open_dataset(small_world)
    out = detect_sims(ds, details=True).set_index("msisdn")
    ring = set(pd.read_csv(small_world / "truth" / "sims.csv", dtype=str)["msisdn"]) & set(out.index)
    flagged = set(out.index[out["flagged"] == 1])
    tp = len(flagged & ring)
    f1 = 2 * tp / (len(flagged) + len(ring))
    unreported = [m for m in ring if out.at[m, "n_named"] == 0]
    unreported_recall = np.mean([m in flagged for m in unreported])
    assert f1 >= 0.8, f1
    assert unreported_recall >= 0.7, unreported_recall
    look = pd.read_csv(small_world / "truth" / "lookalike_sims.csv", dtype=str)
    for kind in ("courier_pool", "callcentre_pool", "multi_sim", "phone_changer"):
        numbers = set(look.loc[look["kind"] == kind, "msisdn"]) & set(out.index)
        if numbers:
            assert len(numbers & flagged) / len(numbers) <= 0.15, kind
    # reasons name the evidence
    codes = set(";".join(out.loc[sorted(flagged & ring), "reasons"]).split(";"))
    assert codes & {"sim_farm_imei", "holder_many_sims", "short_calls", "many_strangers", "victim_reports"}
