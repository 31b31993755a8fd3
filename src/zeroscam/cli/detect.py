"""`zeroscam detect mules|sims`: score accounts or numbers of an AXF folder and write a CSV
(contracts/CLI.md, outputs in contracts/AXF.md)."""

from __future__ import annotations

import typer

from zeroscam.cli._common import AsOf, DataDir, EngineOpt, OutFile, parse_as_of, write_csv

detect_app = typer.Typer(help="Find mule accounts and mule SIMs.", no_args_is_help=True)

MULES_COLUMNS = ["bank", "account", "score", "flagged", "reasons"]
SIMS_COLUMNS = ["msisdn", "score", "flagged", "reasons"]


# What each command reads and validates; the other files only count for the default as-of.
MULES_TABLES = ("accounts", "transactions", "sims", "reports")
MULES_MODULES = ("pandas", "zeroscam.analytics.detection.mules", "lightgbm", "scipy.sparse.csgraph")


def _open(data, as_of, engine_name: str, steps, tables=None, warm: tuple[str, ...] = ()):
    from zeroscam.analytics.engine import make_engine
    from zeroscam.exchange.axf import open_dataset
    from zeroscam.kit.errors import ZeroscamError

    if engine_name not in ("duckdb", "spark"):
        err = ZeroscamError(f"--engine: unknown engine {engine_name!r}: use duckdb or spark")
        err.exit_code = 2
        raise err
    if warm:
        # the modules the detector needs after reading are imported while DuckDB reads (it
        # releases the interpreter lock): ~0.15 s of a large run off the critical path
        import importlib
        import threading

        def load() -> None:
            for module in warm:
                try:
                    importlib.import_module(module)
                except Exception:  # noqa: BLE001 - the command's own import reports it, in its place
                    return

        threading.Thread(target=load, daemon=True).start()
    dataset = open_dataset(data, parse_as_of(as_of), progress=steps, tables=tables)
    return dataset, make_engine(engine_name, dataset)


@detect_app.command("mules")
def mules(data: DataDir, out: OutFile, as_of: AsOf = None, engine: EngineOpt = "duckdb") -> None:
    """Score every bank account seen by the as-of time: bank,account,score,flagged,reasons."""
    from zeroscam.kit.progress import steps

    with steps("detect mules", total=9) as progress:
        dataset, eng = _open(data, as_of, engine, progress, MULES_TABLES, warm=MULES_MODULES)
        dataset.require("transactions", "detect mules")
        from zeroscam.analytics.detection.mules import detect_mules

        progress.advance("features and model")
        result = detect_mules(dataset, eng)
        progress.advance("write")
        frame = result.assign(account=result["account_digits"])[MULES_COLUMNS]
        write_csv(_formatted(frame), out)
        progress.advance("done")


@detect_app.command("sims")
def sims(data: DataDir, out: OutFile, as_of: AsOf = None, engine: EngineOpt = "duckdb") -> None:
    """Score every phone number seen by the as-of time: msisdn,score,flagged,reasons."""
    from zeroscam.kit.progress import steps

    with steps("detect sims", total=9) as progress:
        dataset, eng = _open(data, as_of, engine, progress)
        from zeroscam.analytics.detection.sims import detect_sims

        progress.advance("features and model")
        result = detect_sims(dataset, eng)
        progress.advance("write")
        write_csv(_formatted(result[SIMS_COLUMNS]), out)
        progress.advance("done")


def _formatted(frame):
    """Scores with six decimals, flags as 0/1, reasons never NaN."""
    frame = frame.copy()
    frame["score"] = frame["score"].astype(float).map(lambda v: f"{v:.6f}")
    frame["flagged"] = frame["flagged"].astype(int)
    frame["reasons"] = frame["reasons"].fillna("").astype(str)
    return frame


def register(app: typer.Typer) -> None:
    app.add_typer(detect_app, name="detect")
