"""Timing variables: --DY from RFSTDTC, and EPOCH from the subject's elements (SE).

Sources: SDTMIG 3.4 section 4.4.4 (study day), section 5.3 and 4.1.3.1 (EPOCH from the Subject
Elements: a date falls in the element whose start it is on or after and whose end it is before;
the last element of a subject includes its end date).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdtm.dates import compute_dy_of_dates, dtc_date, map_subject_dates
from sdtm.frames import add_columns, expand_rows


def derive_var_dy(dataset: pd.DataFrame, dm: pd.DataFrame, *, dtc_var: str, new_var: str) -> pd.DataFrame:
    """Add ``--DY`` for ``dtc_var`` relative to the subject's DM.RFSTDTC (no day 0).

    Required columns: ``USUBJID`` and ``dtc_var`` in ``dataset``; ``USUBJID``, ``RFSTDTC`` in ``dm``.
    """
    reference = map_subject_dates(dataset["USUBJID"], dm, "RFSTDTC")
    return add_columns(dataset, **{new_var: compute_dy_of_dates(dtc_date(dataset[dtc_var]), reference)})


def derive_var_epoch(dataset: pd.DataFrame, se: pd.DataFrame, *, dtc_var: str, new_var: str = "EPOCH") -> pd.DataFrame:
    """Add ``EPOCH``: the epoch of the subject element the record's date falls in.

    Required columns: ``USUBJID``, ``dtc_var`` in ``dataset``; ``USUBJID``, ``SESTDTC``,
    ``SEENDTC``, ``EPOCH`` in ``se``. A record whose date is partial, missing, or outside every
    element gets no EPOCH (SDTMIG: EPOCH is null when it cannot be determined).
    """
    dated = pd.DataFrame({"USUBJID": dataset["USUBJID"].to_numpy(), "_date": dtc_date(dataset[dtc_var]).to_numpy()})
    records, at = expand_rows(dated, ["USUBJID", "_date"])  # the epoch of each distinct subject and date
    records["_row"] = np.arange(len(records))
    elements = pd.DataFrame({"USUBJID": se["USUBJID"].to_numpy(), "_start": dtc_date(se["SESTDTC"]).to_numpy(),
                             "_end": dtc_date(se["SEENDTC"]).to_numpy(), "_epoch": se["EPOCH"].to_numpy()})
    elements["_last"] = elements.groupby("USUBJID")["_start"].transform("max") == elements["_start"]
    pairs = records.dropna(subset=["_date"]).merge(elements, on="USUBJID", how="inner")
    before_end = pairs["_end"].isna() | (pairs["_date"] < pairs["_end"]) | (pairs["_last"] & (pairs["_date"] == pairs["_end"]))
    hits = pairs[(pairs["_date"] >= pairs["_start"]) & before_end].sort_values(["_row", "_start"], kind="mergesort")
    first = hits.drop_duplicates("_row")
    epoch = np.full(len(records), None, dtype=object)
    epoch[first["_row"].to_numpy()] = first["_epoch"].to_numpy()
    return add_columns(dataset, **{new_var: epoch[at]})
