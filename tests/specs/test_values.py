"""Per-value measurements: once per distinct value, the same answers as record by record."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from specs.values import compute_blank, compute_byte_length, is_text, text_column

TEXT = pd.Series(["AB", " ", None, "AB", "é", np.nan, "", "x "], dtype=object)
COLUMNS = {
    "object text": TEXT,
    "categorical text": TEXT.astype("category"),
    "mixed types": pd.Series(["1", 1, 1.0, None, True, "  "], dtype=object),
    "numbers": pd.Series([1.0, np.nan, 2.5]),
    "all missing": pd.Series([None, np.nan], dtype=object),
}


def _blank_per_record(series: pd.Series) -> list[bool]:
    return [v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())
            for v in series.astype(object)]


def _bytes_per_record(series: pd.Series) -> list[float]:
    return [np.nan if pd.isna(v) else float(len(str(v).encode("utf-8"))) for v in series.astype(object)]


@pytest.mark.parametrize("name", COLUMNS)
def test_blank_is_missing_or_blank_text_as_record_by_record(name):
    assert compute_blank(COLUMNS[name]).tolist() == _blank_per_record(COLUMNS[name])


@pytest.mark.parametrize("name", COLUMNS)
def test_byte_length_is_utf8_bytes_as_record_by_record(name):
    np.testing.assert_array_equal(compute_byte_length(COLUMNS[name]), _bytes_per_record(COLUMNS[name]))


def test_only_all_string_columns_take_the_distinct_value_path():
    assert [is_text(COLUMNS[n]) for n in COLUMNS] == [True, True, False, False, True]
    assert text_column(COLUMNS["mixed types"]) is None


def test_text_column_reuses_one_factorization():
    column = text_column(TEXT)
    assert len(column.uniques) == 5
    assert column.is_in({"AB", "x "}).tolist() == [True, False, False, True, False, False, False, True]
    assert compute_blank(TEXT, column) is column.blank


def test_frame_text_factorizes_each_column_once_and_trusts_known_text_columns(monkeypatch):
    from specs import values

    frame = pd.DataFrame({"A": ["x", None, "x"], "B": ["y", "z", None], "N": [1.0, 2.0, 3.0]})
    scanned = []
    real = values.is_text
    monkeypatch.setattr(values, "is_text", lambda series: scanned.append(series.name) or real(series))
    texts = values.FrameText(frame, known_text=frozenset({"A", "N"}))
    assert texts("A") is texts("A") and texts("A").codes.tolist() == [0, -1, 0]
    assert texts("B").uniques.tolist() == ["y", "z"]
    assert texts("N") is None  # a known name that is not an object column is still asked
    assert scanned == ["B", "N"]
