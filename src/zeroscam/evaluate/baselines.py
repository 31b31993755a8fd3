"""Trivial baselines that any detector must beat.

`reports_only` flags exactly what victims' reports had named by the as-of time:
the accounts they paid (and named as contacts) and the numbers that called them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from zeroscam.evaluate.inputs import named_by_reports


def _seen_accounts(data_dir: Path) -> pd.Series:
    path = data_dir / "accounts.csv"
    if not path.exists():
        return pd.Series([], dtype=str)
    frame = pd.read_csv(path, dtype=str, usecols=["bank", "account"], keep_default_na=False)
    return frame["bank"].str.zfill(3) + "-" + frame["account"].str.replace(r"\D", "", regex=True)


def _seen_numbers(data_dir: Path) -> pd.Series:
    path = data_dir / "sims.csv"
    if not path.exists():
        return pd.Series([], dtype=str)
    raw = pd.read_csv(path, dtype=str, usecols=["msisdn"], keep_default_na=False)["msisdn"]
    digits = raw.str.replace(r"[^\d+]", "", regex=True)
    # Thai local forms 0XXXXXXXXX → +66XXXXXXXXX; already E.164 stays
    return digits.where(digits.str.startswith("+"), "+66" + digits.str.lstrip("0"))


def reports_only(data_dir: str | Path, as_of: datetime | None = None,
                 out_dir: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """mules.csv and sims.csv frames (AXF output format) flagging exactly what reports named by `as_of`.

    With `out_dir`, also writes `mules.csv` and `sims.csv` there.
    """
    data_dir = Path(data_dir)
    named = named_by_reports(data_dir, as_of)
    accounts = sorted(set(_seen_accounts(data_dir)) | named.accounts)
    flagged = [a in named.accounts for a in accounts]
    mules = pd.DataFrame({
        "bank": [a.split("-", 1)[0] for a in accounts],
        "account": [a.split("-", 1)[1] for a in accounts],
        "score": [1.0 if f else 0.0 for f in flagged],
        "flagged": [int(f) for f in flagged],
        "reasons": ["victim_report" if f else "" for f in flagged],
    })
    numbers = sorted(set(_seen_numbers(data_dir)) | named.phones)
    flagged = [n in named.phones for n in numbers]
    sims = pd.DataFrame({
        "msisdn": numbers,
        "score": [1.0 if f else 0.0 for f in flagged],
        "flagged": [int(f) for f in flagged],
        "reasons": ["victim_report" if f else "" for f in flagged],
    })
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        mules.to_csv(out / "mules.csv", index=False, lineterminator="\n")
        sims.to_csv(out / "sims.csv", index=False, lineterminator="\n")
    return mules, sims
