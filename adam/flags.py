"""Generic flag derivations shared by ADaM datasets (admiral ``derive_var_extreme_flag``,
``derive_var_trtemfl``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def derive_var_extreme_flag(
    dataset: pd.DataFrame,
    *,
    by_vars: Sequence[str],
    order: Sequence[str],
    new_var: str,
    mode: str = "first",
    descending: Sequence[str] = (),
    filter_mask: pd.Series | None = None,
) -> pd.DataFrame:
    """Flag ("Y") the first or last record of each ``by_vars`` group in ``order``.

    Mirrors admiral ``derive_var_extreme_flag()``: only records where ``filter_mask`` holds take
    part; the others get no flag. Variables listed in ``descending`` sort high to low (e.g. the
    worst grade first). Missing values sort last. Row positions are kept.

    >>> ae = pd.DataFrame({"USUBJID": ["1", "1"], "AEDECOD": ["Rash", "Rash"], "ATOXGRN": [1, 3], "AESEQ": [1, 2]})
    >>> derive_var_extreme_flag(ae, by_vars=["USUBJID", "AEDECOD"], order=["ATOXGRN", "AESEQ"],
    ...                         descending=["ATOXGRN"], new_var="AOCCPFL")["AOCCPFL"].tolist()
    [None, 'Y']
    """
    if mode not in ("first", "last"):
        raise ValueError(f"mode must be 'first' or 'last', not {mode!r}")
    mask = pd.Series(True, index=dataset.index) if filter_mask is None else filter_mask.reindex(dataset.index).fillna(False).astype(bool)
    work = dataset.loc[mask, list(dict.fromkeys(list(by_vars) + list(order)))].copy()
    work["_pos"] = np.flatnonzero(mask.to_numpy())
    keys = list(by_vars) + list(order) + ["_pos"]
    ascending = [True] * len(by_vars) + [name not in descending for name in order] + [True]
    work = work.sort_values(keys, ascending=ascending, kind="mergesort", na_position="last")
    chosen = work.groupby(list(by_vars), dropna=False, sort=False).head(1) if mode == "first" else \
        work.groupby(list(by_vars), dropna=False, sort=False).tail(1)
    flag = np.full(len(dataset), None, dtype=object)
    flag[chosen["_pos"].to_numpy()] = "Y"
    return dataset.assign(**{new_var: flag})


def derive_var_trtemfl(
    dataset: pd.DataFrame,
    *,
    start_date: str = "ASTDT",
    end_date: str = "AENDT",
    trt_start_date: str = "TRTSDT",
    trt_end_date: str = "TRTEDT",
    end_window: int = 30,
    new_var: str = "TRTEMFL",
) -> pd.DataFrame:
    """Treatment-emergent flag (admiral ``derive_var_trtemfl``; ICH E9 / FDA safety conventions).

    "Y" when the event starts on or after the first dose and no later than ``end_window`` days
    after the last dose; when the start date is unknown, "Y" if the event ends on or after the
    first dose (or its end is unknown too) — an event that cannot be shown to predate treatment
    is counted. Subjects never treated get no flag.
    """
    start = pd.to_datetime(dataset[start_date])
    end = pd.to_datetime(dataset[end_date])
    first = pd.to_datetime(dataset[trt_start_date])
    last = pd.to_datetime(dataset[trt_end_date])
    limit = last + pd.to_timedelta(end_window, unit="D")
    known = start.notna() & (start >= first) & (limit.isna() | (start <= limit))
    unknown = start.isna() & (end.isna() | (end >= first))
    flag = np.where(first.notna() & (known | unknown), "Y", None)
    return dataset.assign(**{new_var: flag.astype(object)})
