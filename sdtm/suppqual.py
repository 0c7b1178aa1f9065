"""Split non-standard variables into a SUPP-- dataset (SDTMIG 3.4 section 8.4).

One SUPP-- record per parent record and qualifier with a non-missing value: STUDYID, RDOMAIN,
USUBJID, IDVAR, IDVARVAL, QNAM, QLABEL, QVAL, QORIG, QEVAL. The parent keeps only standard
variables; the link is IDVAR/IDVARVAL (usually --SEQ).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype

from sdtm.common import compute_distinct, is_filled
from sdtm.frames import reset_rows, select_columns
from sdtm.identifiers import compute_sort_codes

SUPP_COLUMNS = ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"]


@dataclass(frozen=True)
class Qualifier:
    """A non-standard variable: the column holding it, and its SUPP-- attributes."""

    column: str
    qnam: str
    qlabel: str
    qorig: str
    qeval: str | None = None


def compute_text(values: pd.Series) -> np.ndarray:
    """``values.astype(str)`` as an object array, each distinct value formatted once."""
    if is_numeric_dtype(values):
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        return pd.Series(uniques).astype(str).to_numpy(dtype=object)[codes]
    return compute_distinct(values, str).to_numpy(dtype=object)


def _qualifier_records(dataset: pd.DataFrame, qualifier: Qualifier, position: int, *, rdomain: str, idvar: str,
                       idvarval: np.ndarray) -> pd.DataFrame:
    """SUPP-- records of one qualifier (rows with a value), with the sort keys ``_order`` and ``_id``."""
    values = dataset[qualifier.column]
    rows = np.flatnonzero((values.notna() & compute_distinct(values, is_filled).astype(bool)).to_numpy(dtype=bool))
    return pd.DataFrame({
        "STUDYID": dataset["STUDYID"].to_numpy(dtype=object)[rows], "RDOMAIN": rdomain,
        "USUBJID": dataset["USUBJID"].to_numpy(dtype=object)[rows], "IDVAR": idvar, "IDVARVAL": idvarval[rows],
        "QNAM": qualifier.qnam, "QLABEL": qualifier.qlabel, "QVAL": compute_text(values)[rows], "QORIG": qualifier.qorig,
        "QEVAL": qualifier.qeval, "_order": position, "_id": dataset[idvar].to_numpy()[rows],
    })


def create_supp(dataset: pd.DataFrame, *, rdomain: str, qualifiers: Sequence[Qualifier], idvar: str) -> pd.DataFrame:
    """Build the SUPP-- dataset of ``dataset`` for ``qualifiers`` (rows with a value only).

    Required columns: ``STUDYID``, ``USUBJID``, ``idvar`` and each qualifier's column.
    Records come out sorted by USUBJID, IDVARVAL (numerically for --SEQ) and qualifier order.
    """
    if not qualifiers:
        return pd.DataFrame(columns=SUPP_COLUMNS)
    idvarval = compute_text(dataset[idvar])
    supp = pd.concat([_qualifier_records(dataset, qualifier, position, rdomain=rdomain, idvar=idvar, idvarval=idvarval)
                      for position, qualifier in enumerate(qualifiers)], ignore_index=True)
    order = np.lexsort([supp["_order"], compute_sort_codes(supp["_id"]), compute_sort_codes(supp["USUBJID"])])
    return reset_rows(select_columns(supp, SUPP_COLUMNS).take(order))
