"""Score `zeroscam detect mules` on several worlds at several as-of times, one line per run.

    .venv/bin/python tests/worlds/mule_runs.py RUNS [--out DIR]

RUNS is a text file with one run per line, `WORLD_DIR AS_OF` (`-` for the end of the data), e.g.

    /tmp/w/alt-132 2025-03-13T14:24+07:00
    /tmp/w/alt-132 -

Each run is `zeroscam detect mules` then `zeroscam evaluate --json` against the world's `truth/`;
printed: mule F1, precision, recall, recall on accounts no report named yet, and false positives,
then the means. The figures in docs/detect-mules.md (fifth round) come from this.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ZEROSCAM = str(Path(sys.executable).parent / "zeroscam")


def score(world: Path, as_of: str | None, out: Path) -> dict:
    extra = ["--as-of", as_of] if as_of else []
    subprocess.run([ZEROSCAM, "detect", "mules", "--data", str(world), *extra, "--out", str(out)],
                   check=True, capture_output=True)
    res = subprocess.run([ZEROSCAM, "evaluate", "--truth", str(world / "truth"), *extra, "--mules", str(out),
                          "--json"], check=True, capture_output=True, text=True)
    return json.loads(res.stdout)["mules"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path)
    ap.add_argument("--out", type=Path, default=None, help="keep each mules.csv here")
    args = ap.parse_args()
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="mule-runs-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    f1s, unreps = [], []
    for line in args.runs.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        world, as_of = line.split()[:2]
        as_of = None if as_of == "-" else as_of
        name = f"{Path(world).name}-{(as_of or 'end')[:13].replace(':', '')}.csv"
        m = score(Path(world), as_of, out_dir / name)
        unrep = m["recall_unreported"] or 0.0
        f1s.append(m["f1"])
        unreps.append(unrep)
        print(f"{Path(world).name:14s} {as_of or 'end':24s} F1 {m['f1']:.3f}  P {m['precision']:.3f}  "
              f"R {m['recall']:.3f}  unreported {unrep:.3f}  false positives {m['false_positives']}", flush=True)
    if f1s:
        print(f"mean of {len(f1s)} runs: F1 {sum(f1s) / len(f1s):.4f}  unreported {sum(unreps) / len(unreps):.4f}")


if __name__ == "__main__":
    main()
