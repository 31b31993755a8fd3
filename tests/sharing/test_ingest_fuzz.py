"""Ingest never fails as a whole on odd objects, and pattern parsing is total (DataError or a result)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zeroscam.kit.errors import DataError
from zeroscam.sharing.service import parse_pattern

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=3), max_leaves=8)
KEYS = ["type", "id", "spec_version", "pattern", "pattern_type", "valid_from", "confidence", "labels",
        "object_marking_refs", "x_zeroscam_recipients", "sighting_of_ref", "count", "last_seen", "value",
        "account_number", "account_token", "extensions", "modified"]
objects = st.one_of(json_values, st.fixed_dictionaries({}, optional={k: json_values for k in KEYS}),
                    st.fixed_dictionaries({"type": st.sampled_from(["indicator", "sighting", "bank-account",
                                                                    "phone-number", "identity"]),
                                           "id": st.text(max_size=40)},
                                          optional={k: json_values for k in KEYS[2:]}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(objects, max_size=4))
def test_ingest_takes_anything_without_crashing(session, make_org_once, batch):
    from zeroscam.sharing.service import ingest_envelope

    out = ingest_envelope(session, make_org_once, batch, alliance_key=b"k" * 32)
    assert len(out.successes) + len(out.failures) == len(batch)
    session.rollback()


@given(st.text(max_size=80))
def test_parse_pattern_is_total(text):
    try:
        parse_pattern(text)
    except DataError:
        pass


def test_parse_pattern_examples():
    assert parse_pattern("[phone-number:value = '+66812345678']") == [("phone", "value", "+66812345678")]
    assert parse_pattern("[url:value = 'http://a.example/it\\'s'] OR [domain-name:value = 'a.example']") == [
        ("url", "value", "http://a.example/it's"), ("domain", "value", "a.example")]
    assert parse_pattern("[bank-account:account_number = '014-1' OR bank-account:account_number = '014-2']") == [
        ("bank_account", "account_number", "014-1"), ("bank_account", "account_number", "014-2")]
