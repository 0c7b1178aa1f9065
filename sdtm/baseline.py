"""Baseline flag for findings: --LOBXFL, the last observation before exposure (SDTMIG 3.4).

SDTMIG 3.4 introduced --LOBXFL (and deprecated --BLFL): "Y" on the last record, per subject and
test, with a non-missing result taken on or before the first exposure (DM.RFXSTDTC). Dates are
compared as calendar days: a same-day record without a time counts as before exposure (the
protocol takes pre-dose samples on cycle 1 day 1). Partial or missing dates are never baseline.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sdtm.common import compute_distinct, is_filled
from sdtm.dates import dtc_date, map_subject_dates
from sdtm.frames import add_columns


def derive_var_lobxfl(
    dataset: pd.DataFrame,
    dm: pd.DataFrame,
    *,
    by_vars: Sequence[str],
    dtc_var: str,
    result_var: str,
    new_var: str,
) -> pd.DataFrame:
    """Add ``new_var`` = "Y" on each subject/test's last non-missing result on or before RFXSTDTC.

    Required columns: ``USUBJID``, ``by_vars``, ``dtc_var``, ``result_var`` in ``dataset``;
    ``USUBJID``, ``RFXSTDTC`` in ``dm``. Ties on the same day: the record that comes last in the
    input (the later one as collected) is flagged.
    """
    exposure = map_subject_dates(dataset["USUBJID"], dm, "RFXSTDTC")
    dates = dtc_date(dataset[dtc_var])
    result = dataset[result_var]
    has_result = result.notna() & compute_distinct(result, is_filled).astype(bool)
    eligible = has_result & dates.notna() & exposure.notna() & (dates <= exposure)
    candidates = pd.DataFrame({"_date": dates, "_pos": np.arange(len(dataset))}, index=dataset.index)
    for column in by_vars:
        candidates[column] = dataset[column]
    candidates = candidates[eligible.to_numpy()]
    flag = np.full(len(dataset), None, dtype=object)
    if not candidates.empty:
        last = candidates.sort_values(list(by_vars) + ["_date", "_pos"], kind="mergesort").groupby(list(by_vars), dropna=False).tail(1)
        flag[last["_pos"].to_numpy()] = "Y"
    return add_columns(dataset, **{new_var: flag})
