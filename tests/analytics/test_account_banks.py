"""Distinct banks per account (`in_banks`, `out_banks`): a bitmask of bank numbers up to
`MASK_BANKS` banks, a distinct count past that — the same numbers either way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zeroscam.analytics.engine import DuckDBEngine
from zeroscam.analytics.features import accounts as account_features
from zeroscam.exchange.axf import open_dataset


def _world(tmp_path, banks: int, seed: int):
    """Accounts at `banks` banks paying each other at random; returns the folder and the transfers."""
    rng = np.random.default_rng(seed)
    accts = [(f"{1 + i % banks:03d}", f"{1000000 + i:07d}") for i in range(140)]
    pd.DataFrame({"bank": [b for b, _ in accts], "account": [a for _, a in accts],
                  "holder_id": [f"P:H{i:05d}" for i in range(len(accts))], "holder_type": "person",
                  "opened_at": "2024-01-01"}).to_csv(tmp_path / "accounts.csv", index=False)
    pairs = rng.integers(0, len(accts), size=(900, 2))
    tx = pd.DataFrame({"txn_id": [f"T{i}" for i in range(len(pairs))],
                       "ts": [f"2025-03-{1 + i % 20:02d}T10:00:00+07:00" for i in range(len(pairs))],
                       "channel": "transfer",
                       "src_bank": [accts[s][0] for s, _ in pairs], "src_account": [accts[s][1] for s, _ in pairs],
                       "dst_bank": [accts[d][0] for _, d in pairs], "dst_account": [accts[d][1] for _, d in pairs],
                       "amount": 100.0})
    tx.to_csv(tmp_path / "transactions.csv", index=False)
    tx["src"] = tx["src_bank"] + "-" + tx["src_account"]
    tx["dst"] = tx["dst_bank"] + "-" + tx["dst_account"]
    return tmp_path, tx


@pytest.mark.parametrize("banks", [5, 70])
def test_distinct_banks_per_account(tmp_path, banks):
    folder, tx = _world(tmp_path, banks, seed=banks)
    ds = open_dataset(folder, tables=("accounts", "transactions"))
    frame = account_features.compute(DuckDBEngine(ds.con), ds.as_of).frame.set_index("account")
    want_out = tx.groupby("src")["dst_bank"].nunique()
    want_in = tx.groupby("dst")["src_bank"].nunique()
    assert frame.loc[want_out.index, "out_banks"].tolist() == want_out.astype(float).tolist()
    assert frame.loc[want_in.index, "in_banks"].tolist() == want_in.astype(float).tolist()
    assert (frame["out_banks"] > 0).sum() == len(want_out)
    if banks > account_features.MASK_BANKS:
        assert tx["src_bank"].nunique() > account_features.MASK_BANKS  # the distinct-count path ran
