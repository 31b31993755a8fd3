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
