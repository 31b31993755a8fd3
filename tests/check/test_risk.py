"""Signals → risk entries: reports, victims, models, holder links, clearances, decay, domains."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from zeroscam.check import service
from zeroscam.check.models import RiskEntry

T0 = datetime(2025, 3, 2, 2, 0)
KEY = b"k" * 32
ACC = ("bank_account", "014-9876543210")


def entry(session, kind, value):
    return session.get(RiskEntry, (kind, value))


def report(session, value, ref, victim, kind="bank_account", at=T0, score=0.7):
    return service.add_signal(session, kind, value, "report", score, "victim_reports", at, ref=ref,
                              victim_token=victim)


def test_one_report_is_medium_two_victims_high(session):
    report(session, ACC[1], "R-1", "v1")
    service.refresh_risk(session, [ACC])
    e = entry(session, *ACC)
    assert e.risk == "medium" and e.reports == 1 and e.victims == 1
    assert e.reasons == ["victim_reports"] and e.last_reported_at == T0
    report(session, ACC[1], "R-2", "v2", at=T0 + timedelta(hours=1))
    service.refresh_risk(session, [ACC])
    session.expire_all()
    e = entry(session, *ACC)
    assert e.risk == "high" and e.reports == 2 and e.victims == 2
    assert e.last_reported_at == T0 + timedelta(hours=1)


def test_same_victim_counts_once(session):
    report(session, ACC[1], "R-1", "v1")
    report(session, ACC[1], "R-2", "v1")
    service.refresh_risk(session, [ACC])
    e = entry(session, *ACC)
    assert e.reports == 2 and e.victims == 1 and e.risk == "medium"


def test_signal_replaced_not_duplicated(session):
    for score in (0.2, 0.9):
        service.add_signal(session, "bank_account", ACC[1], "mule_model", score, "mule_model", T0, ref="mules")
    service.refresh_risk(session, [ACC])
    e = entry(session, *ACC)
    assert e.risk == "high" and e.score == 0.9 and e.reasons == ["mule_model"]


def test_holder_link_lifts_siblings(session):
    service.set_holder_links(session, [("bank_account", "014-1111111111", "h1"),
                                       ("bank_account", "006-2222222222", "h1"),
                                       ("phone", "+66651112233", "h1"),
                                       ("bank_account", "002-3333333333", "h2")])
    service.add_signal(session, "bank_account", "014-1111111111", "mule_model", 0.95, "mule_model", T0, ref="m")
    service.refresh_risk(session, [("bank_account", "014-1111111111")])
    sib = entry(session, "bank_account", "006-2222222222")
    phone = entry(session, "phone", "+66651112233")
    other = entry(session, "bank_account", "002-3333333333")
    assert sib.risk in ("medium", "high") and "holder_link" in sib.reasons
    assert phone.risk in ("medium", "high") and "holder_link" in phone.reasons
    assert other is None  # another holder: untouched by a partial refresh
    assert entry(session, "holder", "h1").score >= 0.95


def test_clearance_lowers(session):
    service.add_signal(session, "phone", "+66812345678", "report", 0.7, "victim_reports", T0, ref="R-1")
    service.add_signal(session, "phone", "+66812345678", "member_clearance", 0.9, "member_clearance", T0, org_id=None)
    service.refresh_risk(session, [("phone", "+66812345678")])
    e = entry(session, "phone", "+66812345678")
    assert e.risk == "low" and "member_clearance" in e.reasons


def test_expired_and_decayed(session):
    service.add_signal(session, "phone", "+66811111111", "indicator", 0.9, "indicator", T0 - timedelta(days=10),
                       expires_at=T0 - timedelta(days=1), ref="ind-1")
    report(session, "+66822222222", "R-old", "v1", kind="phone", at=T0 - timedelta(days=360), score=0.9)
    report(session, "+66833333333", "R-new", "v2", kind="phone", at=T0, score=0.9)
    service.refresh_risk(session)
    assert entry(session, "phone", "+66811111111") is None or entry(session, "phone", "+66811111111").score == 0
    old, new = entry(session, "phone", "+66822222222"), entry(session, "phone", "+66833333333")
    assert new.score == 0.9 and old.score < 0.3


def test_reported_url_lifts_its_domain(session):
    url = "http://pay.dhl-th-refund.example/pay"
    service.add_signal(session, "url", url, "report", 0.9, "victim_reports", T0, ref="R-1")
    service.refresh_risk(session, [("url", url)])
    d = entry(session, "domain", "dhl-th-refund.example")
    assert d is not None and "domain_reports" in d.reasons
    assert 0 < d.score < entry(session, "url", url).score


def test_partial_refreshes_equal_full_refresh(session):
    import random

    rng = random.Random(3)
    links = [("bank_account", f"014-{i:010d}", f"h{i % 7}") for i in range(40)]
    links += [("phone", f"+6681{i:07d}", f"h{i % 9}") for i in range(30)]
    service.set_holder_links(session, links)
    touched = []
    for n in range(60):
        kind, value, _ = rng.choice(links)
        src = rng.choice(["report", "mule_model", "sim_model", "member_confirmation", "member_clearance"])
        service.add_signal(session, kind, value, src, round(rng.random(), 3), src, T0 - timedelta(days=rng.randint(0, 50)),
                           ref=f"r{n}", victim_token=f"v{rng.randint(0, 5)}")
        touched.append((kind, value))
        service.refresh_risk(session, [(kind, value)])
    partial = {(e.kind, e.value): (e.score, e.risk, e.reports) for e in session.scalars(select(RiskEntry))}
    service.refresh_risk(session)
    full = {(e.kind, e.value): (e.score, e.risk, e.reports) for e in session.scalars(select(RiskEntry))}
    # The reference time moves as newer signals arrive, so compare what the last partial saw.
    service.refresh_risk(session, touched + [k[:2] for k in links])
    again = {(e.kind, e.value): (e.score, e.risk, e.reports) for e in session.scalars(select(RiskEntry))}
    assert again == full
    assert set(partial) <= set(full) | {k for k in partial if k[0] == "holder"}


def test_version_bumps(session):
    v0 = service.current_version(session)
    service.refresh_risk(session, [ACC])
    assert service.current_version(session) == v0 + 1


def test_shared_platform_domain_is_not_lifted(session):
    url = "https://www.facebook.com/cheap-iphone-shop-99"
    service.add_signal(session, "url", url, "report", 0.9, "victim_reports", T0, ref="R-1")
    service.refresh_risk(session, [("url", url)])
    assert entry(session, "url", url).risk == "high"
    assert entry(session, "domain", "facebook.com") is None
