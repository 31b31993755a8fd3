"""`zeroscam load`: idempotent, and a load killed with SIGKILL leaves the stores as they were."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from zeroscam.cases.models import Hold
from zeroscam.check.models import RiskEntry, RiskSignal
from zeroscam.ingest import store
from zeroscam.ingest.models import LoadRun
from zeroscam.kit.db import session_factory
from zeroscam.reports.models import Report

TINY = Path(__file__).resolve().parents[3] / "shared" / "examples" / "tiny"


def tiny_copy(tmp_path: Path, extra: bool = False) -> Path:
    out = tmp_path / ("tiny-extra" if extra else "tiny")
    shutil.copytree(TINY, out)
    for f in out.iterdir():
        f.chmod(0o644)
    if extra:
        with open(out / "transactions.csv", "a") as f:
            f.write("T-9005,2025-03-02T10:00:00+07:00,transfer,004,1234567890,002,4440009999,50.00,dev-a1\n")
        report = {"report_id": "R-000124", "reported_at": "2025-03-02T10:30:00+07:00", "scam_type": "online_shopping",
                  "loss_thb": 50, "victim": {"holder_id": "1101700230708"},
                  "contacts": [{"type": "url", "value": "http://cheap-phones.example/shop"}],
                  "transfers": [{"ts": "2025-03-02T10:00:00+07:00", "txn_id": "T-9005", "from_bank": "004",
                                 "from_account": "1234567890", "to_bank": "002", "to_account": "4440009999",
                                 "amount": 50}], "narrative": "never delivered"}
        with open(out / "reports.jsonl", "a") as f:
            f.write(json.dumps(report) + "\n")
    return out


def run_load(data: Path, *extra_env: tuple[str, str]) -> subprocess.CompletedProcess:
    env = os.environ.copy()
    env.update(dict(extra_env))
    return subprocess.run([sys.executable, "-m", "zeroscam", "load", "--data", str(data)], env=env,
                          capture_output=True, text=True, timeout=600)


def snapshot(settings) -> dict:
    """Everything a load changes, in both stores."""
    with session_factory(settings.relational_url)() as s:
        gen = store.current_generation(s, settings)
        parquet = {}
        if gen is not None:
            ds = store.open_generation(gen)
            parquet = ds.counts()
            parquet["txn_ids"] = sorted(r[0] for r in ds.con.execute("SELECT txn_id FROM transactions").fetchall())
            ds.con.close()
        return {
            "reports": sorted(s.scalars(select(Report.id))),
            "holds": sorted((h.report_id, h.account) for h in s.scalars(select(Hold))),
            "signals": s.scalar(select(func.count()).select_from(RiskSignal)),
            "entries": sorted((e.kind, e.value, e.risk, round(e.score, 4), e.reports)
                              for e in s.scalars(select(RiskEntry))),
            "runs": s.scalar(select(func.count()).select_from(LoadRun)),
            "parquet": parquet,
        }


def kill_at(data: Path, step: str) -> None:
    """Start a load that pauses at `step`, wait until it says so, then SIGKILL it."""
    env = os.environ.copy()
    env["ZEROSCAM_TEST_LOAD_PAUSE_AT"] = step
    proc = subprocess.Popen([sys.executable, "-m", "zeroscam", "load", "--data", str(data)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        for line in proc.stderr:
            if f"zeroscam-load-paused-at {step}" in line:
                break
            assert time.monotonic() < deadline
        else:
            pytest.fail(f"load never reached {step}: {proc.wait()}")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_load_twice_changes_nothing(settings):
    data = tiny_copy(settings.home.parent)
    r = run_load(data)
    assert r.returncode == 0, r.stderr
    first = snapshot(settings)
    assert first["reports"] == ["R-000123"]
    assert ("R-000123", "014-9876543210") in first["holds"]
    assert first["parquet"]["transactions"] == 5 and first["runs"] == 1
    assert any(e[:2] == ("bank_account", "014-9876543210") and e[2] in ("medium", "high") for e in first["entries"])
    r = run_load(data)
    assert r.returncode == 0, r.stderr
    second = snapshot(settings)
    assert second["runs"] == 2
    first.pop("runs"), second.pop("runs")
    assert second == first


@pytest.mark.slow
def test_killed_first_load_leaves_nothing_and_rerun_completes(settings):
    data = tiny_copy(settings.home.parent)
    empty = snapshot(settings)
    kill_at(data, "relational")
    assert snapshot(settings) == empty
    r = run_load(data)
    assert r.returncode == 0, r.stderr
    done = snapshot(settings)
    assert done["reports"] == ["R-000123"] and done["parquet"]["transactions"] == 5


@pytest.mark.slow
def test_killed_second_load_keeps_the_first_and_rerun_completes(settings):
    first_data, second_data = tiny_copy(settings.home.parent), tiny_copy(settings.home.parent, extra=True)
    assert run_load(first_data).returncode == 0
    before = snapshot(settings)
    kill_at(second_data, "parquet")
    assert snapshot(settings) == before
    kill_at(second_data, "commit")
    assert snapshot(settings) == before
    r = run_load(second_data)
    assert r.returncode == 0, r.stderr
    after = snapshot(settings)
    assert after["reports"] == ["R-000123", "R-000124"]
    assert after["parquet"]["transactions"] == 6 and "T-9005" in after["parquet"]["txn_ids"]
    # Leftovers of the killed loads are gone.
    gens = [p.name for p in settings.analytics_dir.iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(gens) == 1


def test_bad_data_is_one_line_exit_2(settings, tmp_path):
    data = tiny_copy(tmp_path)
    with open(data / "transactions.csv", "a") as f:
        f.write("T-bad,not-a-time,transfer,004,1234567890,002,4440009999,5.00,\n")
    r = run_load(data)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "transactions.csv" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert snapshot(settings)["runs"] == 0
