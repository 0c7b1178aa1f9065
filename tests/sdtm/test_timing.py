"""--DY and EPOCH derivations."""

from __future__ import annotations

import pandas as pd

from sdtm.timing import derive_var_dy, derive_var_epoch

DM = pd.DataFrame({"USUBJID": ["A", "B"], "RFSTDTC": ["2022-03-15", None]})
SE = pd.DataFrame(
    {
        "USUBJID": ["A", "A", "A"],
        "SESTDTC": ["2022-03-01", "2022-03-15", "2022-09-01"],
        "SEENDTC": ["2022-03-15", "2022-09-01", "2023-01-10"],
        "EPOCH": ["SCREENING", "TREATMENT", "FOLLOW-UP"],
    }
)


def test_dy_relative_to_rfstdtc_and_missing_without_reference():
    data = pd.DataFrame({"USUBJID": ["A", "A", "B"], "VSDTC": ["2022-03-14", "2022-03-15T09:00", "2022-03-15"]})
    assert derive_var_dy(data, DM, dtc_var="VSDTC", new_var="VSDY")["VSDY"].tolist() == [-1, 1, pd.NA]


def test_epoch_boundaries_start_inclusive_end_exclusive_last_inclusive():
    data = pd.DataFrame(
        {
            "USUBJID": ["A"] * 7 + ["B"],
            "AESTDTC": ["2022-03-01", "2022-03-14", "2022-03-15", "2022-08-31", "2022-09-01", "2023-01-10", "2023-01-11", "2022-03-20"],
        }
    )
    out = derive_var_epoch(data, SE, dtc_var="AESTDTC")
    assert out["EPOCH"].tolist() == [
        "SCREENING", "SCREENING",  # first element
        "TREATMENT", "TREATMENT",  # the boundary day belongs to the element that starts on it
        "FOLLOW-UP", "FOLLOW-UP",  # the last element includes its end date
        None,  # after every element
        None,  # subject without elements
    ]


def test_epoch_missing_for_partial_dates():
    data = pd.DataFrame({"USUBJID": ["A", "A"], "MHSTDTC": ["2022-03", None]})
    assert derive_var_epoch(data, SE, dtc_var="MHSTDTC")["EPOCH"].tolist() == [None, None]


def test_epoch_open_ended_element():
    se = SE.copy()
    se.loc[2, "SEENDTC"] = None
    data = pd.DataFrame({"USUBJID": ["A"], "DSSTDTC": ["2030-01-01"]})
    assert derive_var_epoch(data, se, dtc_var="DSSTDTC")["EPOCH"].tolist() == ["FOLLOW-UP"]
