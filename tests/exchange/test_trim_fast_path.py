"""The reader's cheap trim (identifiers.sql.trimmed) answers exactly as NULLIF(trim(x), '')."""

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroscam.identifiers import sql as fast

CON = duckdb.connect()

# ASCII (controls, space, printable), every space separator DuckDB's trim() strips, other
# whitespace it keeps, Thai and a combining mark
SPACES = " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
ALPHABET = st.one_of(st.characters(min_codepoint=1, max_codepoint=127), st.sampled_from(SPACES),
                     st.sampled_from("\t\n\r\x0b\x0c\u0085\u200b\ufeffกข\u0301é"))


def both(text):
    return CON.execute(f"SELECT {fast.trimmed('$1')}, NULLIF(trim($1), '')", [text]).fetchone()


@settings(max_examples=500, deadline=None)
@given(st.text(ALPHABET, max_size=12))
def test_trimmed_agrees_with_trim(text):
    got, expected = both(text)
    assert got == expected, repr(text)


def test_known_values():
    assert both("004") == ("004", "004")
    assert both(" 004 ") == ("004", "004")
    assert both("004 ") == ("004", "004")
    assert both("004\u00a0") == ("004", "004")
    assert both("\u00a0004\u3000") == ("004", "004")
    assert both("   ") == (None, None)
    assert both("") == (None, None)
    assert both(None) == (None, None)
    assert both("\t004") == ("\t004", "\t004")  # trim() keeps tabs; so does the fast path
