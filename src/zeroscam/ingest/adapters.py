"""Calls into the analytics parts (detectors, trace), each skipped cleanly when absent.

The detectors and the tracer are built by other parts of the project; the service
must work (with report-only risk and named-account holds) before and without them.
"""

from __future__ import annotations

import importlib
import logging

import pandas as pd

log = logging.getLogger("zeroscam.ingest")


def _optional(module: str, name: str):
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    return getattr(mod, name, None)


def _guarded(what: str, fn, *args, **kwargs):
    """Run another part's analytic; if it fails, warn (error type only) and fall back (None).

    A broken detector or tracer must not stop reports, holds and report-based risk."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - fall back, loudly
        log.warning("%s failed (%s); continuing without it", what, type(exc).__name__,
                    extra={"fields": {"part": what, "error": type(exc).__name__}})
        return None


def _engine(dataset):
    from zeroscam.analytics.engine import make_engine

    return make_engine("duckdb", dataset)


def detect_mules(dataset) -> pd.DataFrame | None:
    """`account, score, flagged, reasons` for every account, or None without a detector."""
    fn = _optional("zeroscam.analytics.detection.mules", "detect_mules")
    if fn is None or not (dataset.has("transactions") or dataset.has("accounts")):
        return None
    return _guarded("mule detector", fn, dataset, _engine(dataset))


def detect_sims(dataset, account_scores: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """`msisdn, score, flagged, reasons` for every number, or None without a detector."""
    fn = _optional("zeroscam.analytics.detection.sims", "detect_sims")
    if fn is None or not (dataset.has("cdrs") or dataset.has("sims")):
        return None
    kwargs = {"account_scores": account_scores} if account_scores is not None else {}
    return _guarded("SIM detector", fn, dataset, _engine(dataset), **kwargs)


def trace_reports(dataset, report_ids: list[str]) -> pd.DataFrame | None:
    """Freeze plans (`report_id, hop, bank, account, traced_thb, ...`) or None without a tracer."""
    fn = _optional("zeroscam.analytics.trace", "trace_reports")
    if fn is None or not report_ids or not dataset.has("transactions"):
        return None
    return _guarded("trace", fn, dataset, _engine(dataset), report_ids)


def trace_report(dataset, report_id: str, transfers: list[dict]) -> pd.DataFrame | None:
    """The freeze plan of one new report (not yet in the store), or None."""
    fn = _optional("zeroscam.analytics.trace", "trace_report")
    if fn is None or dataset is None or not dataset.has("transactions") or not transfers:
        return None
    return _guarded("trace", fn, dataset, report_id, transfers=transfers)


def find_rings(dataset, mules: pd.DataFrame | None, sims: pd.DataFrame | None):
    """The rings (members + per-ring summary) or None without the rings part.

    The detector outputs already computed by the load are passed in so nothing runs twice."""
    fn = _optional("zeroscam.analytics.rings", "find_rings")
    if fn is None or not dataset.has("transactions") or not dataset.has("reports"):
        return None
    use = mules is not None or sims is not None
    return _guarded("rings", fn, dataset, _engine(dataset), mules=mules, sims=sims, use_detectors=use)
