"""Bad data through the CLI: exit code 2, one line on stderr naming where, never a traceback."""

import subprocess
import sys

import pytest


def run_validate(folder, *extra):
    return subprocess.run([sys.executable, "-m", "zeroscam", "validate", "--data", str(folder), *extra],
                          capture_output=True, text=True, timeout=120)


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CASES = {
    "bad national-ID check digit": (
        "accounts.csv", "014,9876543210,3100500123458", "014,9876543210,3100500123459",
        ["accounts.csv:3:", "holder_id", "3100500123459", "check digit"]),
    "unparseable timestamp": (
        "transactions.csv", "2025-03-01T21:40:00+07:00", "01/03/2025 9.40pm",
        ["transactions.csv:3:", "column ts", "01/03/2025 9.40pm"]),
    "non-positive amount": (
        "transactions.csv", ",34000.00,", ",0,",
        ["transactions.csv:4:", "column amount", "'0'", "> 0"]),
    "missing required column": (
        "sims.csv", "msisdn,operator,holder_id", "msisdn,carrier,holder_id",
        ["sims.csv:1:", "missing required column", "operator"]),
    "broken JSON line": (
        "reports.jsonl", '"victim": {', '"victim": {{',
        ["reports.jsonl:1:", "not valid JSON"]),
    "non-numeric bank code": (
        "transactions.csv", "T-9002,2025-03-01T21:44:10+07:00,promptpay,014", "T-9002,2025-03-01T21:44:10+07:00,promptpay,SCB",
        ["transactions.csv:4:", "src_bank", "'SCB'"]),
    "unknown channel": (
        "transactions.csv", "T-9000,2025-03-01T12:00:00+07:00,promptpay", "T-9000,2025-03-01T12:00:00+07:00,paypal",
        ["transactions.csv:2:", "column channel", "'paypal'"]),
    "unparseable phone": (
        "cdrs.csv", "+66651112234,0899999999", "+66651112234,call-me-maybe",
        ["cdrs.csv:3:", "callee", "call-me-maybe"]),
    "bad victim national ID in a report": (
        "reports.jsonl", '"holder_id": "1101700230708"', '"holder_id": "1101700230709"',
        ["reports.jsonl:1:", "victim.holder_id", "check digit"]),
    "unparseable report timestamp": (
        "reports.jsonl", '"reported_at": "2025-03-02T09:00:00+07:00"', '"reported_at": "yesterday"',
        ["reports.jsonl:1:", "reported_at", "'yesterday'"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_data_is_one_clean_line(tiny, case):
    file, old, new, expected = CASES[case]
    edit(tiny / file, old, new)
    result = run_validate(tiny)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("zeroscam: error: ")
    for part in expected:
        assert part in lines[0], (part, lines[0])
    assert result.stdout == ""


def test_good_data_prints_counts(tiny):
    result = run_validate(tiny, "--as-of", "2025-03-01T21:45:00+07:00")
    assert result.returncode == 0, result.stderr
    counts = dict(line.split("\t") for line in result.stdout.strip().splitlines())
    assert counts["transactions"] == "3"
    assert counts["reports"] == "0"
    assert counts["as_of"] == "2025-03-01T21:45:00+07:00"


def test_bad_as_of_is_clean(tiny):
    result = run_validate(tiny, "--as-of", "tomorrow")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
