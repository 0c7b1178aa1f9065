"""Identifier variables every domain carries: USUBJID and --SEQ (SDTMIG 3.4 section 4.1.2)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def compute_usubjid(studyid: str, siteid: pd.Series, subjid: pd.Series) -> pd.Series:
    """``STUDYID-SITEID-subject number`` (the study's convention; unique within the submission).

    >>> compute_usubjid("S1", pd.Series(["01"]), pd.Series(["003"])).tolist()
    ['S1-01-003']
    """
    return studyid + "-" + siteid.astype(str) + "-" + subjid.astype(str)


def derive_var_seq(
    dataset: pd.DataFrame,
    *,
    new_var: str,
    order: Sequence[str],
    by_vars: Sequence[str] = ("USUBJID",),
) -> pd.DataFrame:
    """Add ``--SEQ``: 1, 2, ... within each subject, following ``order``.

    SDTMIG 3.4 section 4.1.2 (--SEQ uniquely identifies a record within a subject and domain).
    The rows keep their positions; only the numbering follows ``order`` (missing values sort
    last, ties keep their input order, so the numbering is deterministic).

    >>> df = pd.DataFrame({"USUBJID": ["A", "A", "B"], "AESTDTC": ["2022-03-02", "2022-03-01", "2022-04-01"]})
    >>> derive_var_seq(df, new_var="AESEQ", order=["AESTDTC"])["AESEQ"].tolist()
    [2, 1, 1]
    """
    keys = list(by_vars) + list(order)
    ranked = dataset.sort_values(keys, kind="mergesort", na_position="last")
    sequence = ranked.groupby(list(by_vars), sort=False, dropna=False).cumcount() + 1
    return dataset.assign(**{new_var: sequence.reindex(dataset.index).astype("int64")})
