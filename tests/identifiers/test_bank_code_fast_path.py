"""The bank-code fast path's shortcut for an already canonical code (three ASCII digits,
kept as is) answers exactly as the full regular-expression path and the Python parser."""

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroscam.identifiers import bank_account
from zeroscam.identifiers import sql as fast
from zeroscam.kit.errors import IdentifierError

CON = duckdb.connect()
FULL = "(CASE WHEN regexp_full_match($1, '[0-9]{1,3}') THEN lpad($1, 3, '0') END)"
# ASCII digits, other digits (Thai, Arabic-Indic, full-width), signs, spaces, letters
TEXT = st.text(st.sampled_from("0123456789๑๒٣４ -.+aZ*?[]"), max_size=5)


def python_or_none(value):
    try:
        return bank_account.bank_code(value)
    except IdentifierError:
        return None


@settings(max_examples=500, deadline=None)
@given(st.one_of(TEXT, st.from_regex(r"\A[0-9]{1,4}\Z")))
def test_shortcut_agrees_with_full_path(value):
    got, full = CON.execute(f"SELECT {fast.bank_code('$1')}, {FULL}", [value]).fetchone()
    assert got == full, repr(value)
    if got is not None:
        assert got == python_or_none(value)


def test_known_values():
    for value, expected in [("004", "004"), ("4", "004"), ("14", "014"), ("0004", None), ("๐๐๔", None),
                            ("00a", None), ("", None)]:
        assert CON.execute(f"SELECT {fast.bank_code('$1')}", [value]).fetchone()[0] == expected, value
