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


def test_seq_matches_a_stable_sort_of_the_values_on_generated_data():
    import numpy as np

    rng = np.random.default_rng(7)
    size = 500
    data = pd.DataFrame({
        "USUBJID": rng.choice(["A", "B", "C", None], size),
        "SITE": rng.choice(["01", "02"], size),
        "DTC": rng.choice(["2022-03-01", "2022-03-02", "2022-03", None], size),
        "VISITNUM": rng.choice([1.0, 2.0, 101.5, np.nan], size),
    })
    by_vars, order = ["USUBJID", "SITE"], ["DTC", "VISITNUM"]
    ranked = data.sort_values(by_vars + order, kind="mergesort", na_position="last")
    expected = ranked.groupby(by_vars, sort=False, dropna=False).cumcount().add(1).reindex(data.index)
    assert derive_var_seq(data, new_var="SEQ", order=order, by_vars=by_vars)["SEQ"].tolist() == expected.tolist()


def test_stable_order_is_a_lexsort_of_the_keys():
    import numpy as np

    from sdtm.identifiers import compute_stable_order

    rng = np.random.default_rng(3)
    for size in (0, 1, 50, 400):
        keys = [rng.integers(0, 5, size), rng.integers(0, 3, size), rng.integers(0, 7, size)]
        assert compute_stable_order(keys).tolist() == np.lexsort(keys[::-1]).tolist()
    wide = [rng.integers(0, 2**40, 100) for _ in range(2)]  # too wide to combine: sorted key by key
    assert compute_stable_order(wide).tolist() == np.lexsort(wide[::-1]).tolist()
