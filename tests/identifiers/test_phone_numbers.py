import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroscam.identifiers import phone
from zeroscam.identifiers import sql as fast
from zeroscam.kit.errors import IdentifierError

CON = duckdb.connect()

mobile_nsn = st.builds(lambda p, rest: p + rest, st.sampled_from("689"),
                       st.text("0123456789", min_size=8, max_size=8))
fixed_nsn = st.builds(lambda p, rest: p + rest, st.sampled_from("234567"),
                      st.text("0123456789", min_size=7, max_size=7))


def _written_forms(nsn: str, draw_sep, prefix: str) -> str:
    digits = {"0": "0" + nsn, "66": "66" + nsn, "+66": "+66" + nsn, "+66 (0)": "+66 (0)" + nsn}[prefix]
    # insert separators at random positions after the first character
    out = digits[0]
    for i, ch in enumerate(digits[1:]):
        out += draw_sep(i) + ch
    return out


@settings(deadline=None)
@given(nsn=st.one_of(mobile_nsn, fixed_nsn),
       prefix=st.sampled_from(["0", "66", "+66", "+66 (0)"]),
       seps=st.lists(st.sampled_from(["", "", "", " ", "-", "."]), min_size=14, max_size=14))
def test_every_written_form_maps_to_one_e164(nsn, prefix, seps):
    written = _written_forms(nsn, lambda i: seps[i % len(seps)], prefix)
    assert phone.normalize(written) == "+66" + nsn


@settings(deadline=None)
@given(st.one_of(mobile_nsn, fixed_nsn))
def test_canonical_is_idempotent(nsn):
    canonical = phone.normalize("0" + nsn)
    assert phone.normalize(canonical) == canonical


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.builds(lambda n, p: p + n, st.one_of(mobile_nsn, fixed_nsn), st.sampled_from(["0", "66", "+66", "0-", "(0)"])),
    st.text("0123456789+-() ", min_size=1, max_size=16),
    st.builds(lambda m, rest: m + rest, st.sampled_from(["+697", "+698", "00697"]),
              st.text("0123456789", min_size=4, max_size=14))))
def test_sql_fast_path_agrees_with_python(value):
    con = CON
    fast_value = con.execute(f"SELECT {fast.phone('$1')}", [value]).fetchone()[0]
    if fast_value is not None:
        assert phone.normalize(value) == fast_value


def test_common_forms():
    for form in ["0812345678", "081-234-5678", "+66 81 234 5678", "66812345678", "(081) 234 5678",
                 "+66 (0) 81 234 5678", "๐๘๑๒๓๔๕๖๗๘", "０８１２３４５６７８"]:
        assert phone.normalize(form) == "+66812345678", form
    assert phone.normalize("02-123-4567") == "+6621234567"
    assert phone.normalize("02-123-4567 ต่อ 12") == "+6621234567"
    assert phone.normalize("+1 (202) 555-0100") == "+12025550100"
    assert phone.normalize("001 1 202 555 0100") == "+12025550100"
    assert phone.normalize("0066 81 234 5678") == "+66812345678"
    assert phone.normalize("tel:+66812345678") == "+66812345678"


def test_nbtc_prefixes_kept_and_classified():
    assert phone.normalize("+697 123 456 789") == "+697123456789"
    assert phone.normalize("00698-812-345-678") == "+698812345678"
    assert phone.classify("+697123456789") == "foreign_voip"
    assert phone.classify("+698812345678") == "thai_roaming"
    assert phone.classify("+66812345678") == "thai_mobile"
    assert phone.classify("+6621234567") == "thai_fixed"
    assert phone.classify("+85512345678") == "foreign"


@pytest.mark.parametrize("bad", ["", "   ", "abc", "0812345", "081234567890123", "1-800-FLOWERS",
                                 "+66812345678999", "0812345678 1000", None, 3.5])
def test_refused(bad):
    with pytest.raises(IdentifierError):
        phone.normalize(bad)


@settings(deadline=None)
@given(st.one_of(mobile_nsn, fixed_nsn), st.sampled_from(["0", "66", "+66"]))
def test_python_shortcut_agrees_with_libphonenumber(nsn, prefix):
    compact = prefix + nsn
    assert phone.normalize(compact) == phone._parse(compact, compact) == "+66" + nsn
