"""`zeroscam demo --no-serve` sets everything up and can be run again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zeroscam.kit.db import session_factory
from zeroscam.members import service

TINY = Path(__file__).resolve().parents[3] / "shared" / "examples" / "tiny"


@pytest.mark.slow
def test_demo_is_rerunnable(settings):
    cmd = [sys.executable, "-m", "zeroscam", "demo", "--no-serve", "--world", str(TINY)]
    first = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), timeout=600)
    assert first.returncode == 0, first.stderr
    assert "aoc-analyst" in first.stdout and "demo-aoc-2025" in first.stdout
    assert "http://127.0.0.1:8000" in first.stdout
    keys = json.loads((settings.home / "demo-keys.json").read_text())
    second = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), timeout=600)
    assert second.returncode == 0, second.stderr
    assert "loaded already" in second.stdout
    assert json.loads((settings.home / "demo-keys.json").read_text()) == keys
    with session_factory(settings.relational_url)() as s:
        assert service.authenticate_user(s, "aoc-analyst", "demo-aoc-2025").org.type == "police"
        scb = service.authenticate_key(s, keys["Siam Commercial Bank (demo)"])
        assert scb.codes == ("014",)
