"""POST /v1/check as contracts/CLI.md describes it."""

from __future__ import annotations

from datetime import datetime

import pytest

from zeroscam.check import service
from zeroscam.kit.db import session_factory

T0 = datetime(2025, 3, 2, 2, 0)  # 09:00 Bangkok


@pytest.fixture
def seeded(settings, db_url):
    key = settings.alliance_key()
    with session_factory(db_url)() as s:
        service.set_holder_links(s, [("bank_account", "014-9876543210", service.holder_token("3100500123458", key)),
                                     ("bank_account", "006-5550001112", service.holder_token("3100500123458", key)),
                                     ("phone", "+66651112233", service.holder_token("3100500123458", key)),
                                     ("bank_account", "004-1234567890", service.holder_token("1101700230708", key))])
        for i, victim in enumerate(["v1", "v2", "v3"]):
            service.add_signal(s, "bank_account", "014-9876543210", "report", 0.7, "victim_reports", T0,
                               ref=f"R-{i}", victim_token=victim)
        service.add_signal(s, "bank_account", "014-9876543210", "mule_model", 0.9, "mule_model", T0, ref="mules")
        service.add_signal(s, "url", "http://dhl-th-refund.example/pay", "report", 0.7, "victim_reports", T0,
                           ref="R-9", victim_token="v9")
        service.refresh_risk(s)
        s.commit()


def post(client, key, items):
    return client.post("/v1/check", json={"items": items}, headers={"Authorization": f"Bearer {key}"})


def test_contract_example(app_client, make_org, seeded):
    _, key = make_org()
    r = post(app_client, key, [{"type": "bank_account", "value": "014-987-654321-0"},
                               {"type": "phone", "value": "0812345678"},
                               {"type": "url", "value": "HTTP://Dhl-TH-Refund.example/pay"},
                               {"type": "promptpay", "value": "0812345678"}])
    assert r.status_code == 200
    res = r.json()["results"]
    assert [x["type"] for x in res] == ["bank_account", "phone", "url", "promptpay"]
    acct = res[0]
    assert acct["value"] == "014-9876543210" and acct["risk"] == "high"
    assert acct["reports"] == 3 and acct["last_reported_at"] == "2025-03-02T09:00:00+07:00"
    assert acct["reasons"][:2] == ["mule_model", "victim_reports"] or set(acct["reasons"]) >= {"mule_model",
                                                                                               "victim_reports"}
    assert 0.97 <= acct["score"] <= 1
    assert res[1] == {"type": "phone", "value": "+66812345678", "risk": "unknown", "score": 0.0, "reasons": [],
                      "reports": 0, "last_reported_at": None}
    assert res[2]["value"] == "http://dhl-th-refund.example/pay" and res[2]["risk"] == "medium"
    assert res[3]["value"] == "+66812345678" and res[3]["risk"] == "unknown"


def test_invalid_item_does_not_spoil_others(app_client, make_org, seeded):
    _, key = make_org()
    r = post(app_client, key, [{"type": "phone", "value": "hello"},
                               {"type": "bank_account", "value": "014-9876543210"},
                               {"type": "spaceship", "value": "x"}])
    assert r.status_code == 200
    a, b, c = r.json()["results"]
    assert a["risk"] == "invalid" and a["error"] and a["value"] == "hello"
    assert b["risk"] == "high"
    assert c["risk"] == "invalid" and "type" in c["error"]


def test_holder_link_and_promptpay_national_id(app_client, make_org, seeded):
    _, key = make_org()
    r = post(app_client, key, [{"type": "bank_account", "value": "006-5550001112"},
                               {"type": "phone", "value": "065-111-2233"},
                               {"type": "promptpay", "value": "3100500123458"},
                               {"type": "promptpay", "value": "1101700230708"},
                               {"type": "url", "value": "https://www.dhl-th-refund.example/other"}])
    sib, phone, pp, honest, other_url = r.json()["results"]
    assert "holder_link" in sib["reasons"] and sib["risk"] in ("medium", "high")
    assert "holder_link" in phone["reasons"]
    assert pp["risk"] == "high" and pp["value"] == "3100500123458"
    assert honest["risk"] == "low"  # seen in the data, nothing against it
    assert other_url["risk"] in ("low", "medium") and "domain_reports" in other_url["reasons"]


@pytest.mark.parametrize("body", [{"items": []}, {"items": [{"type": "phone", "value": "0812345678"}] * 1001},
                                  {"items": "nope"}, {}, {"items": [{"type": "phone"}]}, [1, 2]])
def test_malformed_bodies_are_422(app_client, make_org, body):
    _, key = make_org()
    r = app_client.post("/v1/check", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 422
    assert r.json()["status"] == 422


def test_thousand_items_in_order(app_client, make_org, seeded):
    _, key = make_org()
    items = [{"type": "phone", "value": f"08{i:08d}"} for i in range(999)] + [
        {"type": "bank_account", "value": "014-9876543210"}]
    r = post(app_client, key, items)
    res = r.json()["results"]
    assert len(res) == 1000
    assert res[5]["value"] == "+66800000005" and res[-1]["risk"] == "high"


def test_new_signal_seen_after_refresh(app_client, make_org, db_url, seeded):
    _, key = make_org()
    item = [{"type": "phone", "value": "0899999999"}]
    assert post(app_client, key, item).json()["results"][0]["risk"] == "unknown"
    with session_factory(db_url)() as s:
        service.add_signal(s, "phone", "+66899999999", "member_confirmation", 0.95, "member_confirmation", T0,
                           org_id=None)
        service.refresh_risk(s, [("phone", "+66899999999")])
        s.commit()
    assert post(app_client, key, item).json()["results"][0]["risk"] == "high"


def test_check_counts_in_metrics(app_client, make_org, seeded):
    _, key = make_org()
    post(app_client, key, [{"type": "bank_account", "value": "014-9876543210"}])
    text = app_client.get("/metrics").text
    assert 'zeroscam_checks_total{kind="bank_account",risk="high"}' in text
    assert "zeroscam_http_request_duration_seconds_bucket" in text


def test_fast_path_answers_exactly_like_the_route(app_client, make_org, seeded):
    """The first call authenticates through the FastAPI route; later ones take the fast path."""
    _, key = make_org()
    items = [{"type": "bank_account", "value": "014-987-654321-0"}, {"type": "phone", "value": "x"},
             {"type": "promptpay", "value": "3100500123458"}, {"type": "url", "value": "dhl-th-refund.example/pay"}]
    slow = post(app_client, key, items)
    fast = post(app_client, key, items)
    assert slow.status_code == fast.status_code == 200
    assert slow.json() == fast.json()
    # A cached key with a bad body still gets the route's 422 problem JSON.
    for body in ({"items": []}, {"items": [{"type": "phone", "value": "1"}] * 1001}, {"nope": 1}):
        r = app_client.post("/v1/check", json=body, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 422 and r.json()["status"] == 422
    r = app_client.post("/v1/check", content=b"\xff\xfe", headers={"Authorization": f"Bearer {key}",
                                                                  "content-type": "application/json"})
    assert r.status_code == 422
    assert post(app_client, key + "x", items).status_code == 401


def test_member_feedback_confirms_and_clears(app_client, make_org, seeded):
    _, bank_key = make_org()
    h = {"Authorization": f"Bearer {bank_key}"}
    r = app_client.post("/v1/feedback", json={"items": [{"type": "phone", "value": "0899999998", "verdict": "confirm"},
                                                        {"type": "phone", "value": "nope", "verdict": "confirm"}]},
                        headers=h)
    assert r.status_code == 200, r.text
    ok, bad = r.json()["results"]
    assert ok["risk"] == "high" and ok["value"] == "+66899999998" and bad["risk"] == "invalid"
    assert post(app_client, bank_key, [{"type": "phone", "value": "0899999998"}]).json()["results"][0]["risk"] == "high"
    # The same member changes its mind: its clearance replaces its confirmation.
    r = app_client.post("/v1/feedback", json={"items": [{"type": "phone", "value": "0899999998", "verdict": "clear"}]},
                        headers=h)
    assert r.json()["results"][0]["risk"] == "low"
    res = post(app_client, bank_key, [{"type": "phone", "value": "0899999998"}]).json()["results"][0]
    assert res["risk"] == "low" and res["reasons"] == ["member_clearance"]


def test_body_is_json_whatever_the_content_type(app_client, make_org, seeded):
    """`curl -d '{...}'` sends application/x-www-form-urlencoded; the check API still reads JSON."""
    _, key = make_org()
    body = b'{"items":[{"type":"bank_account","value":"014-9876543210"}]}'
    for _ in range(2):  # the route (first) and the fast path (then)
        r = app_client.post("/v1/check", content=body, headers={
            "Authorization": f"Bearer {key}", "content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200 and r.json()["results"][0]["risk"] == "high"
