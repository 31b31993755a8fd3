"""Reports: intake, identifiers, duplicates, signals, holds, who may read."""

from __future__ import annotations

from sqlalchemy import select

from zeroscam.audit.models import AuditEntry
from zeroscam.audit.service import verify
from zeroscam.kit.db import session_factory

REPORT = {
    "reported_at": "2025-03-02T09:00:00+07:00",
    "scam_type": "call_centre",
    "loss_thb": 35000.00,
    "victim": {"holder_id": "1101700230708", "phone": "0812345678", "province": "Bangkok"},
    "contacts": [{"type": "phone", "value": "065-111-2233"}, {"type": "line_id", "value": "@dhl-refund"}],
    "transfers": [{"ts": "2025-03-01T21:40:00+07:00", "txn_id": "T-9001", "from_bank": "004",
                   "from_account": "1234567890", "to_bank": "014", "to_account": "987-6-54321-0", "amount": 35000.00}],
    "narrative": "มีคนโทรมาอ้างเป็นตำรวจ ให้โอนเงินไปที่บัญชี 006-5550001112 โทรกลับ 0812345678",
}


def h(key):
    return {"Authorization": f"Bearer {key}"}


def check(client, key, kind, value):
    r = client.post("/v1/check", json={"items": [{"type": kind, "value": value}]}, headers=h(key))
    return r.json()["results"][0]


def test_report_creates_signals_and_holds(app_client, make_org, db_url):
    scb, scb_key = make_org("SCB", "bank", bank_codes=["014"])
    aoc, aoc_key = make_org("AOC", "police")
    before = check(app_client, scb_key, "bank_account", "014-9876543210")
    assert before["risk"] == "unknown"

    r = app_client.post("/v1/reports", json=REPORT, headers=h(aoc_key))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["merged"] is False and created["status_token"]
    rid = created["id"]
    held = {x["account"]: x for x in created["holds"]}
    assert "014-9876543210" in held and held["014-9876543210"]["state"] == "requested"

    after = check(app_client, scb_key, "bank_account", "014-987-654321-0")
    assert after["risk"] == "medium" and after["reports"] == 1 and "victim_reports" in after["reasons"]
    assert after["last_reported_at"] == "2025-03-02T09:00:00+07:00"
    assert check(app_client, scb_key, "phone", "0651112233")["reports"] == 1
    # The narrative's account is a signal; the victim's own phone is not.
    assert check(app_client, scb_key, "bank_account", "006-5550001112")["reports"] == 1
    assert check(app_client, scb_key, "phone", "0812345678")["risk"] == "unknown"

    view = app_client.get(f"/v1/reports/{rid}", headers=h(aoc_key)).json()
    kinds = {(i["kind"], i["value"], i["role"]) for i in view["identifiers"]}
    assert ("bank_account", "014-9876543210", "transfer") in kinds
    assert ("line_id", "@dhl-refund", "contact") in kinds or any(k[0] == "line_id" for k in kinds)
    assert ("bank_account", "006-5550001112", "narrative") in kinds
    assert view["transfers"][0]["dst"] == "014-9876543210"

    # The hold was addressed to SCB, which sees it and the report behind it.
    holds = app_client.get("/v1/holds", headers=h(scb_key)).json()
    assert [x["account"] for x in holds] == ["014-9876543210"]
    assert holds[0]["bank_org_id"] == scb.id
    assert app_client.get(f"/v1/reports/{rid}", headers=h(scb_key)).status_code == 200

    with session_factory(db_url)() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert "report.create" in actions and "hold.request" in actions and "report.read" in actions
        assert verify(s).ok
        # No raw personal data in the audit log.
        blob = " ".join(str(e.detail) + e.subject for e in s.scalars(select(AuditEntry)))
        assert "1101700230708" not in blob and "9876543210" not in blob


def test_duplicate_is_merged(app_client, make_org):
    _, key = make_org("AOC", "police")
    first = app_client.post("/v1/reports", json=REPORT, headers=h(key)).json()
    again = dict(REPORT, contacts=[{"type": "url", "value": "http://dhl-th-refund.example/pay"}])
    second = app_client.post("/v1/reports", json=again, headers=h(key)).json()
    assert second["id"] == first["id"] and second["merged"] is True and second["status_token"] is None
    view = app_client.get(f"/v1/reports/{first['id']}", headers=h(key)).json()
    assert any(i["kind"] == "url" for i in view["identifiers"])
    # Another victim paying the same account is a new report and a second victim.
    other = dict(REPORT, victim={"holder_id": "3100500123458"})
    third = app_client.post("/v1/reports", json=other, headers=h(key)).json()
    assert third["id"] != first["id"]
    res = check(app_client, key, "bank_account", "014-9876543210")
    assert res["reports"] == 2 and res["risk"] == "high"


def test_who_may_read_a_report(app_client, make_org):
    _, platform_key = make_org("LINE", "platform")
    _, other_key = make_org("Shopee", "platform")
    _, bot_key = make_org("BOT", "regulator")
    created = app_client.post("/v1/reports", json=REPORT, headers=h(platform_key)).json()
    rid, token = created["id"], created["status_token"]
    assert app_client.get(f"/v1/reports/{rid}", headers=h(platform_key)).status_code == 200
    assert app_client.get(f"/v1/reports/{rid}", headers=h(bot_key)).status_code == 200
    assert app_client.get(f"/v1/reports/{rid}", headers=h(other_key)).status_code == 404
    assert app_client.get(f"/v1/reports/{rid}").status_code == 404
    assert app_client.get(f"/v1/reports/{rid}", headers={"X-Status-Token": "wrong"}).status_code == 404
    victim = app_client.get(f"/v1/reports/{rid}", headers={"X-Status-Token": token})
    assert victim.status_code == 200 and all(x["hop"] == 1 for x in victim.json()["holds"])
    assert [r["id"] for r in app_client.get("/v1/reports", headers=h(other_key)).json()] == []
    assert [r["id"] for r in app_client.get("/v1/reports", headers=h(platform_key)).json()] == [rid]


def test_bad_report_is_422_naming_the_field(app_client, make_org):
    _, key = make_org("AOC", "police")
    bad = dict(REPORT, contacts=[{"type": "phone", "value": "not a phone"}])
    r = app_client.post("/v1/reports", json=bad, headers=h(key))
    assert r.status_code == 422 and "contacts[0].value" in r.json()["detail"]
    r = app_client.post("/v1/reports", json=dict(REPORT, scam_type="mystery"), headers=h(key))
    assert r.status_code == 422
    r = app_client.post("/v1/reports", json=dict(REPORT, reported_at="yesterday"), headers=h(key))
    assert r.status_code == 422
