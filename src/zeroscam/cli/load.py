"""`zeroscam load --data DIR [--as-of TS]`."""

from __future__ import annotations

import typer

from zeroscam.cli._common import AsOf, DataDir, parse_as_of


def register(app: typer.Typer) -> None:
    @app.command("load")
    def load(data: DataDir, as_of: AsOf = None) -> None:
        """Ingest an AXF folder into the store and refresh the shared risk data (re-runnable)."""
        from zeroscam.cli.db import upgrade_current
        from zeroscam.config import get_settings
        from zeroscam.ingest.pipeline import load as run_load

        settings = get_settings()
        upgrade_current()
        result = run_load(settings, data, parse_as_of(as_of))
        counts = ", ".join(f"{k} {v}" for k, v in result.counts.items() if v)
        typer.echo(f"loaded {data}: {counts}; {result.new_reports} new reports, {result.holds} hold requests, "
                   f"{result.risk_entries} risk entries"
                   + (f"; detectors: {', '.join(result.detectors)}" if result.detectors else "; no detectors"))
