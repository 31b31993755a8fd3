"""`zeroscam sharing ...` commands: publish, export-bundle, import-bundle, labels, clean errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

from stix2validator import ValidationOptions, validate_instance
from typer.testing import CliRunner

from zeroscam.sharing.tlp import Level


def _invoke(*args):
    from zeroscam.cli.main import app

    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_publish_export_import_labels(settings, make_org, make_indicator, db_url, tmp_path):
    from zeroscam.check import service as check
    from zeroscam.kit.db import session_factory
    from zeroscam.kit.timeutil import utcnow

    bank, _ = make_org("bank-cli", "bank", bank_codes=("014",))
    now = utcnow()
    with session_factory(db_url)() as s:
        for v in range(3):
            check.add_signal(s, "url", "http://scam-cli.example/pay", "report", 0.7, "victim_reports",
                             now - timedelta(hours=1), ref=f"R{v}", victim_token=f"v{v}")
            check.add_signal(s, "bank_account", "014-4445556667", "report", 0.7, "victim_reports",
                             now - timedelta(hours=1), ref=f"A{v}", victim_token=f"w{v}")
        s.commit()
    rings = tmp_path / "rings.csv"
    rings.write_text("entity_type,entity,ring_id\naccount,014-4445556667,R9\nholder,1234,R9\n")
    out = _invoke("sharing", "publish", "--rings", str(rings))
    assert "2 new" in out

    public = tmp_path / "public.json"
    _invoke("sharing", "export-bundle", "--out", str(public))
    bundle = json.loads(public.read_text())
    options = ValidationOptions(version="2.1")
    assert validate_instance(bundle, options).is_valid
    patterns = [o.get("pattern", "") for o in bundle["objects"]]
    assert any("scam-cli.example" in p for p in patterns)          # CLEAR URL
    assert not any("bank-account" in p for p in patterns)          # AMBER account stays out of the public view
    banks = tmp_path / "bank.json"
    _invoke("sharing", "export-bundle", "--out", str(banks), "--org", "bank-cli")
    objs = json.loads(banks.read_text())["objects"]
    assert any("bank-account" in o.get("pattern", "") for o in objs)
    assert any(o["type"] == "intrusion-set" for o in objs)

    submitted = tmp_path / "mine.json"
    submitted.write_text(json.dumps({"type": "bundle", "id": "bundle--1b0e5a11-1c8f-4a0c-9d5c-2f9d6c1b9e01",
                                     "objects": [make_indicator("[phone-number:value = '0877777777']",
                                                                Level.GREEN, labels=["suspended_sim"])]}))
    assert "1 accepted" in _invoke("sharing", "import-bundle", str(submitted), "--org", "bank-cli")
    labels = tmp_path / "labels.csv"
    _invoke("sharing", "labels", "--out", str(labels))
    assert labels.read_text().splitlines()[1] == f"phone,+66877777777,suspended_sim,org:{bank.id}"


def test_bad_files_give_one_line_and_exit_2(settings, make_org, tmp_path):
    make_org("bank-bad", "bank", bank_codes=("014",))
    rings = tmp_path / "rings.csv"
    rings.write_text("entity_type,entity,ring_id\naccount,not-an-account,R1\n")
    env = dict(os.environ)
    exe = os.path.join(os.path.dirname(sys.executable), "zeroscam")
    r = subprocess.run([exe, "sharing", "publish", "--rings", str(rings)], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "rings.csv:2" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    r = subprocess.run([exe, "sharing", "import-bundle", str(bad), "--org", "bank-bad"], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 2 and "bad.json:1" in r.stderr and "Traceback" not in r.stderr
