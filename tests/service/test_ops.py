"""Operations: migrations match the models, JSON logs carry no personal data, metrics."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from zeroscam.kit.db import Base, get_engine, import_all_models, migrate


def test_migrations_build_exactly_the_models(empty_db_url):
    migrate(empty_db_url)
    import_all_models()
    with get_engine(empty_db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
    migrate(empty_db_url)  # running it again is a no-op


def test_logs_are_json_without_identifiers(app_client, make_org, capsys):
    _, key = make_org("AOC", "police")
    capsys.readouterr()
    report = {"scam_type": "call_centre", "victim": {"holder_id": "1101700230708", "phone": "0812345678"},
              "contacts": [{"type": "phone", "value": "0651112233"}],
              "transfers": [{"to_bank": "014", "to_account": "9876543210", "amount": 35000}]}
    r = app_client.post("/v1/reports", json=report, headers={"Authorization": f"Bearer {key}"})
    rid = r.json()["id"]
    app_client.get(f"/v1/reports/{rid}", headers={"Authorization": f"Bearer {key}"})
    app_client.post("/v1/check", json={"items": [{"type": "phone", "value": "0651112233"}]},
                    headers={"Authorization": f"Bearer {key}"})
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "expected access logs"
    records = [json.loads(line) for line in lines]
    assert any(rec.get("route") == "/v1/reports/{report_id}" for rec in records)
    for secret in ("1101700230708", "0812345678", "812345678", "0651112233", "651112233", "9876543210", rid):
        assert secret not in err


def test_metrics_name_routes_by_template(app_client, make_org):
    _, key = make_org()
    app_client.get("/v1/holds/12345", headers={"Authorization": f"Bearer {key}"})
    text = app_client.get("/metrics").text
    assert 'route="/v1/holds/{hold_id}"' in text and "/v1/holds/12345" not in text
