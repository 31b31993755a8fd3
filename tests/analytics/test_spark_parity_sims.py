"""`--engine spark` gives the same SIM scores as DuckDB (local mode, small data)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - depends on the machine
    pytest.skip("Java is needed for PySpark", allow_module_level=True)

from zeroscam.analytics.detection.sims import detect_sims  # noqa: E402
from zeroscam.analytics.engine import make_engine  # noqa: E402
from zeroscam.analytics.features.sims import MODEL_FEATURES, sim_features  # noqa: E402
from zeroscam.exchange.axf import open_dataset  # noqa: E402

pytestmark = pytest.mark.spark

@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """A tiny simulated world: rings, look-alikes, reports, foreign numbers."""
    from zeroscam.simulate.service import simulate

    out = tmp_path_factory.mktemp("world")
    simulate(out, scale="tiny", seed=2, show_progress=False)
    return out


def test_features_identical_on_both_engines(world):
    ds = open_dataset(world)
    duck = sim_features(make_engine("duckdb", ds), ds.as_of)
    spark = sim_features(make_engine("spark", ds), ds.as_of)
    assert list(duck["msisdn"]) == list(spark["msisdn"])
    cols = ["n_named"] + MODEL_FEATURES
    pd.testing.assert_frame_equal(duck[cols].reset_index(drop=True), spark[cols].reset_index(drop=True),
                                  check_exact=False, rtol=1e-9, atol=1e-9)


def test_scores_identical_on_both_engines(world):
    ds = open_dataset(world)
    duck = detect_sims(ds, make_engine("duckdb", ds))
    spark = detect_sims(ds, make_engine("spark", ds))
    assert list(duck["msisdn"]) == list(spark["msisdn"])
    assert np.allclose(duck["score"], spark["score"], atol=1e-6)
    assert duck["flagged"].sum() > 0
    assert list(duck["flagged"]) == list(spark["flagged"])
    assert list(duck["reasons"]) == list(spark["reasons"])
