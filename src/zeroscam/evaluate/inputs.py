"""Reading truth/, the batch outputs and the reports, into canonical pandas frames.

Times become naive UTC (docs/internals.md); accounts `BANK-DIGITS`; numbers E.164.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson
import pandas as pd

from zeroscam.identifiers import try_normalize
from zeroscam.kit.errors import DataError
from zeroscam.kit.timeutil import parse_ts

_NON_DIGIT = re.compile(r"\D")


def to_utc(series: pd.Series) -> pd.Series:
    """ISO 8601 strings (with offsets) → naive UTC timestamps; empty → NaT."""
    return pd.to_datetime(series, utc=True, format="ISO8601").dt.tz_localize(None)


def account_key(bank: object, account: object) -> str | None:
    """`bank` + `account` (digits, or already `BANK-DIGITS`) → `BANK-DIGITS`."""
    if bank is None or account is None or (isinstance(bank, float)) or (isinstance(account, float)):
        return None
    b = _NON_DIGIT.sub("", str(bank)).zfill(3)
    a = str(account).strip()
    if a.startswith(b + "-"):
        a = a[len(b) + 1:]
    digits = _NON_DIGIT.sub("", a)
    return f"{b}-{digits}" if digits and len(b) == 3 else None


def phone_key(value: object) -> str | None:
    if value is None or isinstance(value, float):
        return None
    return try_normalize("phone", str(value))


@dataclass
class Truth:
    accounts: pd.DataFrame
    sims: pd.DataFrame
    holders: pd.DataFrame
    rings: pd.DataFrame
    victims: pd.DataFrame
    scam_txns: pd.DataFrame
    reports: pd.DataFrame
    lookalike_accounts: pd.DataFrame
    lookalike_sims: pd.DataFrame
    window_end: datetime | None


def load_truth(truth_dir: str | Path) -> Truth:
    """Read every truth file (docs/simulator.md)."""
    d = Path(truth_dir)
    missing = [n for n in ("accounts", "sims", "holders", "rings", "victims", "scam_txns", "reports",
                           "lookalike_accounts", "lookalike_sims") if not (d / f"{n}.csv").exists()]
    if missing:
        raise DataError(f"not a truth folder ({missing[0]}.csv missing); pass DIR/truth of a simulated world",
                        file=str(d))

    def read(name: str, times: tuple[str, ...] = ()) -> pd.DataFrame:
        frame = pd.read_csv(d / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""])
        for col in times:
            frame[col] = to_utc(frame[col])
        return frame

    scam = read("scam_txns", ("ts",))
    scam["amount"] = scam["amount"].astype(float)
    victims = read("victims", ("first_paid_at", "reported_at"))
    victims["loss_thb"] = victims["loss_thb"].astype(float)
    window_end = None
    params = d / "params.json"
    if params.exists():
        import json
        end = json.loads(params.read_text()).get("window_end")
        window_end = parse_ts(end) if end else None
    return Truth(
        accounts=read("accounts", ("opened_at", "sold_at", "first_scam_ts")),
        sims=read("sims", ("registered_at", "first_use_ts")),
        holders=read("holders"),
        rings=read("rings"),
        victims=victims,
        scam_txns=scam,
        reports=read("reports", ("reported_at",)),
        lookalike_accounts=read("lookalike_accounts"),
        lookalike_sims=read("lookalike_sims"),
        window_end=window_end,
    )


def _read_output(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    if not Path(path).exists():
        raise DataError("file not found", file=str(path))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(f"missing column {missing[0]!r} (expected {', '.join(required)})", file=str(path), line=1)
    return frame


def _flags(frame: pd.DataFrame, path: Path) -> pd.Series:
    flagged = frame["flagged"].fillna("0").str.strip()
    bad = ~flagged.isin(["0", "1"])
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataError("flagged must be 0 or 1", file=str(path), line=i + 2, column="flagged",
                        value=frame["flagged"].iloc[i])
    return flagged == "1"


def read_mules(path: str | Path) -> set[str]:
    """The accounts a mules.csv flags, canonical."""
    path = Path(path)
    frame = _read_output(path, ("bank", "account", "score", "flagged", "reasons"))
    flagged = frame[_flags(frame, path)]
    return {k for k in (account_key(b, a) for b, a in zip(flagged["bank"], flagged["account"])) if k}


def read_sims(path: str | Path) -> set[str]:
    """The numbers a sims.csv flags, E.164."""
    path = Path(path)
    frame = _read_output(path, ("msisdn", "score", "flagged", "reasons"))
    flagged = frame[_flags(frame, path)]
    return {k for k in (phone_key(v) for v in flagged["msisdn"]) if k}


def read_trace(path: str | Path) -> pd.DataFrame:
    """trace.csv → report_id, account (canonical), traced_thb."""
    path = Path(path)
    frame = _read_output(path, ("report_id", "hop", "bank", "account", "traced_thb", "first_in_ts"))
    out = pd.DataFrame({
        "report_id": frame["report_id"],
        "account": [account_key(b, a) for b, a in zip(frame["bank"], frame["account"])],
        "traced_thb": pd.to_numeric(frame["traced_thb"], errors="coerce").fillna(0.0),
    })
    return out.dropna(subset=["account"])


def read_rings(path: str | Path) -> pd.DataFrame:
    """rings.csv → entity_type, entity (canonical), ring_id."""
    path = Path(path)
    frame = _read_output(path, ("entity_type", "entity", "ring_id"))
    keys = []
    for i, (kind, value) in enumerate(zip(frame["entity_type"], frame["entity"])):
        if kind == "account":
            key = try_normalize("bank_account", value)
        elif kind == "msisdn":
            key = phone_key(value)
        elif kind == "holder":
            key = try_normalize("holder_id", value) or (str(value).strip() if value else None)
        else:
            raise DataError("entity_type must be account, msisdn or holder", file=str(path), line=i + 2,
                            column="entity_type", value=kind)
        keys.append(key)
    out = pd.DataFrame({"entity_type": frame["entity_type"], "entity": keys, "ring_id": frame["ring_id"]})
    return out.dropna(subset=["entity"])


@dataclass
class Named:
    """What victims' reports had named by the as-of time."""

    accounts: set[str]
    phones: set[str]
    report_ids: set[str]
    accounts_by_report: dict[str, set[str]] = field(default_factory=dict)  # report_id → accounts it names


def named_by_reports(data_dir: str | Path, as_of: datetime | None) -> Named:
    """Accounts (transfers' receivers, bank_account contacts) and phones named in reports up to `as_of`."""
    path = Path(data_dir) / "reports.jsonl"
    accounts: set[str] = set()
    phones: set[str] = set()
    ids: set[str] = set()
    by_report: dict[str, set[str]] = {}
    if not path.exists():
        return Named(accounts, phones, ids, by_report)
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rep = orjson.loads(line)
                at = parse_ts(rep["reported_at"])
            except (orjson.JSONDecodeError, KeyError, ValueError, TypeError) as exc:
                raise DataError(f"bad report: {exc}", file=str(path), line=n) from exc
            if as_of is not None and at > as_of:
                continue
            rid = str(rep.get("report_id"))
            ids.add(rid)
            mine = by_report.setdefault(rid, set())
            for t in rep.get("transfers") or []:
                key = account_key(t.get("to_bank"), t.get("to_account"))
                if key:
                    accounts.add(key)
                    mine.add(key)
            for c in rep.get("contacts") or []:
                if c.get("type") == "bank_account":
                    key = try_normalize("bank_account", c.get("value"))
                    if key:
                        accounts.add(key)
                        mine.add(key)
                elif c.get("type") == "phone":
                    key = phone_key(c.get("value"))
                    if key:
                        phones.add(key)
    return Named(accounts, phones, ids, by_report)
