"""`zeroscam simulate`: write a synthetic AXF world with its ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate_cmd(
        out: Annotated[Path, typer.Option("--out", help="Folder to write (AXF files + truth/).", file_okay=False)],
        scale: Annotated[str, typer.Option("--scale", help="tiny | small | medium | large")] = "small",
        seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 0,
        fmt: Annotated[str, typer.Option("--format", help="csv (default) or parquet for the AXF tables.")] = "csv",
    ) -> None:
        """Generate a synthetic world: ordinary life, scam rings, victim reports, and truth/."""
        from zeroscam.simulate.service import simulate

        counts = simulate(out, scale=scale, seed=seed, fmt=fmt)
        typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))
