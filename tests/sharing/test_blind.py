"""Blind lookups: OPRF evaluation endpoint, membership via prefix buckets, TLP in the set, rate limits."""

from __future__ import annotations

import pytest

from zeroscam.sharing import oprf
from zeroscam.sharing.blind import BlindClient, input_for


def test_client_finds_listed_identifiers_and_only_those(app_client, world):
    police = BlindClient(app_client, world.keys["police-x"], prefix_digits=1)
    items = [("bank_account", "004-555-555555-5"), ("phone", "0899999999"), ("bank_account", "014-1111111111"),
             ("url", "HTTP://Clear-Scam.example/pay"), ("phone", "0800000000"), ("bank_account", "014-9999999999")]
    assert police.lookup_many(items) == [True, True, True, True, False, False]


def test_the_set_honours_tlp(app_client, world):
    # RED account named for police-x only; AMBER+STRICT for bank-a only; AMBER accounts not for telcos.
    red, strict, amber = ("bank_account", "014-3333333333"), ("bank_account", "014-2222222222"), \
        ("bank_account", "014-1111111111")
    for reader, expected in [("police-x", [True, False, True]), ("bank-a", [True, True, True]),
                             ("bank-b", [False, False, True]), ("telco-x", [False, False, False]),
                             ("public-x", [False, False, False])]:
        client = BlindClient(app_client, world.keys[reader], prefix_digits=0)
        assert client.lookup_many([red, strict, amber]) == expected, reader


def test_server_sees_only_blinded_elements(app_client, world):
    """Two lookups of the same value send unrelated elements; the answer is the same PRF output."""
    key = world.keys["bank-b"]
    inp = input_for("phone", "+66899999999")
    outs, sent = [], []
    for _ in range(2):
        r, blinded = oprf.blind(inp)
        sent.append(blinded.hex())
        resp = app_client.post("/v1/blind/evaluate", headers={"Authorization": f"Bearer {key}"},
                               json={"elements": [blinded.hex()]})
        assert resp.status_code == 200
        outs.append(oprf.finalize(inp, r, bytes.fromhex(resp.json()["evaluated"][0])))
    assert sent[0] != sent[1] and outs[0] == outs[1]
    assert inp.hex() not in "".join(sent)


def test_bad_requests(app_client, world):
    h = {"Authorization": f"Bearer {world.keys['bank-b']}"}
    assert app_client.post("/v1/blind/evaluate", json={"elements": ["00" * 32]}).status_code == 401
    assert app_client.post("/v1/blind/evaluate", headers=h, json={"elements": ["zz"]}).status_code == 422
    assert app_client.post("/v1/blind/evaluate", headers=h, json={"elements": ["00" * 32]}).status_code == 422
    assert app_client.post("/v1/blind/evaluate", headers=h, json={"elements": []}).status_code == 422
    assert app_client.post("/v1/blind/evaluate", headers=h, json={"elements": ["ab" * 32] * 101}).status_code == 422
    assert app_client.get("/v1/blind/set", headers=h, params={"prefix": "xyz"}).status_code == 422
    assert app_client.get("/v1/blind/set", headers=h, params={"prefix": "abcde"}).status_code == 422


def test_rate_limit_per_member(app_client, world):
    app_client.app.state.blind_per_hour = 5
    h = {"Authorization": f"Bearer {world.keys['bank-b']}"}
    elements = [oprf.blind(b"x%d" % i)[1].hex() for i in range(6)]
    assert app_client.post("/v1/blind/evaluate", headers=h, json={"elements": elements[:3]}).status_code == 200
    assert app_client.post("/v1/blind/evaluate", headers=h, json={"elements": elements[3:6]}).status_code == 429
    assert app_client.post("/v1/blind/evaluate", headers=h, json={"elements": elements[3:5]}).status_code == 200
    assert app_client.post("/v1/blind/evaluate", headers=h, json={"elements": elements[5:6]}).status_code == 429
    # Another member has its own budget.
    other = {"Authorization": f"Bearer {world.keys['bank-a']}"}
    assert app_client.post("/v1/blind/evaluate", headers=other, json={"elements": elements[:5]}).status_code == 200


def test_bucket_hides_everything_but_the_prefix(app_client, world):
    h = {"Authorization": f"Bearer {world.keys['police-x']}"}
    whole = app_client.get("/v1/blind/set", headers=h).json()["outputs"]
    assert whole == sorted(whole) and all(len(o) == 32 for o in whole)
    for p in {o[0] for o in whole}:
        part = app_client.get("/v1/blind/set", headers=h, params={"prefix": p}).json()["outputs"]
        assert part == [o for o in whole if o.startswith(p)]


@pytest.mark.parametrize("prefix_digits", [0, 2, 4])
def test_prefix_lengths(app_client, world, prefix_digits):
    client = BlindClient(app_client, world.keys["police-x"], prefix_digits=prefix_digits)
    assert client.lookup("phone", "+66899999999") and not client.lookup("phone", "+66899999998")
