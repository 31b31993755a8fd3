"""The report form parser: whatever a browser (or a script) posts, it answers with a
report in the AXF shape or with errors in the visitor's language — never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeroscam.reports.schemas import ReportIn
from zeroscam.web.common import parse_amount
from zeroscam.web.i18n import Translator
from zeroscam.web.public import CONTACT_ROWS, TRANSFER_ROWS, build_report

T = Translator("en")
FIELDS = (["scam_type", "loss_thb", "victim_phone", "victim_province", "narrative"]
          + [f"contact_{k}_{i}" for i in range(CONTACT_ROWS) for k in ("type", "value")]
          + [f"transfer_{k}_{i}" for i in range(TRANSFER_ROWS)
             for k in ("ts", "to_bank", "to_account", "amount", "from_bank", "from_account")])


@given(st.integers(min_value=0, max_value=10**11), st.integers(min_value=0, max_value=99))
def test_amounts_in_the_ways_people_write_them(baht, satang):
    value = baht + satang / 100
    for text in (f"{value:.2f}", f"{value:,.2f}", f"฿{value:,.2f}", f"{value:,.2f} บาท"):
        assert parse_amount(text) == pytest.approx(round(value, 2))


@given(st.text(max_size=30))
def test_amount_parser_only_ever_raises_value_error(text):
    try:
        value = parse_amount(text)
    except ValueError:
        return
    assert value is None or 0 <= value <= 1e12


@given(st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=40), max_size=len(FIELDS)))
def test_any_form_gives_a_valid_report_or_errors(form):
    report, errors = build_report(form, T)
    assert all(isinstance(e, str) and e for e in errors)
    if not errors:
        ReportIn.model_validate(report)  # the shape the reports service takes


def test_a_complete_form():
    form = {"scam_type": "call_centre", "loss_thb": "35,000", "victim_phone": "0812345678",
            "victim_province": "Bangkok", "contact_type_0": "phone", "contact_value_0": "065-111-2233",
            "transfer_ts_0": "2025-03-01T21:40", "transfer_to_bank_0": "014",
            "transfer_to_account_0": "987-6-54321-0", "transfer_amount_0": "35000", "narrative": "โทรมา"}
    report, errors = build_report(form, T)
    assert errors == []
    assert report["loss_thb"] == 35000.0
    assert report["transfers"] == [{"ts": "2025-03-01T21:40:00+07:00", "amount": 35000.0,
                                    "to_bank": "014", "to_account": "987-6-54321-0"}]
    assert report["contacts"] == [{"type": "phone", "value": "065-111-2233"}]
    assert report["victim"] == {"phone": "0812345678", "province": "Bangkok"}


def test_an_empty_form_is_refused():
    _, errors = build_report({"scam_type": "loan"}, T)
    assert errors == ["Tell us at least one number, account, transfer or what happened."]
