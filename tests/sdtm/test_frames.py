"""Frame steps that share columns instead of copying them: same frames as the pandas steps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdtm.frames import (
    add_columns,
    compute_duplicated,
    drop_columns,
    expand_rows,
    filter_rows,
    reset_rows,
    select_columns,
)


@pytest.fixture
def raw() -> pd.DataFrame:
    return pd.DataFrame({"SUBJID": ["001", "002", "001"], "VISIT": ["SCR", None, "C01"], "N": [1, 2, 3]}, index=[4, 8, 6])


def test_add_columns_matches_assign_and_leaves_the_input_unchanged(raw):
    before = raw.copy()
    added = add_columns(raw, SUBJID="x", NEW=pd.Series([7, 8, 9], index=[6, 8, 4]), TWICE=lambda d: d["N"] * 2)
    expected = raw.assign(SUBJID="x", NEW=pd.Series([7, 8, 9], index=[6, 8, 4]), TWICE=lambda d: d["N"] * 2)
    pd.testing.assert_frame_equal(added, expected)
    pd.testing.assert_frame_equal(raw, before)


def test_replacing_a_shared_column_does_not_write_into_the_input(raw):
    added = add_columns(raw)
    added["VISIT"] = "EOT"
    assert raw["VISIT"].tolist() == ["SCR", None, "C01"]


def test_filter_rows_matches_a_boolean_mask(raw):
    for keep in ([True, False, True], [True, True, True], [False, False, False]):
        pd.testing.assert_frame_equal(filter_rows(raw, np.array(keep)), raw[np.array(keep)])


def test_reset_rows_drop_columns_and_select_columns_match_pandas(raw):
    pd.testing.assert_frame_equal(reset_rows(raw), raw.reset_index(drop=True))
    pd.testing.assert_frame_equal(drop_columns(raw, ["VISIT"]), raw.drop(columns=["VISIT"]))
    pd.testing.assert_frame_equal(select_columns(raw, ["N", "SUBJID"]), raw[["N", "SUBJID"]])


def test_expand_rows_gives_the_distinct_keys_and_each_rows_position():
    frame = pd.DataFrame({"USUBJID": ["A", "B", "A", "A"], "DTC": ["2022-01-01", None, "2022-01-01", None]})
    pairs, at = expand_rows(frame, ["USUBJID", "DTC"])
    pd.testing.assert_frame_equal(pairs, frame.drop_duplicates().reset_index(drop=True))
    assert at.tolist() == [0, 1, 0, 2]


def test_compute_duplicated_matches_dataframe_duplicated_on_generated_rows():
    rng = np.random.default_rng(11)
    for _ in range(200):
        size = int(rng.integers(0, 40))
        frame = pd.DataFrame({
            "A": pd.Series(list(rng.choice(["x", "y", None], size)), dtype=object),
            "B": pd.Series(list(rng.choice(["1", 1, 1.0, None, np.nan], size)), dtype=object),
            "C": rng.integers(0, 2, size),
        })
        for columns in (["A"], ["B"], ["A", "B"], ["A", "B", "C"]):
            expected = frame.duplicated(subset=columns, keep="first").to_numpy()
            assert compute_duplicated(frame, columns).tolist() == expected.tolist()
