"""Mule detection is exact about time and deterministic (DESIGN.md principle 1).

With the full files and `--as-of TS`, and with every file cut at TS, the output is
the same byte for byte; the same data gives the same output twice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from zeroscam.cli.main import app
from zeroscam.kit.timeutil import parse_ts


def simulate(out: Path, scale: str, seed: int) -> Path:
    result = CliRunner().invoke(app, ["simulate", "--out", str(out), "--scale", scale, "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    return out

TIME_COLUMNS = {"transactions.csv": "ts", "accounts.csv": "opened_at", "sims.csv": "registered_at", "cdrs.csv": "ts"}


def cut_world(src: Path, dst: Path, as_of: str) -> Path:
    """Write an AXF folder holding only what existed at `as_of`: each table filtered on its
    own time column (reports on `reported_at`), cells kept whole."""
    dst.mkdir(parents=True)
    limit = pd.Timestamp(parse_ts(as_of))
    for name, column in TIME_COLUMNS.items():
        if not (src / name).exists():
            continue
        frame = pd.read_csv(src / name, dtype=str, keep_default_na=False)
        times = pd.Series([pd.Timestamp(parse_ts(v)) for v in frame[column]], index=frame.index)
        frame[times <= limit].to_csv(dst / name, index=False)
    if (src / "cells.csv").exists():
        (dst / "cells.csv").write_bytes((src / "cells.csv").read_bytes())
    with open(src / "reports.jsonl", encoding="utf-8") as fh, \
            open(dst / "reports.jsonl", "w", encoding="utf-8") as out:
        for line in fh:
            if line.strip() and pd.Timestamp(parse_ts(json.loads(line)["reported_at"])) <= limit:
                out.write(line)
    return dst


def run(data: Path, out: Path, *extra: str) -> bytes:
    result = CliRunner().invoke(app, ["detect", "mules", "--data", str(data), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    return simulate(tmp_path_factory.mktemp("mules-asof"), "tiny", 5)


@pytest.mark.parametrize("as_of", ["2025-01-06T12:00:00+07:00", "2025-01-11T00:00:00+07:00"])
def test_full_files_with_as_of_equal_files_cut_at_as_of(world, tmp_path, as_of):
    full = run(world, tmp_path / "full.csv", "--as-of", as_of)
    cut = cut_world(world, tmp_path / "cut", as_of)
    assert run(cut, tmp_path / "cut.csv", "--as-of", as_of) == full
    # and the cut really removed something, so the test can fail
    assert len(pd.read_csv(cut / "transactions.csv")) < len(pd.read_csv(world / "transactions.csv"))


def test_as_of_changes_the_answer(world, tmp_path):
    a = run(world, tmp_path / "a.csv", "--as-of", "2025-01-04T00:00:00+07:00")
    b = run(world, tmp_path / "b.csv")
    assert a != b
    # nothing opened or moved after the as-of is in the early output
    assert len(a.splitlines()) <= len(b.splitlines())


def test_same_data_same_output(world, tmp_path):
    assert run(world, tmp_path / "1.csv") == run(world, tmp_path / "2.csv")
