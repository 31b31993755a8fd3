"""open_dataset(tables=...): read only some tables; the default as-of still spans every file."""

from datetime import timedelta

import pandas as pd
import pytest

from zeroscam.exchange.axf import TABLES, open_dataset
from zeroscam.kit.errors import DataError
from zeroscam.kit.timeutil import parse_ts

from axf_samples import make_messy

MULES = ("accounts", "transactions", "sims", "reports")


def _rewrite_cdr_times(path, shift: timedelta):
    """Move every CDR time later by `shift`, writing them in mixed offsets (+07:00, Z, bare, date-space)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    forms = ["%Y-%m-%dT%H:%M:%S+07:00", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f+07:00"]
    out = []
    for i, value in enumerate(frame["ts"]):
        t = parse_ts(value) + shift  # naive UTC
        form = forms[i % len(forms)]
        local = t if form.endswith("Z") else t + timedelta(hours=7)
        out.append(local.strftime(form))
    frame["ts"] = out
    frame.to_csv(path, index=False)


@pytest.mark.parametrize("seed", [3, 8])
def test_subset_equals_full_read_on_read_tables(tmp_path, seed):
    folder = make_messy(tmp_path / "w", seed=seed)
    if (folder / "cdrs.csv").exists():
        _rewrite_cdr_times(folder / "cdrs.csv", timedelta(days=3))  # the latest time is now a skipped CDR
    full = open_dataset(folder)
    part = open_dataset(folder, tables=MULES)
    assert part.as_of == full.as_of
    for name in TABLES:
        if name in ("cdrs", "cells"):
            assert part.count(name) == 0
            assert not part.has(name) and name in part.skipped
        else:
            pd.testing.assert_frame_equal(full.df(name), part.df(name), check_dtype=False, obj=name)


def test_skipped_table_is_not_validated(tiny):
    clean_as_of = open_dataset(tiny).as_of
    with open(tiny / "cdrs.csv", "a") as fh:
        fh.write("not-a-time,fax,??,??,-5\n")
    with pytest.raises(DataError):
        open_dataset(tiny)
    ds = open_dataset(tiny, tables=["transactions", "accounts"])
    assert ds.count("transactions") > 0 and ds.count("cdrs") == 0 and ds.count("reports") == 0
    assert ds.as_of == clean_as_of  # the bad time is skipped, the rest of the file still counts


def test_explicit_as_of_and_unknown_table(tiny):
    ds = open_dataset(tiny, "2025-03-01T21:45:00", tables=["transactions"])
    assert ds.count("transactions") == 3
    with pytest.raises(ValueError, match="unknown AXF table"):
        open_dataset(tiny, tables=["calls"])
