"""Writing the AXF folder and truth/ with fixed formatting (same seed, same bytes)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from zeroscam.simulate.honest import Honest
from zeroscam.simulate.narratives import narrative
from zeroscam.simulate.params import BANKS, OPERATORS
from zeroscam.simulate.registry import CHANNELS, HOUR, KYC, MINUTE
from zeroscam.simulate.rings import ROLES, SCAM_KIND_NAMES, Rings
from zeroscam.simulate.world import COMPANY, World

# No value we write holds a comma, quote or newline (narratives live in reports.jsonl), so no
# quoting is needed; pyarrow refuses to write a value that would need it.
_OPTS = pcsv.WriteOptions(quoting_style="none", batch_size=65_536, include_header=False)


def iso(ts: np.ndarray) -> pa.Array:
    """Unix seconds → `YYYY-MM-DDTHH:MM:SS+07:00` (Bangkok), null where ts is missing (int64 min sentinel)."""
    ts = np.asarray(ts, dtype=np.int64)
    arr = pa.array(ts + 7 * HOUR, type=pa.int64(), mask=ts == np.iinfo(np.int64).min).cast(pa.timestamp("s"))
    text = pc.replace_substring(pc.cast(arr, pa.string()), " ", "T", max_replacements=1)  # cast is ~3x strftime
    return pc.binary_join_element_wise(text, pa.scalar("+07:00"), "")


def iso1(ts: int) -> str:
    return iso(np.array([ts]))[0].as_py()


def baht(satang: np.ndarray) -> pa.Array:
    """Satang (int) → `1234.50` with exactly two decimals."""
    satang = np.asarray(satang, dtype=np.int64)
    whole = pc.cast(pa.array(satang // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(satang % 100), pa.string()), 2, "0")
    return pc.binary_join_element_wise(whole, frac, ".")


def take(strings: pa.Array, idx: np.ndarray) -> pa.Array:
    idx = np.asarray(idx, dtype=np.int64)
    return pc.take(strings, pa.array(idx, mask=idx < 0))


def _table(cols: dict) -> pa.Table:
    return pa.table({k: (v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.array(v)) for k, v in cols.items()})


def _as_text(table: pa.Table) -> pa.Table:
    """Every column as text, exactly as the CSV would hold it (one schema for every chunk)."""
    return pa.table({name: pc.cast(col, pa.string()) for name, col in zip(table.column_names, table.columns)})


def write_chunked(path: Path, n: int, make_columns, chunk: int = 1_000_000) -> int:
    """Write `n` rows built `chunk` at a time by `make_columns(start, stop)`: memory stays bounded.

    A `.parquet` path gets the same columns as text (what the CSV would hold); else CSV.
    """
    path = Path(path)
    if path.suffix == ".parquet":
        writer = None
        try:
            for start in range(0, max(n, 1), chunk):
                table = _as_text(_table(make_columns(start, min(n, start + chunk))))
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema, compression="zstd")
                writer.write_table(table, row_group_size=chunk)
        finally:
            if writer is not None:
                writer.close()
        return n
    with open(path, "wb") as fh:
        for start in range(0, max(n, 1), chunk):
            table = _table(make_columns(start, min(n, start + chunk)))
            if start == 0:
                fh.write((",".join(table.column_names) + "\n").encode())  # pyarrow would quote the header
            pcsv.write_csv(table, fh, write_options=_OPTS)
    return n


def write_table(path: Path, columns: dict[str, pa.Array | np.ndarray | list]) -> int:
    n = len(next(iter(columns.values())))
    return write_chunked(path, n, lambda a, b: {k: v[a:b] for k, v in columns.items()}, chunk=max(n, 1))


class Writer:
    """Turns the world's integer tables into AXF files and the ground truth."""

    def __init__(self, world: World, honest: Honest, rings: Rings, out: Path, fmt: str = "csv"):
        self.w, self.h, self.r, self.out = world, honest, rings, Path(out)
        self.ext = "parquet" if fmt == "parquet" else "csv"   # the AXF tables; truth/ is always CSV
        self.rng = world.rng
        self.truth = self.out / "truth"
        self.counts: dict[str, int] = {}

    def write_all(self, steps=None) -> dict[str, int]:
        self.out.mkdir(parents=True, exist_ok=True)
        self.truth.mkdir(exist_ok=True)
        self.prepare_identifiers()
        for name, fn in (("accounts", self.accounts), ("sims", self.sims), ("cells", self.cells),
                         ("transactions", self.transactions), ("cdrs", self.cdrs), ("reports", self.reports),
                         ("truth", self.truth_files)):
            fn()
            if steps is not None:
                steps.advance(f"wrote {name}")
        return self.counts

    # ---- identifiers ---------------------------------------------------------------------------
    def prepare_identifiers(self) -> None:
        w = self.w
        h = w.holders.frozen()
        a = w.accounts.frozen()
        s = w.sims.frozen()
        idnum = h["idnum"]
        person_ids = np.char.zfill(idnum.astype(str), 13)
        company_ids = np.char.add("C:0", idnum.astype(str))
        self.holder_id = np.where(h["kind"] == COMPANY, company_ids, person_ids).astype(object)
        self.holder_id_pa = pa.array(self.holder_id, type=pa.string())
        self.acct_digits = a["number"].astype(str).astype(object)
        self.bank_code = BANKS[a["bank"]].astype(object)
        self.acct_key = np.char.add(np.char.add(self.bank_code.astype(str), "-"), self.acct_digits.astype(str))
        self.acct_digits_pa = pa.array(self.acct_digits, type=pa.string())
        self.acct_key_pa = pa.array(self.acct_key.astype(object), type=pa.string())
        self.bank_pa = pa.array(self.bank_code, type=pa.string())
        self.msisdn_e164 = np.char.add("+66", s["msisdn"].astype(str)).astype(object)
        self.msisdn_local = np.char.add("0", s["msisdn"].astype(str)).astype(object)
        self.phone_pa = pa.array(np.r_[self.msisdn_e164, np.array(self.r.voip_numbers, dtype=object)],
                                 type=pa.string())
        self.imei_pa = pa.array(w.imei_strings(), type=pa.string())
        self.device_pa = pa.array(w.device_strings(), type=pa.string())
        self.cell_pa = pa.array(w.cells["cell_id"], type=pa.string())
        self.channel_pa = pa.array(CHANNELS, type=pa.string())
        self.cdr_kind_pa = pa.array(["voice", "sms"], type=pa.string())

    # ---- AXF tables ----------------------------------------------------------------------------
    def accounts(self) -> None:
        a = self.w.accounts.frozen()
        h = self.w.holders.frozen()
        from zeroscam.simulate.geo import PROVINCES
        prov = np.array([p[0] for p in PROVINCES], dtype=object)
        holder = a["holder"]
        by = h["birth_year"][holder]
        self.counts["accounts"] = write_table(self.out / f"accounts.{self.ext}", {
            "bank": self.bank_pa,
            "account": self.acct_digits_pa,
            "holder_id": take(self.holder_id_pa, holder),
            "holder_type": np.where(h["kind"][holder] == COMPANY, "company", "person").astype(object),
            "opened_at": iso(a["opened"]),
            "status": np.full(len(holder), "active", dtype=object),
            "holder_birth_year": pa.array(by, mask=by <= 0),
            "province": prov[a["place"]],
            "kyc_channel": KYC[a["kyc"]],
        })

    def sims(self) -> None:
        s = self.w.sims.frozen()
        n = len(s["msisdn"])
        # people write numbers in several forms; the reader normalises them
        form = self.rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
        local = self.msisdn_local.astype(str)
        dashed = np.char.add(np.char.add(np.char.add(np.char.add(_slice(local, 0, 3), "-"), _slice(local, 3, 6)),
                                         "-"), _slice(local, 6, 10))
        text = np.where(form == 0, local, np.where(form == 1, self.msisdn_e164.astype(str), dashed)).astype(object)
        self.counts["sims"] = write_table(self.out / f"sims.{self.ext}", {
            "msisdn": text,
            "operator": OPERATORS[s["operator"]].astype(object),
            "holder_id": take(self.holder_id_pa, s["holder"]),
            "registered_at": iso(s["registered"]),
            "sim_type": np.where(s["sim_type"] == 1, "postpaid", "prepaid").astype(object),
            "status": np.full(n, "active", dtype=object),
        })

    def cells(self) -> None:
        c = self.w.cells
        self.counts["cells"] = write_table(self.out / f"cells.{self.ext}", {
            "cell_id": c["cell_id"],
            "lat": np.array([f"{v:.5f}" for v in c["lat"]], dtype=object),
            "lon": np.array([f"{v:.5f}" for v in c["lon"]], dtype=object),
            "province": c["province"],
            "border_km": np.array([f"{v:.2f}" for v in c["border_km"]], dtype=object),
        })

    def transactions(self) -> None:
        f = self.w_txns = self.r.txns.frozen()
        keep = f["ts"] < self.w.end
        rows = np.flatnonzero(keep)
        order = rows[np.argsort(f["ts"][rows], kind="stable")]
        self.txn_order = order
        self.txn_pos = np.full(len(f["ts"]), -1, dtype=np.int64)
        self.txn_pos[order] = np.arange(len(order))
        width = max(7, len(str(len(order))))
        self.txn_width = width

        def columns(a: int, b: int) -> dict:
            o = order[a:b]
            src, dst = f["src"][o], f["dst"][o]
            return {
                "txn_id": self.txn_id_array(np.arange(a, b)),
                "ts": iso(f["ts"][o]),
                "channel": take(self.channel_pa, f["channel"][o]),
                "src_bank": take(self.bank_pa, src),
                "src_account": take(self.acct_digits_pa, src),
                "dst_bank": take(self.bank_pa, dst),
                "dst_account": take(self.acct_digits_pa, dst),
                "amount": baht(f["amount"][o]),
                "src_device": take(self.device_pa, f["device"][o]),
            }

        self.counts["transactions"] = write_chunked(self.out / f"transactions.{self.ext}", len(order), columns)

    def txn_id_array(self, pos: np.ndarray) -> pa.Array:
        """File positions (0-based) → `T0000001`-style ids."""
        digits = pc.cast(pa.array(np.asarray(pos, dtype=np.int64) + 1), pa.string())
        return pc.binary_join_element_wise(pa.scalar("T"), pc.utf8_lpad(digits, self.txn_width, "0"), "")

    def txn_id_of(self, row: int) -> str:
        return "T" + str(int(self.txn_pos[row]) + 1).zfill(self.txn_width)

    def cdrs(self) -> None:
        c = self.r.cdrs.frozen()
        keep = (c["ts"] < self.w.end)
        rows = np.flatnonzero(keep)
        order = rows[np.argsort(c["ts"][rows], kind="stable")]
        n_sims = len(self.msisdn_e164)

        def columns(a: int, b: int) -> dict:
            o = order[a:b]
            caller = np.where(c["caller"][o] >= 0, c["caller"][o], n_sims + c["voip"][o])
            return {
                "ts": iso(c["ts"][o]),
                "kind": take(self.cdr_kind_pa, c["kind"][o]),
                "caller": take(self.phone_pa, caller),
                "callee": take(self.phone_pa, c["callee"][o]),
                "duration_s": c["duration"][o],
                "cell_id": take(self.cell_pa, c["cell"][o]),
                "imei": take(self.imei_pa, c["imei"][o]),
            }

        self.counts["cdrs"] = write_chunked(self.out / f"cdrs.{self.ext}", len(order), columns)

    # ---- reports -------------------------------------------------------------------------------
    def reports(self) -> None:
        """Victim reports (and a few mistaken ones), ordered by time, as people write them."""
        rng, f = self.rng, self.w_txns
        drafts = []
        for vi, v in enumerate(self.r.victims):
            if v.report_at is not None:
                drafts.append((v.report_at, "victim", vi))
        for mi, m in enumerate(self.r.mistaken):
            drafts.append((m["reported_at"], "mistaken", mi))
        drafts.sort(key=lambda d: (d[0], d[1], d[2]))
        self.report_of_victim: dict[int, str] = {}
        self.report_rows: list[dict] = []
        from zeroscam.simulate.geo import PROVINCES
        lines = []
        p = self.w.p
        for i, (at, kind, k) in enumerate(drafts):
            rid = f"R-{i + 1:06d}"
            english = rng.random() < p.english_share
            if kind == "victim":
                v = self.r.victims[k]
                ring = self.r.rings[v.ring]
                self.report_of_victim[k] = rid
                person, rows, scam_type = v.person, v.payments, ring.scam_type
                contacts = []
                for what, idx in v.contacts:
                    if rng.random() < 0.85:
                        num = self.r.voip_numbers[idx] if what == "voip" else self.msisdn_local[idx]
                        contacts.append({"type": "phone", "value": _phone_form(rng, num)})
                if scam_type in ("online_shopping", "investment", "romance", "job", "loan") and rng.random() < 0.6:
                    contacts.append({"type": "line_id", "value": ring.handles[0]})
                if scam_type in ("online_shopping", "reward", "malicious_app", "investment") and rng.random() < 0.4:
                    contacts.append({"type": "url", "value": ring.handles[1]})
                if scam_type in ("online_shopping", "romance") and rng.random() < 0.3:
                    contacts.append({"type": "facebook", "value": ring.handles[2]})
                loss = v.loss
                mistaken_target = ""
                self.report_rows.append({"report_id": rid, "victim_id": v.victim_id, "ring_id": ring.ring_id, "mistaken": 0,
                                             "target_account": "", "reported_at": iso1(at)})
            else:
                m = self.r.mistaken[k]
                rows = [m["row"]]
                person = int(self.w.accounts.col("holder")[f["src"][m["row"]]])
                scam_type = "online_shopping"
                contacts = []
                loss = int(f["amount"][m["row"]])
                mistaken_target = self.acct_key[f["dst"][m["row"]]]
                self.report_rows.append({"report_id": rid, "victim_id": "", "ring_id": "", "mistaken": 1,
                                             "target_account": mistaken_target, "reported_at": iso1(at)})
            transfers = []
            named_accounts = []
            for row in rows:
                if rng.random() < 0.1 and len(rows) > 1:
                    continue  # victims forget a payment now and then
                dst = int(f["dst"][row])
                src = int(f["src"][row])
                t = int(f["ts"][row])
                item = {}
                if rng.random() < p.report_with_txn_id:
                    item["ts"] = iso1(t)
                    item["txn_id"] = self.txn_id_of(row)
                else:
                    # people remember the minute, sometimes a few minutes off
                    item["ts"] = iso1((t // MINUTE) * MINUTE + int(rng.integers(-3, 4)) * MINUTE * (rng.random() < 0.3))
                item.update({"from_bank": self.bank_code[src], "from_account": _account_form(rng, self.acct_digits[src]),
                             "to_bank": self.bank_code[dst], "to_account": _account_form(rng, self.acct_digits[dst]),
                             "amount": round(int(f["amount"][row]) / 100, 2)})
                transfers.append(item)
                named_accounts.append(f"{self.bank_code[dst]}-{_account_form(rng, self.acct_digits[dst], spaces=False)}")
            if transfers and rng.random() < 0.3:
                contacts.append({"type": "bank_account", "value": named_accounts[0]})
            h_place = int(self.w.holders.col("place")[person])
            victim_phone = self.msisdn_local[self.h.pop["first_sim"][person]] if person < len(
                self.h.pop["first_sim"]) else ""
            obj = {
                "report_id": rid,
                "reported_at": iso1(at),
                "scam_type": scam_type if rng.random() > 0.05 else "other",
                "loss_thb": round(loss / 100, 2),
                "victim": {"holder_id": str(self.holder_id[person]), "phone": _phone_form(rng, victim_phone),
                           "province": PROVINCES[h_place][0]},
                "contacts": contacts,
                "transfers": transfers,
                "narrative": narrative(rng, scam_type, english, loss / 100,
                                       named_accounts[0] if named_accounts else "",
                                       contacts[0]["value"] if contacts and contacts[0]["type"] == "phone" else ""),
            }
            lines.append(orjson.dumps(obj))
        (self.out / "reports.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
        self.counts["reports"] = len(lines)

    # ---- truth ---------------------------------------------------------------------------------
    def truth_files(self) -> None:
        r, w, f = self.r, self.w, self.w_txns
        T = self.truth
        ring_ids = [g.ring_id for g in r.rings]
        first_scam = {}
        scam_rows = np.flatnonzero((f["ring"] >= 0) & (self.txn_pos >= 0))
        scam_rows = scam_rows[np.argsort(self.txn_pos[scam_rows], kind="stable")]
        for row in scam_rows:
            for a in (f["src"][row], f["dst"][row]):
                if a >= 0 and a not in first_scam:
                    first_scam[int(a)] = int(f["ts"][row])
        NONE = np.iinfo(np.int64).min
        # accounts
        mr = sorted(r.mule_rows, key=lambda d: (d["ring"], ROLES.index(d["role"]), self.acct_key[d["account"]]))
        acc = np.array([d["account"] for d in mr], dtype=np.int64)
        holder = w.accounts.col("holder")[acc] if len(acc) else acc
        write_table(T / "accounts.csv", {
            "account": pa.array(self.acct_key[acc].astype(object), type=pa.string()),
            "bank": pa.array(self.bank_code[acc], type=pa.string()),
            "holder_id": take(self.holder_id_pa, holder),
            "ring_id": pa.array([d["ring"] for d in mr], type=pa.string()),
            "role": pa.array([d["role"] for d in mr], type=pa.string()),
            "tier": pa.array([d["tier"] for d in mr], type=pa.string()),
            "opened_at": iso(w.accounts.col("opened")[acc]),
            "sold_at": iso(np.array([d["sold_at"] if d["sold_at"] >= 0 else NONE for d in mr], dtype=np.int64)),
            "first_scam_ts": iso(np.array([first_scam.get(int(a), NONE) for a in acc], dtype=np.int64)),
        })
        # sims and VoIP numbers
        srows = []
        sims = w.sims.frozen()
        for d in r.sim_rows:
            if "sim" in d:
                s = d["sim"]
                srows.append((self.msisdn_e164[s], d["ring"], d["role"], self.holder_id[sims["holder"][s]],
                              iso1(int(sims["registered"][s]))))
            else:
                srows.append((r.voip_numbers[d["voip"]], d["ring"], d["role"], "", ""))
        # first time each ring number called or texted anyone
        cd = self.r.cdrs.frozen()
        n_sims = len(self.msisdn_e164)
        who = np.where(cd["caller"] >= 0, cd["caller"], n_sims + cd["voip"])
        ok = cd["ts"] < self.w.end
        first_use = np.full(n_sims + len(r.voip_numbers), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first_use, who[ok], cd["ts"][ok])
        srows = [t + (iso1(int(first_use[i])) if first_use[i] < np.iinfo(np.int64).max else "",)
                 for t, i in zip(srows, [d["sim"] if "sim" in d else n_sims + d["voip"] for d in r.sim_rows])]
        srows.sort(key=lambda t: (t[1], t[2], t[0]))
        write_table(T / "sims.csv", {
            "msisdn": pa.array([t[0] for t in srows], type=pa.string()),
            "ring_id": pa.array([t[1] for t in srows], type=pa.string()),
            "role": pa.array([t[2] for t in srows], type=pa.string()),
            "holder_id": pa.array([t[3] or None for t in srows], type=pa.string()),
            "registered_at": pa.array([t[4] or None for t in srows], type=pa.string()),
            "first_use_ts": pa.array([t[5] or None for t in srows], type=pa.string()),
        })
        # holders
        n_acc = {}
        for d in r.mule_rows:
            hid = self.holder_id[w.accounts.col("holder")[d["account"]]]
            n_acc[hid] = n_acc.get(hid, 0) + 1
        n_sim = {}
        for d in r.sim_rows:
            if "sim" in d:
                hid = self.holder_id[sims["holder"][d["sim"]]]
                n_sim[hid] = n_sim.get(hid, 0) + 1
        hrows = {}
        for d in r.holder_rows:
            hid = self.holder_id[d["holder"]]
            hrows.setdefault((d["ring"], hid), (d["role"], d["nominee_kind"]))
        hl = sorted(hrows.items())
        write_table(T / "holders.csv", {
            "holder_id": pa.array([k[1] for k, _ in hl], type=pa.string()),
            "ring_id": pa.array([k[0] for k, _ in hl], type=pa.string()),
            "role": pa.array([v[0] for _, v in hl], type=pa.string()),
            "nominee_kind": pa.array([v[1] or None for _, v in hl], type=pa.string()),
            "mule_accounts": pa.array([n_acc.get(k[1], 0) for k, _ in hl], type=pa.int64()),
            "ring_sims": pa.array([n_sim.get(k[1], 0) for k, _ in hl], type=pa.int64()),
        })
        # victims
        vid = [v.victim_id for v in r.victims]
        write_table(T / "victims.csv", {
            "victim_id": pa.array(vid, type=pa.string()),
            "holder_id": pa.array([str(self.holder_id[v.person]) for v in r.victims], type=pa.string()),
            "ring_id": pa.array([ring_ids[v.ring] for v in r.victims], type=pa.string()),
            "scam_type": pa.array([r.rings[v.ring].scam_type for v in r.victims], type=pa.string()),
            "age": pa.array([2025 - int(w.holders.col("birth_year")[v.person]) for v in r.victims], type=pa.int64()),
            "payments": pa.array([len(v.payments) for v in r.victims], type=pa.int64()),
            "loss_thb": baht(np.array([v.loss for v in r.victims], dtype=np.int64)),
            "first_paid_at": pa.array([iso1(int(f["ts"][v.payments[0]])) for v in r.victims], type=pa.string()),
            "reported": pa.array([int(i in self.report_of_victim) for i in range(len(r.victims))], type=pa.int64()),
            "report_id": pa.array([self.report_of_victim.get(i) for i in range(len(r.victims))], type=pa.string()),
            "reported_at": pa.array([iso1(v.report_at) if v.report_at is not None else None for v in r.victims],
                                    type=pa.string()),
        })
        # scam transactions, in file order: one row per (transaction, victim whose money it carries)
        p_rows, p_vict, p_amt = self.portion_rows()
        kept = self.txn_pos[p_rows] >= 0
        p_rows, p_vict, p_amt = p_rows[kept], p_vict[kept], p_amt[kept]
        o = np.lexsort((p_vict, self.txn_pos[p_rows]))
        p_rows, p_vict, p_amt = p_rows[o], p_vict[o], p_amt[o]
        rep = np.array([self.report_of_victim.get(int(v)) if v >= 0 else None for v in p_vict], dtype=object)
        write_table(T / "scam_txns.csv", {
            "txn_id": self.txn_id_array(self.txn_pos[p_rows]),
            "ring_id": pa.array(np.array(ring_ids, dtype=object)[f["ring"][p_rows]], type=pa.string()),
            "victim_id": pa.array([vid[v] if v >= 0 else None for v in p_vict], type=pa.string()),
            "report_id": pa.array(rep, type=pa.string()),
            "kind": pa.array([SCAM_KIND_NAMES[int(k)] for k in f["scam_kind"][p_rows]], type=pa.string()),
            "hop": f["hop"][p_rows].astype(np.int64),
            "ts": iso(f["ts"][p_rows]),
            "src": take(self.acct_key_pa, f["src"][p_rows]),
            "dst": take(self.acct_key_pa, f["dst"][p_rows]),
            "amount": baht(p_amt),
            "txn_amount": baht(f["amount"][p_rows]),
        })
        # reports (incl. mistaken)
        rr = self.report_rows
        write_table(T / "reports.csv", {
            "report_id": pa.array([d["report_id"] for d in rr], type=pa.string()),
            "reported_at": pa.array([d["reported_at"] for d in rr], type=pa.string()),
            "victim_id": pa.array([d["victim_id"] or None for d in rr], type=pa.string()),
            "ring_id": pa.array([d["ring_id"] or None for d in rr], type=pa.string()),
            "mistaken": pa.array([d["mistaken"] for d in rr], type=pa.int64()),
            "target_account": pa.array([d["target_account"] or None for d in rr], type=pa.string()),
        })
        # rings
        rows = []
        for i, g in enumerate(r.rings):
            vs = [v for v in r.victims if v.ring == i]
            n_acc_ring = sum(len(a) for a in g.accounts.values())
            n_sims = len(g.farm_sims) + len(g.caller_sims) + len(g.voip)
            cell = int(g.farm_cells[0])
            rows.append((g.ring_id, g.scam_type, str(self.holder_id[g.organiser]), iso1(g.start), len(vs),
                         sum(1 for v in vs if v.report_at is not None), sum(v.loss for v in vs), n_acc_ring, n_sims,
                         g.cashout, g.atm_chunk if g.cashout != "crypto" else None, g.layers,
                         str(w.cells["province"][cell]), f"{w.cells['border_km'][cell]:.2f}"))
        cols = ["ring_id", "scam_type", "organiser_holder_id", "start_ts", "victims", "reported_victims", "loss_thb",
                "accounts", "sims", "cashout", "atm_chunk_thb", "layers", "farm_province", "farm_border_km"]
        table = {c: [row[j] for row in rows] for j, c in enumerate(cols)}
        table["loss_thb"] = baht(np.array(table["loss_thb"], dtype=np.int64))
        write_table(T / "rings.csv", {k: (v if isinstance(v, pa.Array) else pa.array(v)) for k, v in table.items()})
        self.lookalikes(acc)
        params = self.w.p.to_dict()
        params["counts"] = self.counts
        params["window_start"] = iso1(self.w.end - self.w.p.days * 86_400)
        params["window_end"] = iso1(self.w.end)
        (T / "params.json").write_text(json.dumps(params, indent=2, sort_keys=True) + "\n")

    def portion_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, victim, satang) for every scam row; a row's portions add up to its amount exactly."""
        f = self.w_txns
        rows, victims, amounts = [], [], []
        for row, parts in self.r.portions:
            total = int(f["amount"][row])
            items = sorted(parts.items())
            sat = [int(x) for _, x in items]
            # give the rounding difference to the biggest share
            big = max(range(len(sat)), key=lambda i: sat[i])
            sat[big] += total - sum(sat)
            for (v, _), x in zip(items, sat):
                if x > 0:
                    rows.append(row)
                    victims.append(v)
                    amounts.append(x)
        return (np.array(rows, dtype=np.int64), np.array(victims, dtype=np.int64), np.array(amounts, dtype=np.int64))

    def lookalikes(self, mule_accts: np.ndarray) -> None:
        r, w, f, pop = self.r, self.w, self.w_txns, self.h.pop
        pairs = list(self.h.lookalike_accounts)
        # victims' paying accounts; sold-account holders' other accounts; mistakenly reported sellers
        vict_rows = [row for v in r.victims for row in v.payments]
        pairs.append((np.unique(f["src"][vict_rows]).astype(np.int64), "victim"))
        sold_holders = np.array([h for _, h, _ in r.sold], dtype=np.int64)
        others = np.flatnonzero(np.isin(w.accounts.col("holder"), sold_holders))
        pairs.append((others, "sold_account_holder"))
        pairs.append((np.array([f["dst"][m["row"]] for m in r.mistaken], dtype=np.int64), "mistakenly_reported"))
        acct_parts, kind_parts = [], []
        for accts, kind in pairs:
            accts = np.unique(np.asarray(accts, dtype=np.int64))
            accts = accts[(accts >= 0) & ~np.isin(accts, mule_accts)]
            acct_parts.append(accts)
            kind_parts.append(np.full(len(accts), kind, dtype=object))
        keys = self.acct_key[np.concatenate(acct_parts)]
        kinds = np.concatenate(kind_parts).astype(str)
        o = np.lexsort((kinds, keys))
        write_table(self.truth / "lookalike_accounts.csv", {"account": pa.array(keys[o].astype(object), type=pa.string()),
                                                            "kind": pa.array(kinds[o].astype(object), type=pa.string())})
        spairs = list(self.h.lookalike_sims)
        vict = np.array([v.person for v in r.victims], dtype=np.int64)
        spairs.append((pop["sims"][np.isin(pop["sim_holder"], vict)], "victim"))
        ring_sims = np.array([d["sim"] for d in r.sim_rows if "sim" in d], dtype=np.int64)
        sp, sk = [], []
        for sims, kind in spairs:
            sims = np.unique(np.asarray(sims, dtype=np.int64))
            sims = sims[~np.isin(sims, ring_sims)]
            sp.append(sims)
            sk.append(np.full(len(sims), kind, dtype=object))
        keys = self.msisdn_e164[np.concatenate(sp)].astype(str)
        kinds = np.concatenate(sk).astype(str)
        o = np.lexsort((kinds, keys))
        write_table(self.truth / "lookalike_sims.csv", {"msisdn": pa.array(keys[o].astype(object), type=pa.string()),
                                                        "kind": pa.array(kinds[o].astype(object), type=pa.string())})


def _slice(arr: np.ndarray, a: int, b: int) -> np.ndarray:
    """Vectorised substring of a numpy unicode array."""
    u = np.asarray(arr, dtype=str)
    width = u.dtype.itemsize // 4
    chars = u.view("<U1").reshape(len(u), width)[:, a:b]
    return np.ascontiguousarray(chars).view(f"<U{b - a}").reshape(len(u))


def _account_form(rng: np.random.Generator, digits: str, spaces: bool = True) -> str:
    """An account number as people write it: plain, xxx-x-xxxxx-x, or with spaces."""
    d = str(digits)
    k = rng.random() * (1.0 if spaces else 0.8)
    if k < 0.4:
        return d
    if k < 0.8:
        return f"{d[:3]}-{d[3]}-{d[4:9]}-{d[9:]}"
    return f"{d[:3]} {d[3]} {d[4:9]} {d[9:]}"


def _phone_form(rng: np.random.Generator, number: str) -> str:
    n = str(number)
    if not n or n.startswith("+697"):
        return n
    k = rng.random()
    if k < 0.4:
        return n
    if k < 0.7:
        return f"{n[:3]}-{n[3:6]}-{n[6:]}"
    if k < 0.85:
        return "+66" + n[1:]
    return f"{n[:3]} {n[3:6]} {n[6:]}"
