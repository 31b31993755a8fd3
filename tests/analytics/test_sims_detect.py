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


def test_engine_by_name_and_default_are_the_same():
    ds = open_dataset(EXAMPLE)
    pd.testing.assert_frame_equal(detect_sims(ds), detect_sims(ds, "duckdb"))
