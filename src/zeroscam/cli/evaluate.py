"""`zeroscam evaluate`: score batch outputs against a simulated world's truth/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zeroscam.cli._common import AsOf, parse_as_of

_File = Annotated[Path | None, typer.Option(dir_okay=False)]


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    def evaluate_cmd(
        truth: Annotated[Path, typer.Option("--truth", help="The world's truth/ folder.", file_okay=False)],
        mules: Annotated[Path | None, typer.Option("--mules", help="mules.csv to score.", dir_okay=False)] = None,
        sims: Annotated[Path | None, typer.Option("--sims", help="sims.csv to score.", dir_okay=False)] = None,
        trace: Annotated[Path | None, typer.Option("--trace", help="trace.csv to score.", dir_okay=False)] = None,
        rings: Annotated[Path | None, typer.Option("--rings", help="rings.csv to score.", dir_okay=False)] = None,
        as_of: AsOf = None,
        data: Annotated[Path | None, typer.Option("--data", help="AXF folder with reports.jsonl "
                                                  "(default: the folder holding truth/).", file_okay=False)] = None,
        baseline: Annotated[str | None, typer.Option("--baseline", help="Score a built-in baseline instead of "
                                                     "--mules/--sims: reports-only.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    ) -> None:
        """Precision/recall/F1 for mules and SIMs, money followed by trace, B-cubed F1 for rings."""
        import orjson

        from zeroscam.evaluate import inputs
        from zeroscam.evaluate.baselines import reports_only
        from zeroscam.evaluate.render import render
        from zeroscam.evaluate.service import default_as_of, evaluate
        from zeroscam.kit.errors import ZeroscamError

        cut = parse_as_of(as_of)
        if not (truth / "scam_txns.csv").exists() and (truth / "truth" / "scam_txns.csv").exists():
            truth = truth / "truth"   # the world's folder was given
        t = inputs.load_truth(truth)
        data_dir = data or truth.resolve().parent
        flagged_mules = inputs.read_mules(mules) if mules else None
        flagged_sims = inputs.read_sims(sims) if sims else None
        if baseline is not None:
            if baseline not in ("reports-only", "reports_only"):
                raise ZeroscamError(f"--baseline: unknown baseline {baseline!r} (known: reports-only)")
            m, s = reports_only(data_dir, cut or default_as_of(t))
            flagged_mules = {f"{b}-{a}" for b, a in zip(m[m.flagged == 1].bank, m[m.flagged == 1].account)}
            flagged_sims = set(s[s.flagged == 1].msisdn)
        result = evaluate(t, data_dir, cut, mules=flagged_mules, sims=flagged_sims,
                          trace=inputs.read_trace(trace) if trace else None,
                          rings=inputs.read_rings(rings) if rings else None)
        if as_json:
            typer.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
        else:
            render(result)
