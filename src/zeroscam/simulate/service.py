"""`simulate(out, scale, seed)`: build one synthetic world and write it as AXF + truth/."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zeroscam.kit.errors import ZeroscamError
from zeroscam.kit.progress import steps
from zeroscam.simulate.honest import Honest, new_cdr_table, new_txn_table
from zeroscam.simulate.output import Writer
from zeroscam.simulate.params import SCALE_SPECS, SCALES, WorldParams, draw_params
from zeroscam.simulate.rings import Rings
from zeroscam.simulate.world import World, build_population


def simulate(out: str | Path, scale: str = "small", seed: int = 0, show_progress: bool = True) -> dict:
    """Generate the world for (scale, seed) into `out`. Returns row counts per table.

    The same (scale, seed) writes the same bytes.
    """
    if scale not in SCALES:
        raise ZeroscamError(f"--scale must be one of {', '.join(SCALES)}, not {scale!r}")
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, SCALES.index(scale)])))
    params: WorldParams = draw_params(scale, seed, rng)
    with steps(f"simulate {scale} seed {seed}", total=12) as bar:
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
        counts = Writer(world, honest, rings, Path(out)).write_all(bar)
    return counts
