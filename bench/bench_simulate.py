"""Benchmark `zeroscam simulate`: rows per second and peak memory, per scale.

    .venv/bin/python bench/bench_simulate.py                  # medium
    .venv/bin/python bench/bench_simulate.py --scale large    # large (run it once: minutes, GBs)

Each scale runs in a child process so its peak RSS is its own. The baseline, in
the same run, is the cost of only writing the same number of random transaction
and call rows with the same formatting (pyarrow CSV): the ratio says how much the
world's logic costs on top of the unavoidable I/O.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, sys, time, resource
from zeroscam.simulate.service import simulate
t = time.perf_counter()
counts = simulate(sys.argv[1], scale=sys.argv[2], seed=int(sys.argv[3]), show_progress=False)
print(json.dumps({"seconds": time.perf_counter() - t, "counts": counts,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

BASELINE = r"""
import json, sys, time, resource
import numpy as np, pyarrow as pa
from pathlib import Path
from zeroscam.simulate.output import baht, iso, write_chunked
n = int(sys.argv[2]); out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)
t = time.perf_counter()
ts = np.sort(rng.integers(1_735_664_400, 1_740_000_000, n))
acc = pa.array(rng.integers(1_000_000_000, 9_999_999_999, 100_000).astype(str))
src = rng.integers(0, 100_000, n); dst = rng.integers(0, 100_000, n); amt = rng.integers(100, 10_000_000, n)
write_chunked(out / "t.csv", n, lambda a, b: {"ts": iso(ts[a:b]), "src": acc.take(pa.array(src[a:b])),
              "dst": acc.take(pa.array(dst[a:b])), "amount": baht(amt[a:b])})
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", action="append", choices=["tiny", "small", "medium", "large"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="write the world here instead of a temporary folder")
    args = ap.parse_args()
    scales = args.scale or ["medium"]
    print(f"{'scale':<8}{'txns':>12}{'cdrs':>12}{'seconds':>10}{'rows/s':>12}{'peak MB':>10}"
          f"{'base rows/s':>13}{'ratio':>8}")
    for scale in scales:
        tmp = Path(tempfile.mkdtemp(prefix=f"bench_sim_{scale}_"))
        out = args.keep or tmp / "world"
        try:
            r = run(CHILD, str(out), scale, str(args.seed))
            rows = r["counts"]["transactions"] + r["counts"]["cdrs"]
            b = run(BASELINE, str(tmp / "baseline"), str(rows))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        rate, base = rows / r["seconds"], rows / b["seconds"]
        print(f"{scale:<8}{r['counts']['transactions']:>12,}{r['counts']['cdrs']:>12,}{r['seconds']:>10.1f}"
              f"{rate:>12,.0f}{r['peak_kb'] / 1024:>10,.0f}{base:>13,.0f}{rate / base:>8.2f}")
    _ = resource, time


if __name__ == "__main__":
    main()
