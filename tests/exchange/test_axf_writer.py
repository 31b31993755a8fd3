import csv
from datetime import datetime

import pandas as pd

from zeroscam.exchange.axf import TABLES, open_dataset
from zeroscam.exchange.writer import COLUMNS, CsvTableWriter, format_ts, split_account, write_dataset, write_rows


def test_round_trip_is_identity(tmp_path, messy):
    first = open_dataset(messy)
    write_dataset(first, tmp_path / "again")
    second = open_dataset(tmp_path / "again")
    for name in TABLES:
        cols = [c for c in first.df(name).columns if not (name == "reports" and c == "raw")]
        pd.testing.assert_frame_equal(first.df(name)[cols], second.df(name)[cols], check_dtype=False, obj=name)
    # written in canonical forms
    with open(tmp_path / "again" / "sims.csv") as f:
        assert all(r["msisdn"].startswith("+66") for r in csv.DictReader(f))


def test_helpers(tmp_path):
    assert format_ts(datetime(2025, 3, 1, 14, 40)) == "2025-03-01T21:40:00+07:00"
    assert split_account("014-9876543210") == ("014", "9876543210")
    assert split_account(None) == ("", "")
    path = write_rows(tmp_path / "transactions.csv", COLUMNS["transactions"],
                      [{"txn_id": "a", "ts": datetime(2025, 3, 1), "channel": "cash_out", "src_bank": "004",
                        "src_account": "1234567890", "amount": 5.0}])
    ds_dir = path.parent
    ds = open_dataset(ds_dir)
    assert ds.con.execute("SELECT txn_id, ts, src, dst, amount FROM transactions").fetchall() == [
        ("a", datetime(2025, 3, 1), "004-1234567890", None, 5.0)]


def test_writer_aborts_cleanly(tmp_path):
    try:
        with CsvTableWriter(tmp_path / "x.csv", ["a"]) as w:
            w.write(["1"])
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert list(tmp_path.iterdir()) == []
