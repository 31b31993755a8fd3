"""The SQL fast paths answer exactly as the Python parsers wherever they answer."""

from datetime import datetime

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroscam.identifiers import sql as fast
from zeroscam.kit.timeutil import parse_ts

CON = duckdb.connect()

offsets = st.sampled_from(["", "Z", "+07:00", "+00:00", "-03:30", "+0700", "+05:45", "+07", "-11:00"])
moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 12, 31))


@settings(max_examples=300, deadline=None)
@given(moments, offsets, st.sampled_from(["T", " "]), st.sampled_from(["seconds", "minutes", "microseconds", "date"]))
def test_timestamp_fast_path_agrees_with_parse_ts(moment, offset, sep, spec):
    if spec == "date":
        text = moment.date().isoformat()
    else:
        text = moment.isoformat(sep=sep, timespec=spec) + offset
    got = CON.execute(f"SELECT {fast.timestamp('$1')}", [text]).fetchone()[0]
    if got is not None:
        assert got == parse_ts(text), text


@settings(max_examples=200, deadline=None)
@given(st.text("0123456789-T:+Z. ", min_size=0, max_size=26))
def test_timestamp_fast_path_never_invents(text):
    got = CON.execute(f"SELECT {fast.timestamp('$1')}", [text]).fetchone()[0]
    if got is not None:
        assert got == parse_ts(text), text


def test_known_values():
    rows = {"2025-03-01T21:40:00+07:00": datetime(2025, 3, 1, 14, 40),
            "2025-03-01T14:40:00Z": datetime(2025, 3, 1, 14, 40),
            "2025-03-01 21:40:00": datetime(2025, 3, 1, 14, 40),
            "2025-03-01": datetime(2025, 2, 28, 17, 0),
            "2025-03-01T10:00:00-03:30": datetime(2025, 3, 1, 13, 30)}
    for text, expected in rows.items():
        assert CON.execute(f"SELECT {fast.timestamp('$1')}", [text]).fetchone()[0] == expected
        assert parse_ts(text) == expected
    assert CON.execute(f"SELECT {fast.timestamp('$1')}", ["2025-02-30T10:00:00+07:00"]).fetchone()[0] is None
