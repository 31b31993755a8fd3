"""Features of numbers for the SIM detector, on a hand-made AXF folder whose
values can be counted by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from zeroscam.analytics.engine import make_engine
from zeroscam.analytics.features.sims import MODEL_FEATURES, sim_features
from zeroscam.exchange.axf import open_dataset

A, B, C, V, W, W2, V2 = ("+66810000001", "+66810000002", "+66810000003", "+66890000001",
                         "+66890000002", "+66890000003", "+66890000004")
VOIP, ROAM = "+697123456789", "+6981234567"


def _write(folder, name, rows):
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture()
def handmade(tmp_path):
    _write(tmp_path, "sims", [
        ("msisdn", "operator", "holder_id", "registered_at"),
        ("081-000-0001", "AIS", "3100500123458", "2025-02-25T09:00:00+07:00"),
        ("0810000002", "AIS", "3100500123458", "2025-02-26T09:00:00+07:00"),
        ("+66810000003", "TRUE", "C:0105561000011", "2024-01-01T09:00:00+07:00"),
        ("0890000001", "NT", "1101700230708", "2015-01-01T09:00:00+07:00"),
    ])
    _write(tmp_path, "cells", [
        ("cell_id", "lat", "lon", "border_km"),
        ("X1", "13.68", "102.54", "2.0"),
        ("U1", "13.75", "100.50", "300"),
    ])
    _write(tmp_path, "cdrs", [
        ("ts", "kind", "caller", "callee", "duration_s", "cell_id", "imei"),
        ("2025-03-01T10:00:00+07:00", "voice", "0810000001", "0890000001", "0", "X1", "356938035643809"),
        ("2025-03-01T10:05:00+07:00", "voice", "0810000001", "0890000002", "10", "X1", "356938035643809"),
        ("2025-03-01T10:06:00+07:00", "sms", "0810000001", "0890000003", "0", "X1", "356938035643809"),
        ("2025-03-01T11:00:00+07:00", "voice", "0810000002", "0890000004", "200", "X1", "356938035643809"),
        ("2025-03-01T12:00:00+07:00", "voice", "0890000004", "0810000002", "60", "U1", "490154203237518"),
        ("2025-03-01T13:00:00+07:00", "voice", "0810000003", "0890000001", "40", "U1", "352099001761481"),
        ("2025-03-01T14:00:00+07:00", "voice", VOIP, "0890000001", "300", "", ""),
        ("2025-03-01T15:00:00+07:00", "voice", ROAM, "0890000002", "20", "", ""),
    ])
    report = {"report_id": "R-1", "reported_at": "2025-03-02T09:00:00+07:00", "scam_type": "call_centre",
              "victim": {"phone": "0890000001"}, "contacts": [{"type": "phone", "value": "081 000 0001"}]}
    (tmp_path / "reports.jsonl").write_text(json.dumps(report) + "\n")
    return tmp_path


def _features(folder, as_of=None):
    ds = open_dataset(folder, as_of)
    return sim_features(make_engine("duckdb", ds), ds.as_of).set_index("msisdn")


def test_every_number_seen_is_a_row_in_e164(handmade):
    f = _features(handmade)
    assert sorted(f.index) == sorted([A, B, C, V, W, W2, V2, VOIP, ROAM])
    assert set(MODEL_FEATURES) <= set(f.columns)


def test_calling_pattern_counts(handmade):
    f = _features(handmade)
    a = f.loc[A]
    assert (a.n_out, a.n_sms, a.n_callees, a.n_named) == (3, 1, 3, 1)
    assert a.share_unanswered == pytest.approx(0.5) and a.share_short == pytest.approx(0.5)
    assert a.n_called_victims == 1 and a.called_victim_share == pytest.approx(1 / 3)
    assert a.border_share == 1 and a.min_border_km == 2
    assert a.stranger_share == 1
    # B was called back by its only callee: no strangers; C calls from a city cell.
    assert f.loc[B].stranger_share == 0 and f.loc[B].out_share == pytest.approx(0.5)
    assert f.loc[C].border_share == 0 and f.loc[C].is_company == 1
    assert f.loc[V].n_in == 3 and f.loc[V].n_out == 0


def test_neighbours_through_handsets_and_holder(handmade):
    f = _features(handmade)
    # A and B share a handset and a holder; only A is named.
    assert f.loc[A].imei_max_sims == 2 and f.loc[B].imei_max_sims == 2
    assert f.loc[B].imei_named_others == 1 and f.loc[A].imei_named_others == 0
    assert f.loc[B].h_named_others == 1 and f.loc[A].h_named_others == 0
    assert f.loc[A].h_sims == 2 and f.loc[A].h_sims_7d == 2
    assert f.loc[A].first_use_age_days == pytest.approx(4 + 1 / 24)
    assert f.loc[C].imei_max_sims == 1 and f.loc[C].h_sims == 1


def test_foreign_numbers(handmade):
    f = _features(handmade)
    assert f.loc[VOIP].is_voip697 == 1 and f.loc[VOIP].is_foreign == 1 and f.loc[VOIP].is_sim == 0
    assert f.loc[ROAM].is_roam698 == 1
    assert f.loc[A].is_foreign == 0


def test_reports_after_as_of_are_unseen(handmade):
    f = _features(handmade, "2025-03-02T08:59:59+07:00")
    assert f.loc[A].n_named == 0 and f.loc[A].n_called_victims == 0
    assert f.loc[B].imei_named_others == 0
