import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroscam.identifiers import bank_account, banks
from zeroscam.identifiers import sql as fast
from zeroscam.kit.errors import IdentifierError

CON = duckdb.connect()

codes = st.integers(0, 999)
digits10 = st.text("0123456789", min_size=10, max_size=10)


@settings(deadline=None)
@given(codes, digits10, st.sampled_from(["{b}-{a}", "{b} {a}", "{b}-{a3}-{a1}-{a5}-{a0}", "{b}/{a}"]),
       st.sampled_from([0, 1, 2, 3]))
def test_every_written_form_maps_to_one_key(code, acct, template, pad):
    bank = str(code).zfill(max(pad, len(str(code))))
    written = template.format(b=bank, a=acct, a3=acct[:3], a1=acct[3], a5=acct[4:9], a0=acct[9])
    canonical = f"{code:03d}-{acct}"
    assert bank_account.normalize(written) == canonical
    assert bank_account.normalize(canonical) == canonical
    assert bank_account.make(code, f"{acct[:3]}-{acct[3]}-{acct[4:9]}-{acct[9]}") == canonical


def test_bank_names_thai_and_english():
    assert bank_account.normalize("SCB 987-6-54321-0") == "014-9876543210"
    assert bank_account.normalize("กสิกร 123-4-56789-0") == "004-1234567890"
    assert bank_account.normalize("ธนาคารกรุงไทย: 555-0-00111-2") == "006-5550001112"
    assert bank_account.normalize("014-987-654321-0") == "014-9876543210"
    assert banks.name("004", "th") == "ธนาคารกสิกรไทย"
    assert banks.code_for_bic("KASITHBKXXX") == "004"
    assert banks.code_for_name("Krungsri") == "025"


@pytest.mark.parametrize("bad", ["123-4-56789-0", "1234567890", "ABC-1234567890", "014-12", "Foo Bank 1234567"])
def test_refused(bad):
    with pytest.raises(IdentifierError):
        bank_account.normalize(bad)


def test_bank_code():
    assert bank_account.bank_code("4") == "004"
    assert bank_account.bank_code(14) == "014"
    assert bank_account.bank_code("4.0") == "004"
    for bad in ["KBANK", "1234", "", "-1"]:
        with pytest.raises(IdentifierError):
            bank_account.bank_code(bad)


@settings(max_examples=150, deadline=None)
@given(st.text("0123456789 -.abc", min_size=1, max_size=24))
def test_sql_fast_paths_agree_with_python(value):
    con = CON
    got = con.execute(f"SELECT {fast.account_digits('$1')}, {fast.bank_code('$1')}", [value]).fetchone()
    if got[0] is not None:
        assert bank_account.account_digits(value) == got[0]
    if got[1] is not None:
        assert bank_account.bank_code(value) == got[1]


@settings(deadline=None, max_examples=500)
@given(codes, st.text("0123456789", min_size=10, max_size=12),
       st.sampled_from(["{b}-{a}", "{b} {a}", "{b}/{a}", "{a}", "{a3}-{a1}-{rest}", "{a3} {a3b} {rest3}"]))
def test_account_field_that_repeats_its_bank(code, acct, template):
    """The account field of a report may repeat the bank code; the key is the same either way,
    and an account number whose first digits happen to be the bank's code is left whole."""
    bank = f"{code:03d}"
    written = template.format(b=bank, a=acct, a3=acct[:3], a1=acct[3], rest=acct[4:], a3b=acct[3:6],
                              rest3=acct[6:])
    assert bank_account.from_fields(code, written) == f"{bank}-{acct}"


def test_account_field_prefix_kept_when_it_is_not_the_bank():
    # another bank's code, a short remainder (3-3-4 written digits), a bank name for another bank
    assert bank_account.from_fields("004", "006-4651249015") == "004-0064651249015"
    assert bank_account.from_fields("014", "014 234 5678") == "014-0142345678"
    assert bank_account.from_fields("014", "014-2-34567-8") == "014-0142345678"
    assert bank_account.from_fields("014", "014-234-567890") == "014-014234567890"  # 12 digits: an account
    assert bank_account.from_fields("006", "KTB 465-1-24901-5") == "006-4651249015"
    with pytest.raises(IdentifierError):
        bank_account.from_fields("004", "KTB 465-1-24901-5")
