"""Same seed, same bytes; different seeds, different worlds; tiny loads through the AXF reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zeroscam.simulate.service import simulate


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tiny_pair(tmp_path_factory):
    a = tmp_path_factory.mktemp("tiny_a")
    b = tmp_path_factory.mktemp("tiny_b")
    c = tmp_path_factory.mktemp("tiny_c")
    simulate(a, "tiny", 5, show_progress=False)
    simulate(b, "tiny", 5, show_progress=False)
    simulate(c, "tiny", 6, show_progress=False)
    return a, b, c


def test_same_seed_same_bytes(tiny_pair):
    a, b, _ = tiny_pair
    fa, fb = _files(a), _files(b)
    assert set(fa) >= {"accounts.csv", "transactions.csv", "sims.csv", "cdrs.csv", "cells.csv", "reports.jsonl",
                       "truth/accounts.csv", "truth/scam_txns.csv", "truth/params.json"}
    assert fa.keys() == fb.keys()
    for name in fa:
        assert fa[name] == fb[name], name


def test_different_seed_different_world(tiny_pair):
    a, _, c = tiny_pair
    pa = json.loads((a / "truth/params.json").read_text())
    pc = json.loads((c / "truth/params.json").read_text())
    assert pa["report_rate"] != pc["report_rate"]
    assert pa["tier_shares"] != pc["tier_shares"]
    assert (a / "transactions.csv").read_bytes() != (c / "transactions.csv").read_bytes()


def test_tiny_is_small_and_loads_through_the_axf_reader(tiny_pair):
    from zeroscam.exchange.axf import open_dataset

    a = tiny_pair[0]
    ds = open_dataset(a)
    counts = ds.counts()
    assert 1_000 <= counts["transactions"] <= 10_000
    assert counts["cdrs"] > 1_000 and counts["accounts"] > 500 and counts["sims"] > 500
    assert counts["cells"] > 20
    # every report line was read, with its named transfers and contacts
    lines = (a / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    n_reports = len(lines)
    assert counts["reports"] == n_reports > 0
    assert counts["report_transfers"] >= n_reports - sum(
        1 for line in lines if not json.loads(line)["transfers"])
    # transactions named by txn_id exist in the transactions table
    named = ds.df("report_transfers").dropna(subset=["txn_id"])
    txns = set(ds.df("transactions")["txn_id"])
    assert set(named["txn_id"]) <= txns


def test_unknown_scale_is_a_clean_error(tmp_path):
    from zeroscam.kit.errors import ZeroscamError

    with pytest.raises(ZeroscamError, match="scale"):
        simulate(tmp_path, "huge", 1)


def test_cli_writes_the_folder(tmp_path):
    from typer.testing import CliRunner

    from zeroscam.cli.main import app

    result = CliRunner().invoke(app, ["simulate", "--out", str(tmp_path / "w"), "--scale", "tiny", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "w/truth/victims.csv").exists()
    assert "transactions=" in result.output


def test_cached_world_is_generated_once(tmp_path):
    from zeroscam.simulate.service import simulate_cached

    first = simulate_cached(tmp_path, "tiny", 9)
    stamp = (first / "transactions.csv").stat().st_mtime_ns
    again = simulate_cached(tmp_path, "tiny", 9)
    assert again == first and (again / "transactions.csv").stat().st_mtime_ns == stamp


def test_out_must_be_a_folder(tmp_path):
    from zeroscam.kit.errors import ZeroscamError

    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ZeroscamError, match="not a folder"):
        simulate(f, "tiny", 1)


def test_parquet_holds_what_the_csv_holds(tmp_path):
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from zeroscam.exchange.axf import open_dataset

    c, p = tmp_path / "c", tmp_path / "p"
    simulate(c, "tiny", 4, show_progress=False)
    simulate(p, "tiny", 4, show_progress=False, fmt="parquet")
    for name in ("accounts", "sims", "cells", "transactions", "cdrs"):
        assert not (p / f"{name}.csv").exists()
        from_csv = pcsv.read_csv(c / f"{name}.csv", convert_options=pcsv.ConvertOptions(
            column_types={}, strings_can_be_null=True, auto_dict_encode=False)).to_pandas().astype(str)
        from_pq = pq.read_table(p / f"{name}.parquet").to_pandas().astype(str)
        assert list(from_csv.columns) == list(from_pq.columns)
        assert len(from_csv) == len(from_pq)
    assert (c / "truth/scam_txns.csv").read_bytes() == (p / "truth/scam_txns.csv").read_bytes()
    assert open_dataset(p).counts() == open_dataset(c).counts()
