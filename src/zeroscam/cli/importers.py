"""`zeroscam import amlworld|pacs008` and the maintenance command `zeroscam validate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zeroscam.cli._common import AsOf, DataDir, parse_as_of

import_app = typer.Typer(help="Convert other formats (IBM AMLworld CSV, ISO 20022 pacs.008) to an AXF folder.",
                         no_args_is_help=True)

OutDir = Annotated[Path, typer.Option("--out", help="AXF folder to write.", file_okay=False)]


def validate(data: DataDir, as_of: AsOf = None) -> None:
    """Open an AXF folder as the batch commands do, and print each table's row count."""
    from zeroscam.exchange.axf import open_dataset
    from zeroscam.kit.progress import steps
    from zeroscam.kit.timeutil import to_iso_bangkok

    with steps("reading", total=7) as progress:
        dataset = open_dataset(data, parse_as_of(as_of), progress=progress)
    typer.echo(f"as_of\t{to_iso_bangkok(dataset.as_of)}")
    for name, count in dataset.counts().items():
        typer.echo(f"{name}\t{count}")


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.command("validate", hidden=True)(validate)
