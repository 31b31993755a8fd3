"""Benchmark `zeroscam detect mules` end to end: transactions per second, peak memory,
and the ratio to a bare DuckDB pass over the same CSV.

    .venv/bin/python bench/bench_mules.py --data path/to/world       # an AXF folder
    .venv/bin/python bench/bench_mules.py --transactions 3000000     # build a world first (not timed)
    .venv/bin/python bench/bench_mules.py --join w1 w2                # …from existing medium worlds
    .venv/bin/python bench/bench_mules.py --data DIR --reader         # also time the reader alone
    .venv/bin/python bench/bench_mules.py --data DIR --keep out.csv   # keep detect's output (diff runs)
    .venv/bin/python bench/bench_mules.py --data DIR --repeat 3       # three runs, judged on the median

Without `--data`, the script simulates `medium` worlds (seeds 1, 2, …) and joins
them into one folder of about `--transactions` rows (ids prefixed per world), kept
under `--cache` so a second run does not simulate again.

End to end means what the command does: `zeroscam detect mules --data DIR --out
mules.csv` in a child process — read and validate the tables it needs (not cdrs/cells), build the
features, train and cross-fit the models, propagate, explain and write the CSV.

The baseline, measured in the same run on the same transactions.csv, is a bare
DuckDB query that reads the CSV and computes per account the number of
transactions, their sum, the distinct counterparties and the median time from
money in to the next money out, and writes that as CSV. Targets: ≥100,000
transactions a second, within 4× of the baseline, peak memory under 8 GB.

Both are also reported in CPU seconds (user + system of the child process): on a
shared machine the CPU ratio moves less with the load than the wall-time ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATE = 100_000
TARGET_RATIO = 4.0
TARGET_PEAK_GB = 8.0

BASELINE = r"""
import json, sys, time, resource, duckdb
t = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute(f'''
COPY (
  WITH t AS (SELECT * FROM read_csv('{sys.argv[1]}', all_varchar=true)),
  ev AS (
    SELECT dst_bank || '-' || dst_account AS acct, src_bank || '-' || src_account AS cp, 1 AS dir,
           CAST(ts AS TIMESTAMPTZ) AS ts, CAST(amount AS DOUBLE) AS amount, txn_id
    FROM t WHERE dst_account IS NOT NULL
    UNION ALL
    SELECT src_bank || '-' || src_account, dst_bank || '-' || dst_account, -1,
           CAST(ts AS TIMESTAMPTZ), CAST(amount AS DOUBLE), txn_id
    FROM t WHERE src_account IS NOT NULL),
  w AS (
    SELECT *, MIN(CASE WHEN dir < 0 THEN ts END) OVER (PARTITION BY acct ORDER BY ts, txn_id
              ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_out
    FROM ev)
  SELECT acct, count(*) AS n, sum(amount) AS total, count(DISTINCT cp) AS counterparties,
         median(epoch(next_out) - epoch(ts)) FILTER (WHERE dir > 0) AS median_forward_s
  FROM w GROUP BY acct
) TO '{sys.argv[2]}' (FORMAT csv, HEADER)''')
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def count_rows(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh) - 1


def build_world(target: int, cache: Path, given: list[Path] | None = None) -> Path:
    """Join medium worlds (seed 1, 2, …, or the `given` folders) into about `target` transactions."""
    out = cache / f"mules-bench-{target}"
    if (out / "transactions.csv").exists():
        return out
    tmp = Path(tempfile.mkdtemp(prefix="mules-bench-"))
    parts = list(given or [])
    total = sum(count_rows(p / "transactions.csv") for p in parts)
    seed = 1
    while total < target:
        world = tmp / f"w{seed}"
        subprocess.run([sys.executable, "-m", "zeroscam", "simulate", "--out", str(world), "--scale", "medium",
                        "--seed", str(seed)], check=True)
        parts.append(world)
        total += count_rows(world / "transactions.csv")
        seed += 1
    out.mkdir(parents=True, exist_ok=True)
    remaining = target
    for name in ("accounts.csv", "transactions.csv", "sims.csv", "cdrs.csv", "cells.csv", "reports.jsonl"):
        with open(out / name, "w", encoding="utf-8") as dst:
            for i, world in enumerate(parts):
                src = world / name
                if not src.exists():
                    continue
                with open(src, encoding="utf-8") as fh:
                    header = fh.readline() if name.endswith(".csv") else ""
                    if header and i == 0:
                        dst.write(header)
                    for line in fh if name != "reports.jsonl" else [header, *fh]:
                        if not line.strip():
                            continue
                        if name == "transactions.csv":
                            if remaining <= 0:
                                break
                            remaining -= 1
                            line = f"w{i}-{line}"      # txn_id is the first column
                        elif name == "reports.jsonl":
                            rec = json.loads(line)
                            rec["report_id"] = f"w{i}-{rec['report_id']}"
                            for tr in rec.get("transfers", []):
                                if tr.get("txn_id"):
                                    tr["txn_id"] = f"w{i}-{tr['txn_id']}"
                            line = json.dumps(rec, ensure_ascii=False) + "\n"
                        elif name == "cells.csv" and i > 0:
                            continue                   # the same cell sites in every world
                        dst.write(line)
        if name == "transactions.csv":
            remaining = target
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def time_reader(data: Path) -> None:
    """open_dataset on every table vs on the mules tables (default as-of: skipped files are scanned)."""
    from zeroscam.cli.detect import MULES_TABLES
    from zeroscam.exchange.axf import open_dataset

    for label, tables in (("reader, all tables", None), ("reader, mules tables", MULES_TABLES)):
        t = time.perf_counter()
        ds = open_dataset(data, tables=tables)
        print(f"{label:21s}{time.perf_counter() - t:8.1f} s   as-of {ds.as_of}")
        ds.con.close()


def children_cpu() -> float:
    """User + system CPU seconds of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(data: Path, keep: Path | None) -> dict:
    """One run of detect mules, then one bare pass, on the same data."""
    work = Path(tempfile.mkdtemp(prefix="mules-bench-out-"))
    try:
        t, cpu = time.perf_counter(), children_cpu()
        subprocess.run([sys.executable, "-m", "zeroscam", "detect", "mules", "--data", str(data),
                        "--out", str(work / "mules.csv")], check=True)
        detect_s = time.perf_counter() - t
        detect_cpu = children_cpu() - cpu
        detect_peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        accounts = count_rows(work / "mules.csv")
        if keep:
            shutil.copyfile(work / "mules.csv", keep)

        cpu = children_cpu()
        out = subprocess.run([sys.executable, "-c", BASELINE, str(data / "transactions.csv"),
                              str(work / "baseline.csv")], check=True, capture_output=True, text=True)
        base_cpu = children_cpu() - cpu
        base = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"detect_s": detect_s, "detect_cpu": detect_cpu, "peak_gb": detect_peak_kb / 1024 / 1024,
            "accounts": accounts, "base_s": base["seconds"], "base_cpu": base_cpu,
            "base_peak_gb": base["peak_kb"] / 1024 / 1024, "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="AXF folder to score (default: build one)")
    parser.add_argument("--transactions", type=int, default=3_000_000, help="size of the built world")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()), help="where built worlds live")
    parser.add_argument("--join", type=Path, nargs="*", help="existing worlds to join instead of simulating")
    parser.add_argument("--keep", type=Path, help="copy detect's mules.csv here (to diff runs)")
    parser.add_argument("--reader", action="store_true",
                        help="also time the AXF reader alone: every table vs the tables detect mules reads")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure N times (detect, then bare, alternating) and judge the median ratio: "
                             "on a shared machine one run says little")
    args = parser.parse_args()

    data = args.data or build_world(args.transactions, args.cache, args.join)
    if args.reader:
        time_reader(data)
    n = count_rows(data / "transactions.csv")
    runs = []
    for i in range(max(1, args.repeat)):
        m = measure(data, args.keep)
        runs.append(m)
        if i == 0:
            print(f"world                {data}  ({n:,} transactions, {m['accounts']:,} accounts scored)")
        print(f"detect mules         {m['detect_s']:8.1f} s   {n / m['detect_s']:12,.0f} txn/s   "
              f"peak {m['peak_gb']:.2f} GB   cpu {m['detect_cpu']:6.1f} s   "
              f"[target ≥ {TARGET_RATE:,} txn/s, < {TARGET_PEAK_GB:.0f} GB]")
        print(f"bare DuckDB pass     {m['base_s']:8.1f} s   {n / m['base_s']:12,.0f} txn/s   "
              f"peak {m['base_peak_gb']:.2f} GB   cpu {m['base_cpu']:6.1f} s")
        print(f"ratio                {m['detect_s'] / m['base_s']:8.2f} ×   [target ≤ {TARGET_RATIO:.0f}×]   "
              f"cpu ratio {m['detect_cpu'] / max(m['base_cpu'], 1e-9):.2f} ×   load {m['load']:.1f}")

    def median(values):
        return sorted(values)[len(values) // 2] if len(values) % 2 else \
            sum(sorted(values)[len(values) // 2 - 1:len(values) // 2 + 1]) / 2

    rate = median([n / m["detect_s"] for m in runs])
    ratio = median([m["detect_s"] / m["base_s"] for m in runs])
    peak_gb = max(m["peak_gb"] for m in runs)
    if len(runs) > 1:
        cpu_ratio = median([m["detect_cpu"] / max(m["base_cpu"], 1e-9) for m in runs])
        print(f"median of {len(runs)}          ratio {ratio:.2f} ×   cpu ratio {cpu_ratio:.2f} ×   "
              f"{rate:,.0f} txn/s   peak {peak_gb:.2f} GB (highest)")
    ok = rate >= TARGET_RATE and ratio <= TARGET_RATIO and peak_gb < TARGET_PEAK_GB
    print("PASS" if ok else "BELOW TARGET")


if __name__ == "__main__":
    main()
