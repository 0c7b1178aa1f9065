"""Demographics (tlf/tables/demographics.py) and disposition (tlf/tables/disposition.py) tables."""

from __future__ import annotations

import pandas as pd
import pytest

from tlf.tables.common import Settings
from tlf.tables.demographics import build_demographics_table
from tlf.tables.disposition import build_disposition_table

SETTINGS = Settings(population="SAFFL")


@pytest.fixture
def adsl():
    """Five screened: S1-S4 treated (ages 50, 60, 70, 81), S5 a screen failure (age 45)."""
    return pd.DataFrame({
        "STUDYID": "ALTER-E-003", "USUBJID": [f"S{i}" for i in range(1, 6)], "SITEID": ["01", "01", "02", "03", "03"],
        "AGE": [50, 60, 70, 81, 45], "SEX": ["M", "M", "F", "M", "F"], "ECOGBL": [0.0, 1.0, 1.0, None, 1.0],
        "TUMLOC": ["ESOPHAGUS, LOWER THIRD"] * 3 + ["ESOPHAGUS, MIDDLE THIRD", None], "STAGEBL": ["IVA", "IVB", "IVB", "IVB", None],
        "ENRLFL": ["Y", "Y", "Y", "Y", "N"], "SAFFL": ["Y", "Y", "Y", "Y", "N"], "FASFL": ["Y", "Y", "Y", "Y", "N"],
        "SCRFREAS": [None] * 4 + ["ECOG performance status 0 or 1"],
        "EOTSTT": ["ONGOING", "DISCONTINUED", "DISCONTINUED", "COMPLETED", None],
        "DCTREAS": [None, "PROGRESSIVE DISEASE", "ADVERSE EVENT", None, None],
        "TRTSDT": pd.to_datetime(["2022-03-04", "2022-05-01", "2022-09-28", "2022-06-01", None]),
    })


def rows(built):
    return {(r.Section, r.Characteristic.strip()): r.Value for r in built.body.itertuples()}


def test_continuous_summary(adsl):
    body = rows(build_demographics_table(adsl, settings=SETTINGS))
    # ages 50, 60, 70, 81: mean 65.25; SD sqrt(530.75 / 3) = 13.301; median 65
    assert body[("Age, years", "Mean (SD)")] == "65.3 (13.30)"
    assert body[("Age, years", "Median (range)")] == "65.0 (50-81)"


def test_categorical_percentages_and_missing_row(adsl):
    body = rows(build_demographics_table(adsl, settings=SETTINGS))
    assert body[("ECOG performance status", "1")] == "2 (50.0)"
    assert body[("ECOG performance status", "Missing")] == "1 (25.0)"


def test_value_labels_and_case(adsl):
    body = rows(build_demographics_table(adsl, settings=SETTINGS))
    assert body[("Sex", "Male")] == "3 (75.0)"
    assert body[("Primary tumour location", "Esophagus, lower third")] == "3 (75.0)"
    assert body[("Disease stage at baseline", "IVA")] == "1 (25.0)"


def test_absent_variables_are_left_out(adsl):
    built = build_demographics_table(adsl, settings=SETTINGS)
    assert "Smoking history" not in set(built.body["Section"])


def test_statistics_carry_subjects(adsl):
    stats = build_demographics_table(adsl, settings=SETTINGS).stats
    row = stats[(stats["VARIABLE"] == "SEX") & (stats["LEVEL"] == "F") & (stats["STATISTIC"] == "n")].iloc[0]
    assert (row["VALUE"], row["USUBJIDS"]) == (1, "S3")


def test_disposition_flow(adsl):
    built = build_disposition_table(adsl)
    body = rows(built)
    assert (body[("Screening", "Screened")], body[("Screening", "Screen failures")]) == ("5", "1 (20.0)")
    assert body[("Screening", "ECOG performance status 0 or 1")] == "1 (20.0)"
    assert body[("Screening", "Treated (at least one dose)")] == "4 (80.0)"
    assert body[("Study treatment", "Progressive disease")] == "1 (25.0)"
    assert built.context == {"n": 5, "n_treated": 4}


def test_disposition_study_facts(adsl):
    stats = build_disposition_table(adsl).stats

    def value(variable, statistic, column="VALUE"):
        return stats.loc[(stats["VARIABLE"] == variable) & (stats["STATISTIC"] == statistic), column].item()

    assert value("SITEID", "n_distinct") == 3
    assert value("STUDYID", "value", "VALUEC") == "ALTER-E-003"
    assert (value("TRTSDT", "min", "VALUEC"), value("TRTSDT", "max", "VALUEC")) == ("2022-03-04", "2022-09-28")
