"""Property tests: outputs written in any common form are read as the same canonical identifiers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zeroscam.evaluate.inputs import account_key, phone_key

digits10 = st.text(alphabet="0123456789", min_size=10, max_size=10)
bank = st.sampled_from(["2", "02", "002", "4", "014", "030", "73"])


@given(bank, digits10, st.sampled_from(["plain", "dashes", "spaces", "canonical"]))
def test_account_key_accepts_common_forms(b, d, form):
    written = {"plain": d, "dashes": f"{d[:3]}-{d[3]}-{d[4:9]}-{d[9:]}", "spaces": f"{d[:3]} {d[3]} {d[4:9]} {d[9]}",
               "canonical": f"{b.zfill(3)}-{d}"}[form]
    assert account_key(b, written) == f"{b.zfill(3)}-{d}"


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.sampled_from(["6", "8", "9"]),
       st.sampled_from(["local", "dashed", "e164", "spaced"]))
def test_phone_key_accepts_common_forms(rest, first, form):
    local = "0" + first + rest
    written = {"local": local, "dashed": f"{local[:3]}-{local[3:6]}-{local[6:]}", "e164": "+66" + local[1:],
               "spaced": f"{local[:3]} {local[3:6]} {local[6:]}"}[form]
    assert phone_key(written) == "+66" + local[1:]


def test_missing_values_are_none():
    assert account_key(None, "123") is None and account_key("014", float("nan")) is None
    assert phone_key(None) is None
