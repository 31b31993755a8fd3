"""`simulate(out, scale, seed)`: build one synthetic world and write it as AXF + truth/."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import numpy as np

from zeroscam.kit.errors import ZeroscamError
from zeroscam.kit.progress import steps
from zeroscam.simulate.honest import Honest, new_cdr_table, new_txn_table
from zeroscam.simulate.output import Writer
from zeroscam.simulate.params import SCALE_SPECS, SCALES, WorldParams, draw_params
from zeroscam.simulate.rings import Rings
from zeroscam.simulate.world import World, build_population


def simulate(out: str | Path, scale: str = "small", seed: int = 0, show_progress: bool = True,
             fmt: str = "csv") -> dict:
    """Generate the world for (scale, seed) into `out`. Returns row counts per table.

    The same (scale, seed) writes the same bytes. `fmt="parquet"` writes the AXF tables as Parquet
    (same columns, as text); reports.jsonl and truth/ stay as they are.
    """
    if scale not in SCALES:
        raise ZeroscamError(f"--scale must be one of {', '.join(SCALES)}, not {scale!r}")
    if fmt not in ("csv", "parquet"):
        raise ZeroscamError(f"--format must be csv or parquet, not {fmt!r}")
    if Path(out).exists() and not Path(out).is_dir():
        raise ZeroscamError(f"--out {out}: exists and is not a folder")
    (Path(out) / "truth" / "params.json").unlink(missing_ok=True)  # marks a complete world; written last
    other = "csv" if fmt == "parquet" else "parquet"
    for name in ("accounts", "sims", "cells", "transactions", "cdrs"):   # AXF refuses both forms at once
        (Path(out) / f"{name}.{other}").unlink(missing_ok=True)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, SCALES.index(scale)])))
    params: WorldParams = draw_params(scale, seed, rng)
    bar_ctx = steps(f"simulate {scale} seed {seed}", total=11) if show_progress else nullcontext(_Quiet())
    with bar_ctx as bar:
        world = World(params, rng, SCALE_SPECS[scale].cells_per_weight)
        pop = build_population(world)
        bar.advance("population")
        txns, cdrs = new_txn_table(), new_cdr_table()
        honest = Honest(world, pop, txns, cdrs)
        honest.generate_transactions()
        bar.advance("ordinary payments")
        honest.generate_cdrs()
        bar.advance("ordinary calls")
        rings = Rings(world, pop, honest)
        rings.build()
        bar.advance("scam rings")
        counts = Writer(world, honest, rings, Path(out), fmt).write_all(bar)
    return counts


class _Quiet:
    def advance(self, label: str = "", amount: float = 1) -> None:
        pass


def simulate_cached(root: str | Path, scale: str = "tiny", seed: int = 0) -> Path:
    """The world for (scale, seed) under `root/<scale>-<seed>`, generated only when not there yet.

    For tests that share a world: `truth/params.json` is written last, so its presence means the
    folder is complete.
    """
    out = Path(root) / f"{scale}-{seed}"
    if not (out / "truth" / "params.json").exists():
        simulate(out, scale=scale, seed=seed, show_progress=False)
    return out
