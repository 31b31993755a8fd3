import csv
import math
from datetime import datetime

import duckdb
import pandas as pd
import pytest

from zeroscam.exchange.axf import SCHEMAS, TABLES, open_dataset
from zeroscam.kit.errors import DataError, MissingTableError
from zeroscam.kit.timeutil import parse_ts

from axf_samples import make_messy


def test_tiny_tables_are_canonical(tiny):
    ds = open_dataset(tiny)
    for name in TABLES:
        described = ds.con.execute(f"DESCRIBE {name}").fetchall()
        assert [(r[0], r[1]) for r in described] == SCHEMAS[name], name
    assert ds.as_of == datetime(2025, 3, 2, 2, 0)  # the report, 09:00 Bangkok
    txns = ds.df("transactions").set_index("txn_id")
    assert txns.loc["T-9001", "src"] == "004-1234567890"
    assert txns.loc["T-9001", "dst"] == "014-9876543210"
    assert txns.loc["T-9001", "ts"] == pd.Timestamp("2025-03-01 14:40:00")
    assert txns.loc["T-9003", "dst"] is None or pd.isna(txns.loc["T-9003", "dst"])
    sims = ds.df("sims")
    assert sorted(sims.msisdn) == ["+66651112233", "+66651112234", "+66812345678"]
    accounts = ds.df("accounts").set_index("account")
    assert accounts.loc["002-4440009999", "holder_id"] == "C:0105561000011"
    assert accounts.loc["004-1234567890", "opened_at"] == pd.Timestamp("2016-05-09 17:00:00")
    transfers = ds.df("report_transfers")
    assert transfers.loc[0, "dst"] == "014-9876543210"  # written 987-6-54321-0 in the report
    contacts = ds.df("report_contacts")
    assert list(contacts.value) == ["+66651112233"]
    reports = ds.df("reports")
    assert reports.loc[0, "victim_phone"] == "+66812345678"
    assert reports.loc[0, "raw"].startswith('{"report_id": "R-000123"')


def test_messy_forms_are_normalised(messy):
    ds = open_dataset(messy)
    con = ds.con
    assert con.execute("SELECT count(*) FROM accounts WHERE NOT regexp_full_match(account, '[0-9]{3}-[0-9]{10}')"
                       ).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM sims WHERE NOT regexp_full_match(msisdn, '\\+66[0-9]{9}')").fetchone()[0] == 0
    assert con.execute("SELECT DISTINCT imei FROM cdrs").fetchall() == [("356938035643809",)]
    assert set(r[0] for r in con.execute("SELECT DISTINCT callee FROM cdrs WHERE callee NOT LIKE '+66%'").fetchall()) \
        == {"+697123456789", "+12025550100"}
    assert con.execute("SELECT count(*) FROM transactions WHERE channel <> lower(channel)").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM transactions WHERE channel = 'cash_in' AND src IS NOT NULL").fetchone()[0] == 0
    # every holder ID valid and canonical
    from zeroscam.identifiers import holder_id
    for (h,) in con.execute("SELECT holder_id FROM accounts UNION SELECT holder_id FROM sims").fetchall():
        assert holder_id.normalize(h) == h


def test_resent_transactions_count_once_first_wins(messy):
    ds = open_dataset(messy)
    assert ds.count("transactions") == 300
    with open(messy / "transactions.csv") as f:
        rows = list(csv.DictReader(f))
    first = next(r for r in rows if r["txn_id"] == "T00005")
    got = ds.con.execute("SELECT amount FROM transactions WHERE txn_id = 'T00005'").fetchall()
    assert got == [(float(first["amount"]),)]


def test_unparseable_contact_kept_raw(messy):
    ds = open_dataset(messy)
    rows = ds.con.execute("SELECT type, value, raw FROM report_contacts WHERE report_id = 'R-0000' ORDER BY type"
                          ).fetchall()
    by_type = {t: (v, r) for t, v, r in rows}
    assert by_type["bank_account"] == (None, "ไม่แน่ใจ เลขบัญชี")
    assert by_type["line_id"][0] == "dhl-refund"
    assert by_type["url"][0] == "http://dhl-th-refund.example/pay"
    # transfers without txn_id are kept
    assert ds.con.execute("SELECT count(*) FROM report_transfers WHERE txn_id IS NULL").fetchone()[0] > 0


def _cut_folder(src, dst, as_of: datetime):
    """Copy an AXF folder keeping only rows at or before as_of (the way a member would)."""
    dst.mkdir()
    time_col = {"accounts": "opened_at", "transactions": "ts", "sims": "registered_at", "cdrs": "ts"}
    for name in ("accounts", "transactions", "sims", "cdrs", "cells"):
        with open(src / f"{name}.csv", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = [r for r in reader
                    if name not in time_col or parse_ts(r[header.index(time_col[name])]) <= as_of]
        with open(dst / f"{name}.csv", "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
    import json
    lines = [line for line in (src / "reports.jsonl").read_text().splitlines()
             if line.strip() and parse_ts(json.loads(line)["reported_at"]) <= as_of]
    (dst / "reports.jsonl").write_text("".join(line + "\n" for line in lines))


@pytest.mark.parametrize("as_of_text", ["2025-03-04T12:00:00+07:00", "2025-03-07T23:59:00+07:00"])
def test_as_of_equals_cut_files(tmp_path, as_of_text):
    full = make_messy(tmp_path / "full", seed=11)
    as_of = parse_ts(as_of_text)
    _cut_folder(full, tmp_path / "cut", as_of)
    a = open_dataset(full, as_of)
    b = open_dataset(tmp_path / "cut", as_of)
    assert a.as_of == b.as_of == as_of
    for name in TABLES:
        left, right = a.df(name), b.df(name)
        assert len(left) > 0 or name == "cells"
        pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=name)
    assert a.con.execute("SELECT max(ts) FROM transactions").fetchone()[0] <= as_of
    assert a.count("transactions") < open_dataset(full).count("transactions")


def test_as_of_accepts_iso_string_and_default_is_latest(tiny):
    ds = open_dataset(tiny, "2025-03-01T21:45:00")
    assert ds.as_of == datetime(2025, 3, 1, 14, 45)
    assert ds.count("transactions") == 3
    assert ds.count("reports") == 0 and ds.count("report_transfers") == 0


def test_parquet_input_equals_csv(tmp_path, messy):
    pq = tmp_path / "pq"
    pq.mkdir()
    con = duckdb.connect()
    for name in ("accounts", "transactions", "sims", "cdrs", "cells"):
        con.execute(f"COPY (SELECT * FROM read_csv('{messy / (name + '.csv')}', all_varchar=true)) "
                    f"TO '{pq / (name + '.parquet')}' (FORMAT parquet)")
    (pq / "reports.jsonl").write_bytes((messy / "reports.jsonl").read_bytes())
    a, b = open_dataset(messy), open_dataset(pq)
    for name in TABLES:
        pd.testing.assert_frame_equal(a.df(name), b.df(name), check_dtype=False, obj=name)


def test_typed_parquet_columns(tmp_path):
    out = tmp_path / "typed"
    out.mkdir()
    frame = pd.DataFrame({"txn_id": ["a", "b"], "ts": pd.to_datetime(["2025-03-01 10:00", "2025-03-01 11:00"]),
                          "channel": ["transfer", "cash_out"], "src_bank": [4, 14], "src_account": ["1234567890"] * 2,
                          "dst_bank": [14, None], "dst_account": ["9876543210", None], "amount": [10.5, 20.0]})
    frame.to_parquet(out / "transactions.parquet")
    ds = open_dataset(out)
    rows = ds.con.execute("SELECT txn_id, ts, src, dst, amount FROM transactions ORDER BY txn_id").fetchall()
    assert rows[0] == ("a", datetime(2025, 3, 1, 3, 0), "004-1234567890", "014-9876543210", 10.5)
    assert rows[1][3] is None


def test_missing_tables_exist_empty_and_require(tmp_path, tiny):
    (tiny / "cdrs.csv").unlink()
    ds = open_dataset(tiny)
    assert ds.count("cdrs") == 0
    assert not ds.has("cdrs") and ds.has("transactions") and ds.has("report_contacts")
    ds.require("transactions", "detect mules")
    with pytest.raises(MissingTableError, match="cdrs.csv or cdrs.parquet is required for detect sims"):
        ds.require("cdrs", "detect sims")


def test_export_parquet_round_trip(tmp_path, tiny):
    ds = open_dataset(tiny)
    paths = ds.export_parquet(tmp_path / "export")
    assert set(paths) == set(TABLES)
    con = duckdb.connect()
    for name, path in paths.items():
        back = con.execute(f"SELECT * FROM read_parquet('{path}')").df()
        pd.testing.assert_frame_equal(back, ds.df(name), check_dtype=False, obj=name)


def test_shared_connection(tiny):
    con = duckdb.connect()
    ds = open_dataset(tiny, con=con)
    assert ds.con is con
    leftovers = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall() if r[0].startswith("_axf")]
    assert leftovers == []


def test_quoted_newline_line_numbers(tmp_path, tiny):
    text = (tiny / "transactions.csv").read_text().splitlines()
    text.insert(1, 'T-1,2025-03-01T10:00:00+07:00,transfer,004,1234567890,014,9876543210,5.00,"dev\nwith newline"')
    text.append("T-2,2025-03-01T10:00:00+07:00,transfer,004,1234567890,014,9876543210,-5,")
    (tiny / "transactions.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataError) as info:
        open_dataset(tiny)
    err = info.value
    assert (err.line, err.column, err.value) == (9, "amount", "-5")


def test_progress_receives_steps(tiny):
    labels = []
    open_dataset(tiny, progress=labels.append)
    assert labels[:2] == ["accounts", "transactions"] and labels[-1] == "canonical tables"


def test_amounts_are_finite_positive(messy):
    ds = open_dataset(messy)
    for (amount,) in ds.con.execute("SELECT amount FROM transactions").fetchall():
        assert amount > 0 and math.isfinite(amount)


def _append(path, data: bytes):
    with open(path, "ab") as f:
        f.write(data)


@pytest.mark.parametrize("damage, file, line, message", [
    (b"T-9100,2025-03-01T12:00:00+07:00,promptpay,004,1234567890,002,4440009999,120.00,d,extra\n",
     "transactions.csv", 7, "wrong number of fields"),
    (b'T-9100,"2025-03-01T12:00:00+07:00,promptpay,004\n', "transactions.csv", 7, "unterminated quoted field"),
    (b"\xff\xfe,AIS,1101700230708,2012-08-01\n", "sims.csv", 5, "not UTF-8"),
])
def test_broken_csv_files(tiny, damage, file, line, message):
    _append(tiny / file, damage)
    with pytest.raises(DataError, match=message) as info:
        open_dataset(tiny)
    assert info.value.line == line and info.value.file.endswith(file)
    assert "\n" not in str(info.value)


def test_empty_file_and_bom(tiny):
    (tiny / "sims.csv").write_bytes(b"\xef\xbb\xbf" + (tiny / "sims.csv").read_bytes())
    assert open_dataset(tiny).con.execute("SELECT count(*) FROM sims WHERE msisdn LIKE '+66%'").fetchone()[0] == 3
    (tiny / "cdrs.csv").write_bytes(b"")
    with pytest.raises(DataError, match="no header") as info:
        open_dataset(tiny)
    assert info.value.line == 1


def test_header_only_file_is_an_empty_table(tiny):
    (tiny / "cdrs.csv").write_text("ts,kind,caller,callee,duration_s\n")
    ds = open_dataset(tiny)
    assert ds.has("cdrs") and ds.count("cdrs") == 0


def test_not_a_folder(tmp_path):
    with pytest.raises(DataError, match="no such directory"):
        open_dataset(tmp_path / "nope")


def test_every_contact_type_is_normalised(tiny):
    import json
    line = json.loads((tiny / "reports.jsonl").read_text())
    line["contacts"] = [
        {"type": "phone", "value": "02-123-4567"}, {"type": "bank_account", "value": "กสิกร 123-4-56789-0"},
        {"type": "promptpay", "value": "081 234 5678"}, {"type": "url", "value": "WWW.Example.CO.TH/Pay"},
        {"type": "line_id", "value": "@DHL-Refund"}, {"type": "facebook", "value": "fb.com/Some.Page"},
        {"type": "email", "value": "X@Example.com"}, {"type": "crypto_wallet", "value": "0x" + "AB" * 20},
        {"type": "Phone", "value": "not a phone"}, {"type": "telegram", "value": "@someone"}]
    (tiny / "reports.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n")
    rows = open_dataset(tiny).con.execute("SELECT type, value, raw FROM report_contacts").fetchall()
    assert [(t, v) for t, v, _ in rows] == [
        ("phone", "+6621234567"), ("bank_account", "004-1234567890"), ("promptpay", "+66812345678"),
        ("url", "http://www.example.co.th/Pay"), ("line_id", "dhl-refund"), ("facebook", "some.page"),
        ("email", "x@example.com"), ("crypto_wallet", "0x" + "ab" * 20), ("phone", None), ("telegram", None)]
    assert rows[-1][2] == "@someone"


def test_failure_leaves_shared_connection_clean(tiny):
    con = duckdb.connect()
    (tiny / "cdrs.csv").write_text("ts,kind,caller,callee,duration_s\n2025-03-01,voice,x,y,1\n")
    with pytest.raises(DataError):
        open_dataset(tiny, con=con)
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    assert not [n for n in names if n.startswith("_axf")]


def test_windows_line_endings(tiny):
    for path in tiny.glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    ds = open_dataset(tiny)
    assert ds.counts()["transactions"] == 5
    assert ds.con.execute("SELECT max(length(kyc_channel)) FROM accounts").fetchone()[0] == 6  # 'branch', no \r


@pytest.mark.parametrize("written", ["014-9876543210", "014 987-6-54321-0", "SCB 987-6-54321-0", "9876543210"])
def test_report_account_field_that_repeats_the_bank(tiny, written):
    """Victims often write the bank again inside the account field; the key must not change."""
    path = tiny / "reports.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace('"to_account": "987-6-54321-0"',
                                                             f'"to_account": "{written}"'), encoding="utf-8")
    assert written in path.read_text(encoding="utf-8")
    transfers = open_dataset(tiny).df("report_transfers")
    assert transfers.loc[0, "dst"] == "014-9876543210"
