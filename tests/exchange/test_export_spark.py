"""`Dataset.export_parquet` feeds the Spark engine: every canonical table reads back identical."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - depends on the machine
    pytest.skip("Java is needed for PySpark", allow_module_level=True)

from zeroscam.analytics.engine import make_engine  # noqa: E402
from zeroscam.exchange.axf import TABLES, open_dataset  # noqa: E402

pytestmark = pytest.mark.spark


def test_canonical_tables_identical_in_spark(messy):
    ds = open_dataset(messy)
    spark = make_engine("spark", ds)
    for name in TABLES:
        duck = ds.df(name)
        key = list(duck.columns)
        theirs = spark.sql(f"SELECT * FROM {name}")
        assert list(theirs.columns) == key, name
        left = duck.sort_values(key, na_position="first").reset_index(drop=True)
        right = theirs.sort_values(key, na_position="first").reset_index(drop=True)
        for col in left.columns:
            if pd.api.types.is_datetime64_any_dtype(left[col]):
                right[col] = pd.to_datetime(right[col])
        pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=name)
