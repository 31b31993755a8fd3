"""The OASIS taxii2-client walks every collection of a real server (uvicorn on 127.0.0.1), paging,
and every object it receives passes the OASIS stix2-validator."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import ApiRoot, Server, as_pages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(app):
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _walk(collection, per_page: int) -> list[dict]:
    objects, pages = [], 0
    for envelope in as_pages(collection.get_objects, per_request=per_page):
        pages += 1
        got = envelope.get("objects", [])
        assert len(got) <= per_page
        objects += got
    manifest = [m["id"] for env in as_pages(collection.get_manifest, per_request=per_page)
                for m in env.get("objects", [])]
    assert manifest == [o["id"] for o in objects]
    return objects


@pytest.mark.parametrize("reader,auth", [("police-x", "basic"), ("bank-a", "bearer"), ("public-x", "basic")])
def test_taxii2client_walks_every_collection(live_server, world, reader, auth):
    import requests

    key, org = world.keys[reader], world.orgs[reader]
    if auth == "basic":
        server = Server(f"{live_server}/taxii2/", user=org.name, password=key)
    else:
        class Bearer(requests.auth.AuthBase):
            def __call__(self, r):
                r.headers["Authorization"] = f"Bearer {key}"
                return r

        server = Server(f"{live_server}/taxii2/", auth=Bearer())
    assert server.title
    api_root: ApiRoot = server.default
    assert "application/taxii+json;version=2.1" in api_root.versions
    options = ValidationOptions(version="2.1")
    walked, total = 0, 0
    for collection in api_root.collections:
        if not collection.can_read:
            continue
        objects = _walk(collection, per_page=3)
        walked += 1
        total += len(objects)
        assert len({(o["id"], o.get("modified")) for o in objects}) == len(objects)
        for obj in objects:
            result = validate_instance(obj, options)
            assert result.is_valid, (obj["id"], [str(e) for e in result.errors])
        if objects:
            one = collection.get_object(objects[-1]["id"])
            assert one["objects"][0]["id"] == objects[-1]["id"]
    assert walked == 1 if reader == "public-x" else walked >= 5
    assert total > 10


def test_taxii2client_posts_a_bundle(live_server, world, make_indicator):
    org, key = world.orgs["telco-x"], world.keys["telco-x"]
    from zeroscam.sharing.tlp import Level

    server = Server(f"{live_server}/taxii2/", user=str(org.id), password=key)
    submissions = next(c for c in server.default.collections if c.can_write)
    status = submissions.add_objects({"objects": [
        make_indicator("[phone-number:value = '0833333333']", Level.GREEN, labels=["suspended_sim"])]})
    assert status.status == "complete" and status.success_count == 1
    status.refresh()
    assert status.total_count == 1


def test_blind_lookup_command_against_a_live_server(live_server, world):
    from typer.testing import CliRunner

    from zeroscam.cli.main import app

    result = CliRunner().invoke(app, ["sharing", "blind-lookup", "--url", live_server, "--key",
                                      world.keys["police-x"], "phone=0899999999", "phone=0800000001",
                                      "bank_account=004-555-555555-5"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("{")]  # the server's log lines
    assert lines == ["phone\t0899999999\tlisted", "phone\t0800000001\tnot listed",
                                          "bank_account\t004-555-555555-5\tlisted"]


def test_concurrent_posts_of_the_same_intelligence(live_server, world, make_indicator):
    """Two workers' worth of simultaneous posts of the same identifiers: every one is answered 202."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from zeroscam.sharing.tlp import Level

    key = world.keys["bank-b"]
    url = f"{live_server}/taxii2/api1/collections/submissions/objects/"
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/taxii+json;version=2.1",
               "Content-Type": "application/taxii+json;version=2.1"}

    def post(i):
        body = {"objects": [make_indicator("[bank-account:account_number = '004-8888888888']", Level.GREEN),
                            make_indicator("[phone-number:value = '0866666666']", Level.GREEN)]}
        return requests.post(url, json=body, headers=headers, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(post, range(8)))
    assert codes == [202] * 8
    r = requests.get(f"{live_server}/taxii2/api1/collections/community/objects/", headers=headers,
                     params={"match[type]": "indicator", "limit": 1000}, timeout=60).json()
    mine = [o for o in r["objects"] if "+66866666666" in o["pattern"]]
    assert len(mine) == 1  # one latest version of one indicator, however the posts interleaved
