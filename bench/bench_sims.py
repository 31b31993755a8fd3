"""Benchmark `zeroscam detect sims` end to end: call records per second and peak memory.

    .venv/bin/python bench/bench_sims.py --data path/to/world          # e.g. `zeroscam simulate --scale large`
    .venv/bin/python bench/bench_sims.py --scale medium --seed 1       # simulate first (not timed)

End to end means what the command does: read and validate the AXF files a telco
hands in (sims, cdrs, cells, accounts, reports — transactions are not needed for
SIMs and are left out unless `--all-tables`), build the features, train and
cross-fit the models, score and explain every number.

The baseline, measured in the same run on the same files, is a bare DuckDB scan
that reads cdrs.csv and counts calls per caller: the ratio says how many times
the least a SIM detector must do our whole pipeline costs. Each measurement runs
in its own child process so that its peak RSS is its own. Target: 200,000 call
records a second on a 2-core machine for a world of 10 million records.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET = 200_000
SIM_TABLES = ("sims", "cdrs", "cells", "accounts", "reports")

CHILD = r"""
import json, sys, time, resource
from zeroscam.exchange.axf import open_dataset
from zeroscam.analytics.detection.sims import detect_sims
t0 = time.perf_counter()
ds = open_dataset(sys.argv[1])
t1 = time.perf_counter()
out = detect_sims(ds, sys.argv[2])
t2 = time.perf_counter()
cdrs = ds.count("cdrs")
print(json.dumps({"read": t1 - t0, "detect": t2 - t1, "cdrs": cdrs, "numbers": len(out),
                  "flagged": int(out["flagged"].sum()),
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

BASELINE = r"""
import json, sys, time, resource, duckdb
t = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
n = con.execute(f"SELECT count(*) FROM (SELECT caller, count(*) FROM read_csv('{sys.argv[1]}', all_varchar=true) "
                "GROUP BY caller)").fetchall()[0][0]
print(json.dumps({"seconds": time.perf_counter() - t, "callers": n,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def telco_folder(world: Path, into: Path, all_tables: bool) -> Path:
    """The files a SIM run reads, linked (not copied) into a folder of their own."""
    into.mkdir(parents=True, exist_ok=True)
    for path in world.iterdir():
        name = path.name.split(".")[0]
        if path.is_file() and (all_tables or name in SIM_TABLES):
            (into / path.name).symlink_to(path.resolve())
    return into


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="an AXF folder (default: simulate one)")
    ap.add_argument("--scale", default="medium", choices=["tiny", "small", "medium", "large"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    ap.add_argument("--all-tables", action="store_true", help="also read transactions.csv")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench_sims_"))
    try:
        world = args.data
        if world is None:
            from zeroscam.simulate.service import simulate

            world = tmp / "world"
            simulate(world, scale=args.scale, seed=args.seed, show_progress=False)
        folder = telco_folder(world, tmp / "telco", args.all_tables)
        cdr_file = next(p for p in folder.iterdir() if p.name.startswith("cdrs."))
        base = run(BASELINE, str(cdr_file))
        ours = run(CHILD, str(folder), args.engine)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    total = ours["read"] + ours["detect"]
    rate = ours["cdrs"] / total
    base_rate = ours["cdrs"] / base["seconds"]
    print(f"world: {world}  engine: {args.engine}  call records: {ours['cdrs']:,}  numbers scored: "
          f"{ours['numbers']:,}  flagged: {ours['flagged']:,}")
    print(f"{'step':<28}{'seconds':>10}{'records/s':>14}{'peak MB':>10}")
    print(f"{'read + validate (AXF)':<28}{ours['read']:>10.1f}{ours['cdrs'] / ours['read']:>14,.0f}")
    print(f"{'features + models + reasons':<28}{ours['detect']:>10.1f}{ours['cdrs'] / ours['detect']:>14,.0f}")
    print(f"{'end to end':<28}{total:>10.1f}{rate:>14,.0f}{ours['peak_kb'] / 1024:>10,.0f}")
    print(f"{'baseline: bare scan of cdrs':<28}{base['seconds']:>10.1f}{base_rate:>14,.0f}"
          f"{base['peak_kb'] / 1024:>10,.0f}")
    print(f"ratio end-to-end / baseline throughput: {rate / base_rate:.3f}   "
          f"target {TARGET:,}/s: {'met' if rate >= TARGET else 'NOT met'} ({rate / TARGET:.2f}x)")


if __name__ == "__main__":
    main()
