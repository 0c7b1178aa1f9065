"""Split non-standard variables into a SUPP-- dataset (SDTMIG 3.4 section 8.4).

One SUPP-- record per parent record and qualifier with a non-missing value: STUDYID, RDOMAIN,
USUBJID, IDVAR, IDVARVAL, QNAM, QLABEL, QVAL, QORIG, QEVAL. The parent keeps only standard
variables; the link is IDVAR/IDVARVAL (usually --SEQ).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

SUPP_COLUMNS = ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"]


@dataclass(frozen=True)
class Qualifier:
    """A non-standard variable: the column holding it, and its SUPP-- attributes."""

    column: str
    qnam: str
    qlabel: str
    qorig: str
    qeval: str | None = None


def create_supp(dataset: pd.DataFrame, *, rdomain: str, qualifiers: Sequence[Qualifier], idvar: str) -> pd.DataFrame:
    """Build the SUPP-- dataset of ``dataset`` for ``qualifiers`` (rows with a value only).

    Required columns: ``STUDYID``, ``USUBJID``, ``idvar`` and each qualifier's column.
    Records come out sorted by USUBJID, IDVARVAL (numerically for --SEQ) and qualifier order.
    """
    frames = []
    for position, qualifier in enumerate(qualifiers):
        values = dataset[qualifier.column]
        present = values.notna() & (values.astype(str).str.strip() != "")
        part = dataset.loc[present, ["STUDYID", "USUBJID", idvar]].copy()
        frames.append(
            pd.DataFrame(
                {
                    "STUDYID": part["STUDYID"].to_numpy(),
                    "RDOMAIN": rdomain,
                    "USUBJID": part["USUBJID"].to_numpy(),
                    "IDVAR": idvar,
                    "IDVARVAL": part[idvar].astype(str).to_numpy(),
                    "QNAM": qualifier.qnam,
                    "QLABEL": qualifier.qlabel,
                    "QVAL": values[present].astype(str).to_numpy(),
                    "QORIG": qualifier.qorig,
                    "QEVAL": qualifier.qeval,
                    "_order": position,
                    "_id": part[idvar].to_numpy(),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=SUPP_COLUMNS)
    supp = pd.concat(frames, ignore_index=True).sort_values(["USUBJID", "_id", "_order"], kind="mergesort")
    return supp[SUPP_COLUMNS].reset_index(drop=True)
