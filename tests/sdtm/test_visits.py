"""VISITNUM/VISIT of raw visit codes: planned visits, unscheduled visits, unknown codes."""

from __future__ import annotations

import pandas as pd
from oncology_support import STUDY

from sdtm.trial_design import planned_visitnum
from sdtm.visits import compute_unscheduled_series, compute_visitnum, planned_visit_names

NAMES = planned_visit_names(STUDY)


def visits(codes, dates, subjects=None, **kwargs) -> pd.DataFrame:
    subjects = subjects or ["A"] * len(codes)
    return compute_visitnum(pd.Series(codes), pd.Series(dates), pd.Series(subjects), names=NAMES, **kwargs)


def test_planned_visits_take_the_trial_design_number_and_tv_name():
    out = visits(["SCR", "C03D01", "TA_W006", "EOT", "FU02"], ["2022-03-01"] * 5)
    assert out["VISITNUM"].tolist() == [1.0, 103.0, 306.0, 800.0, 902.0]
    assert out["VISIT"].tolist() == ["Screening", "Cycle 3 Day 1", "Week 6 Tumour Assessment", "End of Treatment",
                                     "Survival Follow-up 2"]
    assert out["VISITNUM"].tolist() == [planned_visitnum(c) for c in ["SCR", "C03D01", "TA_W006", "EOT", "FU02"]]


def test_unscheduled_visit_follows_the_preceding_scheduled_visit_of_its_series():
    out = visits(["SCR", "TA_W006", "TA_W012", "TA_UNS01", "C05D01"],
                 ["2022-03-01", "2022-05-01", "2022-06-12", "2022-06-20", "2022-06-19"])
    # the cycle visit on 2022-06-19 is later but of another series: the tumour assessment decides
    assert out["VISITNUM"].tolist()[3] == 312.01
    assert out["VISIT"].tolist()[3] == "Unscheduled 312.01"


def test_second_unscheduled_visit_after_the_same_visit_gets_the_next_hundredth():
    out = visits(["TA_W006", "TA_UNS02", "TA_UNS01", "TA_UNS01"], ["2022-05-01", "2022-05-20", "2022-05-10", "2022-05-10"])
    assert out["VISITNUM"].tolist() == [306.0, 306.02, 306.01, 306.01]


def test_unscheduled_visits_are_numbered_per_subject():
    out = visits(["TA_W006", "TA_UNS01", "TA_W012", "TA_UNS01"], ["2022-05-01", "2022-05-10", "2022-06-12", "2022-06-20"],
                 subjects=["A", "A", "B", "B"])
    assert out["VISITNUM"].tolist() == [306.0, 306.01, 312.0, 312.01]


def test_same_day_scheduled_visit_counts_as_preceding():
    out = visits(["TA_W006", "TA_UNS01"], ["2022-05-01", "2022-05-01"])
    assert out["VISITNUM"].tolist() == [306.0, 306.01]


def test_reference_rows_place_a_visit_that_the_input_alone_cannot():
    reference = pd.DataFrame({"USUBJID": ["A", "A"], "VISIT": ["TA_W006", "TA_W012"], "DTC": ["2022-05-01", "2022-06-12"]})
    out = visits(["TA_UNS01"], ["2022-06-20"], reference=reference)
    assert out["VISITNUM"].tolist() == [312.01]


def test_bare_unscheduled_code_follows_any_series():
    out = visits(["TA_W006", "C04D01", "UNS01"], ["2022-05-01", "2022-05-22", "2022-05-25"])
    assert out["VISITNUM"].tolist()[2] == 104.01


def test_unknown_code_and_undated_unscheduled_visit_get_no_visitnum():
    out = visits(["LOG", "XYZ", "TA_UNS01"], ["2022-05-01", "2022-05-01", None])
    assert out["VISITNUM"].isna().all()
    assert out["VISIT"].isna().all()


def test_unscheduled_visit_before_every_scheduled_visit_gets_no_visitnum():
    out = visits(["TA_UNS01", "TA_W006"], ["2022-01-01", "2022-05-01"])
    assert pd.isna(out["VISITNUM"].iloc[0])


def test_unscheduled_series_of_codes():
    assert compute_unscheduled_series(pd.Series(["ta_uns01 ", "UNS", "SCR", None])).tolist() == ["TA", "", None, None]
