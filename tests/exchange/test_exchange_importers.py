import csv
import hashlib
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from zeroscam.exchange.amlworld import import_amlworld
from zeroscam.exchange.axf import open_dataset
from zeroscam.exchange.pacs008 import import_pacs008, read_transactions
from zeroscam.kit.errors import DataError

DATA = Path(__file__).parent / "data"


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def aml_key(bank: str, account: str) -> str:
    """The documented mapping, recomputed independently."""
    b = int(bank)
    code = f"{b:03d}" if b < 1000 else f"{int(hashlib.md5(bank.encode()).hexdigest()[:8], 16) % 1000:03d}"
    return f"{code}-{b:07d}{int(account, 16):011d}"


def test_amlworld_to_axf(tmp_path):
    out = tmp_path / "aml"
    counts = import_amlworld(DATA / "aml_small_trans.csv", out, accounts_file=DATA / "aml_small_accounts.csv")
    assert counts["skipped_zero_amount"] == 1
    txns = {r["txn_id"]: r for r in read(out / "transactions.csv")}
    assert txns["AML-1"]["channel"] == "transfer"  # Reinvestment
    assert txns["AML-4"]["channel"] == "cash_in" and txns["AML-4"]["src_bank"] == ""  # cash self-loop
    assert txns["AML-5"]["channel"] == "card" and txns["AML-5"]["currency"] == "Euro"
    assert txns["AML-8-out"]["channel"] == "cash_out" and txns["AML-8-in"]["channel"] == "cash_in"
    assert txns["AML-9"]["channel"] == "crypto_out" and txns["AML-9"]["amount"] == "1200.50"
    assert "AML-10" not in txns  # amount 0
    assert txns["AML-1"]["ts"] == "2022-09-01T00:20:00+07:00"
    assert f'{txns["AML-6"]["dst_bank"]}-{txns["AML-6"]["dst_account"]}' == aml_key("001", "8000F5340")
    # bank IDs above 999 share codes but never accounts: 1000/8000A0001 and 2000/8000A0001 differ
    src = f'{txns["AML-11"]["src_bank"]}-{txns["AML-11"]["src_account"]}'
    dst = f'{txns["AML-11"]["dst_bank"]}-{txns["AML-11"]["dst_account"]}'
    assert src == aml_key("1000", "8000A0001") and src != dst

    ds = open_dataset(out)  # the output is valid AXF
    assert ds.count("transactions") == 11
    assert ds.count("accounts") == 13
    holders = dict(ds.con.execute("SELECT account, holder_id FROM accounts").fetchall())
    # one entity (Corporation #33520) owns two accounts in different banks → one holder token
    assert holders[aml_key("001", "8000F5340")] == holders[aml_key("070", "100428660")]
    assert ds.con.execute(f"SELECT holder_type FROM accounts WHERE account = '{aml_key('001', '8000F5340')}'"
                          ).fetchone()[0] == "company"

    truth = {r["txn_id"]: r["is_scam"] for r in read(out / "truth" / "transactions.csv")}
    assert set(truth) == set(txns)
    assert {k for k, v in truth.items() if v == "1"} == {"AML-6", "AML-7", "AML-8-out", "AML-8-in", "AML-9"}
    accounts = read(out / "truth" / "accounts.csv")
    assert {r["account"] for r in accounts} == {aml_key("070", "100428660"), aml_key("001", "8000F5340"),
                                                aml_key("0211", "80020C5F0"), aml_key("213834", "808EB0A70"),
                                                aml_key("020", "8002A2C40")}
    assert len({r["ring_id"] for r in accounts}) == 1  # one connected laundering chain
    roles = {r["account"]: r["role"] for r in accounts}
    assert roles[aml_key("070", "100428660")] == "collector"
    assert roles[aml_key("001", "8000F5340")] == "layer"
    scam = read(out / "truth" / "scam_txns.csv")
    assert [r["txn_id"] for r in scam] == ["AML-6", "AML-7", "AML-8-out", "AML-8-in", "AML-9"]


def test_amlworld_is_deterministic(tmp_path):
    import_amlworld(DATA / "aml_small_trans.csv", tmp_path / "a")
    import_amlworld(DATA / "aml_small_trans.csv", tmp_path / "b")
    for name in ("transactions.csv", "accounts.csv", "truth/accounts.csv", "truth/transactions.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_amlworld_bad_timestamp_names_line(tmp_path):
    bad = tmp_path / "bad.csv"
    lines = (DATA / "aml_small_trans.csv").read_text().splitlines()
    lines[3] = lines[3].replace("2022/09/01 00:00", "yesterday")
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        import_amlworld(bad, tmp_path / "out")
    assert (info.value.line, info.value.column, info.value.value) == (4, "Timestamp", "yesterday")


def test_pacs008_to_axf(tmp_path):
    rows = read_transactions(DATA / "pacs008_batch.xml")
    assert [(r["txn_id"], r["channel"], r["src_bank"], r["dst_bank"]) for r in rows] == [
        ("T-9001", "transfer", "004", "014"), ("E2E-9002", "promptpay", "014", "006"), ("T-9010", "transfer", "004", "025")]
    assert rows[0]["ts"] == datetime(2025, 3, 1, 14, 40)  # AccptncDtTm
    assert rows[2]["ts"] == datetime(2025, 3, 1, 14, 45)  # falls back to GrpHdr/CreDtTm
    assert rows[0]["src_account"] == "1234567890"
    out = tmp_path / "pacs"
    counts = import_pacs008([DATA / "pacs008_batch.xml", DATA / "pacs008_envelope.xml"], out)
    assert counts == {"transactions": 4, "files": 2}
    ds = open_dataset(out)
    assert ds.count("transactions") == 3  # T-9001 sent twice counts once; the first wins
    assert ds.con.execute("SELECT dst FROM transactions WHERE txn_id = 'T-9001'").fetchone()[0] == "014-9876543210"


def test_pacs008_refuses_entities(tmp_path):
    with pytest.raises(DataError, match="document type"):
        read_transactions(DATA / "pacs008_xxe.xml")
    out = tmp_path / "o"
    with pytest.raises(DataError):
        import_pacs008([DATA / "pacs008_batch.xml", DATA / "pacs008_xxe.xml"], out)
    assert not (out / "transactions.csv").exists()  # no half-written file


def test_pacs008_bad_inputs(tmp_path):
    text = (DATA / "pacs008_batch.xml").read_text()
    cases = {
        "usd": (text.replace('Ccy="THB">34000', 'Ccy="USD">34000'), "THB"),
        "bic": (text.replace("KRTHTHBK", "DEUTDEFF"), "not a known Thai bank"),
        "broken": (text.replace("</Document>", ""), "not well-formed"),
        "amount": (text.replace(">120.50<", ">-1<"), "> 0"),
    }
    for name, (body, message) in cases.items():
        path = tmp_path / f"{name}.xml"
        path.write_text(body)
        with pytest.raises(DataError, match=message) as info:
            read_transactions(path)
        assert info.value.line is not None, name


def test_import_cli(tmp_path):
    out = tmp_path / "cli"
    result = subprocess.run([sys.executable, "-m", "zeroscam", "import", "pacs008", str(DATA / "pacs008_batch.xml"),
                             "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "transactions=3" in result.stdout
    result = subprocess.run([sys.executable, "-m", "zeroscam", "import", "amlworld", str(DATA / "pacs008_batch.xml"),
                             "--out", str(out / "x")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_amlworld_truth_is_read_by_evaluate(tmp_path):
    """The truth/ folder has every file in the simulator's shapes (docs/simulator.md)."""
    from zeroscam.evaluate.inputs import load_truth

    out = tmp_path / "aml"
    import_amlworld(DATA / "aml_small_trans.csv", out)
    truth = load_truth(out / "truth")
    assert len(truth.accounts) == 5 and set(truth.accounts.role) <= {"collector", "layer", "cashout"}
    assert list(truth.scam_txns.txn_id) == ["AML-6", "AML-7", "AML-8-out", "AML-8-in", "AML-9"]
    assert truth.scam_txns.amount.sum() == pytest.approx(1500 + 1450 + 1400 + 1400 + 1200.5)
    assert len(truth.victims) == 0 and len(truth.sims) == 0
    assert truth.window_end == datetime(2022, 9, 2, 3, 0)
