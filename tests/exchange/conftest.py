"""Fixtures: the shared tiny example and a messy generated folder (see axf_samples.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from axf_samples import TINY, make_messy


@pytest.fixture
def tiny(tmp_path) -> Path:
    out = tmp_path / "tiny"
    shutil.copytree(TINY, out)
    for p in out.iterdir():
        p.chmod(0o644)
    return out


@pytest.fixture
def messy(tmp_path) -> Path:
    return make_messy(tmp_path / "messy")
