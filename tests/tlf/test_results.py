"""The results dataset (tlf/results.py): rows, subjects, stacking, writing, lookup."""

from __future__ import annotations

import pandas as pd
import pytest

from tlf.results import COLUMNS, StatRows, create_results, lookup, write_results


def test_subjects_sorted_unique_and_counted():
    rows = StatRows()
    rows.add("CRSP", "n", 2, subjects=pd.Series(["S2", "S1", "S2", None]), level="Y")
    row = rows.frame().iloc[0]
    assert (row["USUBJIDS"], row["N_SUBJECTS"]) == ("S1 S2", 2)


def test_missing_value_is_nan_and_text_kept():
    rows = StatRows()
    assert pd.isna(rows.add("PFS", "ucl_months", None))
    rows.add("STUDYID", "value", None, text="ALTER-E-003")
    assert rows.frame()["VALUEC"].tolist() == [None, "ALTER-E-003"]


def test_create_results_adds_output_ids_in_order():
    a, b = StatRows(), StatRows()
    a.add("X", "n", 1)
    b.add("Y", "n", 2)
    results = create_results({"T-2": b.frame(), "T-1": a.frame()})
    assert list(results.columns) == COLUMNS
    assert results["OUTPUT_ID"].tolist() == ["T-2", "T-1"]


def test_duplicate_keys_raise():
    rows = StatRows()
    rows.add("X", "n", 1)
    rows.add("X", "n", 2)
    with pytest.raises(ValueError, match="not unique"):
        create_results({"T-1": rows.frame()})


def test_write_and_read_back(tmp_path):
    rows = StatRows()
    rows.add("CRSP", "pct", 100 * 26 / 46, subjects=["S1"], level="Y")
    path = write_results(create_results({"T-14.2.1": rows.frame()}), tmp_path / "results.csv")
    back = pd.read_csv(path)
    assert back.loc[0, "VALUE"] == pytest.approx(100 * 26 / 46, rel=1e-9)
    assert back.loc[0, "USUBJIDS"] == "S1"


def test_lookup_by_keys():
    rows = StatRows()
    rows.add("CRSP", "n", 21, level="Y", group="SIGGR1=Signature positive")
    results = create_results({"T-14.2.3": rows.frame()})
    assert lookup(results, variable="CRSP", statistic="n", level="Y", group="SIGGR1=Signature positive")["VALUE"] == 21
    assert lookup(results, variable="CRSP", statistic="n", level="Y") is None
