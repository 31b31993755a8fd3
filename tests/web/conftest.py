"""Fixtures for the web pages: a seeded world, a signed-in client, a live server and
a real browser (Debian's headless Chromium through Playwright).

The live server is uvicorn in a thread on a free 127.0.0.1 port against a temporary
ZEROSCAM_HOME (SQLite): a police and a bank org with staff logins, the hand-made
tiny AXF example loaded through `zeroscam load`'s pipeline, risk evidence, and a
fortnight of victim reports made through the reports service (with their holds).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from webhelpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, csrf_of, login, seed_reports, seed_world



@pytest.fixture
def web_app(settings, db_url):
    """The app on the test database (SQLite and PostgreSQL), seeded."""
    from zeroscam.app import create_app
    from zeroscam.members.auth import key_cache

    key_cache.clear()
    world = seed_world(db_url, settings.alliance_key())
    app = create_app(settings)
    app.state.test_world = world
    return app


@pytest.fixture
def client(web_app):
    from fastapi.testclient import TestClient

    with TestClient(web_app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def staff_client(client):
    r = login(client)
    assert r.status_code == 303, r.text
    return client


# --- the live server and the browser ----------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tiny_example() -> Path | None:
    """The hand-made AXF example (../shared/examples/tiny beside the repository), if present."""
    root = Path(__file__).resolve().parents[2]
    for candidate in (root.parent / "shared" / "examples" / "tiny", root / "shared" / "examples" / "tiny"):
        if (candidate / "reports.jsonl").exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """uvicorn in a thread on 127.0.0.1:<free port>, SQLite under a temp ZEROSCAM_HOME, with the
    tiny AXF example loaded by `zeroscam load`'s pipeline (when shared/ is there), staff logins,
    risk evidence, a fortnight of reports and a rings.json. One per test module."""
    import json

    import uvicorn

    from zeroscam.app import create_app
    from zeroscam.config import Settings, reset_settings
    from zeroscam.kit.db import dispose_engines, migrate

    home = tmp_path_factory.mktemp("live") / "home"
    secret = "browser-test-secret-0123456789abcdef"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZEROSCAM_HOME", str(home))
        mp.delenv("ZEROSCAM_DATABASE_URL", raising=False)
        mp.setenv("ZEROSCAM_ALLIANCE_SECRET", secret)
        mp.setenv("ZEROSCAM_TESTING", "1")
        reset_settings()
        settings = Settings(home=home, alliance_secret=secret, testing=True)
        settings.ensure_home()
        migrate(settings.relational_url)
        world = seed_world(settings.relational_url, settings.alliance_key())
        tiny = _tiny_example()
        if tiny is not None:
            from zeroscam.ingest.pipeline import load

            world["loaded"] = load(settings, tiny)
        world["reports"] = seed_reports(settings.relational_url, settings.alliance_key())
        settings.analytics_dir.mkdir(parents=True, exist_ok=True)
        (settings.analytics_dir / "rings.json").write_text(json.dumps({"evidence": "test", "rings": [{
            "ring_id": "RING-T1", "money_in_thb": 35000.0, "money_out_thb": 20000.0, "money_held_thb": 15000.0,
            "reports": ["R-000123"], "loss_thb": 35000.0,
            "members": {"collector_accounts": [world["scam_account"]], "cash_out_accounts": [world["alert_account"]],
                        "sim_farm": [world["scam_phone"]], "nominee_holders": ["1101700230708"]}}]}))
        app = create_app(settings)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                               access_log=False, lifespan="on"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        try:
            yield {"url": f"http://127.0.0.1:{port}", "world": world, "settings": settings}
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            dispose_engines()
            reset_settings()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium through Playwright; skipped when missing unless ZEROSCAM_REQUIRE_BROWSER=1."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("ZEROSCAM_REQUIRE_BROWSER", "") in ("1", "true", "yes"):
            pytest.fail(f"{CHROMIUM} is required (ZEROSCAM_REQUIRE_BROWSER=1) but missing")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium fonts-thai-tlwg)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class ConsoleWatch:
    """Collects console errors, page errors and failed requests of one page."""

    def __init__(self, page, base_url: str):
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        # a request the browser itself cancelled (the page navigated on, or the context closed,
        # before e.g. the favicon arrived: net::ERR_ABORTED) is not the app failing
        page.on("requestfailed", lambda r: None if "ERR_ABORTED" in str(r.failure) else
                self.errors.append(f"requestfailed: {r.url} {r.failure}"))

        def on_request(request):
            if not request.url.startswith(base_url) and not request.url.startswith(("data:", "blob:", "about:")):
                self.outside.append(request.url)

        page.on("request", on_request)

    def assert_clean(self):
        assert not self.outside, f"requests left the server: {self.outside}"
        assert not self.errors, "browser errors:\n" + "\n".join(self.errors)


@pytest.fixture
def browser_page(chromium, live_server, request):
    """A fresh browser context at desktop size; fails the test on any console error."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    page = context.new_page()
    watch = ConsoleWatch(page, live_server["url"])
    page.watch = watch
    try:
        yield page
        watch.assert_clean()
    finally:
        context.close()


def _shot(page, name: str, full_page: bool = True) -> Path:
    """Keep a screenshot as a test artefact (test-artifacts/web/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def shot():
    """`shot(page, name)`: save a screenshot under test-artifacts/web/."""
    return _shot


@pytest.fixture
def csrf():
    """`csrf(html)`: the CSRF token of a page's forms."""
    return csrf_of


@pytest.fixture
def password():
    return PASSWORD
