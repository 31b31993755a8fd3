"""Sharing throughput: publishing indicators, serving TAXII pages, OPRF evaluations.

Prints each figure with a baseline measured in the same run:
- publish: indicators/s, against inserting the same number of plain rows;
- TAXII: objects/s through the full endpoint (auth, TLP SQL, paging), against
  selecting the same payloads straight from the table;
- OPRF: BlindEvaluate/s, against SHA-512 of the same inputs.

    .venv/bin/python bench/bench_sharing.py [--n 2000]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000, help="identifiers to publish")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="zs-bench-sharing-"))
    os.environ.update(ZEROSCAM_HOME=str(home), ZEROSCAM_TESTING="1",
                      ZEROSCAM_ALLIANCE_SECRET="bench-alliance-secret-0123456789")
    os.environ.pop("ZEROSCAM_DATABASE_URL", None)

    from fastapi.testclient import TestClient
    from sqlalchemy import insert, select

    from zeroscam.app import create_app
    from zeroscam.check import service as check
    from zeroscam.config import get_settings, reset_settings
    from zeroscam.kit.db import migrate, session_factory
    from zeroscam.kit.timeutil import utcnow
    from zeroscam.members import service as members
    from zeroscam.sharing import oprf, service
    from zeroscam.sharing.models import BlindUsage, SharedObject

    reset_settings()
    settings = get_settings()
    migrate(settings.relational_url)
    Session = session_factory(settings.relational_url)
    now = utcnow()
    with Session() as s:
        org = members.create_org(s, "bench-police", "police")
        key = members.issue_key(s, org)
        rows = [{"kind": "phone" if i % 2 else "bank_account",
                 "value": f"+668{i:08d}" if i % 2 else f"014-{i:010d}", "source": "report", "ref": f"R{i}",
                 "score": 0.9, "reason": "victim_reports", "observed_at": now - timedelta(hours=1),
                 "victim_token": f"v{i}"} for i in range(args.n)]
        check.add_signals_bulk(s, rows)
        s.commit()

        t = time.perf_counter()
        service.refresh_from_risk(s, now, alliance_key=settings.alliance_key())
        written = service.publish_all(s, now)
        s.commit()
        publish_s = time.perf_counter() - t
        t = time.perf_counter()
        again = service.publish_all(s, utcnow())
        s.commit()
        republish_s = time.perf_counter() - t
        # Baseline: the same number of plain inserts (rate-limit rows) in one transaction.
        t = time.perf_counter()
        s.execute(insert(BlindUsage), [{"org_id": org.id, "window_start": now + timedelta(hours=i), "count": 0}
                                       for i in range(args.n)])
        s.commit()
        insert_s = time.perf_counter() - t
    print(f"publish: {args.n} indicators -> {written} object versions in {publish_s:.2f}s "
          f"({args.n / publish_s:,.0f} indicators/s); plain inserts {args.n / insert_s:,.0f} rows/s; "
          f"ratio {publish_s / insert_s:.1f}x slower")
    print(f"republish with nothing changed: {again} new versions in {republish_s:.2f}s")

    app = create_app(settings)
    with TestClient(app) as client:
        h = {"Authorization": f"Bearer {key}", "Accept": "application/taxii+json;version=2.1"}
        t = time.perf_counter()
        served, nxt = 0, None
        for coll in ("community", "banks", "telcos"):
            nxt = None
            while True:
                params = {"limit": 1000} | ({"next": nxt} if nxt else {})
                body = client.get(f"/taxii2/api1/collections/{coll}/objects/", headers=h, params=params).json()
                served += len(body.get("objects", []))
                if not body["more"]:
                    break
                nxt = body["next"]
        taxii_s = time.perf_counter() - t
    with Session() as s:
        t = time.perf_counter()
        raw = len(list(s.scalars(select(SharedObject.payload).where(SharedObject.latest.is_(True)))))
        raw_s = time.perf_counter() - t
    print(f"TAXII: {served} objects in {taxii_s:.2f}s ({served / taxii_s:,.0f}/s); raw select {raw} payloads "
          f"{raw / raw_s:,.0f}/s; ratio {(taxii_s / served) / (raw_s / raw):.1f}x per object")

    sk, _ = oprf.derive_key_pair(b"\x01" * 32, b"bench")
    inputs = [f"phone:+668{i:08d}".encode() for i in range(2000)]
    blinded = [oprf.blind(x)[1] for x in inputs]
    t = time.perf_counter()
    for b in blinded:
        oprf.blind_evaluate(sk, b)
    ev_s = time.perf_counter() - t
    t = time.perf_counter()
    for x in inputs:
        hashlib.sha512(x).digest()
    h_s = time.perf_counter() - t
    print(f"OPRF: {len(inputs) / ev_s:,.0f} BlindEvaluate/s; SHA-512 {len(inputs) / h_s:,.0f}/s; "
          f"ratio {ev_s / h_s:.0f}x")


if __name__ == "__main__":
    main()
