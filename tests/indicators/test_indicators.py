"""Indicator store: decay, merge, sightings and false positives, labels for detectors, expiry from feeds."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeroscam.indicators import decay
from zeroscam.indicators import service as ind
from zeroscam.sharing import stix

KEY = b"k" * 32
T0 = datetime(2025, 3, 1, 12, 0)


def obs(kind="bank_account", value="014-9876543210", conf=80, at=T0, **kw):
    canonical = ind.normalize(kind, value)
    return ind.Observation(kind=kind, token=ind.token(kind, canonical, KEY), value=canonical,
                           label=stix.KIND_LABELS[kind][0], confidence=conf, reasons=kw.pop("reasons", ["r1"]),
                           observed_at=at, tlp=kw.pop("tlp", "green"), **kw)


def test_lifetimes_order_and_linear_decay():
    assert decay.lifetime("url") < decay.lifetime("phone") < decay.lifetime("bank_account")
    life = decay.lifetime("phone")
    assert decay.decayed(80, "phone", T0, T0) == 80
    assert decay.decayed(80, "phone", T0, T0 + life / 2) == 40
    assert decay.decayed(80, "phone", T0, T0 + life) == 0
    assert decay.decayed(80, "phone", T0, T0 - timedelta(days=1)) == 80  # never above base


@given(st.integers(0, 100), st.integers(0, 400 * 24))
def test_decay_is_monotone_and_bounded(base, hours):
    a = decay.decayed(base, "bank_account", T0, T0 + timedelta(hours=hours))
    b = decay.decayed(base, "bank_account", T0, T0 + timedelta(hours=hours + 1))
    assert 0 <= b <= a <= base


def test_normalize_domain_and_refuse_others():
    assert ind.normalize("domain", "Dhl-Refund.EXAMPLE.") == "dhl-refund.example"
    from zeroscam.kit.errors import IdentifierError

    with pytest.raises(IdentifierError):
        ind.normalize("national_id", "1234567890123")
    with pytest.raises(IdentifierError):
        ind.normalize("domain", "localhost")


def test_upsert_merges_per_producer(session, make_org):
    org, _ = make_org("bank-m", "bank", bank_codes=("014",))
    a, changed = ind.upsert(session, obs(reasons=["victim_reports"]), None, T0, stix.new_id)
    assert changed
    b, changed = ind.upsert(session, obs(conf=60, at=T0 + timedelta(days=1), reasons=["mule_model"]), None,
                            T0 + timedelta(days=1), stix.new_id)
    assert b.id == a.id and b.reasons == ["mule_model", "victim_reports"]
    assert b.confidence == max(60, decay.decayed(80, "bank_account", T0, T0 + timedelta(days=1)))
    assert b.valid_until == T0 + timedelta(days=1) + decay.lifetime("bank_account")
    _, changed = ind.upsert(session, obs(conf=10, at=T0, reasons=["mule_model"]), None, T0, stix.new_id)
    assert not changed  # older, weaker word changes nothing
    mine, _ = ind.upsert(session, obs(confirmed=True), org.id, T0, stix.new_id)
    assert mine.id != a.id and mine.producer == f"org:{org.id}"


def test_sightings_move_confidence_and_false_positives_revoke(session, make_org):
    o1, _ = make_org("b1", "bank", bank_codes=("002",))
    o2, _ = make_org("b2", "bank", bank_codes=("004",))
    o3, _ = make_org("b3", "bank", bank_codes=("006",))
    i, _ = ind.upsert(session, obs(conf=60), None, T0, stix.new_id)
    ind.record_sighting(session, i, o1.id, "confirmed", T0, T0, stix.new_id)
    assert i.confidence == 70 and i.sightings == 1
    ind.record_sighting(session, i, o1.id, "confirmed", T0 + timedelta(days=2), T0 + timedelta(days=2),
                        stix.new_id)
    assert i.sightings == 2 and i.last_seen == T0 + timedelta(days=2)  # renewed, not boosted twice
    assert i.confidence <= 70
    ind.record_sighting(session, i, o2.id, "false_positive", T0, T0 + timedelta(days=2), stix.new_id)
    assert i.confidence < 70 and not i.revoked
    ind.record_sighting(session, i, o3.id, "false_positive", T0, T0 + timedelta(days=2), stix.new_id)
    assert i.revoked


def test_confirmed_labels_for_detectors(session, make_org):
    org, _ = make_org("telco-l", "telco")
    ind.upsert(session, obs("phone", "0812345678", confirmed=True), org.id, T0, stix.new_id)
    ind.upsert(session, obs("phone", "0812345679", at=T0 - timedelta(days=30), confirmed=True), org.id, T0,
               stix.new_id)  # expired
    ind.upsert(session, obs("bank_account", "014-1234567890"), None, T0, stix.new_id)  # platform, not confirmed
    assert ind.confirmed_labels(session, T0 + timedelta(hours=1)) == [
        ("phone", "+66812345678", "scam_number", f"org:{org.id}")]
