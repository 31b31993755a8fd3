"""The hold workflow (Royal Decree timings) and who may see and act on a hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from zeroscam.cases import service
from zeroscam.cases.models import Hold
from zeroscam.kit.db import session_factory
from zeroscam.kit.timeutil import parse_ts

REPORT = {
    "reported_at": "2025-03-02T09:00:00+07:00", "scam_type": "investment", "loss_thb": 90000,
    "victim": {"phone": "0899990000"},
    "transfers": [{"to_bank": "014", "to_account": "9876543210", "amount": 50000},
                  {"to_bank": "004", "to_account": "1112223334", "amount": 40000}],
}


def h(key):
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def world(app_client, make_org):
    scb, scb_key = make_org("SCB", "bank", bank_codes=["014"])
    kbank, kbank_key = make_org("KBank", "bank", bank_codes=["004"])
    aoc, aoc_key = make_org("AOC", "police")
    _, bot_key = make_org("BOT", "regulator")
    _, telco_key = make_org("AIS", "telco", operator="AIS")
    created = app_client.post("/v1/reports", json=REPORT, headers=h(aoc_key)).json()
    holds = {x["bank_code"]: x["id"] for x in created["holds"]}
    return {"scb": scb_key, "kbank": kbank_key, "aoc": aoc_key, "bot": bot_key, "telco": telco_key,
            "holds": holds, "report": created["id"]}


def test_one_hold_per_account_to_its_bank(app_client, world):
    assert set(world["holds"]) == {"014", "004"}
    scb = app_client.get("/v1/holds", headers=h(world["scb"])).json()
    kb = app_client.get("/v1/holds", headers=h(world["kbank"])).json()
    assert [x["account"] for x in scb] == ["014-9876543210"]
    assert [x["account"] for x in kb] == ["004-1112223334"]
    assert len(app_client.get("/v1/holds", headers=h(world["aoc"])).json()) == 2
    assert len(app_client.get("/v1/holds", headers=h(world["bot"])).json()) == 2
    assert app_client.get("/v1/holds", headers=h(world["telco"])).json() == []


def test_bank_cannot_read_or_act_on_another_banks_hold(app_client, world):
    kb_hold = world["holds"]["004"]
    assert app_client.get(f"/v1/holds/{kb_hold}", headers=h(world["scb"])).status_code == 404
    r = app_client.post(f"/v1/holds/{kb_hold}/confirm", json={"amount_held_thb": 1}, headers=h(world["scb"]))
    assert r.status_code == 404
    assert app_client.post(f"/v1/holds/{kb_hold}/release", headers=h(world["scb"])).status_code == 404
    assert app_client.get(f"/v1/holds/{kb_hold}", headers=h(world["telco"])).status_code == 404


def test_full_workflow(app_client, world):
    hid = world["holds"]["014"]
    # Police cannot confirm on the bank's behalf.
    assert app_client.post(f"/v1/holds/{hid}/confirm", json={"amount_held_thb": 5},
                           headers=h(world["aoc"])).status_code == 403
    r = app_client.post(f"/v1/holds/{hid}/confirm", json={"amount_held_thb": 48000}, headers=h(world["scb"]))
    assert r.status_code == 200, r.text
    held = r.json()
    assert held["state"] == "held" and held["amount_held_thb"] == 48000
    confirmed = parse_ts(held["confirmed_at"])
    assert parse_ts(held["expires_at"]) - confirmed == timedelta(hours=72)
    # Confirming twice is a conflict.
    assert app_client.post(f"/v1/holds/{hid}/confirm", json={"amount_held_thb": 1},
                           headers=h(world["scb"])).status_code == 409
    # The bank cannot extend; police must record the complaint first.
    assert app_client.post(f"/v1/holds/{hid}/extend", headers=h(world["scb"])).status_code == 403
    assert app_client.post(f"/v1/holds/{hid}/extend", headers=h(world["aoc"])).status_code == 409
    r = app_client.post(f"/v1/holds/{hid}/complaint", headers=h(world["aoc"]))
    c = r.json()
    assert c["state"] == "complaint"
    assert parse_ts(c["expires_at"]) - parse_ts(c["complaint_at"]) == timedelta(days=7)
    r = app_client.post(f"/v1/holds/{hid}/extend", json={"days": 10}, headers=h(world["aoc"]))
    e = r.json()
    assert e["state"] == "extended" and e["extended_count"] == 1
    assert parse_ts(e["expires_at"]) - parse_ts(c["expires_at"]) == timedelta(days=10)
    r = app_client.post(f"/v1/holds/{hid}/release", json={"reason": "returned to victim"}, headers=h(world["scb"]))
    assert r.json()["state"] == "released"
    assert [ev["action"] for ev in r.json()["events"]] == ["request", "confirm", "complaint", "extend", "release"]
    assert app_client.post(f"/v1/holds/{hid}/release", headers=h(world["scb"])).status_code == 409


def test_unconfirmed_request_expires_after_72_hours(app_client, world, db_url):
    hid = world["holds"]["004"]
    with session_factory(db_url)() as s:
        hold = s.get(Hold, hid)
        s.execute(update(Hold).where(Hold.id == hid).values(
            requested_at=hold.requested_at - timedelta(hours=73), expires_at=hold.expires_at - timedelta(hours=73)))
        s.commit()
        assert service.holds_by_state(s)["expired"] == 1
    assert app_client.get(f"/v1/holds/{hid}", headers=h(world["aoc"])).json()["state"] == "expired"
    assert [x["id"] for x in app_client.get("/v1/holds?state=expired", headers=h(world["aoc"])).json()] == [hid]
    r = app_client.post(f"/v1/holds/{hid}/confirm", json={"amount_held_thb": 1}, headers=h(world["kbank"]))
    assert r.status_code == 409
    assert "zeroscam_holds{state=\"expired\"} 1.0" in app_client.get("/metrics").text


def test_cases_group_reports(app_client, world):
    r = app_client.post("/v1/cases", json={"title": "Ring 7", "report_ids": [world["report"]]}, headers=h(world["aoc"]))
    assert r.status_code == 201
    case = r.json()
    assert case["report_ids"] == [world["report"]]
    assert app_client.get(f"/v1/cases/{case['id']}", headers=h(world["bot"])).status_code == 200
    assert app_client.get(f"/v1/cases/{case['id']}", headers=h(world["scb"])).status_code == 404
    holds = app_client.get("/v1/holds", headers=h(world["aoc"])).json()
    assert {x["case_id"] for x in holds} == {case["id"]}
    # A member cannot put a report it cannot see into its case.
    mine = app_client.post("/v1/cases", json={"title": "telco case"}, headers=h(world["telco"])).json()
    r = app_client.post(f"/v1/cases/{mine['id']}/reports", json={"report_ids": [world["report"]]},
                        headers=h(world["telco"]))
    assert r.status_code == 404
