"""The app factory: health, problem JSON, auth, OpenAPI."""

from __future__ import annotations


def test_health_is_200_when_migrated(app_client):
    r = app_client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_openapi_lists_check(app_client):
    spec = app_client.get("/openapi.json").json()
    assert "/v1/check" in spec["paths"]


def test_no_key_is_401_problem_json(app_client):
    r = app_client.post("/v1/check", json={"items": [{"type": "phone", "value": "0812345678"}]})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 401


def test_wrong_key_is_401(app_client, make_org, auth):
    _, key = make_org()
    r = app_client.get("/v1/me", headers=auth(key + "x"))
    assert r.status_code == 401
    r = app_client.get("/v1/me", headers=auth("garbage"))
    assert r.status_code == 401


def test_me_with_key(app_client, make_org, auth):
    org, key = make_org("SCB", "bank", bank_codes=["14"])
    r = app_client.get("/v1/me", headers=auth(key))
    assert r.status_code == 200
    assert r.json() == {"id": org.id, "name": "SCB", "type": "bank", "bank_codes": ["014"], "operator": None}


def test_malformed_json_is_422_json(app_client, make_org, auth):
    _, key = make_org()
    r = app_client.post("/v1/check", content=b"{not json", headers={**auth(key), "content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["status"] == 422


def test_unknown_path_is_problem_404(app_client):
    r = app_client.get("/no/such/thing")
    assert r.status_code == 404
    assert r.json()["status"] == 404


def test_health_is_503_until_migrated(empty_db_url, tmp_path):
    from fastapi.testclient import TestClient

    from zeroscam.app import create_app
    from zeroscam.config import Settings
    from zeroscam.kit.db import migrate

    app = create_app(Settings(home=tmp_path / "h", database_url=empty_db_url, alliance_secret="s" * 32,
                              testing=True))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/health").status_code == 503
        migrate(empty_db_url)
        assert client.get("/health").status_code == 200


def test_workers_reload_in_the_background(db_url):
    """A worker's cache notices a new risk version and swaps in the new entries."""
    import time
    from datetime import datetime

    from zeroscam.check import service
    from zeroscam.check.cache import RiskCache
    from zeroscam.kit.db import get_engine, session_factory

    cache = RiskCache(get_engine(db_url), interval=0.0, background=True)
    cache.load()
    assert cache.get("phone", "+66811111111") is None
    with session_factory(db_url)() as s:
        service.add_signal(s, "phone", "+66811111111", "member_confirmation", 0.95, "member_confirmation",
                           datetime(2025, 3, 1), org_id=None)
        service.refresh_risk(s, [("phone", "+66811111111")])
        s.commit()
    deadline = time.monotonic() + 30
    while cache.get("phone", "+66811111111") is None and time.monotonic() < deadline:
        cache.refresh_if_stale()
        time.sleep(0.05)
    assert cache.get("phone", "+66811111111")["risk"] == "high"
