"""`write_csv` writes what pandas' `to_csv` writes, whichever writer it picks."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroscam.cli._common import write_csv

text = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["", "a,b", 'say "hi"', "two\nlines", "ไทย", " x "]))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(text, st.integers(-2**40, 2**40), text), max_size=20), as_string_dtype=st.booleans())
def test_write_csv_matches_pandas(rows, as_string_dtype, tmp_path_factory):
    frame = pd.DataFrame(rows, columns=["name", "n", "reasons"])
    frame["n"] = frame["n"].astype(np.int64)
    if as_string_dtype:
        frame["name"] = frame["name"].astype("string")
    out = tmp_path_factory.mktemp("csv") / "out.csv"
    write_csv(frame, out)
    want = frame.to_csv(index=False, lineterminator="\n")
    assert out.read_bytes() == want.encode("utf-8")
    assert not out.with_name("out.csv.tmp").exists()


def test_write_csv_keeps_floats_and_odd_headers_as_pandas_writes_them(tmp_path):
    for frame in (pd.DataFrame({"score": [0.1, 1e-7, np.nan]}), pd.DataFrame({"a,b": ["x"]}),
                  pd.DataFrame({"flag": [True, False]})):
        out = tmp_path / "o.csv"
        write_csv(frame, out)
        assert out.read_bytes() == frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def test_write_csv_with_repeated_column_names_is_written_as_pandas_writes_it(tmp_path):
    frame = pd.DataFrame([["a", 1, "b"]], columns=["x", "n", "x"])
    out = tmp_path / "o.csv"
    write_csv(frame, out)
    assert out.read_bytes() == frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
