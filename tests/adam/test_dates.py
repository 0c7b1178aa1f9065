"""Analysis dates: imputation level, first/mid/last, bounds, flags (admiral compute_dt cases)."""

from __future__ import annotations

import pandas as pd
import pytest

from adam.dates import compute_dt


def _dates(dates: pd.Series) -> list:
    return [None if pd.isna(d) else str(d.date()) for d in dates]


def test_complete_dates_are_not_flagged():
    dates, flags = compute_dt(pd.Series(["2022-03-15", "2022-03-15T10:30"]))
    assert _dates(dates) == ["2022-03-15", "2022-03-15"] and flags.tolist() == [None, None]


def test_no_imputation_leaves_partial_dates_missing():
    dates, flags = compute_dt(pd.Series(["2022-03", "2022", None]))
    assert _dates(dates) == [None, None, None] and flags.tolist() == [None, None, None]


def test_day_imputation_does_not_impute_month():
    dates, flags = compute_dt(pd.Series(["2022-03", "2022"]), highest_imputation="D")
    assert _dates(dates) == ["2022-03-01", None] and flags.tolist() == ["D", None]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("first", ["2022-02-01", "2022-01-01"]), ("mid", ["2022-02-15", "2022-06-30"]), ("last", ["2022-02-28", "2022-12-31"])],
)
def test_first_mid_last(rule, expected):
    dates, flags = compute_dt(pd.Series(["2022-02", "2022"]), highest_imputation="M", date_imputation=rule)
    assert _dates(dates) == expected and flags.tolist() == ["D", "M"]


def test_last_day_of_february_in_leap_year():
    dates, _ = compute_dt(pd.Series(["2024-02"]), highest_imputation="D", date_imputation="last")
    assert _dates(dates) == ["2024-02-29"]


def test_min_date_applies_when_it_falls_in_the_partial_range():
    # AE started "March 2022"; first dose 2022-03-10 -> imputed to first dose, not 1 March
    dates, flags = compute_dt(
        pd.Series(["2022-03", "2022-04", "2022-03-05"]),
        highest_imputation="M",
        min_dates=pd.Series(pd.to_datetime(["2022-03-10", "2022-03-10", "2022-03-10"])),
    )
    # April is after the bound: first of April; a complete date is never moved
    assert _dates(dates) == ["2022-03-10", "2022-04-01", "2022-03-05"]
    assert flags.tolist() == ["D", "D", None]


def test_max_date_caps_last_imputation():
    # death "2024-12" with data cut-off / last contact 2024-12-20 -> not after it
    dates, _ = compute_dt(
        pd.Series(["2024-12"]), highest_imputation="D", date_imputation="last", max_dates=pd.Series(pd.to_datetime(["2024-12-20"]))
    )
    assert _dates(dates) == ["2024-12-20"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="highest_imputation"):
        compute_dt(pd.Series(["2022"]), highest_imputation="Y")
    with pytest.raises(ValueError, match="date_imputation"):
        compute_dt(pd.Series(["2022"]), date_imputation="middle")
