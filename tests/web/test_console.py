"""The members' console over HTTP (SQLite and PostgreSQL): sign-in, CSRF, dashboard,
reports, holds and the entity page, each scoped to the signed-in member."""

from __future__ import annotations

import re

from webhelpers import PASSWORD, csrf_of, login


def _submit_public_report(client, **extra):
    page = client.get("/report?lang=en").text
    data = {"csrf_token": csrf_of(page), "scam_type": "call_centre", "loss_thb": "35,000",
            "victim_phone": "0812345678", "victim_province": "Bangkok",
            "contact_type_0": "phone", "contact_value_0": "065-111-2233",
            "transfer_ts_0": "2025-03-01T21:40", "transfer_to_bank_0": "014",
            "transfer_to_account_0": "987-6-54321-0", "transfer_amount_0": "35000",
            "narrative": "มีคนโทรมาอ้างเป็นตำรวจ ให้โอนเงินไปตรวจสอบ", **extra}
    return client.post("/report", data=data)


def test_console_needs_sign_in(client):
    for path in ("/app/", "/app/reports", "/app/holds", "/app/entity", "/app/reports/X", "/app/cases/1"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/app/login?next=")


def test_wrong_password_and_unknown_user_are_refused_alike(client):
    r = login(client, "aoc-analyst", "wrong password")
    assert r.status_code == 401 and "Wrong username or password" not in r.text  # Thai by default
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in r.text
    r2 = login(client, "nobody", PASSWORD)
    assert r2.status_code == 401
    assert "zs_session" not in client.cookies


def test_login_without_csrf_is_refused(client):
    client.get("/app/login")
    r = client.post("/app/login", data={"username": "aoc-analyst", "password": PASSWORD})
    assert r.status_code == 403
    assert "zs_session" not in client.cookies


def test_login_redirects_only_inside_the_console(client):
    page = client.get("/app/login").text
    r = client.post("/app/login", data={"csrf_token": csrf_of(page), "username": "aoc-analyst",
                                        "password": PASSWORD, "next": "https://evil.example/"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/app/"


def test_session_cookie_is_signed_and_http_only(staff_client):
    cookie = staff_client.cookies.get("zs_session")
    assert cookie
    staff_client.cookies.set("zs_session", cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB"))
    r = staff_client.get("/app/", follow_redirects=False)
    assert r.status_code == 303


def test_logout_needs_csrf_and_ends_the_session(staff_client):
    r = staff_client.post("/app/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    page = staff_client.get("/app/").text
    r = staff_client.post("/app/logout", data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303
    assert staff_client.get("/app/", follow_redirects=False).status_code == 303


def test_csrf_token_changes_at_sign_in(client):
    before = csrf_of(client.get("/app/login").text)
    assert login(client).status_code == 303
    after = csrf_of(client.get("/app/").text)
    assert before != after
    # the pre-login token no longer works for console posts
    r = client.post("/app/logout", data={"csrf_token": before}, follow_redirects=False)
    assert r.status_code == 403


def test_dashboard_shows_national_figures(staff_client):
    r = staff_client.get("/app/?lang=en")
    assert r.status_code == 200
    assert "National dashboard" in r.text
    assert 'id="dash-data"' in r.text and 'id="chart-per-day"' in r.text
    # the detector-only account is an alert; police see the list
    assert "025-5550001111" in r.text and 'id="alerts-table"' in r.text


def test_report_submission_end_to_end(client, web_app):
    r = _submit_public_report(client)
    assert r.status_code == 201, r.text
    report_id = re.search(r'id="report-id"[^>]*>([^<]+)<', r.text).group(1)
    token = re.search(r'id="status-token"[^>]*>([^<]+)<', r.text).group(1)
    assert report_id.startswith("ZR-")
    assert "1441" in r.text and "72" in r.text
    # the status page answers with the token and only with it
    page = client.get("/report/status?lang=en").text
    r = client.post("/report/status", data={"csrf_token": csrf_of(page), "report_id": report_id, "token": token})
    assert r.status_code == 200 and 'data-outcome="status"' in r.text
    r = client.post("/report/status", data={"csrf_token": csrf_of(page), "report_id": report_id, "token": "x" * 32})
    assert r.status_code == 404
    # the same victim and transfer again: merged, no new token
    r = _submit_public_report(client)
    assert r.status_code == 201 and 'id="merged-note"' in r.text and 'id="status-token"' not in r.text
    # staff see it in the console, with a hold on the receiving account
    assert login(client).status_code == 303
    r = client.get("/app/reports")
    assert report_id in r.text
    r = client.get(f"/app/reports/{report_id}?lang=en")
    assert r.status_code == 200
    assert "014-9876543210" in r.text and "+66651112233" in r.text
    assert "hold-" in r.text


def test_report_with_a_bad_identifier_is_explained(client):
    r = _submit_public_report(client, contact_type_0="phone", contact_value_0="12")
    assert r.status_code == 422
    assert "This does not look right: 12" in r.text


def test_bank_confirms_a_hold_from_the_console(client, web_app):
    assert _submit_public_report(client).status_code == 201
    assert login(client, "scb-ops").status_code == 303
    r = client.get("/app/holds?lang=en")
    assert r.status_code == 200
    hold_id = re.search(r'id="hold-(\d+)"', r.text).group(1)
    assert "Confirm held" in r.text
    csrf = csrf_of(r.text)
    # without a token: refused, nothing changes
    r = client.post(f"/app/holds/{hold_id}/confirm", data={"amount_held_thb": "30000"})
    assert r.status_code == 403
    r = client.post(f"/app/holds/{hold_id}/confirm", data={"csrf_token": csrf, "amount_held_thb": "lots"})
    assert r.status_code == 422
    r = client.post(f"/app/holds/{hold_id}/confirm", data={"csrf_token": csrf, "amount_held_thb": "30,000"},
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.get("/app/holds?lang=en")
    row = r.text.split(f'id="hold-{hold_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Held (72 h)" in row and "30,000" in row and "data-expires" in row
    # twice: a conflict, explained
    r = client.post(f"/app/holds/{hold_id}/confirm", data={"csrf_token": csrf, "amount_held_thb": "1"})
    assert r.status_code == 409


def test_members_see_only_their_share(client, web_app):
    """A telco-less, hold-less member (a platform) sees no reports and no holds of others."""
    from zeroscam.kit.db import session_scope
    from zeroscam.members import service as members

    assert _submit_public_report(client).status_code == 201
    url = web_app.state.settings.relational_url
    with session_scope(url) as s:
        org = members.create_org(s, "ShopApp", "platform")
        members.create_user(s, org, "shop-staff", PASSWORD)
    assert login(client, "shop-staff").status_code == 303
    r = client.get("/app/reports")
    assert "ZR-" not in r.text
    r = client.get("/app/holds")
    assert 'id="hold-' not in r.text
    report_id = None
    with session_scope(url) as s:
        from sqlalchemy import select

        from zeroscam.reports.models import Report
        report_id = s.scalar(select(Report.id))
    assert client.get(f"/app/reports/{report_id}").status_code == 404
    # the entity page shows shared risk, but not the reports behind it
    r = client.get("/app/entity?kind=bank_account&value=014-9876543210")
    assert r.status_code == 200 and report_id not in r.text
    # and the dashboard names no alert accounts to a platform
    r = client.get("/app/")
    assert 'id="alerts-not-listed"' in r.text and "025-5550001111" not in r.text


def test_entity_page(staff_client):
    r = staff_client.get("/app/entity?kind=bank_account&value=014-987-654321-0&lang=en")
    assert r.status_code == 200
    assert 'id="entity-value"' in r.text and "014-9876543210" in r.text
    assert 'class="risk risk-high"' in r.text
    r = staff_client.get("/app/entity?kind=phone&value=nonsense")
    assert r.status_code == 422
    # a holder id typed in becomes its keyed token: no national ID in the URL
    r = staff_client.get("/app/entity?kind=holder&value=1101700230708", follow_redirects=False)
    assert r.status_code == 303 and "1101700230708" not in r.headers["location"]


def test_entity_page_shows_ring_membership(staff_client, web_app):
    import json

    settings = web_app.state.settings
    settings.analytics_dir.mkdir(parents=True, exist_ok=True)
    (settings.analytics_dir / "rings.json").write_text(json.dumps({"evidence": "detectors+reports", "rings": [
        {"ring_id": "RING-7", "members": {"collector_accounts": ["014-9876543210"],
                                          "cash_out_accounts": ["025-5550001111"],
                                          "sim_farm": ["+66651112233"], "nominee_holders": ["1101700230708"]}}]}))
    r = staff_client.get("/app/entity?kind=bank_account&value=014-9876543210&lang=en")
    assert 'id="entity-ring"' in r.text and "RING-7" in r.text
    assert "025-5550001111" in r.text and "+66651112233" in r.text
    assert "1101700230708" not in r.text  # holders by token only
    assert '"link": "ring"' in r.text or '"link":"ring"' in r.text


def test_police_record_the_complaint_and_extend(client, web_app):
    """The 72 h hold becomes 7 days on the complaint; the police extend it."""
    assert _submit_public_report(client).status_code == 201
    assert login(client).status_code == 303
    r = client.get("/app/holds?lang=en")
    hold_id = re.search(r'id="hold-(\d+)"', r.text).group(1)
    token = csrf_of(r.text)
    r = client.post(f"/app/holds/{hold_id}/complaint", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    row = client.get("/app/holds?lang=en").text.split(f'id="hold-{hold_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Complaint filed (7 days)" in row and "6d 23h" in row and "Extend 7 days" in row
    r = client.post(f"/app/holds/{hold_id}/extend", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    row = client.get("/app/holds?lang=en").text.split(f'id="hold-{hold_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Extended by police" in row and "13d 23h" in row


def test_cases_pages(staff_client, web_app):
    from zeroscam.cases import service as cases_service
    from zeroscam.kit.db import session_scope
    from zeroscam.members import service as members
    from zeroscam.members.models import Org

    assert _submit_public_report(staff_client).status_code == 201
    url = web_app.state.settings.relational_url
    with session_scope(url) as s:
        from sqlalchemy import select

        from zeroscam.reports.models import Report
        police = s.scalar(select(Org).where(Org.name == "AOC"))
        rid = s.scalar(select(Report.id))
        case = cases_service.create_case(s, members.principal_for(police), "แก๊งคอลเซ็นเตอร์ปอยเปต", [rid])
        case_id = case.id
    r = staff_client.get("/app/cases")
    assert r.status_code == 200 and "แก๊งคอลเซ็นเตอร์ปอยเปต" in r.text
    r = staff_client.get(f"/app/cases/{case_id}")
    assert r.status_code == 200 and rid in r.text and 'id="hold-' in r.text
    r = staff_client.get(f"/app/reports/{rid}")
    assert f'href="/app/cases/{case_id}"' in r.text
    assert staff_client.get("/app/cases/999999").status_code == 404


def test_console_works_without_the_npm_assets(staff_client, tmp_path, monkeypatch):
    from zeroscam.web import assets

    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "nothing")
    r = staff_client.get("/app/")
    assert r.status_code == 200
    assert "chart.umd.min.js" not in r.text and "<details class=\"data-table\" open>" in r.text
    r = staff_client.get("/app/entity?kind=bank_account&value=014-9876543210")
    assert r.status_code == 200 and "cytoscape" not in r.text and 'id="links-table"' in r.text


def test_disabling_a_user_or_changing_the_password_ends_the_session(staff_client, web_app):
    from argon2 import PasswordHasher
    from sqlalchemy import select

    from zeroscam.kit.db import session_scope
    from zeroscam.members.models import User

    url = web_app.state.settings.relational_url
    assert staff_client.get("/app/", follow_redirects=False).status_code == 200
    with session_scope(url) as s:
        s.scalar(select(User).where(User.username == "aoc-analyst")).password_hash = PasswordHasher().hash("a new one!")
    assert staff_client.get("/app/", follow_redirects=False).status_code == 303
    assert login(staff_client, "aoc-analyst", "a new one!").status_code == 303
    assert staff_client.get("/app/", follow_redirects=False).status_code == 200
    with session_scope(url) as s:
        s.scalar(select(User).where(User.username == "aoc-analyst")).disabled = True
    assert staff_client.get("/app/", follow_redirects=False).status_code == 303
