"""Expired indicators leave the TAXII feeds (lifetimes per kind)."""

from __future__ import annotations

from datetime import timedelta

from zeroscam.sharing import stix


def test_expired_indicators_leave_the_feeds(app_client, make_org, make_indicator):
    from zeroscam.kit.timeutil import utcnow
    from zeroscam.sharing.tlp import Level

    bank, key = make_org("bank-e", "bank", bank_codes=("014",))
    old = stix.ts(utcnow() - timedelta(days=30))
    h = {"Authorization": f"Bearer {key}", "Content-Type": "application/taxii+json;version=2.1"}
    r = app_client.post("/taxii2/api1/collections/submissions/objects/", headers=h, json={"objects": [
        make_indicator("[phone-number:value = '0811112222']", Level.GREEN, valid_from=old),      # 10-day life
        make_indicator("[url:value = 'http://old.example/x']", Level.GREEN, valid_from=old),      # 2-day life
        make_indicator("[bank-account:account_number = '014-1112223334']", Level.GREEN, valid_from=old),
        make_indicator("[phone-number:value = '0811113333']", Level.GREEN)]})                   # fresh
    assert r.json()["success_count"] == 4
    objs = app_client.get("/taxii2/api1/collections/community/objects/", headers=h,
                          params={"match[type]": "indicator"}).json()["objects"]
    patterns = " ".join(o["pattern"] for o in objs)
    assert "+66811113333" in patterns and "bank-account" in patterns
    assert "+66811112222" not in patterns and "old.example" not in patterns
