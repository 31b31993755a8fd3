"""The pages in a real browser: Debian's headless Chromium driven by Playwright.

Each test fails on any console error, page error, failed request or request that
leaves the server. Screenshots are kept in test-artifacts/web/.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _thai_font_ready(page) -> bool:
    """The Thai web font (Sarabun from npm, served by the app) is loaded, and body text uses it."""
    return page.evaluate("""async () => {
        await document.fonts.ready;
        const thai = [...document.fonts].filter(f => f.family.replace(/["']/g, '') === 'Sarabun'
                                                    && f.unicodeRange.toUpperCase().includes('E01'));
        const family = getComputedStyle(document.body).fontFamily;
        return thai.some(f => f.status === 'loaded') && family.startsWith('Sarabun');
    }""")


def _glyphs_render(page, text: str) -> bool:
    """Thai text has real width (no zero-width or tofu fallback): measure it in a canvas
    with the page font against a string of the same length of a missing glyph."""
    return page.evaluate("""(text) => {
        const c = document.createElement('canvas').getContext('2d');
        c.font = '20px Sarabun';
        const thai = c.measureText(text).width;
        const tofu = c.measureText('\\u{10FFFD}'.repeat([...text].length)).width;
        return thai > 0 && Math.abs(thai - tofu) > 1;
    }""", text)


def test_public_check_in_thai_then_english(browser_page, live_server, shot):
    page, base, world = browser_page, live_server["url"], live_server["world"]
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "th"
    assert _thai_font_ready(page)
    assert _glyphs_render(page, "บัญชีนี้ถูกแจ้งว่าเป็นบัญชีมิจฉาชีพ")
    shot(page, "home-th-desktop")

    page.select_option("#check-type", "bank_account")
    page.select_option("#check-bank", "014")
    page.fill("#check-value", "987-6-54321-0")
    page.click("form.check-form button[type=submit]")
    verdict = page.locator("#check-result .verdict")
    verdict.wait_for()
    assert verdict.get_attribute("data-outcome") == "high"
    assert "บัญชีนี้ถูกแจ้งว่าเป็นบัญชีมิจฉาชีพ — อย่าโอน" in verdict.inner_text()
    # progressive enhancement: HTMX answered in place, the URL did not change
    assert page.url.rstrip("/") == base
    shot(page, "check-high-th-desktop")

    page.click("[data-lang=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    page.select_option("#check-type", "phone")
    assert page.locator(".bank-field").is_hidden()
    page.fill("#check-value", "0899999999")
    page.click("form.check-form button[type=submit]")
    page.locator("#check-result .verdict").wait_for()
    assert page.locator("#check-result .verdict").get_attribute("data-outcome") == "none"
    assert "No reports" in page.locator("#check-result").inner_text()
    # the language sticks (cookie)
    page.goto(base + "/check")
    assert page.locator("html").get_attribute("lang") == "en"


def test_public_check_without_javascript(chromium, live_server, shot):
    context = chromium.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(live_server["url"] + "/check")
        page.select_option("#check-type", "phone")
        page.fill("#check-value", "065-111-2233")
        page.click("form.check-form button[type=submit]")
        page.wait_for_load_state()
        assert page.url.endswith("/check")
        verdict = page.locator(".verdict")
        assert verdict.get_attribute("data-outcome") == "high"
        shot(page, "check-high-th-phone-nojs")
    finally:
        context.close()


def _no_horizontal_overflow(page) -> bool:
    """Nothing sticks out sideways at this width (tables scroll inside their own box)."""
    wide = page.evaluate("""() => {
        const w = window.innerWidth;
        if (document.documentElement.scrollWidth <= w + 1) return [];
        return [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-scroll'))
            .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
    }""")
    assert not wide, f"sticks out at {page.viewport_size['width']}px: {wide}"
    return True


def _sign_in(page, base, username="aoc-analyst"):
    page.goto(base + "/app/")
    assert "/app/login" in page.url
    page.fill("#username", username)
    page.fill("#password", "correct horse battery")
    page.click("form button[type=submit]")
    page.wait_for_url(base + "/app/")


def test_submit_a_report(browser_page, live_server, shot):
    page, base = browser_page, live_server["url"]
    page.goto(base + "/report")
    assert _thai_font_ready(page)
    page.select_option("#scam_type", "investment")
    page.fill("#loss_thb", "120000")
    page.fill("#victim_phone", "0898765432")
    page.select_option("#victim_province", "Chiang Mai")
    page.select_option("#contact_type_0", "line_id")
    page.fill("#contact_value_0", "@rich-fast-invest")
    page.select_option("#contact_type_1", "url")
    page.fill("#contact_value_1", "https://rich-fast-invest.example/app")
    page.fill("#transfer_ts_0", "2025-03-01T10:15")
    page.select_option("#transfer_to_bank_0", "004")
    page.fill("#transfer_to_account_0", "111-2-33333-4")
    page.fill("#transfer_amount_0", "120000")
    page.fill("#narrative", "เพื่อนในเฟซบุ๊กชวนลงทุนคริปโต บอกว่าได้กำไรวันละ 5%")
    shot(page, "report-form-th-desktop")
    page.click("form.report-form button[type=submit]")
    page.locator("#report-id").wait_for()
    assert page.locator("#report-id").inner_text().startswith("ZR-")
    assert page.locator("#status-token").inner_text()
    text = page.locator("main").inner_text()
    assert "1441" in text and "72 ชั่วโมง" in text
    shot(page, "report-done-th-desktop")


def test_sign_in_and_dashboard(browser_page, live_server, shot):
    page, base = browser_page, live_server["url"]
    _sign_in(page, base)
    assert page.evaluate("typeof Chart !== 'undefined' && !!Chart.getChart('chart-per-day')")
    assert page.evaluate("Chart.getChart('chart-per-day').data.datasets[0].data.reduce((a, b) => a + b, 0)") >= 20
    assert page.evaluate("!!Chart.getChart('chart-by-type')")
    assert page.locator("#kpi-reports").inner_text().strip() != "0"
    assert _glyphs_render(page, "ภาพรวมระดับประเทศ")
    shot(page, "dashboard-th-desktop")
    page.click("[data-lang=en]")
    assert "National dashboard" in page.locator("h1").inner_text()
    shot(page, "dashboard-en-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    assert _no_horizontal_overflow(page)
    shot(page, "dashboard-en-phone")


def test_entity_graph_and_report_page(browser_page, live_server, shot):
    page, base = browser_page, live_server["url"]
    _sign_in(page, base)
    page.goto(base + "/app/entity?kind=bank_account&value=014-9876543210")
    assert page.locator("#entity-risk").get_attribute("class").endswith("risk-high")
    page.locator("#entity-graph canvas").first.wait_for()
    nodes = page.evaluate("document.querySelectorAll('#entity-graph canvas').length")
    assert nodes >= 1
    assert "RING-T1" in page.locator("#entity-ring").inner_text()
    if live_server["world"].get("loaded") is not None:  # the tiny AXF example's report names this account
        assert "R-000123" in page.locator("main").inner_text()
    shot(page, "entity-th-desktop")
    page.click("#links-table a[href^='/app/reports/']")
    page.wait_for_url("**/app/reports/ZR-*")
    assert page.locator("h1 .mono").inner_text().startswith("ZR-")
    shot(page, "report-detail-th-desktop")


def test_bank_confirms_a_hold_and_the_timer_runs(browser_page, live_server, shot):
    page, base = browser_page, live_server["url"]
    _sign_in(page, base, "scb-ops")
    page.goto(base + "/app/holds?lang=en")
    row = page.locator("tr[id^=hold-]").first
    hold_id = row.get_attribute("id")
    row.locator("input[name=amount_held_thb]").fill("7500")
    row.locator("button[type=submit]").first.click()
    page.wait_for_url("**/app/holds?done=confirmed")
    confirmed = page.locator(f"#{hold_id}")
    assert "Held (72 h)" in confirmed.inner_text()
    timer = confirmed.locator(".countdown")
    first = timer.inner_text()
    page.wait_for_timeout(1500)
    assert timer.inner_text() != first  # ticking, in the browser
    assert re.fullmatch(r"2d 2[23]h \d\dm \d\ds left", timer.inner_text()), timer.inner_text()  # 72 h from now
    shot(page, "holds-en-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    assert _no_horizontal_overflow(page)
    shot(page, "holds-en-phone")
    shot(page, "holds-en-phone-top", full_page=False)


@pytest.mark.parametrize("path", ["/", "/report", "/check", "/app/login"])
def test_public_pages_fit_a_phone(chromium, live_server, shot, path):
    context = chromium.new_context(viewport=PHONE, locale="th-TH")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(live_server["url"] + path)
        assert _no_horizontal_overflow(page)
        assert _thai_font_ready(page)
        shot(page, "phone" + (path.replace("/", "-").rstrip("-") or "-home"))
        assert not errors
    finally:
        context.close()


def test_wrong_password_is_explained(chromium, live_server, shot):
    """A refused sign-in shows the reason in Thai; the only console line allowed is the
    browser's own note of the 401 status."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(live_server["url"] + "/app/login")
        page.fill("#username", "aoc-analyst")
        page.fill("#password", "not the password")
        page.click("form button[type=submit]")
        page.locator("#login-error").wait_for()
        assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in page.locator("#login-error").inner_text()
        shot(page, "login-failed-th-desktop")
        assert [e for e in errors if "status of 401" not in e] == []
    finally:
        context.close()
