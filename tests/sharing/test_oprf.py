"""OPRF(ristretto255, SHA-512): RFC 9497 Appendix A.1.1 test vectors and protocol properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroscam.kit.errors import DataError
from zeroscam.sharing import oprf

# RFC 9497, Appendix A.1.1 (OPRF(ristretto255, SHA-512), mode 0x00).
SEED = bytes.fromhex("a3" * 32)
KEY_INFO = bytes.fromhex("74657374206b6579")
SK_SM = "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e"
BLIND = "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706"
VECTORS = [
    ("00",
     "609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c",
     "7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e",
     "527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3"
     "ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6"),
    ("5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
     "da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418",
     "b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25",
     "f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4"
     "f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73"),
]


def test_context_string_and_group_dst():
    assert oprf.HASH_TO_GROUP_DST.hex() == (
        "48617368546f47726f75702d4f50524656312d002d72697374726574746f3235352d534841353132")


def test_expand_message_xmd_rfc9380_vector():
    # RFC 9380 Appendix K.3, expand_message_xmd(SHA-512), msg "abc", len 0x80.
    out = oprf.expand_message_xmd(b"abc", b"QUUX-V01-CS02-with-expander-SHA512-256", 0x80)
    assert out.hex() == (
        "7f1dddd13c08b543f2e2037b14cefb255b44c83cc397c1786d975653e36a6b11"
        "bdd7732d8b38adb4a0edc26a0cef4bb45217135456e58fbca1703cd6032cb134"
        "7ee720b87972d63fbf232587043ed2901bce7f22610c0419751c065922b48843"
        "1851041310ad659e4b23520e1772ab29dcdeb2002222a363f0c2b1c972b3efe1")


def test_derive_key_pair():
    sk, pk = oprf.derive_key_pair(SEED, KEY_INFO)
    assert sk.hex() == SK_SM
    assert len(pk) == 32


@pytest.mark.parametrize("input_hex,blinded_hex,evaluated_hex,output_hex", VECTORS)
def test_rfc9497_vectors(input_hex, blinded_hex, evaluated_hex, output_hex):
    sk, _ = oprf.derive_key_pair(SEED, KEY_INFO)
    input_ = bytes.fromhex(input_hex)
    r, blinded = oprf.blind(input_, bytes.fromhex(BLIND))
    assert blinded.hex() == blinded_hex
    evaluated = oprf.blind_evaluate(sk, blinded)
    assert evaluated.hex() == evaluated_hex
    assert oprf.finalize(input_, r, evaluated).hex() == output_hex
    # The server computing the PRF directly agrees with the blinded protocol.
    assert oprf.evaluate(sk, input_).hex() == output_hex


@settings(max_examples=20, deadline=None)
@given(st.binary(min_size=0, max_size=80))
def test_random_blinds_give_the_same_output(data):
    sk, _ = oprf.derive_key_pair(SEED, KEY_INFO)
    r1, b1 = oprf.blind(data)
    r2, b2 = oprf.blind(data)
    assert b1 != b2  # the server sees unlinkable requests
    out1 = oprf.finalize(data, r1, oprf.blind_evaluate(sk, b1))
    out2 = oprf.finalize(data, r2, oprf.blind_evaluate(sk, b2))
    assert out1 == out2 == oprf.evaluate(sk, data)


def test_bad_elements_are_refused():
    sk, _ = oprf.derive_key_pair(SEED, KEY_INFO)
    for bad in (bytes(32), b"\xff" * 32, b"\x01" * 31):
        with pytest.raises(DataError):
            oprf.blind_evaluate(sk, bad)


def test_key_file_is_made_once_and_private(tmp_path):
    k1 = oprf.load_or_create_key(tmp_path)
    k2 = oprf.load_or_create_key(tmp_path)
    assert k1 == k2
    assert (tmp_path / "oprf.key").stat().st_mode & 0o777 == 0o600
