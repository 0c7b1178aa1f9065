"""Extreme-record flags and the treatment-emergent flag."""

from __future__ import annotations

import pandas as pd
import pytest

from adam.flags import derive_var_extreme_flag, derive_var_trtemfl


def test_worst_grade_first_occurrence_per_subject_and_term():
    ae = pd.DataFrame(
        {
            "USUBJID": ["1", "1", "1", "1", "2"],
            "AEDECOD": ["Rash", "Rash", "Rash", "Nausea", "Rash"],
            "ATOXGRN": [2, 3, 3, 1, None],
            "ASTDT": pd.to_datetime(["2022-01-05", "2022-02-01", "2022-01-20", "2022-01-01", "2022-01-01"]),
        }
    )
    out = derive_var_extreme_flag(ae, by_vars=["USUBJID", "AEDECOD"], order=["ATOXGRN", "ASTDT"], descending=["ATOXGRN"], new_var="AOCCPFL")
    # subject 1 Rash: grade 3 twice -> the earlier (2022-01-20); Nausea alone; subject 2: missing grade still flagged
    assert out["AOCCPFL"].tolist() == [None, None, "Y", "Y", "Y"]


def test_last_mode_and_filter():
    data = pd.DataFrame({"USUBJID": ["1", "1", "1"], "ADT": pd.to_datetime(["2022-01-01", "2022-02-01", "2022-03-01"]), "ANL": [True, True, False]})
    out = derive_var_extreme_flag(data, by_vars=["USUBJID"], order=["ADT"], new_var="LASTFL", mode="last", filter_mask=data["ANL"])
    assert out["LASTFL"].tolist() == [None, "Y", None]


def test_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        derive_var_extreme_flag(pd.DataFrame({"A": [1]}), by_vars=["A"], order=["A"], new_var="F", mode="worst")


@pytest.mark.parametrize(
    ("start", "end", "flag"),
    [
        ("2022-03-10", "2022-03-12", "Y"),  # on treatment
        ("2022-03-01", None, "Y"),  # on the first dose day
        ("2022-02-28", "2022-03-05", None),  # started before treatment
        ("2022-07-31", None, "Y"),  # last dose 2022-07-01 + 30 days
        ("2022-08-01", None, None),  # 31 days after the last dose
        (None, None, "Y"),  # start unknown, end unknown: cannot be shown to predate treatment
        (None, "2022-03-02", "Y"),  # start unknown, ends after first dose
        (None, "2022-02-20", None),  # start unknown, ended before first dose
    ],
)
def test_trtemfl(start, end, flag):
    ae = pd.DataFrame({"ASTDT": [pd.Timestamp(start) if start else pd.NaT], "AENDT": [pd.Timestamp(end) if end else pd.NaT],
                       "TRTSDT": [pd.Timestamp("2022-03-01")], "TRTEDT": [pd.Timestamp("2022-07-01")]})
    assert derive_var_trtemfl(ae)["TRTEMFL"].tolist() == [flag]


def test_trtemfl_untreated_subject_never_flagged():
    ae = pd.DataFrame({"ASTDT": [pd.Timestamp("2022-03-10")], "AENDT": [pd.NaT], "TRTSDT": [pd.NaT], "TRTEDT": [pd.NaT]})
    assert derive_var_trtemfl(ae)["TRTEMFL"].tolist() == [None]


def test_trtemfl_ongoing_treatment_without_end_date():
    ae = pd.DataFrame({"ASTDT": [pd.Timestamp("2024-03-10")], "AENDT": [pd.NaT], "TRTSDT": [pd.Timestamp("2022-03-01")], "TRTEDT": [pd.NaT]})
    assert derive_var_trtemfl(ae)["TRTEMFL"].tolist() == ["Y"]
