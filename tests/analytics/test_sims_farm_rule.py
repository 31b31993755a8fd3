"""The farm-as-one-machine blast rule: a farm that started hours ago, each SIM below
the single-number floor of twenty strangers, is found through its shared holder or
handset; shops, companies and lone numbers are not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zeroscam.analytics.detection.sims import blast_rule, farm_blast_rule, score_numbers
from zeroscam.analytics.features.sims import MODEL_FEATURES


def _row(**kw) -> dict:
    """An ordinary person's number; keyword arguments override."""
    row = dict(msisdn="+66800000000", holder_id="H1", n_named=0.0, n_out=30.0, n_sms=8.0, n_unanswered=1.0,
               n_short=4.0, out_per_active_day=1.2, out_share=0.3, stranger_share=0.6, callees_per_out=0.4,
               n_callees=12.0, first_use_age_days=900.0, is_sim=1.0, is_voip697=0.0, is_company=0.0, h_sims=1.0)
    row.update(kw)
    return row


# a farm SIM on its first day: blast-shaped and busy, but only eight strangers so far
YOUNG = dict(n_out=8.0, n_sms=5.0, n_unanswered=2.0, n_short=1.0, out_per_active_day=8.0, out_share=1.0,
             stranger_share=1.0, callees_per_out=1.0, n_callees=8.0, first_use_age_days=2.0, h_sims=6.0)
PEOPLE = [_row(msisdn=f"+6681{i:07d}", holder_id=f"P{i}") for i in range(20)]


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows).sort_values("msisdn").reset_index(drop=True)


def _fired(frame, links=None) -> set:
    return set(frame.loc[farm_blast_rule(frame, links), "msisdn"])


def test_a_young_farm_is_found_as_a_group_of_its_holder_though_no_sim_is_on_its_own():
    farm = [_row(msisdn=f"+6690000{i:04d}", **dict(YOUNG, holder_id="F")) for i in range(4)]
    frame = _frame(PEOPLE + farm)
    assert not blast_rule(frame).any()
    assert _fired(frame) == {r["msisdn"] for r in farm}


def test_sims_tied_only_by_a_shared_handset_form_a_group():
    farm = [_row(msisdn=f"+6690000{i:04d}", **dict(YOUNG, holder_id=f"N{i}")) for i in range(4)]
    frame = _frame(PEOPLE + farm)
    assert _fired(frame) == set()  # different nominees, no handset seen: no tie
    links = pd.DataFrame({"msisdn": [r["msisdn"] for r in farm], "imei": ["IMEI-BOX"] * 4})
    assert _fired(frame, links) == {r["msisdn"] for r in farm}


def test_shops_companies_small_groups_and_honest_handset_mates_are_spared():
    def group(prefix, n, **kw):
        return [_row(msisdn=f"+66{prefix}{i:04d}", **dict(YOUNG, holder_id=prefix, **kw)) for i in range(n)]
    shop = group("9100", 6, out_per_active_day=1.1)            # texts customers now and then
    company = group("9200", 6, is_company=1.0)                  # a company pool: left to the model
    pair = group("9300", 2)                                     # 16 strangers in all: under twenty
    aged = group("9400", 6, first_use_age_days=400.0)           # old SIMs
    lone = [_row(msisdn="+66950000000", **dict(YOUNG, holder_id="L"))]  # one number is no farm
    frame = _frame(PEOPLE + shop + company + pair + aged + lone)
    assert _fired(frame) == set()
    # a family member sharing the farm's handset does not join (and so cannot tip it)
    fam = _row(msisdn="+66960000000", holder_id="FAM")
    links = pd.DataFrame({"msisdn": [pair[0]["msisdn"], pair[1]["msisdn"], fam["msisdn"]], "imei": ["I1"] * 3})
    assert _fired(_frame(PEOPLE + pair + [fam]), links) == set()


def test_score_numbers_flags_the_farm_with_its_reason():
    farm = [_row(msisdn=f"+6690000{i:04d}", **dict(YOUNG, holder_id="F")) for i in range(4)]
    frame = _frame(PEOPLE + farm)
    for col in MODEL_FEATURES:
        if col not in frame.columns:
            frame[col] = np.nan
    out = score_numbers(frame)
    hit = out[out["msisdn"].isin([r["msisdn"] for r in farm])]
    assert hit["flagged"].tolist() == [1] * 4
    assert hit["reasons"].str.contains("farm_blaster").all()
    assert out.loc[~out["msisdn"].isin(hit["msisdn"]), "flagged"].sum() == 0


def test_aged_and_slower_sims_beside_a_shown_farm_are_its_sims_but_cannot_show_one():
    fresh = [_row(msisdn=f"+6690000{i:04d}", **dict(YOUNG, holder_id="F")) for i in range(3)]
    aged = _row(msisdn="+66900000010", **dict(YOUNG, holder_id="F", first_use_age_days=300.0))
    slow = _row(msisdn="+66900000011", **dict(YOUNG, holder_id="F", out_per_active_day=2.0))
    assert _fired(_frame(PEOPLE + fresh + [aged, slow])) == {r["msisdn"] for r in fresh + [aged, slow]}
    # without the fresh, busy SIMs nothing shows a farm: 3 x 8 strangers from aged or slow SIMs
    aged3 = [dict(aged, msisdn=f"+6691000{i:04d}") for i in range(3)]
    slow3 = [dict(slow, msisdn=f"+6692000{i:04d}", holder_id="G") for i in range(3)]
    assert _fired(_frame(PEOPLE + aged3 + slow3)) == set()


def test_voip_numbers_with_no_holder_or_handset_count_as_one_gateway():
    voip = dict(YOUNG, holder_id=None, is_sim=0.0, is_voip697=1.0, first_use_age_days=np.nan, h_sims=np.nan,
                out_per_active_day=1.5, n_callees=6.0)
    ring = [_row(msisdn=f"+69730000{i:03d}", **voip) for i in range(4)]          # 24 strangers in all
    talker = _row(msisdn="+69740000000", **dict(voip, n_sms=0.0, n_unanswered=0.0, n_short=0.0))
    frame = _frame(PEOPLE + ring + [talker])
    assert not blast_rule(frame).any()
    assert _fired(frame) == {r["msisdn"] for r in ring}  # the one who talks to people is not pulled in
    assert _fired(_frame(PEOPLE + ring[:3])) == set()      # 18 strangers: not yet a blast


def test_a_nominees_own_old_unhurried_sim_beside_a_farm_is_not_pulled_in():
    fresh = [_row(msisdn=f"+6690000{i:04d}", **dict(YOUNG, holder_id="F")) for i in range(3)]
    own = _row(msisdn="+66900000010", **dict(YOUNG, holder_id="F", first_use_age_days=900.0,
                                              out_per_active_day=1.0, n_callees=5.0, n_out=5.0))
    assert _fired(_frame(PEOPLE + fresh + [own])) == {r["msisdn"] for r in fresh}
