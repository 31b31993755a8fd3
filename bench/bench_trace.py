"""Benchmark the trace: all reports of a world, and one new report's hold plan.

    .venv/bin/python bench/bench_trace.py --data DIR [--as-of TS] [--sample 50]
    .venv/bin/python bench/bench_trace.py --scale medium --seed 1      # simulates into a temp folder first

Measures, in one run on the same opened dataset:

* the index build (once per dataset: SQL over `transactions`, numpy arrays);
* `trace_reports` over every report (target on a `medium` world: < 60 s including the index);
* `trace_report` for a *new* report (its transfers passed in, as the service does when a
  victim reports), p50/p95 over `--sample` reports (target on a world of 10M transactions
  — `--scale large` — < 1 s each);
* the baseline: one DuckDB query per report that scans `transactions` for the first hop
  only (`WHERE src = <paid account> AND ts >= <paid at>`), the least a scan-based tracer
  does per hop. The ratio baseline / ours says how many whole-table scans one trace costs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--scale", default="medium")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of")
    ap.add_argument("--sample", type=int, default=50)
    args = ap.parse_args()

    data = args.data
    if data is None:
        data = Path(tempfile.mkdtemp(prefix="zeroscam-bench-trace-")) / "world"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "zeroscam", "simulate", "--out", str(data), "--scale", args.scale,
                        "--seed", str(args.seed)], check=True, stdout=subprocess.DEVNULL)
        print(f"simulate {args.scale} seed {args.seed}: {time.perf_counter() - t:.1f} s -> {data}")

    from zeroscam.analytics import trace
    from zeroscam.exchange.axf import open_dataset

    t = time.perf_counter()
    ds = open_dataset(data, args.as_of)
    t_open = time.perf_counter() - t
    n_txns = ds.count("transactions")
    print(f"open_dataset: {t_open:.1f} s ({n_txns:,} transactions, {ds.count('reports'):,} reports)")

    t = time.perf_counter()
    index = trace.build_index(ds)
    t_index = time.perf_counter() - t
    t = time.perf_counter()
    plan = trace.trace_reports(ds)
    t_all = time.perf_counter() - t
    reports = sorted(set(plan["report_id"]))
    print(f"index build: {t_index:.2f} s")
    print(f"trace_reports: {t_all:.2f} s for {len(reports):,} reports ({len(plan):,} plan rows); "
          f"with index {t_index + t_all:.2f} s (target < 60 s on medium)")

    transfers = ds.con.execute("SELECT report_id, ts, txn_id, src, dst, amount FROM report_transfers "
                               "WHERE dst IS NOT NULL ORDER BY report_id, seq").df()
    sample = sorted(set(transfers["report_id"]))[:: max(1, len(set(transfers["report_id"])) // args.sample)]
    sample = sample[: args.sample]
    ours, base = [], []
    for rid in sample:
        items = transfers[transfers["report_id"] == rid].drop(columns="report_id").to_dict("records")
        t = time.perf_counter()
        trace.trace_report(ds, f"NEW-{rid}", transfers=items)
        ours.append(time.perf_counter() - t)
        first = items[0]
        t = time.perf_counter()
        ds.con.execute("SELECT count(*), sum(amount) FROM transactions WHERE src = ? AND ts >= ?",
                       [first["dst"], first["ts"]]).fetchall()
        base.append(time.perf_counter() - t)
    if ours:
        p50, p95 = statistics.median(ours), sorted(ours)[int(0.95 * (len(ours) - 1))]
        b50 = statistics.median(base)
        print(f"trace_report (new report), {len(ours)} reports: p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
              f"(target < 1 s on 10M transactions)")
        print(f"baseline one-hop scan: p50 {b50 * 1000:.1f} ms; ratio scan/ours at p50: {b50 / p50:.1f}x")
    print(f"accounts in the index: {len(index.accounts):,}; allocations computed: {len(index._alloc_cache):,}")


if __name__ == "__main__":
    main()
