"""--LOBXFL: last non-missing observation on or before first exposure."""

from __future__ import annotations

import pandas as pd

from sdtm.baseline import derive_var_lobxfl

DM = pd.DataFrame({"USUBJID": ["A", "B", "C"], "RFXSTDTC": ["2022-03-15", "2022-04-01", None]})


def _flags(data: pd.DataFrame) -> list:
    return derive_var_lobxfl(data, DM, by_vars=["USUBJID", "LBTESTCD"], dtc_var="LBDTC", result_var="LBORRES", new_var="LBLOBXFL")["LBLOBXFL"].tolist()


def test_last_before_or_on_first_dose_per_test():
    data = pd.DataFrame(
        {
            "USUBJID": ["A"] * 5,
            "LBTESTCD": ["ALT", "ALT", "ALT", "AST", "AST"],
            "LBDTC": ["2022-03-01", "2022-03-15", "2022-04-05", "2022-03-10", "2022-03-16"],
            "LBORRES": ["20", "25", "30", "18", "40"],
        }
    )
    # ALT: the day-1 sample (same day as first dose, no time) is baseline; AST: the screening one
    assert _flags(data) == [None, "Y", None, "Y", None]


def test_missing_result_is_skipped_for_the_earlier_one():
    data = pd.DataFrame(
        {"USUBJID": ["A", "A"], "LBTESTCD": ["ALT", "ALT"], "LBDTC": ["2022-03-01", "2022-03-14"], "LBORRES": ["20", None]}
    )
    assert _flags(data) == ["Y", None]


def test_partial_dates_and_untreated_subjects_are_never_baseline():
    data = pd.DataFrame(
        {"USUBJID": ["A", "C"], "LBTESTCD": ["ALT", "ALT"], "LBDTC": ["2022-03", "2022-03-01"], "LBORRES": ["20", "21"]}
    )
    assert _flags(data) == [None, None]


def test_same_day_tie_flags_the_later_record():
    data = pd.DataFrame(
        {"USUBJID": ["B", "B"], "LBTESTCD": ["ALT", "ALT"], "LBDTC": ["2022-03-30", "2022-03-30"], "LBORRES": ["20", "22"]}
    )
    assert _flags(data) == [None, "Y"]
