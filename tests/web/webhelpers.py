"""Helpers shared by the web tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import re
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
PASSWORD = "correct horse battery"

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "page has no CSRF token"
    return m.group(1)


def seed_world(url: str, key: bytes) -> dict:
    """A police org and a bank org with staff, and risk evidence the pages can show.

    Returns names and values the tests look for."""
    from datetime import timedelta

    from zeroscam.check import service as check_service
    from zeroscam.kit.db import session_scope
    from zeroscam.kit.timeutil import utcnow
    from zeroscam.members import service as members

    world = {"scam_account": "014-9876543210", "scam_phone": "+66651112233", "clean_account": "004-1234567890",
             "alert_account": "025-5550001111"}
    with session_scope(url) as s:
        police = members.create_org(s, "AOC", "police")
        bank = members.create_org(s, "SCB", "bank", bank_codes=["014"])
        members.create_user(s, police, "aoc-analyst", PASSWORD)
        members.create_user(s, bank, "scb-ops", PASSWORD)
        now = utcnow()
        for i in range(3):
            check_service.add_signal(s, "bank_account", world["scam_account"], "report", 0.9, "victim_reports",
                                     now - timedelta(hours=i + 1), ref=f"R-SEED-{i}", victim_token=f"v{i}")
        check_service.add_signal(s, "phone", world["scam_phone"], "report", 0.9, "victim_reports",
                                 now - timedelta(hours=2), ref="R-SEED-0", victim_token="v0")
        check_service.add_signal(s, "bank_account", world["alert_account"], "mule_model", 0.97, "pass_through",
                                 now - timedelta(hours=3), ref="mule_model")
        check_service.refresh_risk(s)
    return world


def login(client, username: str = "aoc-analyst", password: str = PASSWORD):
    r = client.get("/app/login")
    return client.post("/app/login", data={"csrf_token": csrf_of(r.text), "username": username,
                                           "password": password, "next": "/app/"}, follow_redirects=False)


def seed_reports(url: str, key: bytes, days: int = 10) -> list[str]:
    """A fortnight of victim reports through the reports service (for charts and holds)."""
    from datetime import timedelta

    from zeroscam.kit.db import session_scope
    from zeroscam.kit.timeutil import to_iso_bangkok, utcnow
    from zeroscam.reports import service as reports

    kinds = ("call_centre", "online_shopping", "investment", "job", "romance", "loan")
    provinces = ("Bangkok", "Chiang Mai", "Khon Kaen", "Songkhla", "Chon Buri")
    ids = []
    now = utcnow()
    with session_scope(url) as s:
        for i in range(days * 2):
            at = now - timedelta(days=i // 2, hours=3 * (i % 2) + 1)
            out = reports.submit_report(s, {
                "reported_at": to_iso_bangkok(at), "scam_type": kinds[i % len(kinds)],
                "loss_thb": 5000.0 + 2500 * (i % 7),
                "victim": {"phone": f"08{10000000 + i:08d}", "province": provinces[i % len(provinces)]},
                "contacts": [{"type": "phone", "value": f"06{50000000 + i % 4:08d}"}],
                "transfers": [{"ts": to_iso_bangkok(at - timedelta(hours=2)), "to_bank": "014",
                               "to_account": f"{9876543210 + i % 3}", "amount": 5000.0 + 2500 * (i % 7)}],
                "narrative": "โทรมาอ้างเป็นเจ้าหน้าที่ ให้โอนเงิน"}, key=key, source="public")
            ids.append(out.report.id)
    return ids
