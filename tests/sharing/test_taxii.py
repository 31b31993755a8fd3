"""TAXII 2.1 endpoints in process: media types, auth, filters, paging, versions, manifest, status, TLP."""

from __future__ import annotations

import base64

import pytest
from stix2validator import ValidationOptions, validate_instance

from zeroscam.sharing.tlp import Level

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/api1"


def hdr(key, **extra):
    return {"Authorization": f"Bearer {key}", "Accept": TAXII, **extra}


def basic(user, key):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode(), "Accept": TAXII}


def readable_objects(client, headers) -> dict[str, dict]:
    """Every object (latest versions) in every collection the caller may read, by id."""
    seen = {}
    colls = client.get(f"{ROOT}/collections/", headers=headers).json()["collections"]
    for c in colls:
        if not c["can_read"]:
            assert client.get(f"{ROOT}/collections/{c['id']}/objects/", headers=headers).status_code == 403
            continue
        nxt = None
        while True:
            params = {"limit": 100} | ({"next": nxt} if nxt else {})
            r = client.get(f"{ROOT}/collections/{c['id']}/objects/", headers=headers, params=params)
            assert r.status_code == 200, r.text
            body = r.json()
            for o in body.get("objects", []):
                seen[o["id"]] = o
            if not body["more"]:
                break
            nxt = body["next"]
    return seen


def test_unauthenticated_is_401(app_client):
    for path in ("/taxii2/", f"{ROOT}/", f"{ROOT}/collections/"):
        r = app_client.get(path, headers={"Accept": TAXII})
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/taxii+json")
        assert "Basic" in r.headers["www-authenticate"]
    assert app_client.get("/taxii2/", headers={"Authorization": "Bearer nope", "Accept": TAXII}).status_code == 401


def test_collections_list_only_what_the_org_may_use(app_client, world):
    public = [c["alias"] for c in app_client.get(f"{ROOT}/collections/", headers=hdr(world.keys["public-x"])).json()
              ["collections"]]
    assert public == ["public"]
    telco = [c["alias"] for c in app_client.get(f"{ROOT}/collections/", headers=hdr(world.keys["telco-x"])).json()
             ["collections"]]
    assert "banks" not in telco and {"telcos", "community", "submissions"} <= set(telco)
    assert app_client.get(f"{ROOT}/collections/banks/objects/", headers=hdr(world.keys["telco-x"])).status_code == 403
    assert app_client.get(f"{ROOT}/collections/nope/objects/", headers=hdr(world.keys["telco-x"])).status_code == 404


def test_discovery_api_root_and_auth_schemes(app_client, world):
    key, org = world.keys["bank-a"], world.orgs["bank-a"]
    for headers in (hdr(key), basic(org.name, key), basic(str(org.id), key)):
        r = app_client.get("/taxii2/", headers=headers)
        assert r.status_code == 200 and r.headers["content-type"] == TAXII
        assert r.json()["default"].endswith("/taxii2/api1/")
    assert app_client.get("/taxii2/", headers=basic("bank-b", key)).status_code == 401  # another org's name
    root = app_client.get(f"{ROOT}/", headers=hdr(key)).json()
    assert TAXII in root["versions"] and root["max_content_length"] > 0
    assert app_client.get("/taxii2/nope/", headers=hdr(key)).status_code == 404


def test_accept_and_content_type(app_client, world):
    key = world.keys["bank-a"]
    assert app_client.get(f"{ROOT}/", headers=hdr(key, Accept="application/xml")).status_code == 406
    assert app_client.get(f"{ROOT}/", headers=hdr(key, Accept="application/taxii+json;version=2.0")).status_code == 406
    assert app_client.get(f"{ROOT}/", headers=hdr(key, Accept="application/taxii+json")).status_code == 200
    url = f"{ROOT}/collections/submissions/objects/"
    r = app_client.post(url, headers=hdr(key, **{"Content-Type": "application/json"}), content=b'{"objects": []}')
    assert r.status_code == 415
    r = app_client.post(url, headers=hdr(key, **{"Content-Type": TAXII}), content=b"not json")
    assert r.status_code == 400
    r = app_client.post(f"{ROOT}/collections/public/objects/", headers=hdr(key, **{"Content-Type": TAXII}),
                        content=b'{"objects": []}')
    assert r.status_code == 403  # not a writable collection


def test_every_served_object_is_valid_stix(app_client, world):
    options = ValidationOptions(version="2.1")
    objs = readable_objects(app_client, hdr(world.keys["police-x"]))
    types = {o["type"] for o in objs.values()}
    assert {"indicator", "identity", "marking-definition", "extension-definition", "bank-account",
            "phone-number", "url", "intrusion-set", "relationship"} <= types
    for o in objs.values():
        result = validate_instance(o, options)
        assert result.is_valid, (o["id"], [str(e) for e in result.errors])
    # No raw account number anywhere in what is served.
    text = str(list(objs.values()))
    for digits in ("1111111111", "5555555555", "3333333333"):
        assert digits not in text


def _pattern_visible(objs, fragment: str) -> bool:
    return any(fragment in o.get("pattern", "") for o in objs.values() if o["type"] == "indicator")


def _token_pattern(level_fragment, account_token):
    """Account indicators are served by token: map the account number of the fixture to its token."""
    if "account_number" in level_fragment:
        return account_token(level_fragment.split("'")[1])
    return level_fragment


# Who reads each level (the producer is bank-a; the RED indicator names police-x).
EXPECTED = {
    Level.CLEAR: {"bank-a", "bank-b", "telco-x", "police-x", "regulator-x", "platform-x", "public-x"},
    Level.GREEN: {"bank-a", "bank-b", "telco-x", "police-x", "regulator-x", "platform-x"},
    Level.AMBER: {"bank-a", "bank-b", "police-x", "regulator-x"},          # an account: banks + oversight
    Level.AMBER_STRICT: {"bank-a"},
    Level.RED: {"bank-a", "police-x"},
}


@pytest.mark.parametrize("level", list(Level))
def test_who_reads_each_tlp_level(app_client, world, level, account_token):
    fragment, _producer = world.marked[level]
    needle = _token_pattern(fragment, account_token)
    for name, key in world.keys.items():
        objs = readable_objects(app_client, hdr(key))
        assert _pattern_visible(objs, needle) is (name in EXPECTED[level]), (level, name)


def test_amber_numbers_go_to_telcos_not_banks(app_client, world, make_indicator):
    from zeroscam.kit.db import session_factory
    from zeroscam.members.models import Org
    from zeroscam.sharing import service

    ALLIANCE_KEY = app_client.app.state.alliance_key

    with session_factory(app_client.app.state.settings.relational_url)() as s:
        telco = s.get(Org, world.orgs["telco-x"].id)
        out = service.ingest_envelope(s, telco, [make_indicator("[phone-number:value = '0822222222']", Level.AMBER,
                                                               labels=["suspended_sim"])], alliance_key=ALLIANCE_KEY)
        assert not out.failures
        s.commit()
    for name, ok in [("bank-b", False), ("telco-x", True), ("police-x", True), ("public-x", False),
                     ("platform-x", False)]:
        objs = readable_objects(app_client, hdr(world.keys[name]))
        assert _pattern_visible(objs, "+66822222222") is ok, name


def test_filters_paging_and_manifest(app_client, world):
    h = hdr(world.keys["police-x"])
    url = f"{ROOT}/collections/community/objects/"
    everything = app_client.get(url, headers=h, params={"limit": 1000}).json()["objects"]
    assert len(everything) >= 5
    # Paging: limit/more/next visits every object once, in order.
    got, nxt = [], None
    while True:
        r = app_client.get(url, headers=h, params={"limit": 2} | ({"next": nxt} if nxt else {}))
        body = r.json()
        assert len(body.get("objects", [])) <= 2
        got += [o["id"] for o in body.get("objects", [])]
        assert r.headers.get("X-TAXII-Date-Added-First")
        if not body["more"]:
            assert "next" not in body
            break
        nxt = body["next"]
    assert got == [o["id"] for o in everything]
    # match[type], match[id]
    inds = app_client.get(url, headers=h, params={"match[type]": "indicator"}).json()["objects"]
    assert inds and all(o["type"] == "indicator" for o in inds)
    one = app_client.get(url, headers=h, params={"match[id]": inds[0]["id"]}).json()["objects"]
    assert [o["id"] for o in one] == [inds[0]["id"]]
    assert app_client.get(url, headers=h, params={"match[spec_version]": "2.0"}).json().get("objects") is None
    # added_after beyond the newest → nothing
    last = app_client.get(url, headers=h, params={"limit": 1000}).headers["X-TAXII-Date-Added-Last"]
    body = app_client.get(url, headers=h, params={"added_after": last}).json()
    assert body == {"more": False}
    # Manifest matches objects.
    man = app_client.get(f"{ROOT}/collections/community/manifest/", headers=h, params={"limit": 1000}).json()
    assert [m["id"] for m in man["objects"]] == [o["id"] for o in everything]
    assert all(m["media_type"] == "application/stix+json;version=2.1" for m in man["objects"])
    # Bad parameters are 400s, not 500s.
    assert app_client.get(url, headers=h, params={"limit": "x"}).status_code == 400
    assert app_client.get(url, headers=h, params={"added_after": "yesterday"}).status_code == 400
    assert app_client.get(url, headers=h, params={"next": "!!!"}).status_code == 400


def test_post_versions_single_object_and_status(app_client, world, make_indicator, account_token):
    key = world.keys["bank-b"]
    ind = make_indicator("[bank-account:account_number = '004-7777777777']", Level.GREEN, confidence=70)
    bad = {"type": "malware", "spec_version": "2.1", "id": "malware--2b6b1f5a-0a3b-4b33-8f5c-9a3f1e1d2c3b"}
    r = app_client.post(f"{ROOT}/collections/submissions/objects/", headers=hdr(key, **{"Content-Type": TAXII}),
                        json={"objects": [ind, bad]})
    assert r.status_code == 202, r.text
    status = r.json()
    assert status["status"] == "complete" and status["success_count"] == 1 and status["failure_count"] == 1
    assert status["failures"][0]["id"] == bad["id"]
    got = app_client.get(f"{ROOT}/status/{status['id']}/", headers=hdr(key)).json()
    assert got["id"] == status["id"]
    # Another org cannot read this status.
    assert app_client.get(f"{ROOT}/status/{status['id']}/", headers=hdr(world.keys["bank-a"])).status_code == 404
    # The member's indicator now exists in the community feed (GREEN); a second sighting makes a new version.
    h = hdr(world.keys["police-x"])
    tok = account_token("004-7777777777")
    objs = app_client.get(f"{ROOT}/collections/community/objects/", headers=h,
                          params={"match[type]": "indicator", "limit": 1000}).json()["objects"]
    mine = [o for o in objs if tok in o["pattern"]]
    assert len(mine) == 1
    oid = mine[0]["id"]
    sighting = {"type": "sighting", "spec_version": "2.1", "id": "sighting--6b0e5a11-1c8f-4a0c-9d5c-2f9d6c1b9e01",
                "created": mine[0]["created"], "modified": mine[0]["created"], "sighting_of_ref": oid, "count": 1}
    r = app_client.post(f"{ROOT}/collections/submissions/objects/",
                        headers=hdr(world.keys["bank-a"], **{"Content-Type": TAXII}), json={"objects": [sighting]})
    assert r.json()["success_count"] == 1, r.json()
    versions = app_client.get(f"{ROOT}/collections/community/objects/{oid}/versions/", headers=h).json()
    assert len(versions["versions"]) == 2 and versions["versions"] == sorted(versions["versions"])
    first = app_client.get(f"{ROOT}/collections/community/objects/{oid}/", headers=h,
                           params={"match[version]": "first"}).json()["objects"]
    last = app_client.get(f"{ROOT}/collections/community/objects/{oid}/", headers=h).json()["objects"]
    assert first[0]["modified"] == versions["versions"][0] and last[0]["modified"] == versions["versions"][1]
    assert last[0]["confidence"] > first[0]["confidence"]  # a confirmation moved confidence
    every = app_client.get(f"{ROOT}/collections/community/objects/{oid}/", headers=h,
                           params={"match[version]": "all"}).json()["objects"]
    assert len(every) == 2
    # Unknown object: 404; an object the reader may not see: 404 as well.
    assert app_client.get(f"{ROOT}/collections/community/objects/indicator--00000000-0000-4000-8000-000000000000/",
                          headers=h).status_code == 404


def test_member_token_post_merges_with_platform_indicator(app_client, world, account_token):
    """A bank that knows only the token (it holds the alliance key) confirms the platform's AMBER account."""
    h = hdr(world.keys["bank-b"])
    tok = account_token("004-5555555555")
    objs = app_client.get(f"{ROOT}/collections/banks/objects/", headers=h,
                          params={"match[type]": "indicator", "limit": 1000}).json()["objects"]
    ours = next(o for o in objs if tok in o["pattern"])
    assert ours["created_by_ref"] == "identity--37134c55-8e41-4cfe-a227-2e53de00cb57"
    post = {"type": "bank-account", "spec_version": "2.1", "account_token": tok, "bank_code": "004",
            "id": "bank-account--8c1a3e5e-3d0b-5e1f-9a8e-0c2b4d6f8a1c",
            "object_marking_refs": [Level.AMBER.marking_id]}
    r = app_client.post(f"{ROOT}/collections/submissions/objects/", headers=h | {"Content-Type": TAXII},
                        json={"objects": [post]})
    assert r.json()["success_count"] == 1, r.json()
    after = app_client.get(f"{ROOT}/collections/banks/objects/{ours['id']}/", headers=h).json()["objects"][0]
    assert after["confidence"] > ours["confidence"] and after["modified"] > ours["modified"]
    sightings = app_client.get(f"{ROOT}/collections/banks/objects/", headers=h,
                               params={"match[type]": "sighting"}).json()["objects"]
    assert any(s["sighting_of_ref"] == ours["id"] for s in sightings)
    # The token resolved to the account the platform knows, so the check API heard the bank too.
    res = app_client.post("/v1/check", headers={"Authorization": f"Bearer {world.keys['bank-b']}"},
                          json={"items": [{"type": "bank_account", "value": "004-5555555555"}]}).json()["results"][0]
    assert "member_confirmed_mule" in res["reasons"]


def test_reads_are_audited(app_client, world, db_url):
    from sqlalchemy import select

    from zeroscam.audit.models import AuditEntry
    from zeroscam.kit.db import session_factory

    org = world.orgs["telco-x"]
    app_client.get(f"{ROOT}/collections/community/objects/", headers=hdr(world.keys["telco-x"]))
    with session_factory(db_url)() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "sharing.read")).all()
    assert [(r.actor, r.subject) for r in rows] == [(f"org:{org.id}", "taxii:community")]
    assert rows[0].detail["objects"] > 0
