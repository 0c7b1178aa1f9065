"""Identifier variables every domain carries: USUBJID and --SEQ (SDTMIG 3.4 section 4.1.2)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sdtm.frames import add_columns


def compute_usubjid(studyid: str, siteid: pd.Series, subjid: pd.Series) -> pd.Series:
    """``STUDYID-SITEID-subject number`` (the study's convention; unique within the submission).

    >>> compute_usubjid("S1", pd.Series(["01"]), pd.Series(["003"])).tolist()
    ['S1-01-003']
    """
    return studyid + "-" + siteid.astype(str) + "-" + subjid.astype(str)


def compute_sort_codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """Integer codes in the values' sort order, missing values last (one code).

    Sorting several columns' codes with a stable ``numpy.lexsort`` gives the order of a
    mergesort of the columns themselves (``na_position="last"``).

    >>> compute_sort_codes(pd.Series(["b", None, "a", "b"])).tolist()
    [1, 2, 0, 1]
    """
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes)


def compute_stable_order(keys: Sequence[np.ndarray]) -> np.ndarray:
    """Positions that sort rows by non-negative integer ``keys`` (at least one; the first decides
    first), ties in input order: ``numpy.lexsort(keys[::-1])``.

    When the keys' value ranges multiply to less than 2**62, they are combined into one integer
    (mixed radix, first key most significant) and sorted once with a stable argsort, which gives
    the same positions several times faster than sorting key by key.

    >>> compute_stable_order([np.array([1, 0, 1, 0]), np.array([0, 1, 0, 0])]).tolist()
    [3, 1, 0, 2]
    """
    radices = [int(key.max()) + 1 if len(key) else 1 for key in keys]
    if np.prod([float(r) for r in radices]) >= 2.0**62:
        return np.lexsort(list(keys)[::-1])
    combined = np.zeros(len(keys[0]), dtype="int64")
    for key, radix in zip(keys, radices):
        combined = combined * radix + key.astype("int64")
    return np.argsort(combined, kind="stable")


def compute_seq(dataset: pd.DataFrame, *, order: Sequence[str], by_vars: Sequence[str] = ("USUBJID",)) -> np.ndarray:
    """--SEQ of each row: 1, 2, ... within ``by_vars`` following ``order`` (see :func:`derive_var_seq`).

    One stable sort of integer codes (each column's sorted factorisation, missing last;
    :func:`compute_stable_order`) instead of sorting the text values: the same numbering, fast
    on millions of records.
    """
    groups = [compute_sort_codes(dataset[column]) for column in by_vars]
    ranked = compute_stable_order(groups + [compute_sort_codes(dataset[column]) for column in order])
    changed = np.zeros(len(ranked), dtype=bool)
    changed[:1] = True
    for codes in groups:
        sorted_codes = codes[ranked]
        changed[1:] |= sorted_codes[1:] != sorted_codes[:-1]
    position = np.arange(len(ranked))
    first = np.maximum.accumulate(np.where(changed, position, 0))
    sequence = np.empty(len(ranked), dtype="int64")
    sequence[ranked] = position - first + 1
    return sequence


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
    return add_columns(dataset, **{new_var: compute_seq(dataset, order=order, by_vars=by_vars)})
