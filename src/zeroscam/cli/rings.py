"""`zeroscam rings`: the organised rings behind the reports (AXF.md "Outputs"), plus rings.json beside."""

from __future__ import annotations

import sys

import typer

from zeroscam.cli._common import AsOf, DataDir, EngineOpt, OutFile, parse_as_of, write_csv


def rings(data: DataDir, out: OutFile, as_of: AsOf = None, engine: EngineOpt = "duckdb") -> None:
    """Find rings: entity_type,entity,ring_id; a per-ring summary goes to the .json beside --out."""
    from zeroscam.analytics.engine import make_engine
    from zeroscam.analytics.rings import find_rings, write_summary
    from zeroscam.exchange.axf import open_dataset
    from zeroscam.kit.errors import ZeroscamError
    from zeroscam.kit.progress import steps

    if engine not in ("duckdb", "spark"):
        err = ZeroscamError(f"--engine: unknown engine {engine!r}: use duckdb or spark")
        err.exit_code = 2
        raise err
    with steps("rings", total=8) as progress:
        dataset = open_dataset(data, parse_as_of(as_of), progress=progress)
        dataset.require("transactions", "rings")
        dataset.require("reports", "rings")
        eng = make_engine(engine, dataset)
        result = find_rings(dataset, eng, progress=progress)
        write_csv(result.members, out)
        write_summary(result, out)
    if result.evidence != "detectors+reports":
        print(f"zeroscam: note: rings used {result.evidence}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command("rings")(rings)
