"""Options and helpers shared by the batch commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DataDir = Annotated[Path, typer.Option("--data", help="AXF folder to read (see contracts/AXF.md).",
                                       exists=False, file_okay=False)]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Behave as if nothing later than this time existed "
                                          "(ISO 8601; no offset means Bangkok). Default: latest time in the data.")]
OutFile = Annotated[Path, typer.Option("--out", help="CSV file to write.", dir_okay=False)]
EngineOpt = Annotated[str, typer.Option("--engine", help="Analytics engine: duckdb (default) or spark.")]


def parse_as_of(as_of: str | None):
    """CLI string → naive UTC datetime (or None), with a clean error."""
    if as_of is None:
        return None
    from zeroscam.kit.errors import ZeroscamError
    from zeroscam.kit.timeutil import parse_ts

    try:
        return parse_ts(as_of)
    except ValueError as exc:
        err = ZeroscamError(f"--as-of: not an ISO 8601 time: {as_of!r}")
        err.exit_code = 2
        raise err from exc


def write_csv(frame, out: Path) -> None:
    """Write atomically: a reader never sees half a file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    frame.to_csv(tmp, index=False, lineterminator="\n")
    tmp.replace(out)
