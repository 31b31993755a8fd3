"""`--engine spark` gives the same mule scores and flags as DuckDB (PySpark local mode, tiny data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("pyspark")

from zeroscam.analytics.detection.mules import detect_mules  # noqa: E402
from zeroscam.analytics.engine import make_engine  # noqa: E402
from zeroscam.analytics.features import accounts as account_features  # noqa: E402
from zeroscam.cli.main import app  # noqa: E402
from zeroscam.exchange.axf import open_dataset  # noqa: E402

pytestmark = pytest.mark.spark


@pytest.fixture(scope="session")
def spark_session():
    """One local SparkSession for the whole test session (make_engine reuses it)."""
    from zeroscam.analytics.engine import local_spark

    session = local_spark("zeroscam-tests")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mules-spark")
    result = CliRunner().invoke(app, ["simulate", "--out", str(out), "--scale", "tiny", "--seed", "1"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def dataset(world):
    return open_dataset(world, "2025-01-12T00:00:00+07:00")


def test_features_identical_on_both_engines(dataset, spark_session):
    duck = account_features.compute(make_engine("duckdb", dataset), dataset.as_of)
    spark = account_features.compute(make_engine("spark", dataset), dataset.as_of)
    assert list(duck.frame["account"]) == list(spark.frame["account"])
    pd.testing.assert_frame_equal(duck.frame, spark.frame, check_dtype=False, rtol=1e-9, atol=1e-9)
    pd.testing.assert_frame_equal(duck.edges, spark.edges, check_dtype=False)
    pd.testing.assert_frame_equal(duck.labels, spark.labels, check_dtype=False)


def test_scores_and_flags_identical_on_both_engines(dataset, spark_session):
    duck = detect_mules(dataset, make_engine("duckdb", dataset))
    spark = detect_mules(dataset, make_engine("spark", dataset))
    assert list(duck["account"]) == list(spark["account"])
    assert duck["flagged"].sum() > 0
    assert np.allclose(duck["score"], spark["score"], atol=1e-6, rtol=0)
    assert list(duck["flagged"]) == list(spark["flagged"])
    assert list(duck["reasons"]) == list(spark["reasons"])


def test_cli_engine_spark(world, tmp_path, spark_session):
    outs = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}.csv"
        result = CliRunner().invoke(app, ["detect", "mules", "--data", str(world), "--engine", engine,
                                          "--out", str(out)])
        assert result.exit_code == 0, result.output
        outs[engine] = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert outs["duckdb"].equals(outs["spark"])
