"""A small alliance with intelligence at every TLP level, for the sharing tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from zeroscam.sharing.tlp import Level

ALLIANCE_KEY = b"test-alliance-secret-0123456789abcdef"  # tests/conftest.py TEST_ALLIANCE_SECRET


@dataclass
class World:
    orgs: dict = field(default_factory=dict)     # name -> Org
    keys: dict = field(default_factory=dict)     # name -> API key
    # level -> (pattern fragment that identifies the indicator, producer name)
    marked: dict = field(default_factory=dict)


def indicator_obj(pattern: str, level: Level | None, **extra) -> dict:
    from zeroscam.sharing import stix
    from zeroscam.kit.timeutil import utcnow

    now = utcnow()
    obj = {"type": "indicator", "spec_version": "2.1", "id": stix.new_id("indicator"),
           "created": stix.ts(now), "modified": stix.ts(now), "name": "confirmed", "description": "test",
           "indicator_types": ["malicious-activity"], "pattern": pattern, "pattern_type": "stix",
           "valid_from": stix.ts(now - timedelta(minutes=5))}
    if level is not None:
        obj["object_marking_refs"] = [level.marking_id]
    obj.update(extra)
    return obj


@pytest.fixture
def make_indicator():
    """`make_indicator(pattern, level, **extra)` → a member's STIX indicator dict."""
    return indicator_obj


@pytest.fixture
def account_token():
    """`account_token(number)` → the keyed token the feeds carry for a bank account."""
    from zeroscam.indicators.service import normalize, token

    return lambda number: token("bank_account", normalize("bank_account", number), ALLIANCE_KEY)


@pytest.fixture
def world(db_url, make_org) -> World:
    """Orgs of every type; member intelligence at each TLP level; platform indicators from reports."""
    from zeroscam.check import service as check
    from zeroscam.kit.db import session_factory
    from zeroscam.kit.timeutil import utcnow
    from zeroscam.members.models import Org
    from zeroscam.sharing import service

    w = World()
    for name, kind, codes in [("bank-a", "bank", ("014",)), ("bank-b", "bank", ("004",)), ("telco-x", "telco", ()),
                              ("police-x", "police", ()), ("regulator-x", "regulator", ()),
                              ("platform-x", "platform", ()), ("public-x", "public", ())]:
        org, key = make_org(name, kind, bank_codes=codes)
        w.orgs[name], w.keys[name] = org, key
    w.marked = {
        Level.CLEAR: ("http://clear-scam.example/pay", "bank-a"),
        Level.GREEN: ("+66811111111", "bank-a"),
        Level.AMBER: ("account_number = '014-1111111111'", "bank-a"),
        Level.AMBER_STRICT: ("account_number = '014-2222222222'", "bank-a"),
        Level.RED: ("account_number = '014-3333333333'", "bank-a"),
    }
    with session_factory(db_url)() as s:
        bank_a = s.get(Org, w.orgs["bank-a"].id)
        objs = [
            indicator_obj("[url:value = 'http://clear-scam.example/pay']", Level.CLEAR),
            indicator_obj("[phone-number:value = '0811111111']", Level.GREEN),
            indicator_obj("[bank-account:account_number = '014-111-111111-1']", Level.AMBER),
            indicator_obj("[bank-account:account_number = '014-2222222222']", Level.AMBER_STRICT),
            indicator_obj("[bank-account:account_number = '014-3333333333']", Level.RED,
                          x_zeroscam_recipients=["police-x"]),
        ]
        out = service.ingest_envelope(s, bank_a, objs, alliance_key=ALLIANCE_KEY)
        assert not out.failures, out.failures
        now = utcnow()
        # The platform's own evidence: victim reports on two accounts and one number.
        for i, (kind, value) in enumerate([("bank_account", "004-5555555555"), ("bank_account", "004-5555555556"),
                                           ("phone", "+66899999999")]):
            for victim in range(3):
                check.add_signal(s, kind, value, "report", 0.7, "victim_reports", now - timedelta(hours=1),
                                 ref=f"R{i}-{victim}", victim_token=f"v{i}-{victim}")
        check.refresh_risk(s)
        service.refresh_from_risk(s, now, alliance_key=ALLIANCE_KEY,
                                  rings={("bank_account", "004-5555555555"): "R1",
                                         ("bank_account", "004-5555555556"): "R1"})
        service.publish_all(s, now)
        s.commit()
    return w


@pytest.fixture
def make_org_once(session, make_org):
    """One bank org, loaded on the test's session."""
    from zeroscam.members.models import Org

    org, _ = make_org("fuzz-bank", "bank", bank_codes=("014",))
    return session.get(Org, org.id)


@pytest.fixture
def three_orgs(make_org):
    """Ids of three orgs (their types do not matter to the rule; the reader's type is given apart)."""
    return [make_org(f"org-{i}", "bank", bank_codes=(f"0{i}9",))[0].id for i in range(3)]
