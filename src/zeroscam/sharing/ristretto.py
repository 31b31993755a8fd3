"""ristretto255 group operations from libsodium (RFC 9496).

PyNaCl bundles libsodium but exposes no ristretto255 functions, so the group
operations come from the system's libsodium (Debian's `libsodium23`, >= 1.0.18)
through ctypes. Scalar arithmetic modulo the group order L is the same for
ed25519 and ristretto255, so it comes from `nacl.bindings`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import nacl.bindings as nb
import nacl.utils

from zeroscam.kit.errors import ConfigError

ELEMENT_BYTES = 32
SCALAR_BYTES = 32
HASH_BYTES = 64
IDENTITY = bytes(32)


def _load() -> ctypes.CDLL:
    candidates = [os.environ.get("ZEROSCAM_LIBSODIUM"), ctypes.util.find_library("sodium"),
                  "libsodium.so.23", "libsodium.so.26", "libsodium.so", "libsodium.dylib"]
    for name in candidates:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        if hasattr(lib, "crypto_core_ristretto255_from_hash"):
            if lib.sodium_init() < 0:
                continue
            return lib
    raise ConfigError("libsodium >= 1.0.18 with ristretto255 was not found "
                      "(install Debian's libsodium23 or set ZEROSCAM_LIBSODIUM)")


_lib: ctypes.CDLL | None = None


def lib() -> ctypes.CDLL:
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


def from_hash(uniform: bytes) -> bytes:
    """The one-way map of 64 uniform bytes to an element (RFC 9496 section 4.3.4)."""
    if len(uniform) != HASH_BYTES:
        raise ValueError("from_hash needs 64 bytes")
    out = ctypes.create_string_buffer(ELEMENT_BYTES)
    lib().crypto_core_ristretto255_from_hash(out, uniform)
    return out.raw


def is_valid_point(element: bytes) -> bool:
    """True for a canonical encoding of an element (the identity included)."""
    return len(element) == ELEMENT_BYTES and lib().crypto_core_ristretto255_is_valid_point(element) == 1


def scalarmult(scalar: bytes, element: bytes) -> bytes:
    """scalar * element; raises ValueError when the result is the identity or the input is invalid."""
    out = ctypes.create_string_buffer(ELEMENT_BYTES)
    if lib().crypto_scalarmult_ristretto255(out, scalar, element) != 0:
        raise ValueError("scalar multiplication gave the identity or the point is invalid")
    return out.raw


def scalarmult_base(scalar: bytes) -> bytes:
    out = ctypes.create_string_buffer(ELEMENT_BYTES)
    if lib().crypto_scalarmult_ristretto255_base(out, scalar) != 0:
        raise ValueError("scalar is zero")
    return out.raw


# Scalars modulo L, little-endian (shared with ed25519).
def scalar_reduce(wide: bytes) -> bytes:
    return nb.crypto_core_ed25519_scalar_reduce(wide)


def scalar_invert(scalar: bytes) -> bytes:
    return nb.crypto_core_ed25519_scalar_invert(scalar)


def scalar_random() -> bytes:
    """A uniformly random non-zero scalar."""
    while True:
        s = scalar_reduce(nacl.utils.random(64))
        if s != bytes(SCALAR_BYTES):
            return s


def scalar_is_canonical(scalar: bytes) -> bool:
    return len(scalar) == SCALAR_BYTES and scalar_reduce(scalar + bytes(32)) == scalar
