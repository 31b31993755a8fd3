"""The honest company pool (the documented look-alike) on hand-made feature rows:
spared when nothing a farm is known by is there, not spared when anything is."""

from __future__ import annotations

import pandas as pd

from zeroscam.analytics.detection.sims import pool_rule

# a call-centre line: a company's SIM first used a year after registration, mostly
# conversations (40 of 100 events unanswered or short), nothing named
POOL = dict(msisdn="+66810000000", holder_id="C:01", is_company=1.0, first_use_age_days=400.0,
            h_reg_span_days=800.0, n_out=100.0, n_sms=0.0, n_unanswered=20.0, n_short=20.0,
            n_named=0.0, h_named_others=0.0)


def _fires(**kw) -> bool:
    return bool(pool_rule(pd.DataFrame([dict(POOL, **kw)]))[0])


def test_an_established_company_pool_is_spared_even_on_a_line_added_lately():
    assert _fires()
    assert _fires(first_use_age_days=30.0)  # a new line of a pool registered over years


def test_a_company_that_looks_like_a_farm_in_any_way_is_not_spared():
    assert not _fires(is_company=0.0, holder_id="P1")                        # a person
    assert not _fires(first_use_age_days=3.0, h_reg_span_days=1.0)           # a batch bought days before use
    assert not _fires(n_sms=60.0)                                            # blasting SMS
    assert not _fires(n_named=1.0)                                           # named by a report
    assert not _fires(h_named_others=1.0)                                    # a sister line named
