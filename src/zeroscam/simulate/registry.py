"""Column stores that grow in chunks, and unique random identifiers.

Everything is numpy; identifiers are kept as integers until written.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

# 2025-01-01T00:00:00+07:00 as Unix seconds; the world starts there.
T0 = int(datetime(2024, 12, 31, 17, 0, tzinfo=UTC).timestamp())
DAY = 86_400
HOUR = 3_600
MINUTE = 60
YEAR = 365 * DAY

CHANNELS = np.array(["promptpay", "transfer", "card", "cash_in", "cash_out", "crypto_out"], dtype=object)
PROMPTPAY, TRANSFER, CARD, CASH_IN, CASH_OUT, CRYPTO_OUT = range(6)
KYC = np.array(["branch", "app", "agent"], dtype=object)


class Columns:
    """Append-only table of numpy columns; `add` returns the new rows' indices."""

    def __init__(self, **dtypes):
        self.dtypes = dtypes
        self.parts: dict[str, list[np.ndarray]] = {k: [] for k in dtypes}
        self.n = 0
        self._frozen: dict[str, np.ndarray] | None = None

    def add(self, n: int | None = None, **cols) -> np.ndarray:
        if n is None:
            n = max(np.size(v) for v in cols.values())
        for k, dt in self.dtypes.items():
            v = cols.get(k, _default(dt))
            arr = np.asarray(v, dtype=dt)
            if arr.ndim == 0:
                arr = np.full(n, arr, dtype=dt)
            if len(arr) != n:
                raise ValueError(f"column {k}: {len(arr)} rows, expected {n}")
            self.parts[k].append(arr)
        start = self.n
        self.n += n
        self._frozen = None
        return np.arange(start, self.n, dtype=np.int64)

    def col(self, k: str) -> np.ndarray:
        return self.frozen()[k]

    def frozen(self) -> dict[str, np.ndarray]:
        if self._frozen is None:
            self._frozen = {k: (np.concatenate(v) if v else np.empty(0, dtype=self.dtypes[k]))
                            for k, v in self.parts.items()}
            self.parts = {k: [a] for k, a in self._frozen.items()}
        return self._frozen

    def set(self, k: str, idx, values) -> None:
        arr = self.frozen()[k]
        arr[idx] = values


def _default(dt):
    if dt is object:
        return None
    if np.issubdtype(np.dtype(dt), np.floating):
        return np.nan
    return -1


class UniqueInts:
    """Draws random integers in [low, high) never drawn before (deterministic for a generator)."""

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high
        self.used = np.empty(0, dtype=np.int64)

    def draw(self, rng: np.random.Generator, n: int, low: int | None = None, high: int | None = None) -> np.ndarray:
        low = self.low if low is None else low
        high = self.high if high is None else high
        out = np.empty(0, dtype=np.int64)
        while len(out) < n:
            need = n - len(out)
            cand = rng.integers(low, high, size=int(need * 1.1) + 8, dtype=np.int64)
            # keep first occurrences, in draw order (np.unique would sort and lose the draw order)
            _, first = np.unique(cand, return_index=True)
            cand = cand[np.sort(first)]
            cand = cand[~self._seen(cand)]
            if len(out):
                cand = cand[~np.isin(cand, out)]
            out = np.concatenate([out, cand[:need]])
        # `used` stays sorted: membership is a binary search, insertion one copy
        add = np.sort(out)
        self.used = np.insert(self.used, np.searchsorted(self.used, add), add)
        return out

    def _seen(self, values: np.ndarray) -> np.ndarray:
        if not len(self.used):
            return np.zeros(len(values), dtype=bool)
        pos = np.minimum(np.searchsorted(self.used, values), len(self.used) - 1)
        return self.used[pos] == values


def thai_id_check(first12: np.ndarray) -> np.ndarray:
    """Check digit of Thai national IDs: (11 - sum(d[i]*(13-i)) mod 11) mod 10."""
    s = np.zeros(len(first12), dtype=np.int64)
    x = first12.copy()
    for i in range(11, -1, -1):  # digit i from the left has weight 13 - i
        s += (x % 10) * (13 - i)
        x //= 10
    return (11 - s % 11) % 10


def luhn_check(first14: np.ndarray) -> np.ndarray:
    """Luhn check digit for IMEIs."""
    s = np.zeros(len(first14), dtype=np.int64)
    x = first14.copy()
    for pos in range(14):  # pos 0 = rightmost of the 14 digits, doubled
        d = x % 10
        x //= 10
        if pos % 2 == 0:
            d = d * 2
            d = d // 10 + d % 10
        s += d
    return (10 - s % 10) % 10


def hour_profile_times(rng: np.random.Generator, n: int, days: int, profile: np.ndarray,
                       day: np.ndarray | None = None) -> np.ndarray:
    """Unix seconds in the window: a day (uniform unless given) and an hour drawn from `profile`."""
    if day is None:
        day = rng.integers(0, days, size=n)
    hour = rng.choice(24, size=n, p=profile / profile.sum())
    sec = rng.integers(0, HOUR, size=n)
    return T0 + day.astype(np.int64) * DAY + hour * HOUR + sec


# Bangkok local hour weights (index = hour of day).
PAY_PROFILE = np.array([1, 0.6, 0.3, 0.2, 0.2, 0.4, 1.5, 3, 4, 4.5, 5, 6, 8, 6, 5, 5, 5.5, 6.5, 7.5, 8,
                        7.5, 6, 4, 2], dtype=float)
CALL_PROFILE = np.array([0.5, 0.3, 0.2, 0.1, 0.1, 0.3, 1, 2.5, 4, 5, 5.5, 5.5, 6, 5.5, 5, 5, 5.5, 6, 7, 7.5,
                         7, 5.5, 3, 1.5], dtype=float)
WORK_PROFILE = np.array([0, 0, 0, 0, 0, 0, 0, 0.5, 3, 6, 7, 7, 4, 6, 7, 7, 6, 4, 1, 0.3, 0, 0, 0, 0],
                        dtype=float)
