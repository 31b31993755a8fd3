"""The label-free typology rules of the SIM detector on hand-made feature rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zeroscam.analytics.detection.sims import blast_rule, fleet_rule


def _row(**kw) -> dict:
    """An ordinary person's number; keyword arguments override."""
    row = dict(msisdn="+66800000000", holder_id="H1", n_out=30.0, n_sms=8.0, n_unanswered=1.0, n_short=4.0,
               out_per_active_day=1.2, out_share=0.3, stranger_share=0.6, callees_per_out=0.4, n_callees=12.0,
               first_use_age_days=900.0, is_sim=1.0, is_voip697=0.0, is_company=0.0, h_sims=1.0)
    row.update(kw)
    return row


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows).reset_index(drop=True)


FARM = dict(n_out=200.0, n_sms=130.0, n_unanswered=30.0, n_short=30.0, out_per_active_day=22.0, out_share=1.0,
            stranger_share=1.0, callees_per_out=0.98, n_callees=196.0, first_use_age_days=3.0, h_sims=14.0,
            holder_id="F")


def test_blast_rule_fires_on_a_fresh_farm_sim_only():
    people = [_row(msisdn=f"+6681{i:07d}", holder_id=f"P{i}") for i in range(20)]
    rows = people + [_row(msisdn="+66900000001", **FARM)]
    fired = blast_rule(_frame(rows))
    assert fired.tolist() == [False] * 20 + [True]


def test_blast_rule_spares_old_sims_companies_single_servers_and_few_callees():
    people = [_row(msisdn=f"+6681{i:07d}", holder_id=f"P{i}") for i in range(20)]
    variants = [
        dict(FARM, first_use_age_days=400.0),          # an old SIM (delivery rider, old pool)
        dict(FARM, is_company=1.0, holder_id="C:01"),  # a company pool: left to the model
        dict(FARM, n_callees=1.0, callees_per_out=0.005),  # IoT: one server
        dict(FARM, n_callees=10.0, callees_per_out=1.0),   # too few strangers
        dict(FARM, out_share=0.5),                     # people call it back
        dict(FARM, n_sms=0.0, n_unanswered=0.0, n_short=0.0),  # long answered calls
        dict(FARM, out_per_active_day=1.2),            # no busier than anyone
    ]
    rows = people + [_row(msisdn=f"+6690000{i:04d}", **v) for i, v in enumerate(variants)]
    assert not blast_rule(_frame(rows)).any()


def test_blast_rule_voip_needs_no_high_rate_but_needs_strangers():
    people = [_row(msisdn=f"+6681{i:07d}", holder_id=f"P{i}") for i in range(20)]
    voip = dict(FARM, holder_id=None, is_sim=0.0, is_voip697=1.0, first_use_age_days=np.nan,
                out_per_active_day=2.0, n_callees=25.0, callees_per_out=1.0, h_sims=np.nan)
    rows = people + [_row(msisdn="+69730000001", **voip),
                     _row(msisdn="+69730000002", **dict(voip, n_callees=5.0))]
    assert blast_rule(_frame(rows)).tolist()[-2:] == [True, False]


def test_fleet_rule_marks_many_sims_that_only_reach_one_number():
    fleet = [_row(msisdn=f"+6682{i:07d}", holder_id="C:IOT", h_sims=40.0, n_callees=1.0) for i in range(6)]
    farm = [_row(msisdn=f"+6683{i:07d}", holder_id="F", h_sims=6.0, n_callees=1.0 if i == 0 else 150.0)
            for i in range(6)]
    family = [_row(msisdn=f"+6684{i:07d}", holder_id="FAM", h_sims=3.0, n_callees=1.0) for i in range(3)]
    fired = fleet_rule(_frame(fleet + farm + family))
    assert fired.tolist() == [True] * 6 + [False] * 6 + [False] * 3
