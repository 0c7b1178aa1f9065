"""Reconciliation: every raw record is accounted for, mapped or not, with a reason.

The ledger has one line per (raw record, outcome): ``mapped`` into a domain record (with its
USUBJID and --SEQ), ``contributed`` a value to a record of another row, ``excluded`` by design
(e.g. after the cut-off, a criterion met) or ``rejected`` (unknown subject, duplicate,
unreadable file ...). The summary compares, per raw file, the records delivered (from the raw
inventory) with the records the ledger accounts for; the totals must agree exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from sdtm.context import DomainResult

LEDGER_COLUMNS = ["SOURCE_FILE", "SOURCE_ROW", "STATUS", "DOMAIN", "USUBJID", "SEQ", "REASON"]
SUMMARY_COLUMNS = ["file", "raw_records", "accounted", "mapped", "contributed", "excluded", "rejected", "unaccounted"]
STATUS_RANK = {"mapped": 0, "contributed": 1, "excluded": 2, "rejected": 3}
"""Outcomes from best to worst: a record with several outcomes counts once, under its best."""


TEXT_COLUMNS = ("SOURCE_FILE", "STATUS", "DOMAIN", "USUBJID", "REASON")


def _text(frame: pd.DataFrame, name: str | None) -> pd.Categorical:
    """A text column of ``frame`` as a categorical (all missing when ``name`` is None or absent)."""
    if name is not None and name in frame.columns:
        return pd.Categorical(frame[name].to_numpy(dtype=object))
    return pd.Categorical.from_codes(np.full(len(frame), -1, dtype="int8"), categories=pd.Index([], dtype=object))


def _constant(frame: pd.DataFrame, value: str | None) -> pd.Categorical:
    """``value`` on every row of ``frame``, as a categorical."""
    if value is None:
        return _text(frame, None)
    return pd.Categorical.from_codes(np.zeros(len(frame), dtype="int8"), categories=pd.Index([value], dtype=object))


def _numbers(frame: pd.DataFrame, name: str | None) -> np.ndarray:
    """A column of whole numbers (rows, --SEQ) as floats, NaN where missing or absent."""
    if name is not None and name in frame.columns:
        return frame[name].to_numpy(dtype="float64", na_value=np.nan)
    return np.full(len(frame), np.nan)


def _ledger_part(frame: pd.DataFrame, *, status: str, domain: str | None, seq: str | None = None) -> dict:
    """The ledger columns of one frame of outcomes (mapped records carry USUBJID and --SEQ, others a REASON)."""
    mapped = seq is not None
    return {
        "SOURCE_FILE": _text(frame, "SOURCE_FILE"), "SOURCE_ROW": _numbers(frame, "SOURCE_ROW"),
        "STATUS": _constant(frame, status), "DOMAIN": _constant(frame, domain),
        "USUBJID": _text(frame, "USUBJID" if mapped else None), "SEQ": _numbers(frame, seq),
        "REASON": _text(frame, None if mapped else "REASON"),
    }


def build_ledger(results: dict[str, DomainResult], read_rejections: pd.DataFrame) -> pd.DataFrame:
    """The ledger of every outcome of every raw record, sorted by file, row, domain and --SEQ.

    Records without a raw row (derived records) are not listed. The text columns are
    categoricals (millions of records name a few files, outcomes and reasons), SEQ a nullable
    integer.
    """
    parts = []
    for name, result in results.items():
        data = result.data
        if {"SOURCE_FILE", "SOURCE_ROW"} <= set(data.columns) and not data.empty:
            parts.append(_ledger_part(data, status="mapped", domain=name, seq=f"{name}SEQ"))
        for status, frame in (("contributed", result.used), ("excluded", result.excluded), ("rejected", result.rejected)):
            if not frame.empty:
                parts.append(_ledger_part(frame, status=status, domain=name))
    if not read_rejections.empty:
        parts.append(_ledger_part(read_rejections, status="rejected", domain=None))
    if not parts:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    columns = {c: union_categoricals([p[c] for p in parts], sort_categories=True) for c in TEXT_COLUMNS}
    columns |= {c: np.concatenate([p[c] for p in parts]) for c in ("SOURCE_ROW", "SEQ")}
    listed = np.flatnonzero((columns["SOURCE_FILE"].codes >= 0) & ~np.isnan(columns["SOURCE_ROW"]))
    domain = columns["DOMAIN"].codes[listed]
    keys = [columns["SEQ"][listed], np.where(domain < 0, len(columns["DOMAIN"].categories), domain),
            columns["SOURCE_ROW"][listed], columns["SOURCE_FILE"].codes[listed]]
    rows = listed[np.lexsort(keys)]  # stable, missing last: the order of a mergesort of the columns
    ledger = pd.DataFrame({c: columns[c][rows] for c in LEDGER_COLUMNS})
    ledger["SOURCE_ROW"] = ledger["SOURCE_ROW"].astype("int64")
    ledger["SEQ"] = ledger["SEQ"].astype("Int64")
    return ledger


def _status_rank(status: pd.Series) -> np.ndarray:
    """:data:`STATUS_RANK` of each outcome."""
    outcomes = status.astype("category").cat
    ranks = np.array([STATUS_RANK[c] for c in outcomes.categories] + [len(STATUS_RANK)], dtype="int64")
    return ranks[outcomes.codes]


def summarise(ledger: pd.DataFrame, raw_counts: dict[str, int]) -> pd.DataFrame:
    """Per raw file: records delivered, accounted for (by their best outcome), unaccounted.

    A record counts once, under its best outcome: mapped > contributed > excluded > rejected.
    Records are the ledger's distinct rows after the header (row 1) of files in the inventory
    (``raw_counts``); their numbers need not be consecutive (a workbook's blank rows are not
    records). A file only in the ledger is listed with nothing delivered and nothing accounted.
    """
    files = sorted(set(raw_counts) | set(ledger["SOURCE_FILE"].unique()))
    delivered = np.array([raw_counts.get(f, 0) for f in files], dtype="int64")
    records = ledger[(ledger["SOURCE_ROW"] >= 2) & ledger["SOURCE_FILE"].isin(list(raw_counts))]
    best = (records[["SOURCE_FILE", "SOURCE_ROW"]].assign(_rank=_status_rank(records["STATUS"]))
            .groupby(["SOURCE_FILE", "SOURCE_ROW"], sort=False, observed=True)["_rank"].min())
    counts = pd.crosstab(best.index.get_level_values("SOURCE_FILE").astype(object), best.to_numpy())
    counts = counts.reindex(index=files, columns=list(STATUS_RANK.values()), fill_value=0).to_numpy(dtype="int64")
    accounted = counts.sum(axis=1)
    summary = pd.DataFrame({"file": files, "raw_records": delivered, "accounted": accounted})
    for status, rank in STATUS_RANK.items():
        summary[status] = counts[:, rank]
    summary["unaccounted"] = delivered - accounted
    return summary[SUMMARY_COLUMNS]
