import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zeroscam.identifiers as ids
from zeroscam.kit.errors import IdentifierError

KEY = b"k" * 32


def test_kinds_dispatch():
    assert set(ids.CONTACT_TYPES) <= set(ids.KINDS)
    assert ids.normalize("phone", "081-234-5678") == "+66812345678"
    with pytest.raises(IdentifierError):
        ids.normalize("nonsense", "x")
    assert ids.try_normalize("phone", "nope") is None


@settings(deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_token_stable_and_distinct_per_kind(canonical):
    t1 = ids.token("phone", canonical, KEY)
    assert t1 == ids.token("phone", canonical, KEY)
    assert len(t1) == 64
    assert t1 != ids.token("promptpay", canonical, KEY)
    assert t1 != ids.token("phone", canonical, b"other-key")


def test_token_known_vector():
    import hashlib
    import hmac

    assert ids.token("phone", "+66812345678", KEY) == hmac.new(
        KEY, b"phone\x00+66812345678", hashlib.sha256).hexdigest()


@settings(deadline=None)
@given(st.sampled_from(ids.KINDS), st.text(max_size=40))
def test_normalise_is_idempotent_where_it_succeeds(kind, value):
    canonical = ids.try_normalize(kind, value)
    if canonical is not None:
        assert ids.normalize(kind, canonical) == canonical
