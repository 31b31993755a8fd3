"""Rich tables for a terminal (and plain text otherwise)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) <= 1.5 else f"{v:,.2f}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {_fmt(x)}" for k, x in v.items()) or "–"
    return str(v)


def render(result: dict, console: Console | None = None) -> None:
    console = console or Console()
    console.print(f"as of {result['as_of']} · reports filed by then: {result['reports_by_as_of']}")
    for name in ("mules", "sims"):
        if name not in result:
            continue
        r = result[name]
        t = Table(title=f"{name}: flagged vs truth", show_header=True)
        t.add_column("measure")
        t.add_column("value", justify="right")
        for key in ("flagged", "positives", "true_positives", "false_positives", "precision", "recall", "f1",
                    "unreported_positives", "recall_unreported"):
            t.add_row(key, _fmt(r.get(key)))
        for key in [k for k in r if k.startswith("recall_by_")]:
            t.add_row(key, _fmt(r[key]))
        t.add_row("false positives by kind", _fmt(r["false_positives_by_kind"]))
        console.print(t)
    if "trace" in result:
        r = result["trace"]
        t = Table(title="trace: money followed and held", show_header=True)
        t.add_column("measure")
        t.add_column("value", justify="right")
        for key in ("reports", "reports_traced", "path_share_baht", "path_share_mean", "held_share_reported",
                    "held_reported_thb", "held_share_reported_in_plan", "held_share_all", "held_all_thb",
                    "held_share_all_reported_rings", "accounts_listed", "innocent_listed",
                    "innocent_named_by_mistaken", "innocent_beyond_mistaken"):
            t.add_row(key, _fmt(r.get(key)))
        t.add_row("innocent by kind", _fmt(r["innocent_by_kind"]))
        console.print(t)
    if "rings" in result:
        t = Table(title="rings: B-cubed over entities", show_header=True)
        for col in ("entities", "precision", "recall", "f1", "predicted", "true"):
            t.add_column(col, justify="right" if col != "entities" else "left")
        rows = [(k, r) for k, r in result["rings"].items() if k != "active"]
        rows += [(f"active {k}", r) for k, r in result["rings"].get("active", {}).items()]
        for kind, r in rows:
            t.add_row(kind, _fmt(r["precision"]), _fmt(r["recall"]), _fmt(r["f1"]), str(r["predicted"]),
                      str(r["true"]))
        console.print(t)
