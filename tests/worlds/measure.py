"""Run the four detectors on a world, score them, and break the errors down by what the world knows.

    .venv/bin/python tests/worlds/measure.py --world DIR --out OUTDIR [--as-of TS] [--skip-run]

Writes OUTDIR/{mules,sims,trace,rings}.csv and OUTDIR/eval.json (`zeroscam evaluate --json`), then prints
one table row and the failure modes: false positives by look-alike kind, misses by tier/role and by
the ring's shape (altworld's truth/rings.csv has extra columns: farm, rotate, speed, shared_device,
test_credits, bundle, layers, cashout).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ZEROSCAM = str(Path(sys.executable).parent / "zeroscam")
COMMANDS = {"mules": ["detect", "mules"], "sims": ["detect", "sims"], "trace": ["trace"], "rings": ["rings"]}


def run(world: Path, out: Path, as_of: str | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    extra = ["--as-of", as_of] if as_of else []
    for name, cmd in COMMANDS.items():
        subprocess.run([ZEROSCAM, *cmd, "--data", str(world), *extra, "--out", str(out / f"{name}.csv")], check=True)
    res = subprocess.run([ZEROSCAM, "evaluate", "--truth", str(world / "truth"), *extra, "--json",
                          *[a for n in COMMANDS for a in (f"--{n}", str(out / f"{n}.csv"))]],
                         check=True, capture_output=True, text=True)
    (out / "eval.json").write_text(res.stdout)


def row(e: dict) -> str:
    m, s, t, r = e["mules"], e["sims"], e["trace"], e["rings"]["all"]
    return (f"| {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} | {m['recall_unreported'] or 0:.3f} "
            f"| {s['f1']:.3f} | {s['precision']:.3f} | {s['recall']:.3f} | {s['recall_unreported'] or 0:.3f} "
            f"| {t['path_share_baht']:.3f} | {t['held_share_reported']:.3f} | {t['innocent_listed']} | {r['f1']:.3f} "
            f"| {e['rings']['active']['all']['f1']:.3f} |")


def breakdown(world: Path, out: Path, e: dict) -> list[str]:
    from zeroscam.evaluate.inputs import load_truth, read_mules, read_sims, to_utc

    truth = load_truth(world / "truth")
    as_of = to_utc(pd.Series([e["as_of"]]))[0]
    lines = [f"mule FPs by kind: {e['mules']['false_positives_by_kind']}",
             f"sim FPs by kind: {e['sims']['false_positives_by_kind']}",
             f"trace innocent by kind: {e['trace']['innocent_by_kind']}",
             f"mule recall by tier: {e['mules']['recall_by_tier']}; by role: {e['mules']['recall_by_role']}",
             f"sim recall by role: {e['sims']['recall_by_role']}"]
    flagged = read_mules(out / "mules.csv")
    acc = truth.accounts[truth.accounts["first_scam_ts"] <= as_of].merge(truth.rings, on="ring_id")
    acc["hit"] = acc["account"].isin(flagged)
    shape_cols = [c for c in ("farm", "rotate", "speed", "shared_device", "test_credits", "bundle", "layers",
                              "cashout") if c in acc.columns]
    for col in shape_cols:
        g = acc.groupby(col)["hit"].agg(["sum", "count"])
        lines.append(f"mule recall by ring {col}: " + ", ".join(f"{k}={int(v['sum'])}/{int(v['count'])}"
                                                                 for k, v in g.iterrows()))
    sims = read_sims(out / "sims.csv")
    sm = truth.sims[truth.sims["first_use_ts"] <= as_of].merge(truth.rings, on="ring_id")
    sm["hit"] = sm["msisdn"].isin(sims)
    for col in [c for c in ("farm",) if c in sm.columns] + ["role"]:
        g = sm.groupby(col)["hit"].agg(["sum", "count"])
        lines.append(f"sim recall by {col}: " + ", ".join(f"{k}={int(v['sum'])}/{int(v['count'])}"
                                                         for k, v in g.iterrows()))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--as-of")
    ap.add_argument("--skip-run", action="store_true")
    a = ap.parse_args()
    if not a.skip_run:
        run(a.world, a.out, a.as_of)
    e = json.loads((a.out / "eval.json").read_text())
    print(row(e))
    for line in breakdown(a.world, a.out, e):
        print(" ", line)


if __name__ == "__main__":
    main()
