"""The pages in a real browser: Debian's headless Chromium driven by Playwright.

Each test fails on any console error, page error, failed request or request that
leaves the server. Screenshots are kept in test-artifacts/web/.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _thai_font_ready(page) -> bool:
    """The Thai web font (Sarabun from npm) is loaded and used for Thai text."""
    return page.evaluate("""async () => {
        await document.fonts.ready;
        return document.fonts.check('16px Sarabun', 'ตรวจสอบ');
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
