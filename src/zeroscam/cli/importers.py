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


@import_app.command("amlworld")
def amlworld(
    file: Annotated[Path, typer.Argument(help="AMLworld transactions CSV (e.g. HI-Small_Trans.csv).", dir_okay=False)],
    out: OutDir,
    accounts: Annotated[Path | None, typer.Option("--accounts", help="AMLworld accounts CSV (e.g. HI-Small_accounts.csv) "
                                                  "to group accounts by entity.", dir_okay=False)] = None,
) -> None:
    """IBM AMLworld transactions → AXF transactions.csv, accounts.csv and truth/ (the Is Laundering labels)."""
    from zeroscam.exchange.amlworld import import_amlworld
    from zeroscam.kit.progress import steps

    with steps("importing AMLworld", total=None):
        counts = import_amlworld(file, out, accounts_file=accounts)
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@import_app.command("pacs008")
def pacs008(
    files: Annotated[list[Path], typer.Argument(help="ISO 20022 pacs.008 XML files.", dir_okay=False)],
    out: OutDir,
) -> None:
    """ISO 20022 pacs.008 credit transfers → AXF transactions.csv."""
    from zeroscam.exchange.pacs008 import import_pacs008
    from zeroscam.kit.progress import steps

    with steps("importing pacs.008", total=None):
        counts = import_pacs008(list(files), out)
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.command("validate", hidden=True)(validate)
