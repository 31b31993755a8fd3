"""The latest time of a file that is not read (default as-of) equals the latest of the
values `parse_ts` accepts, whatever mix of written forms and junk the column holds."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroscam.exchange.axf import _latest_time_unread
from zeroscam.kit.timeutil import parse_ts

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2039, 12, 31))
forms = st.sampled_from(["bangkok", "utc_z", "offset", "naive", "date", "spaced"])
# strings shaped like the usual form that are not times (they sort above or below real ones)
junk = st.sampled_from(["2025-13-01T00:00:00+07:00", "2025-02-30T10:00:00+07:00", "9999-99-99T99:99:99+07:00",
                        "abcd-ef-ghTij:kl:mn+07:00", "2025-02-1/T00:00:00+07:00", "not a time", "", "  "])


def written(moment: datetime, form: str) -> str:
    if form == "bangkok":
        return moment.isoformat(timespec="seconds") + "+07:00"
    if form == "utc_z":
        return moment.isoformat(timespec="seconds") + "Z"
    if form == "offset":
        return moment.isoformat(sep=" ", timespec="seconds") + "-03:30"
    if form == "naive":
        return moment.isoformat(timespec="seconds")
    if form == "date":
        return moment.date().isoformat()
    return " " + moment.isoformat(timespec="seconds") + "+07:00 "


def reference(values: list[str]) -> datetime | None:
    best = None
    for value in values:
        try:
            t = parse_ts(value)
        except (ValueError, TypeError, OverflowError):
            continue
        best = t if best is None or t > best else best
    return best


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.tuples(moments, forms).map(lambda p: written(*p)), junk), min_size=1, max_size=12))
def test_latest_time_unread_matches_parse_ts(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("cdrs") / "cdrs.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["ts", "kind", "caller", "callee", "duration_s"])
        for value in values:
            out.writerow([value, "voice", "0812345678", "0898765432", "10"])
    got = _latest_time_unread(duckdb.connect(), "cdrs", path)
    assert got == reference([v.strip() for v in values if v.strip()]), values


def test_largest_usual_string_wins_over_other_forms(tmp_path):
    path = tmp_path / "cdrs.csv"
    late = datetime(2025, 3, 1, 12, 0)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["ts", "kind", "caller", "callee", "duration_s"])
        out.writerow(["2025-03-01T18:00:00+07:00", "voice", "0812345678", "0898765432", "1"])   # 11:00 UTC
        out.writerow(["2025-03-01T12:00:00Z", "voice", "0812345678", "0898765432", "1"])        # 12:00 UTC
        out.writerow(["2025-03-01T17:30:00+07:00", "voice", "0812345678", "0898765432", "1"])
    assert _latest_time_unread(duckdb.connect(), "cdrs", path) == late
    assert late - timedelta(hours=1) == parse_ts("2025-03-01T18:00:00+07:00")
