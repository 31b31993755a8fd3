import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroscam.identifiers import holder_id, imei, national_id, promptpay
from zeroscam.identifiers import sql as fast
from zeroscam.kit.errors import IdentifierError

CON = duckdb.connect()

twelve = st.text("0123456789", min_size=12, max_size=12)


def _valid(first12: str) -> str:
    return first12 + str(national_id.check_digit(first12))


def test_check_digit_formula_by_hand():
    # 1101700230708: sum(d[i]*(13-i)) = 1*13+1*12+0*11+1*10+7*9+0*8+0*7+2*6+3*5+0*4+7*3+0*2 = 146
    assert (11 - 146 % 11) % 10 == 8
    assert national_id.check_digit("110170023070") == 8
    assert national_id.normalize("1-1017-00230-70-8") == "1101700230708"


@settings(deadline=None)
@given(twelve, st.sampled_from(["", " ", "-"]))
def test_national_id_forms_and_idempotence(first12, sep):
    nid = _valid(first12)
    written = sep.join([nid[0], nid[1:5], nid[5:10], nid[10:12], nid[12]])
    assert national_id.normalize(written) == nid
    assert national_id.normalize(nid) == nid
    assert holder_id.normalize(written) == nid


@settings(deadline=None)
@given(twelve, st.integers(1, 9))
def test_bad_national_id_check_digit_refused(first12, shift):
    nid = _valid(first12)
    bad = nid[:12] + str((int(nid[12]) + shift) % 10)
    with pytest.raises(IdentifierError, match="check digit"):
        national_id.normalize(bad)
    with pytest.raises(IdentifierError, match="check digit"):
        holder_id.normalize(bad)


@settings(max_examples=150, deadline=None)
@given(st.one_of(twelve.map(_valid), st.text("0123456789", min_size=13, max_size=13),
                 st.builds(lambda p, b: p + b, st.sampled_from(["P:", "C:", "tok:", "p:", "c: "]),
                           st.text("0123456789abcdefABXYZ", min_size=1, max_size=24))))
def test_holder_sql_fast_path_agrees_with_python(value):
    fast_value = CON.execute(f"SELECT {fast.holder_id('$1')}", [value]).fetchone()[0]
    if fast_value is not None:
        assert holder_id.normalize(value) == fast_value


def test_holder_forms():
    assert holder_id.normalize("p: ab 123-4567") == "P:AB1234567"
    assert holder_id.normalize("C:0105561000011") == "C:0105561000011"
    assert holder_id.normalize("TOK:ABCDEF0123") == "tok:abcdef0123"
    for bad in ["X:123", "tok:xyz", "12345", "P:", "hello"]:
        with pytest.raises(IdentifierError):
            holder_id.normalize(bad)


fourteen = st.text("0123456789", min_size=14, max_size=14)


@settings(deadline=None)
@given(fourteen)
def test_imei_luhn(first14):
    good = first14 + str(imei.luhn_digit(first14))
    assert imei.normalize(f"{good[:2]}-{good[2:8]}-{good[8:14]}-{good[14]}") == good
    assert imei.normalize(good) == good
    bad = good[:14] + str((int(good[14]) + 3) % 10)
    with pytest.raises(IdentifierError, match="check digit"):
        imei.normalize(bad)


def test_imei_known_value():
    assert imei.normalize("356938035643809") == "356938035643809"
    with pytest.raises(IdentifierError):
        imei.normalize("35693803564380")


@settings(deadline=None)
@given(twelve)
def test_promptpay_kinds(first12):
    nid = _valid(first12)
    if not nid.startswith("66"):
        assert promptpay.normalize(nid) == nid
    assert promptpay.normalize("081-234-5678") == "+66812345678"
    assert promptpay.normalize("004000123456789") == "004000123456789"
    assert promptpay.kind_of("+66812345678") == "mobile"
    with pytest.raises(IdentifierError):
        promptpay.normalize("02-123-4567")  # a landline is not a PromptPay ID
