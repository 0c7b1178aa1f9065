"""Tumour response table (tlf/tables/response.py) on the ten-subject example of conftest.py.

Clopper-Pearson textbook values from R 4.3: ``binom.test(x, 10)$conf.int``
(4/10: 0.1215523-0.7376219; 6/10: 0.2623781-0.8784477; 7/10: 0.3475471-0.9332605).
"""

from __future__ import annotations

import pandas as pd
import pytest

from tlf.tables.common import Settings
from tlf.tables.response import build_response_table

SETTINGS = Settings(population="EFFFL")


def stat(built, variable, statistic, level=""):
    s = built.stats
    row = s[(s["VARIABLE"] == variable) & (s["STATISTIC"] == statistic) & (s["LEVEL"] == level) & (s["GROUP"] == "")]
    assert len(row) == 1, (variable, statistic, level)
    return row.iloc[0]


def cell(built, characteristic, section_part):
    body = built.body
    hit = body[body["Characteristic"].str.strip().eq(characteristic) & body["Section"].str.contains(section_part)]
    assert len(hit) == 1, (characteristic, section_part)
    return hit["Value"].iloc[0]


@pytest.fixture
def built(response_adam):
    return build_response_table(response_adam["ADSL"], response_adam["ADRS"], response_adam["ADTTE"], settings=SETTINGS)


def test_denominator_is_the_analysis_set(built):
    assert stat(built, "POPULATION", "N")["VALUE"] == 10
    assert built.context == {"n": 10}


def test_confirmed_bor_counts_by_category(built):
    counts = {c: stat(built, "CBOR", "n", c)["VALUE"] for c in ("CR", "PR", "SD", "PD", "NE")}
    assert counts == {"CR": 1, "PR": 3, "SD": 3, "PD": 2, "NE": 1}


def test_confirmed_bor_percentages_in_body(built):
    assert cell(built, "Partial response (PR)", "confirmed") == "3 (30.0)"
    assert cell(built, "Not evaluable (NE)", "confirmed") == "1 (10.0)"


def test_confirmed_orr_clopper_pearson_textbook(built):
    assert stat(built, "CRSP", "n", "Y")["VALUE"] == 4
    assert stat(built, "CRSP", "lcl_pct", "Y")["VALUE"] == pytest.approx(12.15523, abs=1e-5)
    assert stat(built, "CRSP", "ucl_pct", "Y")["VALUE"] == pytest.approx(73.76219, abs=1e-5)


def test_confirmed_orr_formatted(built):
    assert cell(built, "Objective response rate (CR + PR), n (%)", "confirmed") == "4 (40.0)"
    ci = built.body.loc[built.body["Characteristic"].str.contains("CI") & built.body["Section"].str.contains(", confirmed"), "Value"]
    assert ci.iloc[0] == "(12.2, 73.8)"


def test_confirmed_dcr_textbook(built):
    assert stat(built, "CCB", "n", "Y")["VALUE"] == 7
    assert stat(built, "CCB", "lcl_pct", "Y")["VALUE"] == pytest.approx(34.75471, abs=1e-5)
    assert stat(built, "CCB", "ucl_pct", "Y")["VALUE"] == pytest.approx(93.32605, abs=1e-5)


def test_unconfirmed_bor_and_orr(built):
    assert stat(built, "BOR", "n", "PR")["VALUE"] == 5
    assert stat(built, "RSP", "pct", "Y")["VALUE"] == pytest.approx(60.0)
    assert stat(built, "RSP", "lcl_pct", "Y")["VALUE"] == pytest.approx(26.23781, abs=1e-5)
    assert stat(built, "CB", "n", "Y")["VALUE"] == 8


def test_responders_are_the_subjects_behind_orr(built):
    ids = stat(built, "CRSP", "n", "Y")["USUBJIDS"].split()
    assert ids == [f"ALTER-E-003-01-00{i}" for i in (1, 2, 3, 4)]


def test_time_to_response_median_and_range_in_months(built):
    assert cell(built, "Median (range)", "Time to") == "2.12 (1.41-4.17)"
    assert stat(built, "TTR", "median_months")["VALUE"] == pytest.approx((44 + 85) / 2 / 30.4375)


def test_duration_of_response_km_median(built):
    # KM: S(100) = 3/4, S(300) = 3/4 * 1/2 = 0.375 < 0.5 -> median 300 days = 9.856 months
    assert stat(built, "DOR", "median_months")["VALUE"] == pytest.approx(300 / 30.4375)
    assert stat(built, "DOR", "n", "EVENT")["VALUE"] == 2


def test_subject_without_adrs_record_counts_as_missing(response_adam):
    adrs = response_adam["ADRS"]
    adrs = adrs[~((adrs["USUBJID"] == "ALTER-E-003-01-010") & (adrs["PARAMCD"] == "CBOR"))]
    built = build_response_table(response_adam["ADSL"], adrs, response_adam["ADTTE"], settings=SETTINGS)
    assert stat(built, "CBOR", "n", "Missing")["VALUE"] == 1
    assert stat(built, "CBOR", "n", "NE")["VALUE"] == 0


def test_non_cr_non_pd_row_only_when_present(built, response_adam):
    assert not built.body["Characteristic"].eq("Non-CR/non-PD").any()
    adrs = response_adam["ADRS"].copy()
    adrs.loc[(adrs["USUBJID"] == "ALTER-E-003-01-005") & (adrs["PARAMCD"] == "CBOR"), "AVALC"] = "NON-CR/NON-PD"
    again = build_response_table(response_adam["ADSL"], adrs, response_adam["ADTTE"], settings=SETTINGS)
    assert again.body["Characteristic"].eq("Non-CR/non-PD").sum() == 1


def test_body_is_strings_with_section_page_by(built):
    assert list(built.body.columns) == ["Section", "Characteristic", "Value"]
    assert built.layout["page_by"] == "Section"
    assert built.body.map(lambda v: isinstance(v, str)).all().all()
    assert isinstance(built.body, pd.DataFrame)
