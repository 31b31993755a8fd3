"""`zeroscam trace`: follow each report's money and write the freeze plan CSV (AXF.md "Outputs")."""

from __future__ import annotations

import typer

from zeroscam.cli._common import AsOf, DataDir, EngineOpt, OutFile, parse_as_of, write_csv


def trace(data: DataDir, out: OutFile, as_of: AsOf = None, engine: EngineOpt = "duckdb") -> None:
    """Trace every report's money: report_id,hop,bank,account,traced_thb,first_in_ts."""
    from zeroscam.analytics.engine import make_engine
    from zeroscam.analytics.trace import to_output, trace_reports
    from zeroscam.exchange.axf import open_dataset
    from zeroscam.kit.errors import ZeroscamError
    from zeroscam.kit.progress import steps

    if engine not in ("duckdb", "spark"):
        err = ZeroscamError(f"--engine: unknown engine {engine!r}: use duckdb or spark")
        err.exit_code = 2
        raise err
    with steps("trace", total=None) as progress:
        dataset = open_dataset(data, parse_as_of(as_of), progress=progress)
        dataset.require("transactions", "trace")
        dataset.require("reports", "trace")
        eng = make_engine(engine, dataset)
        plan = trace_reports(dataset, eng, progress=progress)
        write_csv(to_output(plan), out)


def register(app: typer.Typer) -> None:
    app.command("trace")(trace)
