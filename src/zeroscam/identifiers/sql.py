"""Fast SQL-side normalisation (DuckDB dialect) for the common written forms.

Each function takes a SQL expression (a VARCHAR, already trimmed, NULL for empty)
and returns an expression that is the canonical value, or NULL when the fast path
cannot settle it. The reader then normalises the DISTINCT unsettled values once
in Python (the same module's `normalize`) and joins the answers back, so Python
never sees one object per row. Wherever the fast path answers, its answer equals
the Python normaliser's (a property test checks this).
"""

from __future__ import annotations

def trimmed(x: str) -> str:
    """`NULLIF(trim(x), '')`, with trim() called only where it could change something.

    DuckDB's trim() strips Unicode space separators (' ', U+00A0, U+2000-U+200A, U+3000, …)
    and costs a string copy per value; a value of ASCII characters only (as many bytes as
    characters) that neither starts with a space or control character nor ends with a space
    is already trimmed and not empty, so it is kept as is.
    """
    return (f"(CASE WHEN ord({x}) > 32 AND strlen({x}) = length({x}) AND NOT ends_with({x}, ' ') THEN {x} "
            f"ELSE NULLIF(trim({x}), '') END)")


# Thai national numbers: mobile 0[689]+8 digits, fixed 0[2-7]+7 digits, written
# with 0, 66 or +66 in front; plus the NBTC +697/+698 markers.
_PHONE_TH = r"^(?:0|\+?66)([689][0-9]{8}|[2-7][0-9]{7})$"


def phone(x: str) -> str:
    s = f"translate({x}, ' ()-', '')"
    th = f"regexp_extract({s}, '{_PHONE_TH}', 1)"
    return (f"(CASE WHEN regexp_full_match({x}, '\\+66(?:[689][0-9]{{8}}|[2-7][0-9]{{7}})') THEN {x} "
            f"WHEN {th} <> '' THEN '+66' || {th} "
            f"WHEN regexp_full_match({s}, '\\+69[78][0-9]{{6,12}}') THEN {s} END)")


def bank_code(x: str) -> str:
    # three ASCII digits is already the canonical code: GLOB is cheaper than the regex + lpad
    return (f"(CASE WHEN {x} GLOB '[0-9][0-9][0-9]' THEN {x} "
            f"WHEN regexp_full_match({x}, '[0-9]{{1,3}}') THEN lpad({x}, 3, '0') END)")


def account_digits(x: str) -> str:
    s = f"translate({x}, ' .-', '')"
    return (f"(CASE WHEN regexp_full_match({x}, '[0-9]{{6,20}}') THEN {x} "
            f"WHEN regexp_full_match({s}, '[0-9]{{6,20}}') THEN {s} END)")


def national_id_valid(x: str) -> str:
    """A boolean: `x` is 13 ASCII digits with a correct check digit."""
    terms = " + ".join(f"CAST(substr({x}, {i + 1}, 1) AS INTEGER) * {13 - i}" for i in range(12))
    return (f"(regexp_full_match({x}, '[0-9]{{13}}') AND "
            f"(11 - (({terms}) % 11)) % 10 = CAST(substr({x}, 13, 1) AS INTEGER))")


def holder_id(x: str) -> str:
    return (f"(CASE WHEN length({x}) = 13 AND {national_id_valid(x)} THEN {x} "
            f"WHEN regexp_full_match({x}, 'tok:[0-9a-f]{{8,128}}') THEN {x} "
            f"WHEN regexp_full_match({x}, '[PC]:[A-Z0-9]{{5,20}}') THEN {x} END)")


_TS_RE = (r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)"
          r"(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$")


def timestamp(x: str) -> str:
    """ISO 8601 date or timestamp → naive UTC TIMESTAMP; no offset means Bangkok (+07:00).

    The usual fixed-width shapes are told apart with LIKE (cheap); anything else
    goes through one regular expression.
    """
    head = f"TRY_CAST(substr({x}, 1, 19) AS TIMESTAMP)"
    offset = (f"(CASE WHEN substr({x}, 20, 1) = '-' THEN -1 ELSE 1 END) * "
              f"(TRY_CAST(substr({x}, 21, 2) AS INTEGER) * 60 + TRY_CAST(substr({x}, 24, 2) AS INTEGER))")
    return (f"(CASE WHEN {x} LIKE '____-__-__T__:__:__+07:00' THEN {head} - INTERVAL 7 HOUR "
            f"WHEN length({x}) = 25 AND ({x} LIKE '____-__-__T__:__:__+__:__' OR {x} LIKE '____-__-__T__:__:__-__:__' "
            f"OR {x} LIKE '____-__-__ __:__:__+__:__' OR {x} LIKE '____-__-__ __:__:__-__:__') "
            f"THEN {head} - to_minutes({offset}) "
            f"WHEN length({x}) = 20 AND ({x} LIKE '____-__-__T__:__:__Z' OR {x} LIKE '____-__-__ __:__:__Z') THEN {head} "
            f"WHEN length({x}) = 19 AND ({x} LIKE '____-__-__T__:__:__' OR {x} LIKE '____-__-__ __:__:__') "
            f"THEN {head} - INTERVAL 7 HOUR "
            f"WHEN length({x}) = 10 AND {x} LIKE '____-__-__' THEN TRY_CAST({x} AS TIMESTAMP) - INTERVAL 7 HOUR "
            f"ELSE {_timestamp_general(x)} END)")


def _timestamp_general(x: str) -> str:
    parts = f"regexp_extract({x}, '{_TS_RE}', ['d', 't', 'o'])"
    d, t, o = f"{parts}.d", f"{parts}.t", f"{parts}.o"
    offset_min = (f"(CASE WHEN {o} = '' THEN 420 WHEN {o} = 'Z' THEN 0 ELSE "
                  f"(CASE WHEN substr({o}, 1, 1) = '-' THEN -1 ELSE 1 END) * "
                  f"(CAST(substr({o}, 2, 2) AS INTEGER) * 60 + "
                  f"COALESCE(TRY_CAST(substr(replace({o}, ':', ''), 4, 2) AS INTEGER), 0)) END)")
    local = f"TRY_CAST({d} || ' ' || (CASE WHEN {t} = '' THEN '00:00:00' ELSE {t} END) AS TIMESTAMP)"
    return f"(CASE WHEN {d} <> '' THEN {local} - to_minutes({offset_min}) END)"
