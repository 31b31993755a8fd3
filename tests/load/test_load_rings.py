"""`zeroscam load` also writes the rings (rings.csv + rings.json) the console's ring view reads."""

from __future__ import annotations

import json

import pandas as pd

from zeroscam.ingest.pipeline import load
from zeroscam.simulate.service import simulate


def test_load_writes_rings_for_the_console(settings, tmp_path):
    world = tmp_path / "world"
    simulate(world, scale="tiny", seed=3)
    load(settings, world)

    members = pd.read_csv(settings.analytics_dir / "rings.csv", dtype=str)
    assert list(members.columns) == ["entity_type", "entity", "ring_id"]
    summary = json.loads((settings.analytics_dir / "rings.json").read_text())
    # every ring in the CSV has its summary, and the summary names no ring the CSV lacks
    assert {r["ring_id"] for r in summary["rings"]} == set(members["ring_id"])
    # the rings found overlap the simulator's true ring members
    truth = pd.read_csv(world / "truth" / "accounts.csv", dtype=str)
    found = set(members.loc[members.entity_type == "account", "entity"])
    assert found & set(truth["account"])
