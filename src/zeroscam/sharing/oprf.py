"""OPRF(ristretto255, SHA-512) in mode OPRF (0), as RFC 9497 specifies.

The server holds a secret scalar `skS`. A client blinds its input, the server
multiplies the blinded element by `skS`, and the client unblinds and hashes:
the client learns PRF(skS, input) and the server learns nothing about the input.

Blind lookups (docs/sharing.md) use it so a member can ask "is this account or
number on the list?" without telling the platform which one, and cannot compute
list entries offline because every evaluation needs the server (rate-limited).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from zeroscam.kit.errors import ConfigError, DataError
from zeroscam.sharing import ristretto as r255

MODE_OPRF = 0
IDENTIFIER = b"ristretto255-SHA512"
CONTEXT_STRING = b"OPRFV1-" + MODE_OPRF.to_bytes(1, "big") + b"-" + IDENTIFIER
HASH_TO_GROUP_DST = b"HashToGroup-" + CONTEXT_STRING
HASH_TO_SCALAR_DST = b"HashToScalar-" + CONTEXT_STRING
DERIVE_KEY_PAIR_DST = b"DeriveKeyPair" + CONTEXT_STRING


def i2osp(value: int, length: int) -> bytes:
    return value.to_bytes(length, "big")


def expand_message_xmd(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """expand_message_xmd with SHA-512 (RFC 9380 section 5.3.1)."""
    b_in_bytes, s_in_bytes = 64, 128
    ell = -(-len_in_bytes // b_in_bytes)
    if ell > 255 or len_in_bytes > 65535 or len(dst) > 255:
        raise ValueError("expand_message_xmd: requested length or DST too long")
    dst_prime = dst + i2osp(len(dst), 1)
    msg_prime = bytes(s_in_bytes) + msg + i2osp(len_in_bytes, 2) + i2osp(0, 1) + dst_prime
    b0 = hashlib.sha512(msg_prime).digest()
    b = [hashlib.sha512(b0 + i2osp(1, 1) + dst_prime).digest()]
    for i in range(2, ell + 1):
        prev = bytes(x ^ y for x, y in zip(b0, b[-1], strict=True))
        b.append(hashlib.sha512(prev + i2osp(i, 1) + dst_prime).digest())
    return b"".join(b)[:len_in_bytes]


def hash_to_group(msg: bytes) -> bytes:
    return r255.from_hash(expand_message_xmd(msg, HASH_TO_GROUP_DST, 64))


def hash_to_scalar(msg: bytes, dst: bytes = HASH_TO_SCALAR_DST) -> bytes:
    return r255.scalar_reduce(expand_message_xmd(msg, dst, 64))


def derive_key_pair(seed: bytes, info: bytes) -> tuple[bytes, bytes]:
    """DeriveKeyPair (RFC 9497 section 3.2.1): (skS, pkS)."""
    if len(seed) != 32:
        raise ValueError("seed must be 32 bytes")
    derive_input = seed + i2osp(len(info), 2) + info
    for counter in range(256):
        sk = hash_to_scalar(derive_input + i2osp(counter, 1), DERIVE_KEY_PAIR_DST)
        if sk != bytes(32):
            return sk, r255.scalarmult_base(sk)
    raise ValueError("DeriveKeyPairError")


def deserialize_element(data: bytes) -> bytes:
    """Validate a serialized element; the identity and non-canonical encodings are refused."""
    if len(data) != r255.ELEMENT_BYTES or not r255.is_valid_point(data) or data == r255.IDENTITY:
        raise DataError("not a valid ristretto255 element", value=data.hex()[:16] + "…")
    return data


def _finalize_hash(input_: bytes, unblinded: bytes) -> bytes:
    return hashlib.sha512(i2osp(len(input_), 2) + input_ + i2osp(len(unblinded), 2) + unblinded
                          + b"Finalize").digest()


# ---- client -------------------------------------------------------------

def blind(input_: bytes, blind_scalar: bytes | None = None) -> tuple[bytes, bytes]:
    """Blind(input) → (blind, blindedElement). `blind_scalar` is for test vectors only."""
    if len(input_) > 65535:
        raise ValueError("input too long")
    r = blind_scalar if blind_scalar is not None else r255.scalar_random()
    element = hash_to_group(input_)
    if element == r255.IDENTITY:
        raise ValueError("InvalidInputError")
    return r, r255.scalarmult(r, element)


def finalize(input_: bytes, blind_scalar: bytes, evaluated_element: bytes) -> bytes:
    """Finalize(input, blind, evaluatedElement) → 64-byte PRF output."""
    evaluated = deserialize_element(evaluated_element)
    unblinded = r255.scalarmult(r255.scalar_invert(blind_scalar), evaluated)
    return _finalize_hash(input_, unblinded)


# ---- server -------------------------------------------------------------

def blind_evaluate(sk: bytes, blinded_element: bytes) -> bytes:
    """BlindEvaluate(skS, blindedElement) → evaluatedElement."""
    return r255.scalarmult(sk, deserialize_element(blinded_element))


def evaluate(sk: bytes, input_: bytes) -> bytes:
    """The server computing PRF(skS, input) directly (to publish the set of listed outputs)."""
    element = hash_to_group(input_)
    if element == r255.IDENTITY:
        raise ValueError("InvalidInputError")
    return _finalize_hash(input_, r255.scalarmult(sk, element))


@dataclass(frozen=True)
class ServerKey:
    sk: bytes
    pk: bytes

    @property
    def key_id(self) -> str:
        """A short public name for the key, so clients notice a rotation."""
        return hashlib.sha256(self.pk).hexdigest()[:16]


def load_or_create_key(home: Path) -> ServerKey:
    """The platform's OPRF key under `home/oprf.key` (hex seed, mode 0600), made on first use."""
    path = Path(home) / "oprf.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it first
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    seed_hex = path.read_text().strip()
    try:
        seed = bytes.fromhex(seed_hex)
    except ValueError as exc:
        raise ConfigError(f"{path}: not a hex seed; delete it to generate a new key") from exc
    if len(seed) != 32:
        raise ConfigError(f"{path}: the seed must be 32 bytes; delete it to generate a new key")
    sk, pk = derive_key_pair(seed, b"zeroscam blind lookups v1")
    return ServerKey(sk, pk)
