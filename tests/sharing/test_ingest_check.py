"""Members' bundles through TAXII change what /v1/check answers; TLP decides whether they may."""

from __future__ import annotations

from zeroscam.sharing.tlp import Level

TAXII = "application/taxii+json;version=2.1"
POST = "/taxii2/api1/collections/submissions/objects/"


def _check(client, key, items):
    r = client.post("/v1/check", headers={"Authorization": f"Bearer {key}"}, json={"items": items})
    assert r.status_code == 200, r.text
    return r.json()["results"]


def _post(client, key, objects):
    r = client.post(POST, headers={"Authorization": f"Bearer {key}", "Accept": TAXII, "Content-Type": TAXII},
                    json={"objects": objects})
    assert r.status_code == 202, r.text
    return r.json()


def test_bank_bundle_changes_check(app_client, make_org, make_indicator):
    bank, bank_key = make_org("kbank", "bank", bank_codes=("004",))
    telco, telco_key = make_org("ais", "telco", operator="AIS")
    items = [{"type": "bank_account", "value": "004-123-456789-0"}, {"type": "phone", "value": "0891234567"}]
    before = _check(app_client, bank_key, items)
    assert [r["risk"] for r in before] == ["unknown", "unknown"]

    status = _post(app_client, bank_key, [
        make_indicator("[bank-account:account_number = '004-1234567890']", Level.AMBER, confidence=90,
                       labels=["mule_account"])])
    assert status["success_count"] == 1, status
    status = _post(app_client, telco_key, [
        {"type": "phone-number", "spec_version": "2.1", "id": "phone-number--0b0f3e2e-4b6f-5a8c-9d5e-1f2a3b4c5d6e",
         "value": "+66891234567", "object_marking_refs": [Level.GREEN.marking_id]}])
    assert status["success_count"] == 1, status

    after = _check(app_client, bank_key, items)
    assert after[0]["risk"] == "high" and "member_confirmed_mule" in after[0]["reasons"]
    assert after[1]["risk"] in ("high", "medium") and after[1]["reasons"]


def test_red_and_strict_intelligence_does_not_reach_check(app_client, make_org, make_indicator):
    bank, key = make_org("scb", "bank", bank_codes=("014",))
    police, _ = make_org("ccib", "police")
    _post(app_client, key, [
        make_indicator("[bank-account:account_number = '014-5550000001']", Level.RED,
                       x_zeroscam_recipients=["ccib"]),
        make_indicator("[bank-account:account_number = '014-5550000002']", Level.AMBER_STRICT)])
    res = _check(app_client, key, [{"type": "bank_account", "value": "014-5550000001"},
                                   {"type": "bank_account", "value": "014-5550000002"}])
    assert [r["risk"] for r in res] == ["unknown", "unknown"]


def test_false_positive_sighting_lowers_check(app_client, make_org, make_indicator, account_token):
    bank, key = make_org("bbl", "bank", bank_codes=("002",))
    other, other_key = make_org("ktb", "bank", bank_codes=("006",))
    _post(app_client, key, [make_indicator("[bank-account:account_number = '002-9990000001']", Level.GREEN,
                                           confidence=85)])
    item = [{"type": "bank_account", "value": "002-9990000001"}]
    high = _check(app_client, key, item)[0]
    assert high["risk"] == "high"
    tok = account_token("002-9990000001")
    objs = app_client.get("/taxii2/api1/collections/community/objects/",
                          headers={"Authorization": f"Bearer {other_key}", "Accept": TAXII},
                          params={"match[type]": "indicator"}).json()["objects"]
    target = next(o for o in objs if tok in o["pattern"])
    from zeroscam.sharing import stix

    fp = {"type": "sighting", "spec_version": "2.1", "id": stix.new_id("sighting"), "created": target["created"],
          "modified": target["created"], "sighting_of_ref": target["id"],
          "extensions": {stix.SIGHTING_OUTCOME_EXT_ID: {"extension_type": "property-extension",
                                                        "outcome": "false_positive"}}}
    assert _post(app_client, other_key, [fp])["success_count"] == 1
    lowered = _check(app_client, key, item)[0]
    assert lowered["score"] < high["score"]
    # The indicator's confidence dropped and the false positive is visible as a sighting.
    objs = app_client.get("/taxii2/api1/collections/community/objects/",
                          headers={"Authorization": f"Bearer {other_key}", "Accept": TAXII}).json()["objects"]
    ind = next(o for o in objs if o["id"] == target["id"])
    assert ind["confidence"] < target["confidence"]
    sightings = [o for o in objs if o["type"] == "sighting" and o["sighting_of_ref"] == target["id"]]
    assert sightings and sightings[0]["extensions"][stix.SIGHTING_OUTCOME_EXT_ID]["outcome"] == "false_positive"


def test_bad_objects_fail_alone(app_client, make_org, make_indicator):
    bank, key = make_org("ttb", "bank", bank_codes=("011",))
    status = _post(app_client, key, [
        make_indicator("[bank-account:account_number = 'not a number']", Level.GREEN),
        make_indicator("[file:hashes.MD5 = 'abc']", Level.GREEN),
        make_indicator("[phone-number:value = '0812223333']", Level.GREEN, confidence=500),
        "not an object",
        make_indicator("[phone-number:value = '0812223333'] OR [url:value = 'http://x.example/a']", Level.GREEN),
    ])
    assert status["failure_count"] == 4 and status["success_count"] == 1
    assert all(f["message"] for f in status["failures"])


def test_member_withdraws_its_word(app_client, make_org, make_indicator):
    bank, key = make_org("gsb", "bank", bank_codes=("030",))
    item = [{"type": "bank_account", "value": "030-1212121212"}]
    ind = make_indicator("[bank-account:account_number = '030-1212121212']", Level.GREEN, confidence=90)
    _post(app_client, key, [ind])
    assert _check(app_client, key, item)[0]["risk"] == "high"
    status = _post(app_client, key, [dict(ind, revoked=True)])
    assert status["success_count"] == 1, status
    assert _check(app_client, key, item)[0]["risk"] in ("low", "unknown")
    objs = app_client.get("/taxii2/api1/collections/community/objects/",
                          headers={"Authorization": f"Bearer {key}", "Accept": TAXII},
                          params={"match[type]": "indicator"}).json()["objects"]
    assert [o.get("revoked") for o in objs] == [True]
    # Withdrawing what one never shared is refused.
    other = make_indicator("[bank-account:account_number = '030-9999999999']", Level.GREEN, revoked=True)
    assert _post(app_client, key, [other])["failure_count"] == 1
