"""The public pages over HTTP (SQLite and PostgreSQL): home, check, report form."""

from __future__ import annotations

import re

from zeroscam.web.security import TokenBucket


def _outcome(html: str) -> str | None:
    m = re.search(r'data-outcome="(\w+)"', html)
    return m.group(1) if m else None


def _check(client, csrf, page_html, **fields):
    data = {"csrf_token": csrf(page_html), **fields}
    return client.post("/check", data=data)


def test_home_is_thai_by_default_and_english_a_click_away(client):
    r = client.get("/")
    assert r.status_code == 200
    assert '<html lang="th">' in r.text
    assert "ตรวจสอบก่อนโอน" in r.text
    assert 'href="/?lang=en"' in r.text
    r = client.get("/?lang=en")
    assert '<html lang="en">' in r.text and "Check before you transfer" in r.text
    assert r.cookies.get("zs_lang") == "en"
    r = client.get("/check")  # the cookie remembers
    assert '<html lang="en">' in r.text
    r = client.get("/check?lang=th")
    assert '<html lang="th">' in r.text


def test_pages_carry_security_headers(client):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    cookie = r.headers["set-cookie"]
    assert "zs_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_check_says_do_not_transfer_for_a_reported_account(client, csrf):
    page = client.get("/check").text
    r = _check(client, csrf, page, type="bank_account", bank="014", value="987-6-54321-0")
    assert r.status_code == 200
    assert _outcome(r.text) == "high"
    assert "บัญชีนี้ถูกแจ้งว่าเป็นบัญชีมิจฉาชีพ — อย่าโอน" in r.text
    # a bank name typed in the value works without the picker
    r = _check(client, csrf, page, type="bank_account", bank="", value="SCB 987-6-54321-0")
    assert _outcome(r.text) == "high"


def test_check_answers_are_coarse(client, csrf, web_app):
    """No counts, scores, reasons or dates: nothing that reads out the lists."""
    page = client.get("/check?lang=en").text
    r = _check(client, csrf, page, type="bank_account", bank="014", value="9876543210")
    assert _outcome(r.text) == "high"
    result = r.text.split('id="check-result"', 1)[1]
    assert "0.9" not in result and "victim" not in result.lower() and "reports:" not in result.lower()
    assert not re.search(r"\b3\b", re.sub(r"<[^>]+>", " ", result).replace("1441", ""))
    # a detector-only flag is high too, and says the same words
    r = _check(client, csrf, page, type="bank_account", bank="025", value="5550001111")
    assert _outcome(r.text) == "high"


def test_check_no_reports_and_invalid(client, csrf):
    page = client.get("/check?lang=en").text
    r = _check(client, csrf, page, type="phone", value="0899999999")
    assert _outcome(r.text) == "none" and "No reports" in r.text
    r = _check(client, csrf, page, type="phone", value="not a number")
    assert _outcome(r.text) == "invalid"
    r = _check(client, csrf, page, type="bank_account", bank="", value="123-4-56789-0")
    assert _outcome(r.text) == "invalid"  # no bank: we cannot know which account
    r = _check(client, csrf, page, type="national_id", value="1101700230708")
    assert _outcome(r.text) == "invalid"  # the public check does not look up people


def test_check_with_htmx_returns_the_fragment_only(client, csrf):
    page = client.get("/check").text
    r = client.post("/check", data={"csrf_token": csrf(page), "type": "phone", "value": "065-111-2233"},
                    headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text and _outcome(r.text) == "high"


def test_check_without_csrf_is_refused(client, csrf):
    client.get("/check")
    r = client.post("/check", data={"type": "phone", "value": "0812345678"})
    assert r.status_code == 403
    r = client.post("/check", data={"csrf_token": "forged", "type": "phone", "value": "0812345678"})
    assert r.status_code == 403


def test_check_is_rate_limited_per_client(client, csrf, web_app):
    page = client.get("/check").text
    web_app.state.web_check_bucket = TokenBucket(3)
    codes = [_check(client, csrf, page, type="phone", value=f"08{i:08d}").status_code for i in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]
    r = _check(client, csrf, page, type="phone", value="0800000009")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert _outcome(r.text) == "limited"
    # with HTMX the fragment says so (HTMX swaps only 2xx answers)
    r = client.post("/check", data={"csrf_token": csrf(page), "type": "phone", "value": "0800000010"},
                    headers={"HX-Request": "true"})
    assert r.status_code == 200 and _outcome(r.text) == "limited" and "<html" not in r.text


def test_public_check_rate_comes_from_settings(client, web_app):
    client.get("/check")
    assert web_app.state.web_check_bucket.capacity == web_app.state.settings.public_check_per_minute


def test_report_form_lists_scam_types_in_thai(client):
    r = client.get("/report")
    assert r.status_code == 200
    for label in ("ซื้อขายสินค้าออนไลน์", "หลอกลงทุน", "แก๊งคอลเซ็นเตอร์", "หลอกทำงาน"):
        assert label in r.text
    assert "กรุงเทพมหานคร" in r.text and "ธนาคารกสิกรไทย" in r.text


def test_report_form_errors_keep_what_was_typed(client, csrf):
    page = client.get("/report?lang=en").text
    r = client.post("/report", data={"csrf_token": csrf(page), "scam_type": "", "loss_thb": "lots",
                                     "contact_type_0": "phone", "contact_value_0": "0651112233",
                                     "transfer_amount_0": "500"})
    assert r.status_code == 422
    assert "Choose the type of scam." in r.text
    assert "The money lost must be a number of baht." in r.text
    assert "Transfer 1: choose the receiving bank" in r.text
    assert 'value="0651112233"' in r.text


def test_report_without_csrf_is_refused(client):
    client.get("/report")
    r = client.post("/report", data={"scam_type": "loan", "narrative": "x"})
    assert r.status_code == 403


def test_static_files_and_missing_assets(client, tmp_path, monkeypatch):
    from zeroscam.web import assets

    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/static/../endpoints.py").status_code == 404
    # Without the npm assets the pages still work; they only leave the scripts out.
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "empty")
    r = client.get("/")
    assert r.status_code == 200 and "htmx.min.js" not in r.text
