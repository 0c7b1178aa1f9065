"""sdtm.units: the study's findings tests and unit conversions (lab_units.yaml)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdtm.units import compute_converted, compute_factor, format_number, load_units
from specs.errors import SpecError
from specs.loader import study_folder

CONVERSIONS = pd.DataFrame({"TESTCD": ["HGB", "BILI"], "FROM": ["g/dL", "mg/dL"], "TO": ["g/L", "umol/L"], "FACTOR": [10.0, 17.1]})


def test_study_table_loads_with_every_lab_analyte_and_vital_sign():
    units = load_units(study_folder("alter_e003"))
    assert set(units.lab_tests["ANALYTE"]) == {"HGB", "WBC", "NEUT", "LYM", "PLT", "ALT", "AST", "TBIL", "CREAT", "ALB", "GLUC",
                                               "SODIUM", "K", "TRIG", "UPRO", "TSH", "FT4"}
    assert units.lab_tests.set_index("ANALYTE").loc["PLT", "LBTESTCD"] == "PLAT"
    assert units.lab_tests.set_index("ANALYTE").loc["FT4", "LBTESTCD"] == "T4FR"
    assert units.vs_tests.set_index("COLUMN").loc["PULSE", "UNIT"] == "beats/min"
    factors = units.conversions.set_index(["TESTCD", "FROM"])["FACTOR"]
    assert (factors[("BILI", "mg/dL")], factors[("CREAT", "mg/dL")], factors[("T4FR", "ng/dL")]) == (17.1, 88.4, 12.87)


def test_factor_identity_table_and_unknown():
    factor = compute_factor(pd.Series(["HGB", "HGB", "HGB", "BILI", "HGB"]), pd.Series(["g/dL", "g/L", "mg/dL", "mg/dL", None]),
                            pd.Series(["g/L", "g/L", "g/L", "umol/L", "g/L"]), CONVERSIONS)
    assert factor.tolist()[:2] == [10.0, 1.0] and np.isnan(factor[2]) and factor[3] == 17.1 and np.isnan(factor[4])


def test_converted_values_lose_floating_point_noise_only():
    assert compute_converted(pd.Series([0.94, 9.82]), pd.Series([17.1, 10.0])).tolist() == [16.074, 98.2]


def test_character_form_of_numbers():
    assert format_number(pd.Series([134.0, 16.074, np.nan, 0.5, 1200.0])).tolist() == ["134", "16.074", None, "0.5", "1200"]


def test_duplicate_conversion_and_numeric_test_without_unit_are_spec_errors(tmp_path: Path):
    (tmp_path / "lab_units.yaml").write_text(
        "lab_tests:\n  HGB: {testcd: HGB, cat: HEMATOLOGY, spec: BLOOD, type: numeric}\n"
        "vs_tests: {}\nconversions:\n  - {testcd: HGB, from: g/dL, to: g/L, factor: 10}\n"
        "  - {testcd: HGB, from: g/dL, to: g/L, factor: 10}\n", encoding="utf-8")
    with pytest.raises(SpecError) as error:
        load_units(tmp_path)
    text = str(error.value)
    assert "numeric test needs a stdunit" in text and "listed twice" in text


def test_zero_factor_is_rejected(tmp_path: Path):
    (tmp_path / "lab_units.yaml").write_text(
        "lab_tests: {}\nvs_tests: {}\nconversions:\n  - {testcd: HGB, from: g/dL, to: g/L, factor: 0}\n", encoding="utf-8")
    with pytest.raises(SpecError):
        load_units(tmp_path)
