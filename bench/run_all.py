"""Run every benchmark once with its default (modest) sizes and print what each printed.

    .venv/bin/python bench/run_all.py [--only check,trace] [--list]

Each benchmark measures its own baseline in the same run and prints the ratio (the
issue's targets are in bench/README.md). Benchmarks are never part of the pass/fail
suite: they take minutes and depend on the machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> arguments: sizes that finish in minutes on a 2-core machine. The issue-sized runs
# (10M records, 3M transactions, large worlds) are in bench/README.md.
BENCHES = {
    "simulate": ["--scale", "medium"],
    "reader": ["--rows", "500000"],
    "mules": ["--transactions", "1000000"],
    "sims": ["--scale", "medium"],
    "trace": ["--scale", "medium"],
    "check": ["--duration", "5", "--rounds", "3"],
    "sharing": ["--n", "2000"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated names: " + ",".join(BENCHES))
    ap.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = ap.parse_args()
    if args.list:
        for name, extra in BENCHES.items():
            print(f"{name:9} bench/bench_{name}.py {' '.join(extra)}")
        return 0
    chosen = args.only.split(",") if args.only else list(BENCHES)
    unknown = [n for n in chosen if n not in BENCHES]
    if unknown:
        print(f"run_all: unknown benchmark(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    failed = []
    for name in chosen:
        cmd = [sys.executable, str(HERE / f"bench_{name}.py"), *BENCHES[name]]
        print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        if subprocess.run(cmd).returncode != 0:
            failed.append(name)
        print(f"=== {name}: {time.perf_counter() - start:.0f} s", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
