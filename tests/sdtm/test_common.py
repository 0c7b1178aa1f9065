"""Shared mapper steps: values computed once per distinct raw text, subject keys, dates by site."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from edc.issues import IssueLog
from sdtm.common import add_subject_keys, compute_distinct, factorize_distinct, is_filled, map_date, split_duplicates


def test_compute_distinct_is_series_map_for_text_missing_and_mixed_values():
    def strip(value: object) -> str:
        return str(value).strip()

    cases = [
        pd.Series([" a", "b", " a", None, np.nan, pd.NA, pd.NaT, None], dtype=object),
        pd.Series([1, 1.0, True, None], dtype=object),  # equal numbers read differently: mapped row by row
        pd.Series([None, None], dtype=object),
        pd.Series([], dtype=object),
    ]
    for values in cases:
        assert compute_distinct(values, strip).tolist() == values.map(strip).tolist()


def test_factorize_distinct_calls_the_function_once_per_distinct_text():
    calls = []
    codes, results = factorize_distinct(pd.Series(["x", "y", "x", None, None, "y"]), lambda v: calls.append(v) or v)
    assert sorted(calls, key=str) == [None, "x", "y"]
    assert results[codes].tolist() == ["x", "y", "x", None, None, "y"]


def test_is_filled():
    assert [is_filled(v) for v in ("a", " ", "", 0, None)] == [True, False, False, True, True]


def _ctx(orders: dict) -> SimpleNamespace:
    return SimpleNamespace(studyid="S", issues=IssueLog(), mapping=SimpleNamespace(slash_date_order=orders))


def test_subject_keys_from_site_and_number():
    frame = pd.DataFrame({"SITEID": [" 02", "01", "02"], "SUBJID": ["001", "001 ", "001"]})
    keyed = add_subject_keys(frame, _ctx({}))
    assert keyed[["SITEID", "SUBJID", "USUBJID"]].values.tolist() == [
        ["02", "02-001", "S-02-001"], ["01", "01-001", "S-01-001"], ["02", "02-001", "S-02-001"]]
    assert frame["SITEID"].tolist() == [" 02", "01", "02"]  # the raw frame is left as it was


def test_map_date_reads_each_site_with_its_order_and_reports_by_site():
    frame = pd.DataFrame({"SOURCE_FILE": ["b.csv", "a.csv", "b.csv", "a.csv"], "SOURCE_ROW": [2, 2, 3, 3],
                          "SITEID": ["02", "01", "02", "01"], "D": ["03/04/2022", "03/04/2022", "bad", "worse"]})
    ctx = _ctx({"01": "DMY", "02": "MDY"})
    assert map_date(frame, "D", ctx).tolist() == ["2022-03-04", "2022-04-03", None, None]
    # issues come site by site (sorted SITEID), rows in input order within a site
    assert [(i.file, i.row, i.value) for i in ctx.issues.issues] == [("a.csv", 3, "worse"), ("b.csv", 3, "bad")]


def test_duplicates_name_the_first_row_even_with_blank_cells():
    frame = pd.DataFrame({"SOURCE_FILE": ["f.csv"] * 4, "SOURCE_ROW": [2, 3, 4, 5], "A": ["x", "y", "x", "x"],
                          "B": [None, "1", None, "2"]})
    ctx = _ctx({})
    kept, rejected = split_duplicates(frame, ["A", "B"], ctx)
    assert kept["SOURCE_ROW"].tolist() == [2, 3, 5] and rejected["SOURCE_ROW"].tolist() == [4]
    assert [i.message for i in ctx.issues.issues] == ["exact duplicate of row 2; not mapped"]


def test_keyed_rows_are_computed_once_and_each_caller_gets_its_own_frame():
    from sdtm.common import read_keyed_rows

    raw = pd.DataFrame({"SITEID": ["01"], "SUBJID": ["001"]})
    reads = []
    ctx = _ctx({})
    ctx._keyed = {}
    ctx.form = lambda name: reads.append(name) or SimpleNamespace(data=raw)
    first = read_keyed_rows(ctx, "ae")
    first["USUBJID"] = "changed"
    second = read_keyed_rows(ctx, "ae")
    assert reads == ["ae"] and second["USUBJID"].tolist() == ["S-01-001"]
    assert raw.columns.tolist() == ["SITEID", "SUBJID"]


def test_mapping_context_reads_workbooks_through_the_sheets_handed_over():
    import datetime as dt

    from edc.readers import ParsedSheets
    from sdtm.context import MappingContext

    parsed = ParsedSheets()
    ctx = MappingContext(None, None, None, dt.date(2024, 1, 1), raw_sheets=parsed)
    assert ctx._workbooks.parsed is parsed
    assert MappingContext(None, None, None, dt.date(2024, 1, 1))._workbooks.parsed is None
