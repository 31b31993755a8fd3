"""A small messy AXF folder written by hand-rolled code (not by our writer), so
the reader is tested against the forms people really write."""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from zeroscam.identifiers import national_id

TINY = Path("/work/shared/examples/tiny")
BKK = timezone(timedelta(hours=7))
START = datetime(2025, 3, 1, tzinfo=BKK)


def nid(rng: random.Random) -> str:
    first = "".join(rng.choice("0123456789") for _ in range(12))
    return first + str(national_id.check_digit(first))


def phone_form(rng: random.Random, nsn: str) -> str:
    d = "0" + nsn
    return rng.choice([d, f"{d[:3]}-{d[3:6]}-{d[6:]}", "+66" + nsn, "66" + nsn, f"+66 {nsn[:2]} {nsn[2:5]} {nsn[5:]}",
                       f"+66 (0) {nsn}", f"({d[:3]}) {d[3:]}"])


def ts_form(rng: random.Random, dt: datetime) -> str:
    return rng.choice([dt.isoformat(), dt.replace(tzinfo=None).isoformat(), dt.astimezone(timezone.utc).isoformat(),
                       dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       dt.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S")])


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def make_messy(out: Path, seed: int = 7, n_accounts: int = 40, n_txns: int = 300) -> Path:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    holders = [nid(rng) for _ in range(15)] + ["P:AB123456", "C:0105561000011", "tok:00ff00ff00ff"]
    accounts = []
    rows = []
    for i in range(n_accounts):
        bank = rng.choice(["4", "004", "14", "014", "6", "025"])
        digits = "".join(rng.choice("0123456789") for _ in range(10))
        written = rng.choice([digits, f"{digits[:3]}-{digits[3]}-{digits[4:9]}-{digits[9]}", f"{digits[:5]} {digits[5:]}"])
        accounts.append((bank, written, bank.zfill(3) + "-" + digits))
        opened = START - timedelta(days=rng.randint(-5, 900), minutes=rng.randint(0, 1000))
        holder = rng.choice(holders)
        rows.append([bank, written, holder if rng.random() < 0.8 else holder[:1] + "-" + holder[1:5] + "-" + holder[5:]
                     if holder[0].isdigit() else holder, "company" if holder.startswith("C:") else "person",
                     ts_form(rng, opened) if rng.random() < 0.7 else opened.date().isoformat(),
                     rng.choice(["", "active", "closed"]), rng.choice(["", "1980", "2001"]), "Bangkok",
                     rng.choice(["", "app", "branch"]), "extra-ignored"])
    write_csv(out / "accounts.csv", ["bank", "account", "holder_id", "holder_type", "opened_at", "status",
                                     "holder_birth_year", "province", "kyc_channel", "unexpected_extra"], rows)
    rows = []
    for i in range(n_txns):
        t = START + timedelta(minutes=rng.randint(0, 60 * 24 * 10))
        channel = rng.choice(["promptpay", "transfer", "transfer", "card", "cash_in", "cash_out", "crypto_out"])
        s, d = rng.sample(accounts, 2)
        src = ("", "") if channel == "cash_in" else (s[0], s[1])
        dst = ("", "") if channel == "cash_out" else (d[0], d[1])
        rows.append([f"T{i:05d}", ts_form(rng, t), channel if rng.random() < 0.9 else channel.upper(),
                     *src, *dst, f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}", rng.choice(["", "dev1", "dev2"])])
    # re-sent rows: same txn_id, the second copy differs and must lose
    rows.append(list(rows[3]))
    dup = list(rows[5])
    dup[7] = "1.00"
    rows.append(dup)
    write_csv(out / "transactions.csv", ["txn_id", "ts", "channel", "src_bank", "src_account", "dst_bank",
                                         "dst_account", "amount", "src_device"], rows)
    nsns = ["8" + "".join(rng.choice("0123456789") for _ in range(8)) for _ in range(20)]
    rows = [[phone_form(rng, n), rng.choice(["AIS", "true", "NT"]), rng.choice(holders),
             ts_form(rng, START - timedelta(days=rng.randint(-3, 400))), "prepaid", ""] for n in nsns]
    write_csv(out / "sims.csv", ["msisdn", "operator", "holder_id", "registered_at", "sim_type", "status"], rows)
    rows = []
    for i in range(200):
        kind = rng.choice(["voice", "sms"])
        rows.append([ts_form(rng, START + timedelta(minutes=rng.randint(0, 60 * 24 * 10))), kind,
                     phone_form(rng, rng.choice(nsns)), rng.choice([phone_form(rng, rng.choice(nsns)), "+697123456789",
                                                                     "+1 202 555 0100"]),
                     str(rng.randint(0, 600)) if kind == "voice" else "", "C1", "35-693803-564380-9"])
    write_csv(out / "cdrs.csv", ["ts", "kind", "caller", "callee", "duration_s", "cell_id", "imei"], rows)
    write_csv(out / "cells.csv", ["cell_id", "lat", "lon", "province", "border_km"], [["C1", "13.68", "102.54", "Sa Kaeo", "0.8"]])
    lines = []
    for i in range(25):
        t = START + timedelta(hours=rng.randint(1, 24 * 10))
        s, d = rng.sample(accounts, 2)
        transfer = {"ts": ts_form(rng, t - timedelta(hours=3)), "from_bank": s[0], "from_account": s[1],
                    "to_bank": d[0], "to_account": d[1], "amount": 500.5}
        if i % 3:
            transfer["txn_id"] = f"T{i:05d}"
        lines.append(json.dumps({
            "report_id": f"R-{i:04d}", "reported_at": ts_form(rng, t), "scam_type": "call_centre", "loss_thb": 500.5,
            "victim": {"holder_id": rng.choice(holders), "phone": phone_form(rng, rng.choice(nsns)), "province": "Bangkok"},
            "contacts": [{"type": "phone", "value": phone_form(rng, rng.choice(nsns))},
                         {"type": "line_id", "value": "@DHL-Refund"},
                         {"type": "url", "value": "HTTP://Dhl-TH-Refund.example/pay"},
                         {"type": "bank_account", "value": "ไม่แน่ใจ เลขบัญชี"}],
            "transfers": [transfer], "narrative": "ทดสอบ", "extra_field": {"kept": True}}, ensure_ascii=False))
    (out / "reports.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


