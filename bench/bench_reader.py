"""Benchmark the AXF reader against a bare DuckDB CSV scan of the same files.

    .venv/bin/python bench/bench_reader.py --rows 1000000          # synthetic folder
    .venv/bin/python bench/bench_reader.py --data path/to/axf      # e.g. `zeroscam simulate` output

Prints rows/s of `open_dataset` (validate + normalise + canonical tables) and of
two bare DuckDB scans of the same files (`count(*)` over `read_csv(all_varchar)` /
`read_json`, and the same copied into a table), the ratios, and the peak RSS of
this process (the synthetic folder is generated in a child process). Synthetic
data mixes the written forms of real feeds (dashes, +66/66/0 prefixes, offsets
or none), a few percent of which the SQL fast path leaves to Python.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd


def _check_digits(first12: np.ndarray) -> np.ndarray:
    weights = np.arange(13, 1, -1)
    return (11 - (first12 * weights).sum(axis=1) % 11) % 10


def make_folder(out: Path, rows: int, seed: int = 1) -> Path:
    """A synthetic AXF folder: `rows` transactions, rows/10 accounts, rows/2 CDRs."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    n_acc = max(rows // 10, 10)
    banks = rng.choice(np.array(["002", "004", "006", "014", "025", "4", "14"]), n_acc)
    digits = rng.integers(10**9, 10**10 - 1, n_acc).astype(str)
    dashed = np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(
        np.char.ljust(np.array([d[:3] for d in digits]), 3), "-"), [d[3] for d in digits]), "-"),
        [d[4:9] for d in digits]), "-"), [d[9] for d in digits])
    written = np.where(rng.random(n_acc) < 0.3, dashed, digits)
    first12 = rng.integers(0, 10, (n_acc, 12))
    nid = np.array(["".join(map(str, r)) for r in first12])
    nid = np.char.add(nid, _check_digits(first12).astype(str))
    start = np.datetime64("2025-01-01T00:00:00")
    opened = start - rng.integers(0, 3 * 365 * 86400, n_acc).astype("timedelta64[s]")
    pd.DataFrame({"bank": banks, "account": written, "holder_id": nid, "holder_type": "person",
                  "opened_at": np.datetime_as_string(opened, unit="s"), "status": "active"}
                 ).to_csv(out / "accounts.csv", index=False)
    src = rng.integers(0, n_acc, rows)
    dst = rng.integers(0, n_acc, rows)
    channel = rng.choice(np.array(["promptpay", "transfer", "card", "cash_in", "cash_out", "crypto_out"]), rows,
                         p=[0.55, 0.25, 0.08, 0.04, 0.06, 0.02])
    ts = start + np.sort(rng.integers(0, 60 * 86400, rows)).astype("timedelta64[s]")
    ts_text = np.char.add(np.datetime_as_string(ts, unit="s"), "+07:00")
    frame = pd.DataFrame({
        "txn_id": np.char.add("T", np.arange(rows).astype(str)),
        "ts": ts_text, "channel": channel,
        "src_bank": np.where(channel == "cash_in", "", banks[src]),
        "src_account": np.where(channel == "cash_in", "", written[src]),
        "dst_bank": np.where(channel == "cash_out", "", banks[dst]),
        "dst_account": np.where(channel == "cash_out", "", written[dst]),
        "amount": np.round(rng.lognormal(7, 1.5, rows) + 1, 2),
        "src_device": np.char.add("d", rng.integers(0, n_acc, rows).astype(str)),
    })
    frame.to_csv(out / "transactions.csv", index=False)
    n_cdr = max(rows // 2, 10)
    nsn = np.char.add(rng.choice(np.array(["8", "9", "6"]), 5000), rng.integers(10**7, 10**8 - 1, 5000).astype(str))
    forms = [np.char.add("0", nsn), np.char.add("+66", nsn), np.char.add("66", nsn),
             np.char.add(np.char.add("0", np.array([s[:2] for s in nsn])), np.char.add("-", np.array([s[2:] for s in nsn]))),
             np.char.add("+66 (0) ", nsn)]  # the last form is left to Python
    pick = rng.choice(len(forms), (2, n_cdr), p=[0.4, 0.3, 0.1, 0.17, 0.03])
    caller = np.choose(pick[0], [f[rng.integers(0, 5000, n_cdr)] for f in forms])
    callee = np.choose(pick[1], [f[rng.integers(0, 5000, n_cdr)] for f in forms])
    cts = start + np.sort(rng.integers(0, 60 * 86400, n_cdr)).astype("timedelta64[s]")
    pd.DataFrame({"ts": np.datetime_as_string(cts, unit="s"), "kind": "voice", "caller": caller, "callee": callee,
                  "duration_s": rng.integers(0, 600, n_cdr)}).to_csv(out / "cdrs.csv", index=False)
    n_rep = max(rows // 100, 10)
    reported = start + np.sort(rng.integers(0, 60 * 86400, n_rep)).astype("timedelta64[s]")
    with open(out / "reports.jsonl", "w", encoding="utf-8") as f:
        for i in range(n_rep):
            victim, mule = rng.integers(0, n_acc, 2)
            f.write(json.dumps({
                "report_id": f"R{i}", "reported_at": str(reported[i]) + "+07:00", "scam_type": "call_centre",
                "loss_thb": 1000.0, "victim": {"holder_id": str(nid[victim]), "phone": str(caller[i % n_cdr])},
                "contacts": [{"type": "phone", "value": str(callee[i % n_cdr])},
                             {"type": "bank_account", "value": f"{banks[mule]}-{written[mule]}"},
                             {"type": "line_id", "value": f"@shop{i % 97}"}],
                "transfers": [{"ts": str(reported[i] - np.timedelta64(3600, "s")) + "+07:00",
                               "from_bank": str(banks[victim]), "from_account": str(written[victim]),
                               "to_bank": str(banks[mule]), "to_account": str(written[mule]), "amount": 1000.0}],
                "narrative": "มีคนโทรมาอ้างเป็นเจ้าหน้าที่"}, ensure_ascii=False) + "\n")
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _baseline(files: dict[str, Path], materialise: bool) -> tuple[int, float]:
    """Rows and seconds of a bare DuckDB scan of the same files (count, or copy into a table)."""
    con = duckdb.connect()
    t0 = time.perf_counter()
    rows = 0
    for name, path in files.items():
        if path.suffix == ".parquet":
            source = f"read_parquet('{path}')"
        elif path.suffix == ".jsonl":
            source = f"read_json('{path}', format='newline_delimited')"
        else:
            source = f"read_csv('{path}', all_varchar=true)"
        if materialise:
            con.execute(f"CREATE TABLE t_{name} AS SELECT * FROM {source}")
            rows += con.execute(f"SELECT count(*) FROM t_{name}").fetchone()[0]
        else:
            rows += con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
    seconds = time.perf_counter() - t0
    con.close()
    return rows, seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="an AXF folder to read (default: generate one)")
    parser.add_argument("--rows", type=int, default=200_000, help="transactions to generate (default 200000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--generate-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate_only:
        make_folder(args.generate_only, args.rows, args.seed)
        return

    with tempfile.TemporaryDirectory(prefix="bench-reader-") as tmp:
        folder = args.data
        if folder is None:
            # Generated in a child process so that this process's peak RSS is the reader's.
            folder = Path(tmp) / "axf"
            t0 = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--generate-only", str(folder), "--rows", str(args.rows),
                            "--seed", str(args.seed)], check=True)
            print(f"generated {folder} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        from zeroscam.exchange.axf import open_dataset, table_files

        files = table_files(folder)
        raw_rows, count_s = _baseline(files, materialise=False)
        _, copy_s = _baseline(files, materialise=True)
        rss_baseline = peak_rss_mb()
        t0 = time.perf_counter()
        dataset = open_dataset(folder)
        reader_s = time.perf_counter() - t0
        counts = dataset.counts()
        dataset.con.close()

    print(f"files: {', '.join(f'{k}={v.name}' for k, v in files.items())}")
    print(f"rows (all files): {raw_rows:,}  canonical: {', '.join(f'{k}={v:,}' for k, v in counts.items() if v)}")
    print(f"baseline read_csv count:        {count_s:6.2f}s  {raw_rows / count_s:12,.0f} rows/s")
    print(f"baseline read_csv into a table: {copy_s:6.2f}s  {raw_rows / copy_s:12,.0f} rows/s")
    print(f"open_dataset:                   {reader_s:6.2f}s  {raw_rows / reader_s:12,.0f} rows/s")
    print(f"ratio open_dataset / count: {reader_s / count_s:.1f}x   open_dataset / into a table: {reader_s / copy_s:.1f}x")
    print(f"peak RSS: {peak_rss_mb():,.0f} MB (after the baselines: {rss_baseline:,.0f} MB)")


if __name__ == "__main__":
    main()
