"""STIX mapping: every object the platform emits passes the OASIS stix2-validator and parses with stix2."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import stix2
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2validator import ValidationOptions, validate_instance

from zeroscam.sharing import stix, tlp

NOW = datetime(2025, 3, 1, 12, 0, 0)
OPTIONS = ValidationOptions(version="2.1")


def assert_valid(obj: dict) -> None:
    result = validate_instance(obj, OPTIONS)
    assert result.is_valid, [str(e) for e in result.errors]
    stix2.parse(obj, allow_custom=True)


def _indicator(kind, value, token="ab" * 32, level=tlp.Level.GREEN, **kw):
    return stix.indicator(stix_id=stix.new_id("indicator"), kind=kind, label=stix.KIND_LABELS[kind][0],
                          token=token, value=value, created_by=stix.PLATFORM_IDENTITY_ID, created=NOW,
                          modified=NOW, valid_from=NOW, valid_until=NOW + timedelta(days=3),
                          confidence=80, reasons=["victim_reports", "mule_model"], level=level, **kw)


@pytest.mark.parametrize("level", list(tlp.Level))
def test_tlp2_markings_are_firsts_objects(level):
    md = tlp.marking_definition(level)
    assert md["id"] == level.marking_id
    assert md["extensions"][tlp.TLP2_EXTENSION_ID]["tlp_2_0"] == level.value
    assert_valid(md)


def test_common_objects_valid():
    assert_valid(stix.platform_identity())
    for ext in stix.extension_definitions():
        assert_valid(ext)
    assert_valid(stix.org_identity(stix.new_id("identity"), "Krungthai", "bank", NOW))
    assert_valid(stix.org_identity(stix.new_id("identity"), "Some app", "public", NOW))


@pytest.mark.parametrize("kind,value", [("bank_account", "014-9876543210"), ("phone", "+66812345678"),
                                        ("url", "http://dhl-th-refund.example/pay?a='x'"),
                                        ("domain", "dhl-th-refund.example")])
def test_indicator_and_observable_valid(kind, value):
    ind = _indicator(kind, value)
    assert_valid(ind)
    sco = stix.observable(kind, "ab" * 32, value, "014" if kind == "bank_account" else None)
    assert_valid(sco)
    if kind == "bank_account":
        # The account number itself never leaves the platform.
        assert "9876543210" not in str(ind) + str(sco)
        assert sco["display"] == "014-******3210"
        assert sco["extensions"][stix.BANK_ACCOUNT_EXT_ID] == {"extension_type": "new-sco"}


def test_revoked_indicator_valid():
    assert_valid(_indicator("phone", "+66812345678", revoked=True))


@pytest.mark.parametrize("outcome", ["confirmed", "false_positive"])
def test_sighting_valid(outcome):
    ind = _indicator("phone", "+66812345678")
    s = stix.sighting(stix_id=stix.new_id("sighting"), indicator_id=ind["id"], where=stix.new_id("identity"),
                      created=NOW, modified=NOW, first_seen=NOW, last_seen=NOW, count=2, outcome=outcome,
                      level=tlp.Level.AMBER)
    assert_valid(s)


def test_ring_and_relationship_valid():
    ring = stix.intrusion_set(stix_id=stix.new_id("intrusion-set"), ring_id="R1", created=NOW, modified=NOW,
                              members=3, level=tlp.Level.AMBER)
    assert_valid(ring)
    ind = _indicator("bank_account", "014-9876543210")
    rel = stix.relationship(stix_id=stix.new_id("relationship"), source=ind["id"], target=ring["id"],
                            rel="indicates", created=NOW, level=tlp.Level.AMBER)
    assert_valid(rel)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=60))
def test_any_url_text_gives_a_valid_pattern(text):
    assert_valid(_indicator("url", "http://x.example/" + text))


def test_timestamps_roundtrip():
    assert stix.parse_ts(stix.ts(NOW)) == NOW
    assert stix.ts(datetime(2025, 1, 2, 3, 4, 5, 678900)) == "2025-01-02T03:04:05.678Z"
