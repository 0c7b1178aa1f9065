"""USUBJID and --SEQ."""

from __future__ import annotations

import pandas as pd

from sdtm.identifiers import compute_usubjid, derive_var_seq


def test_usubjid_is_study_site_subject():
    assert compute_usubjid("ALTER-E-003", pd.Series(["03"]), pd.Series(["012"])).tolist() == ["ALTER-E-003-03-012"]


def test_seq_numbers_within_subject_in_order_and_keeps_row_positions():
    ae = pd.DataFrame(
        {
            "USUBJID": ["B", "A", "A", "A"],
            "AESTDTC": ["2022-05-01", "2022-04-02", None, "2022-04-01"],
            "AETERM": ["x", "y", "z", "w"],
        }
    )
    out = derive_var_seq(ae, new_var="AESEQ", order=["AESTDTC", "AETERM"])
    # A: 2022-04-01 (w) -> 1, 2022-04-02 (y) -> 2, missing date sorts last (z) -> 3; B -> 1
    assert out["AESEQ"].tolist() == [1, 2, 3, 1]
    assert out["AETERM"].tolist() == ["x", "y", "z", "w"]


def test_seq_ties_keep_input_order():
    data = pd.DataFrame({"USUBJID": ["A", "A"], "LBDTC": ["2022-03-01", "2022-03-01"], "LBTESTCD": ["ALT", "ALT"]})
    assert derive_var_seq(data, new_var="LBSEQ", order=["LBDTC", "LBTESTCD"])["LBSEQ"].tolist() == [1, 2]
