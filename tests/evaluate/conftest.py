"""A tiny world shared by the evaluation tests."""

from __future__ import annotations

import pytest

from zeroscam.simulate.service import simulate


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval_tiny")
    simulate(out, scale="tiny", seed=21, show_progress=False)
    return out
